"""Settings: read from FESTIVAL_* variables, every one documented in the README."""

from __future__ import annotations

import re

import pytest

from festival.config import FIELDS, Settings
from tests.conftest import ROOT


def test_from_env_reads_prefixed_variables_and_keeps_defaults():
    settings = Settings.from_env({"FESTIVAL_PORT": "9000", "FESTIVAL_HOST": "0.0.0.0", "PORT": "1"})

    assert (settings.port, settings.host, settings.var_dir) == (9000, "0.0.0.0", "var")


def test_from_env_rejects_a_port_that_is_not_a_number():
    with pytest.raises(ValueError, match="FESTIVAL_PORT must be a whole number, got 'eighty'"):
        Settings.from_env({"FESTIVAL_PORT": "eighty"})


def test_default_database_is_sqlite_under_var_dir():
    settings = Settings(var_dir="state")

    assert settings.resolved_database_url == "sqlite+aiosqlite:///state/festival.db"


def test_base_url_defaults_to_host_and_port_without_trailing_slash():
    assert Settings(host="127.0.0.1", port=8123).resolved_base_url == "http://127.0.0.1:8123"
    assert Settings(base_url="https://festival.example.org/").resolved_base_url == (
        "https://festival.example.org"
    )


def test_templates_found_in_the_checkout():
    assert (Settings().resolved_templates_dir / "base.html").is_file()


def test_readme_documents_every_setting_with_its_default():
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `FESTIVAL_([A-Z0-9_]+)` \| ([^|]+) \|", readme, re.MULTILINE))

    expected = {
        name.upper(): (f"`{default}`" if default != "" else "(empty)")
        for name, default, _ in FIELDS
    }
    assert {k: v.strip() for k, v in rows.items()} == expected


def test_keep_alive_settings_read_seconds_and_refuse_what_is_not_a_duration():
    settings = Settings.from_env(
        {"FESTIVAL_WS_PING_INTERVAL": "2.5", "FESTIVAL_WS_PING_TIMEOUT": "0"}
    )

    assert (settings.ws_ping_interval, settings.ws_ping_timeout) == (2.5, 0.0)
    for bad in ("nan", "-1", "inf"):
        with pytest.raises(ValueError, match="FESTIVAL_WS_PING_INTERVAL must be 0 or more"):
            Settings.from_env({"FESTIVAL_WS_PING_INTERVAL": bad})
    with pytest.raises(ValueError, match="FESTIVAL_WS_PING_TIMEOUT must be a number, got 'soon'"):
        Settings.from_env({"FESTIVAL_WS_PING_TIMEOUT": "soon"})
