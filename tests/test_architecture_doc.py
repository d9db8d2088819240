"""docs/architecture.md is the map of the house: every module, package and function it names
must exist, so the map cannot drift from the code without this failing."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"

# `festival/registration/service.py` (a file or a folder) or `festival.registration.service`,
# optionally `…:register` for a name defined in that module.
PATH = re.compile(r"`(festival(?:/[a-z_]+)*(?:\.py|/))(?::([a-z_][a-z0-9_]*))?`")
DOTTED = re.compile(r"`(festival(?:\.[a-z_]+)+)(?::([A-Za-z_][A-Za-z0-9_]*))?`")


def _named() -> list[tuple[str, str | None]]:
    text = DOC.read_text(encoding="utf-8")
    found = [(m.group(1), m.group(2)) for m in PATH.finditer(text)]
    for m in DOTTED.finditer(text):
        found.append((m.group(1).replace(".", "/"), m.group(2)))
    return found


def _module(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/").replace("/", ".")


def test_the_map_names_modules_at_all() -> None:
    assert len(_named()) >= 30  # the rule table, the parts and the data paths


@pytest.mark.parametrize(("path", "name"), sorted(set(_named()), key=str))
def test_every_module_the_map_names_exists(path: str, name: str | None) -> None:
    as_file, as_package = ROOT / f"{path.removesuffix('.py')}.py", ROOT / path.rstrip("/")
    assert as_file.is_file() or (as_package / "__init__.py").is_file(), f"{path} is gone"
    if name is not None:
        module = importlib.import_module(_module(path))
        assert hasattr(module, name), f"{_module(path)} has no {name}"


@pytest.mark.parametrize(
    "package",
    sorted(p.name for p in (ROOT / "festival").iterdir() if (p / "__init__.py").is_file()),
)
def test_every_package_is_on_the_map(package: str) -> None:
    """A new package (as `festival/report/` was) gets its row in "The parts"."""
    parts = DOC.read_text(encoding="utf-8").split("## The parts", 1)[1]
    assert f"| `festival/{package}/` |" in parts, f"festival/{package}/ is not in The parts"
