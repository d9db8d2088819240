"""The one Jinja2 environment: autoescape on, StrictUndefined, helpers for both languages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from festival.i18n import (
    duration,
    long_date,
    long_moment,
    percent,
    translate,
    translate_plural,
)
from festival.web.markdown import render_markdown


def make_templates(directory: Path) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["translate"] = translate
    env.globals["translate_plural"] = translate_plural
    env.globals["translate_html"] = _translate_html
    env.filters["bdi"] = _bdi
    env.globals["long_date"] = long_date
    env.globals["long_moment"] = long_moment
    env.globals["duration"] = duration
    env.globals["percent"] = percent
    env.globals["qa_config"] = _script_config
    env.filters["hhmm"] = _hhmm
    env.filters["markdown"] = render_markdown
    return Jinja2Templates(env=env)


def _translate_html(key: str, language: str, **values: object) -> Markup:
    """`translate` for a page, where a value may be markup of ours (a `<bdi>` name): the
    message is our own text, every plain value is escaped."""
    return Markup(escape(translate(key, language))).format(**values)


def _bdi(value: object) -> Markup:
    """A person's name (or address) isolated from the text around it, so a right-to-left
    name cannot turn the rest of the line around."""
    return Markup("<bdi>{}</bdi>").format(value)


def _hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def _script_config(config: dict[str, Any]) -> Markup:
    """A page's settings for its script, as JSON that cannot break out of the script tag."""
    return Markup('<script type="application/json" id="qa-config">{}</script>').format(
        htmlsafe_json_dumps(config)
    )
