"""A festival's slug becomes its address (`/{slug}/`): `festival check` refuses the slugs the
service's own paths start with, and this keeps that list equal to the routes."""

from __future__ import annotations

from pathlib import Path

from festival.config import Settings
from festival.programme.fields import ID_PATTERN
from festival.programme.model import RESERVED_SLUGS
from festival.web.app import create_app

# Named by the contract (DESIGN.md, second part) before their routes exist.
PLANNED = {"checkin", "certificates"}


def test_every_first_path_segment_of_the_service_is_a_reserved_slug(tmp_path: Path) -> None:
    app = create_app(Settings(var_dir=str(tmp_path)))
    firsts = {
        route.path.strip("/").split("/")[0]  # type: ignore[attr-defined]
        for route in app.routes
    }
    taken = {first for first in firsts if ID_PATTERN.match(first)}

    assert taken | PLANNED == set(RESERVED_SLUGS)
