"""The one Jinja2 environment: autoescape on, StrictUndefined, helpers for both languages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.templating import Jinja2Templates

from festival.i18n import long_date, translate


def make_templates(directory: Path) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["translate"] = translate
    env.globals["long_date"] = long_date
    env.filters["hhmm"] = _hhmm
    return Jinja2Templates(env=env)


def _hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M}"
