"""An installed festival finds its templates and migrations without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_carries_templates_static_files_migrations_and_texts(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=120,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("festival-*.whl")

    names = set(zipfile.ZipFile(wheel).namelist())

    assert {
        "festival/_templates/base.html",
        "festival/_templates/programme/page.html",
        "festival/_templates/static/style.css",
        "festival/storage/migrations/env.py",
        "festival/storage/migrations/versions/0001_programme_tables.py",
        "festival/locale/nl/LC_MESSAGES/festival.po",
        "festival/locale/en/LC_MESSAGES/festival.po",
    } <= names
