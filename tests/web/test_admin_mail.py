"""The organiser's view of outgoing mail: /admin#outbox, /admin/mail/KEY, /api/admin/outbox
and the retry, on a running app that delivers into its maildir."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.storage.tables import OutboxRow
from festival.web.state import AppState
from tests.conftest import REFERENCE, SCHEDULES
from tests.factories import REFERENCE_SLUG, admin_token, bearer, register, registration, started
from tests.web.conftest import NOW, load_into

OTHER = "jaarcongres-sociaal-werk-2023"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    with started(settings, REFERENCE, clock=clock) as client:
        yield client


@pytest.fixture
def admin(client: TestClient, settings: Settings) -> str:
    return admin_token(settings.database_url)[1]


def deliver_all(client: TestClient) -> None:
    """Run the app's own sender on the app's loop until nothing is due or in flight.

    The sender's background loop may be handling a batch at the same time; rows are claimed,
    so each is sent once, and this returns only when that batch is recorded too.
    """
    state: AppState = client.app_state["festival"]

    async def unfinished() -> int:
        async with state.db.session() as db:
            busy = OutboxRow.status.in_(["pending", "sending"])
            due = OutboxRow.next_attempt_at <= state.clock.now()
            return int(await db.scalar(select(func.count()).where(busy & due)) or 0)

    async def drain() -> None:
        while await state.sender.deliver_due() or await unfinished():
            pass

    client.portal.call(drain)


def outbox(client: TestClient, admin: str) -> dict[str, Any]:
    response = client.get("/api/admin/outbox", headers=bearer(admin))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def failed(
    client: TestClient, admin: str, kinds: tuple[str, ...] = ("welcome", "invite")
) -> list[dict[str, Any]]:
    """The failures of these kinds; reminders come and go with the scheduler's timing."""
    return [f for f in outbox(client, admin)["failed"] if f["kind"] in kinds]


def csrf_of(html: str) -> str:
    found = re.search(r'<input type="hidden" name="csrf" value="([0-9a-f]{64})">', html)
    assert found, "the page has no retry form"
    return found.group(1)


# -- counts and the maildir ----------------------------------------------------------------------


def test_outbox_api_counts_by_kind_and_status_and_lists_the_maildir(client: TestClient, admin: str):
    register(client, registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"}))
    register(client, registration("Bob", "bob@example.org"))

    deliver_all(client)
    body = outbox(client, admin)

    assert body["counts"]["welcome"] == {
        "pending": 0,
        "sending": 0,
        "sent": 2,
        "failed": 0,
        "skipped": 0,
    }
    assert body["counts"]["invite"]["sent"] == 3  # Ann: session and plenary; Bob: plenary
    assert body["failed"] == []
    assert body["maildir_more"] is False
    welcome = [m for m in body["maildir"] if m["subject"].startswith("Je bent aangemeld")]
    assert sorted(m["to"] for m in welcome) == ["Ann <ann@example.org>", "Bob <bob@example.org>"], (
        body
    )
    assert len(body["maildir"]) == sum(n["sent"] for n in body["counts"].values())
    first = body["maildir"][0]
    assert first["url"] == f"/admin/mail/{first['key']}"
    assert first["message_id"].endswith("@agenda-sociaal-werk-2020.festival>")
    assert first["date"].endswith("+00:00")


def test_admin_page_shows_the_outbox_in_dutch_and_english(client: TestClient, admin: str):
    register(client, registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"}))
    deliver_all(client)

    dutch = client.get("/admin", headers=bearer(admin))
    english = client.get("/admin?lang=en", headers=bearer(admin))

    assert dutch.template.name == "admin/page.html"  # type: ignore[attr-defined]
    panel = dutch.context["page"].mail  # type: ignore[attr-defined]
    assert (panel.count("invite", "sent"), panel.count("welcome", "sent")) == (2, 1)
    assert dutch.text.count("<h2>Uitgaande mail</h2>") == 1  # in the page, once
    title = dutch.text.split("<title>")[1].split("</title>")[0]
    assert title == "Aanmeldingen · De agenda van het sociaal werk 2020"
    row = dutch.text.split('<tr id="outbox-invite">')[1].split("</tr>")[0]
    assert re.findall(r"<td>(\d+)</td>", row) == ["0", "0", "2", "0", "0"]
    assert "<p>Geen mislukte berichten.</p>" in dutch.text
    assert "<h3>Afgeleverd in de maildir</h3>" in dutch.text
    assert "<h2>Outgoing mail</h2>" in english.text
    assert '<th scope="row">Calendar invitation</th>' in english.text
    assert "<p>No failed messages.</p>" in english.text


def test_admin_page_with_an_empty_outbox_says_so(client: TestClient, admin: str):
    page = client.get("/admin", headers=bearer(admin))

    assert "<p>Er is nog geen mail.</p>" in page.text
    assert "<p>De maildir is nog leeg.</p>" in page.text


# -- reading one message -------------------------------------------------------------------------


def test_a_delivered_message_opens_with_its_html_framed_in_a_sandbox(
    client: TestClient, admin: str
):
    evil = '<script>alert("x")</script>'
    register(client, registration(evil, "evil@example.org"))
    deliver_all(client)
    (welcome,) = [m for m in outbox(client, admin)["maildir"] if "aangemeld" in m["subject"]]

    response = client.get(welcome["url"], headers=bearer(admin))
    framed = client.get(f"{welcome['url']}/html", headers=bearer(admin))

    assert response.status_code == 200
    assert response.template.name == "admin/mail.html"  # type: ignore[attr-defined]
    assert response.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'self'; img-src data:; frame-src 'self'"
    )
    assert "<script>alert" not in response.text
    assert "Hallo \u2068&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;\u2069," in response.text
    assert (
        f'<iframe class="mail-html" sandbox src="/admin/mail/{welcome["key"]}/html?'
        'festival=agenda-sociaal-werk-2020"' in response.text
    )
    # The frame's content: the HTML as sent, where the browser lets nothing run or load.
    assert framed.status_code == 200
    assert framed.headers["content-type"] == "text/html; charset=utf-8"
    assert framed.headers["content-security-policy"] == (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "frame-ancestors 'self'"
    )
    assert framed.headers["x-content-type-options"] == "nosniff"
    assert (
        "<p>Hallo \u2068&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;\u2069,</p>" in framed.text
    )
    view = response.context["view"]  # type: ignore[attr-defined]
    assert view.mail.message_id == welcome["message_id"]
    assert view.text.startswith(f"Hallo \u2068{evil}\u2069,")


def test_a_message_opened_from_the_english_admin_page_has_english_labels(
    client: TestClient, admin: str
):
    register(client, registration("Ann", "ann@example.org"))
    deliver_all(client)
    english = client.get("/admin?lang=en", headers=bearer(admin)).text
    (link,) = re.findall(r'<a href="(/admin/mail/[^"]+)">Je bent aangemeld', english)

    response = client.get(link.replace("&amp;", "&"), headers=bearer(admin))

    assert link.endswith("&amp;lang=en")
    assert "<dt>From</dt>" in response.text
    assert "<dt>To</dt>" in response.text
    assert "<h2>As the recipient sees it</h2>" in response.text
    assert (
        '<a href="/admin?festival=agenda-sociaal-werk-2020&amp;lang=en#outbox">'
        "Back to the overview</a>" in response.text
    )


def test_the_html_of_an_unknown_or_other_festivals_message_is_404(
    client: TestClient, settings: Settings
):
    load_into(settings.database_url, SCHEDULES / f"{OTHER}.toml")
    register(client, registration("Bob", "bob@example.org"), f"?festival={OTHER}")
    deliver_all(client)
    admin = admin_token(settings.database_url)[1]
    (bobs, *_) = outbox(client, admin_token(settings.database_url, OTHER)[1])["maildir"]

    foreign = client.get(f"{bobs['url']}/html", headers=bearer(admin))
    unknown = client.get("/admin/mail/1600000000.M1P1Q1.nowhere/html", headers=bearer(admin))

    assert [foreign.status_code, unknown.status_code] == [404, 404]
    assert foreign.headers["content-type"].startswith("text/html")


def test_an_invite_shows_its_calendar(client: TestClient, admin: str):
    register(client, registration("Ann", "ann@example.org"))
    deliver_all(client)
    (invite,) = [m for m in outbox(client, admin)["maildir"] if "Uitnodiging" in m["subject"]]

    view = client.get(invite["url"], headers=bearer(admin)).context["view"]  # type: ignore[attr-defined]

    assert "METHOD:REQUEST" in view.calendar
    assert "DTSTART:20201119T123000Z" in view.calendar


def test_unknown_or_other_festivals_message_is_404(client: TestClient, settings: Settings):
    load_into(settings.database_url, SCHEDULES / f"{OTHER}.toml")
    register(client, registration("Bob", "bob@example.org"), f"?festival={OTHER}")
    deliver_all(client)
    other_admin = admin_token(settings.database_url, OTHER)[1]
    admin = admin_token(settings.database_url)[1]
    (bobs, *_) = outbox(client, other_admin)["maildir"]

    foreign = client.get(bobs["url"], headers=bearer(admin))
    unknown = client.get("/admin/mail/1600000000.M1P1Q1.nowhere", headers=bearer(admin))
    sneaky = client.get("/admin/mail/..%2F..%2Ffestival.db", headers=bearer(admin))

    assert outbox(client, admin)["maildir"] == []
    assert [foreign.status_code, unknown.status_code, sneaky.status_code] == [404, 404, 404]
    assert client.get(bobs["url"], headers=bearer(other_admin)).status_code == 200


# -- failures and retry --------------------------------------------------------------------------


@pytest.fixture
def broken_maildir(settings: Settings) -> Path:
    """A file where the maildir should be: every delivery fails until it is removed."""
    settings.mail_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.mail_dir.write_text("not a folder")
    return settings.mail_dir


def fail_until_given_up(client: TestClient, clock: FixedClock) -> None:
    for _ in range(8):  # MAX_ATTEMPTS rounds, each after the longest backoff
        deliver_all(client)
        clock.set(clock.now() + timedelta(minutes=10))


def test_failed_messages_are_listed_with_their_last_error(
    broken_maildir: Path, client: TestClient, clock: FixedClock, admin: str
):
    register(client, registration("Ann", "ann@example.org"))

    fail_until_given_up(client, clock)
    body = outbox(client, admin)
    page = client.get("/admin", headers=bearer(admin)).text

    assert body["counts"]["welcome"]["failed"] == 1
    assert body["counts"]["invite"]["failed"] == 1
    ours = failed(client, admin)
    assert [(f["kind"], f["recipient"], f["attempts"]) for f in ours] == [
        ("welcome", "ann@example.org", 8),
        ("invite", "ann@example.org", 8),
    ]
    where = f"maildir {broken_maildir}: [Errno 20] Not a directory"
    assert all(f["error"].startswith(where) for f in ours)
    row = page.split(f'<tr id="failed-{ours[0]["id"]}">')[1].split("</tr>")[0]
    assert row.startswith("<td>Welkom</td><td>ann@example.org</td><td>8</td><td>maildir ")
    assert '<button type="submit">Mislukte berichten opnieuw versturen</button>' in page


def test_retry_button_sends_failed_messages_again(
    broken_maildir: Path, client: TestClient, clock: FixedClock, admin: str
):
    register(client, registration("Ann", "ann@example.org"))
    fail_until_given_up(client, clock)
    client.get(f"/admin?token={admin}", follow_redirects=False)  # the cookie, as a browser has
    token = csrf_of(client.get("/admin").text)
    waiting = len(outbox(client, admin)["failed"])
    broken_maildir.unlink()  # the organiser fixes the cause

    response = client.post("/admin/outbox/retry", data={"csrf": token}, follow_redirects=False)
    for _ in range(2):  # the sender may have tried the old, broken folder once more
        deliver_all(client)
        clock.set(clock.now() + timedelta(minutes=10))

    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/admin?festival={REFERENCE_SLUG}&retried={waiting}#outbox",
    )
    assert (
        f"{waiting} mislukte berichten staan weer in de wachtrij."
        in client.get(response.headers["location"]).text
    )
    body = outbox(client, admin)
    assert body["failed"] == []
    assert (body["counts"]["welcome"]["sent"], body["counts"]["invite"]["sent"]) == (1, 1)
    assert len(body["maildir"]) == sum(n["sent"] for n in body["counts"].values())


@pytest.mark.parametrize("form", [{}, {"csrf": "0" * 64}])
def test_retry_form_without_the_right_token_is_refused(
    broken_maildir: Path, client: TestClient, clock: FixedClock, admin: str, form: dict[str, str]
):
    register(client, registration("Ann", "ann@example.org"))
    fail_until_given_up(client, clock)
    client.get(f"/admin?token={admin}", follow_redirects=False)
    waiting = outbox(client, admin)["failed"]

    response = client.post("/admin/outbox/retry", data=form, follow_redirects=False)

    assert response.status_code == 403
    assert outbox(client, admin)["failed"] == waiting  # nothing was put back in line


def test_retry_api_takes_the_bearer_token_not_the_cookie(
    broken_maildir: Path, client: TestClient, clock: FixedClock, admin: str
):
    register(client, registration("Ann", "ann@example.org"))
    fail_until_given_up(client, clock)
    client.get(f"/admin?token={admin}", follow_redirects=False)
    waiting = len(outbox(client, admin)["failed"])

    with_cookie = client.post("/api/admin/outbox/retry")
    with_bearer = client.post("/api/admin/outbox/retry", headers=bearer(admin))

    assert (with_cookie.status_code, with_cookie.json()["error"]["code"]) == (401, "auth.required")
    assert (with_bearer.status_code, with_bearer.json()) == (200, {"retried": waiting})
    assert outbox(client, admin)["failed"] == []  # back in line (maybe tried once more already)


# -- refusals ------------------------------------------------------------------------------------

MAIL_PATHS = [
    ("GET", "/api/admin/outbox"),
    ("GET", "/admin/mail/1600000000.M1P1Q1.host"),
    ("GET", "/admin/mail/1600000000.M1P1Q1.host/html"),
    ("POST", "/admin/outbox/retry"),
    ("POST", "/api/admin/outbox/retry"),
]


@pytest.mark.parametrize(("method", "path"), MAIL_PATHS)
def test_mail_paths_without_a_token_are_401(client: TestClient, method: str, path: str):
    response = client.request(method, path)

    assert response.status_code == 401
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "auth.required"
    else:
        assert "<h1>Geen toegang</h1>" in response.text


@pytest.mark.parametrize(("method", "path"), MAIL_PATHS)
def test_mail_paths_with_an_attendee_token_are_403(client: TestClient, method: str, path: str):
    ann = register(client, registration("Ann", "ann@example.org"))

    response = client.request(method, path, headers=bearer(ann["token"]))

    assert response.status_code == 403


def test_a_message_waiting_for_a_retry_shows_its_reason(client: TestClient, admin: str):
    register(client, registration("Ann", "ann@example.org"))
    deliver_all(client)  # the app's own sender is done with it: nothing races the change below
    state: AppState = client.app_state["festival"]

    async def failed_once() -> None:  # as the sender leaves a message after a 4xx
        async with state.db.session() as db, db.begin():
            await db.execute(
                update(OutboxRow)
                .where(OutboxRow.kind == "welcome")
                .values(
                    status="pending",
                    attempts=3,
                    last_error="SMTP 451: 4.3.0 <try again>",
                    next_attempt_at=NOW + timedelta(minutes=1),
                )
            )

    client.portal.call(failed_once)
    body = outbox(client, admin)
    page = client.get("/admin?lang=en", headers=bearer(admin))

    (waiting,) = body["retrying"]
    assert (waiting["kind"], waiting["recipient"], waiting["attempts"]) == (
        "welcome",
        "ann@example.org",
        3,
    )
    assert waiting["error"] == "SMTP 451: 4.3.0 <try again>"
    assert waiting["next_attempt_at"] == (NOW + timedelta(minutes=1)).isoformat()
    assert 'id="outbox-retrying"' in page.text
    assert "Failed, will be tried again" in page.text
    assert "SMTP 451: 4.3.0 &lt;try again&gt;" in page.text
    # The festival's wall-clock time, its zone named (`festival outbox` says UTC, marked so).
    assert 'id="outbox-zone">Times in Europe/Amsterdam</p>' in page.text
    row = page.text.split('id="retrying-', 1)[1].split("</tr>", 1)[0]
    assert "<td>2020-11-19 09:01:00 CET</td>" in row  # NOW + 1 minute is 08:01 UTC


def test_mail_to_a_non_ascii_address_reads_back_in_the_maildir_view(client: TestClient, admin: str):
    register(client, registration("Zoë", "zoë@example.org"))
    deliver_all(client)

    body = outbox(client, admin)
    (welcome,) = [m for m in body["maildir"] if m["subject"].startswith("Je bent aangemeld")]
    page = client.get("/admin", headers=bearer(admin))
    one = client.get(welcome["url"], headers=bearer(admin))

    assert "zoë@example.org" in welcome["to"]
    assert page.status_code == 200
    assert "zoë@example.org" in page.text
    assert one.status_code == 200
    assert "zoë@example.org" in one.text
