"""Which programme changes reach attendees' calendars (and so raise an entry's version)."""

from __future__ import annotations

import pytest

from festival.programme.changes import reaches_calendars

OLD, NEW = "https://zoom.example.org/a", "https://meet.example.org/b"


@pytest.mark.parametrize(
    ("fields", "reaches"),
    [
        ({"join_url": (OLD, NEW)}, False),  # the personal join link leads to the new one
        ({"join_url": ("", NEW)}, True),  # the invite gains a join link
        ({"join_url": (OLD, "")}, True),  # and loses it
        ({"join_url": (OLD, NEW), "title": ("A", "B")}, True),
        ({"starts_at": (1, 2)}, True),
    ],
    ids=["link-replaced", "link-added", "link-removed", "link-and-title", "time"],
)
def test_only_a_replaced_provider_link_stays_out_of_calendars(
    fields: dict[str, tuple[object, object]], reaches: bool
):
    assert reaches_calendars(fields) is reaches
