"""A public ballot end to end through a real SMTP server, on SQLite and PostgreSQL: the ballot,
the mail with its link, the page the link opens (a button: following the link counts
nothing), the count on the button's post; a link used again or of a replaced ballot counts
nothing more; then the host's reveal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from tests.factories import bearer, role_token
from tests.mail import html_of, text_of
from tests.mailing.conftest import Inbox
from tests.votes.programmes import DURING, SLUG, VOTE, vote_file
from tests.web.conftest import load_into

API = f"/api/votes/{VOTE}"
LINK = re.compile(r"http://festival\.test(/vote/confirm/[0-9a-f]{64})\?lang=(nl|en)")


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: tuple[Inbox, str]) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=str(tmp_path),
        base_url="http://festival.test",
        festival=SLUG,
        smtp_url=smtp[1],
        mail_from="stemmen@festival.test",
    )


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    load_into(settings.database_url, vote_file(tmp_path))
    with TestClient(create_app(settings, clock=FixedClock(DURING))) as client:
        yield client


def mails(inbox: Inbox, n: int) -> list[Message]:
    assert inbox.wait_until(lambda messages: len(messages) >= n, timeout=20), inbox.messages
    return inbox.messages[:n]


def counts(client: TestClient, settings: Settings) -> dict[str, int]:
    admin = bearer(role_token(settings.database_url, "admin", SLUG)[1])
    result: dict[str, int] = client.get(API, headers=admin).json()["results"]
    return result


def test_the_mailed_link_opens_a_button_and_only_the_button_counts(
    client: TestClient, settings: Settings, smtp: tuple[Inbox, str]
):
    inbox, _ = smtp

    cast = client.post(
        f"{API}/ballots",
        json={"nominee": "juul-van-schaijk", "email": "Kees@Example.org", "language": "en"},
    )
    (mail,) = mails(inbox, 1)
    text = text_of(mail)
    found = LINK.search(text)
    assert found is not None, text
    link = found.group(1)
    opened = client.get(f"{link}?lang=en")
    before = counts(client, settings)
    confirmed = client.post(f"{link}?lang=en")
    again = client.post(f"{link}?lang=en")

    assert cast.status_code == 202
    assert mail["To"] == "Kees@example.org"
    assert mail["Subject"] == "Confirm your vote: Sociaal Werker van het Jaar 2023"
    assert text.startswith("Hello,\n")
    assert "You voted for Juul van Schaijk in Sociaal Werker van het Jaar 2023." in text
    assert f'href="http://festival.test{link}?lang=en"' in html_of(mail)
    assert opened.status_code == 200
    assert opened.template.name == "votes/confirm.html"  # type: ignore[attr-defined]
    assert "Confirm my vote" in opened.text
    assert before["juul-van-schaijk"] == 0  # following the link counted nothing
    assert confirmed.status_code == 200
    assert "Your vote for \u2068Juul van Schaijk\u2069 counts." in confirmed.text
    assert again.status_code == 409
    assert "A vote that counts was cast with this e-mail address or link already." in again.text
    assert counts(client, settings)["juul-van-schaijk"] == 1


def test_the_link_of_a_replaced_ballot_counts_nothing(
    client: TestClient, settings: Settings, smtp: tuple[Inbox, str]
):
    inbox, _ = smtp
    client.post(f"{API}/ballots", json={"nominee": "yamina-ayadi", "email": "kees@example.org"})
    # Sent before it is replaced: a mail still waiting then is not sent at all.
    mails(inbox, 1)
    client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia", "email": "kees@example.org"})

    first, second = (LINK.search(text_of(m)) for m in mails(inbox, 2))
    assert first is not None
    assert second is not None
    stale = client.post(first.group(1))
    fresh = client.post(second.group(1))

    assert "Yamina Ayadi" in text_of(inbox.messages[0])
    assert stale.status_code == 404
    assert "Deze stem is ingetrokken of vervangen; er is niets geteld." in stale.text
    assert fresh.status_code == 200
    assert counts(client, settings) == {
        "yamina-ayadi": 0,
        "juul-van-schaijk": 0,
        "mhamed-yahia": 1,
    }


def test_a_counted_ballot_is_withdrawn_from_its_link_and_the_host_reveals_the_rest(
    client: TestClient, settings: Settings, smtp: tuple[Inbox, str]
):
    inbox, _ = smtp
    for address, nominee in [("a@example.org", "yamina-ayadi"), ("b@example.org", "mhamed-yahia"),
                             ("c@example.org", "mhamed-yahia")]:  # fmt: skip
        client.post(f"{API}/ballots", json={"nominee": nominee, "email": address})
    links = {}
    for mail in mails(inbox, 3):
        found = LINK.search(text_of(mail))
        assert found is not None
        links[str(mail["To"])] = found.group(1)
    for link in links.values():
        client.post(link)

    withdrawn = client.post(f"{links['c@example.org']}/withdraw")
    host = bearer(role_token(settings.database_url, "host", SLUG)[1])
    revealed = client.post(f"{API}/reveal", headers=host).json()
    late = client.post(f"{links['a@example.org']}/withdraw")

    assert withdrawn.status_code == 200
    assert "Je stem is ingetrokken." in withdrawn.text
    assert revealed["status"] == "revealed"
    assert revealed["results"] == {"yamina-ayadi": 1, "juul-van-schaijk": 0, "mhamed-yahia": 1}
    assert revealed["winners"] == ["yamina-ayadi", "mhamed-yahia"]  # a tie: both
    assert late.status_code == 403
    assert "De uitslag is al bekend" in late.text
    page = client.get(f"/vote/{VOTE}?lang=nl")
    assert "De uitslag is bekend." in page.text
    assert page.text.count("Winnaar") == 2
