"""Programme files with a vote for the vote tests: the congress of 2023 (whose vote, Sociaal
Werker van het Jaar, opens on 11 April 2023), with its vote's closing time, voters or
nominees changed by text edits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.web.test_editions import CONGRESS

SLUG = "jaarcongres-sociaal-werk-2023"
VOTE = "sociaal-werker-van-het-jaar-2023"
NOMINEES = ("yamina-ayadi", "juul-van-schaijk", "mhamed-yahia")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BEFORE = datetime(2023, 4, 10, 12, 0, tzinfo=AMSTERDAM).astimezone(UTC)  # not open yet
DURING = datetime(2023, 4, 20, 12, 0, tzinfo=AMSTERDAM).astimezone(UTC)
CLOSES = datetime(2023, 5, 24, 11, 0, tzinfo=AMSTERDAM).astimezone(UTC)
AFTER = datetime(2023, 5, 24, 11, 30, tzinfo=AMSTERDAM).astimezone(UTC)


def vote_file(
    directory: Path,
    *,
    voters: str = "public",
    slug: str = SLUG,
    title: str = "Jaarcongres Sociaal Werk 2023",
) -> Path:
    """The congress with a closing time for its vote (24 May 2023, 11:00), `voters`, and a
    photo and text for its first nominee (the text holds markup, to be shown as text)."""
    text = CONGRESS.read_text(encoding="utf-8")
    text = text.replace(
        "opens = 2023-04-11T00:00:00\n",
        f'opens = 2023-04-11T00:00:00\ncloses = 2023-05-24T11:00:00\nvoters = "{voters}"\n',
    )
    text = text.replace(
        '{ name = "Yamina Ayadi" },',
        '{ name = "Yamina Ayadi", photo = "https://example.org/yamina.jpg", '
        'text = "Buurtwerker <b>in</b> Tilburg" },',
    )
    text = text.replace(f'slug = "{SLUG}"', f'slug = "{slug}"', 1)
    if slug != SLUG:
        text = text.replace(
            'title = "Jaarcongres Sociaal Werk 2023: NEXT LEVEL!"', f'title = "{title}"'
        )
    path = directory / f"{slug}-{voters}.toml"
    path.write_text(text, encoding="utf-8")
    return path
