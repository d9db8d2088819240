"""The archive of a festival that is over (`/{slug}/archive`, and its programme page, which
leads with it): the report, the recordings and slides of the day, of blocks and items, the
questions answered with the speaker they were addressed to, and the themes of table rounds;
before the end, when it opens. All four schedules in one database, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from festival.bus.memory import InProcessBus
from festival.clock import FixedClock
from festival.config import Settings
from festival.i18n import long_date
from festival.live.log import EventLog
from festival.live.qa_service import QaService
from festival.programme.loading import read_programme
from festival.qa import QaChannel, approve, ask, hide, mark_answered, open_qa
from festival.qa.channels import qa_channels
from festival.qa.rules import Outcome
from festival.storage.db import Database
from festival.web.app import create_app
from tests.conftest import REFERENCE, SCHEDULES
from tests.web.conftest import NOW, load_into

HOEZO = "hoezo-sociaal-werk-2017"
KUS = "kus-themabijeenkomst-2016"
REFERENCE_SLUG = "agenda-sociaal-werk-2020"
BLOCK_RECORDING = "https://video.example.org/hoezo-sociaal-werk-2017/blokker"
ITEM_SLIDES = "https://files.example.org/hoezo-sociaal-werk-2017/posters.pdf"
THEMES = ["Samenwerken in de wijk", "Digitale hulpverlening"]
REPORT = '''report = """
Dank aan iedereen die er was. **Bekijk de video** of lees [de impressie](https://example.org/impressie).

<script>alert("verslag")</script><a href="javascript:alert(1)">klik</a>
"""
'''
MODERATOR = "moderator"
AT = datetime(2017, 11, 9, 10, 0, tzinfo=UTC)  # during the hoezo plenary


def hoezo_after_the_day(directory: Path) -> Path:
    """The 2017 schedule as an organiser reloads it after the day: a report, a block's
    recording, an item's slides, the themes the table rounds brought in (test data)."""
    text = (SCHEDULES / f"{HOEZO}.toml").read_text(encoding="utf-8")
    text, replaced = re.subn(r'^report = """.*?"""\n', REPORT, text, flags=re.DOTALL | re.M)
    assert replaced == 1
    text = text.replace(
        'title = "Lezing Eelke Blokker"\n',
        f'title = "Lezing Eelke Blokker"\n  recording_url = "{BLOCK_RECORDING}"\n',
        1,
    )
    text = text.replace(
        'title = "Posterpresentaties onderzoeksprojecten"\n',
        f'title = "Posterpresentaties onderzoeksprojecten"\nslides_url = "{ITEM_SLIDES}"\n',
        1,
    )
    themes = ", ".join(f'"{t}"' for t in THEMES)
    text = text.replace('title = "Tafelrondes"\n', f'title = "Tafelrondes"\ntopics = [{themes}]\n')
    path = directory / f"{HOEZO}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Asked:
    id: str
    text: str
    asker: str
    speaker: str | None = None
    anonymous: bool = False
    ending: str = "answered"  # answered | approved | hidden | pending


PLENARY_QUESTIONS = [
    Asked("q1", "Wat betekent publieke waarde voor een wijkteam?", "Ann de Vries", "Eelke Blokker"),
    Asked("q2", "Hoe meet je sociale kwaliteit?", "Bram Jansen", "Jack de Swart", anonymous=True),
    Asked("q3", "<img src=x onerror=alert(1)> mag dat?", "Cor Peters"),
    Asked("q4", "Deze vraag is verborgen.", "Dirk Bakker", ending="hidden"),
    Asked("q5", "Deze vraag wacht nog.", "Eva Smit", ending="pending"),
    Asked("q6", "Deze vraag kwam niet aan bod.", "Fee Mulder", ending="approved"),
]
SESSION = "tafel-werkalliantie"
SESSION_QUESTION = Asked("s1", "Hoe bouw je vertrouwen op met een cliënt?", "Gert Vos")


async def put_questions(url: str, slug: str, channel: str, questions: list[Asked]) -> None:
    """The questions asked and moderated as the live Q&A does, through its own rules."""
    db, bus = Database(url), InProcessBus()
    await bus.start()
    qa = QaService(EventLog(db), bus)
    people = qa_channels(read_programme(SCHEDULES / f"{slug}.toml"))[channel].people

    async def run(command: Callable[[QaChannel], Outcome]) -> None:
        await qa.run(slug, channel, lambda state, _seq: command(state))

    try:
        await run(lambda s: open_qa(s, actor=MODERATOR, now=AT))
        for q in questions:
            await run(
                lambda s, q=q: ask(
                    s,
                    q.id,
                    asker_id=q.asker,
                    asker_name=q.asker,
                    text=q.text,
                    now=AT,
                    people=people,
                    speaker=q.speaker,
                    anonymous=q.anonymous,
                )
            )
            if q.ending == "hidden":
                await run(lambda s, q=q: hide(s, q.id, actor=MODERATOR, now=AT))
            if q.ending in ("approved", "answered"):
                await run(lambda s, q=q: approve(s, q.id, actor=MODERATOR, now=AT))
            if q.ending == "answered":
                await run(lambda s, q=q: mark_answered(s, q.id, actor=MODERATOR, now=AT))
    finally:
        await bus.close()
        await db.dispose()


@pytest.fixture(scope="module")
def app(shared_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module, on SQLite and on PostgreSQL: its tests only read pages."""
    url, folder = shared_database_url, tmp_path_factory.mktemp("archive")
    settings = Settings(database_url=url, var_dir=str(folder), base_url="http://festival.test")
    kus, hoezo = SCHEDULES / f"{KUS}.toml", hoezo_after_the_day(folder)
    load_into(url, kus, hoezo, REFERENCE, SCHEDULES / "jaarcongres-sociaal-werk-2023.toml")
    asyncio.run(put_questions(url, HOEZO, "plenary", PLENARY_QUESTIONS))
    asyncio.run(put_questions(url, KUS, SESSION, [SESSION_QUESTION]))
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        yield client


@pytest.fixture
def client(app: TestClient) -> TestClient:
    """The module's app as a new visitor: no language cookie left by an earlier test."""
    app.cookies.clear()
    return app


def section(page: str, start: str, end: str) -> str:
    """The part of the page from the first `start` to the next `end` after it."""
    begins = page.index(start)
    return page[begins : page.index(end, begins)]


@pytest.mark.parametrize("path", [f"/{HOEZO}/archive", f"/{HOEZO}/"])
def test_a_past_festival_leads_with_its_archive_and_keeps_its_programme(
    client: TestClient, path: str
):
    page = client.get(f"{path}?lang=nl")

    assert page.status_code == 200
    archive = section(page.text, 'id="archive"', "</section>")
    assert "Archief" in archive
    assert 'href="https://video.example.org/hoezo-sociaal-werk-2017">Opname</a>' in archive
    assert "presentaties.pdf" in archive
    assert "Deze editie is voorbij" in page.text
    assert "Lezing Jack de Swart" in page.text
    assert "Theaterscènes door Crux Creaties" in page.text
    assert f'href="/{HOEZO}/register' not in page.text  # nothing left to register for


def test_the_archive_shows_the_recordings_and_slides_of_blocks_and_items(client: TestClient):
    page = client.get(f"/{HOEZO}/archive").text

    block = section(page, 'id="lezing-blokker"', "</li>")
    item = section(page, 'id="posterpresentaties"', "</li>")
    assert f'href="{BLOCK_RECORDING}">Opname</a>' in block
    assert f'href="{ITEM_SLIDES}">Presentatie</a>' in item


def test_the_archive_shows_the_themes_of_the_table_rounds(client: TestClient):
    tables = section(client.get(f"/{HOEZO}/archive").text, 'id="tafelrondes"', "</li>\n  ")

    assert all(f"<li>{theme}</li>" in tables for theme in THEMES)


@pytest.mark.parametrize(
    ("lang", "heading", "to", "asked_by", "anonymous"),
    [
        ("nl", "Beantwoorde vragen", "aan", "gesteld door", "anoniem gesteld"),
        ("en", "Questions answered", "to", "asked by", "asked anonymously"),
    ],
)
def test_the_archive_shows_the_questions_answered_with_their_speaker(
    client: TestClient, lang: str, heading: str, to: str, asked_by: str, anonymous: str
):
    plenary = section(
        client.get(f"/{HOEZO}/archive?lang={lang}").text, 'id="plenary"', "</section>"
    )

    answered = plenary[plenary.index(heading) :]
    first, second, third = PLENARY_QUESTIONS[:3]
    assert f"<q>{first.text}</q>" in answered
    assert f"{to} <bdi>Eelke Blokker</bdi> · {asked_by} <bdi>Ann de Vries</bdi>" in answered
    assert f"<q>{second.text}</q>" in answered
    assert f"{to} <bdi>Jack de Swart</bdi> · {anonymous}" in answered
    assert second.asker not in answered  # anonymous stays anonymous
    assert f"<q>{html.escape(third.text, quote=False)}</q>" in answered  # as text, escaped
    assert "<img" not in plenary
    for hidden_or_unanswered in PLENARY_QUESTIONS[3:]:
        assert hidden_or_unanswered.text not in plenary


def test_a_session_s_answered_questions_are_shown_with_the_session(client: TestClient):
    session = section(client.get(f"/{KUS}/archive").text, f'id="{SESSION}"', "</article>")

    assert f"<q>{SESSION_QUESTION.text}</q>" in session
    assert "gesteld door <bdi>Gert Vos</bdi>" in session


def test_the_report_is_rendered_and_sanitised(client: TestClient):
    report = section(client.get(f"/{HOEZO}/archive").text, 'class="report"', "</div>")

    assert "<strong>Bekijk de video</strong>" in report
    assert '<a href="https://example.org/impressie" rel="noopener noreferrer nofollow">' in report
    assert "<script" not in report
    assert 'alert("verslag")' not in report
    assert "javascript:" not in report


@pytest.mark.parametrize(
    ("lang", "opens"),
    [("nl", "Het archief opent na afloop: vanaf {date}, 15:15 (Europe/Amsterdam)"),
     ("en", "The archive opens after the day: from {date}, 15:15 (Europe/Amsterdam)")],
)  # fmt: skip
@pytest.mark.parametrize("path", [f"/{REFERENCE_SLUG}/archive", "/archive"])
def test_before_the_end_the_archive_says_when_it_opens(
    client: TestClient, path: str, lang: str, opens: str
):
    # 19 November 2020, 09:00 in Amsterdam: the reference day ends at 15:15.
    page = client.get(f"{path}?lang={lang}")

    assert page.status_code == 200
    assert opens.format(date=long_date(NOW.date(), lang)) in page.text
    assert f'href="/{REFERENCE_SLUG}/?lang={lang}"' in page.text


def test_a_festival_still_to_come_shows_no_archive(client: TestClient):
    page = client.get(f"/{REFERENCE_SLUG}/").text

    assert 'id="archive"' not in page
    assert "Beantwoorde vragen" not in page
    assert f'href="/{REFERENCE_SLUG}/register' in page


def test_the_archive_of_an_unknown_festival_is_not_found(client: TestClient):
    assert client.get("/no-such-festival/archive").status_code == 404
