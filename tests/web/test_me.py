"""The personal page /me/TOKEN and /api/me: sessions, join links, changes, data, erasure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.factories import (
    admin_token,
    bearer,
    festival_file,
    local,
    register,
    registration,
    registrations_seen_by,
    started,
    without_session,
)
from tests.web.conftest import NOW, load_into

ZOOM_1 = "https://zoom.example.org/huiskamer-1"


def join_button(token: str, item: str = "huiskamer-1") -> str:
    """The personal join link's button, as the page shows it (never the provider's link)."""
    return f'<a class="button" href="/join/{token}/{item}">Nu meedoen</a>'


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)  # 09:00 in Amsterdam; round 1 runs 10:30 to 11:30


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    with started(settings, REFERENCE, clock=clock) as client:
        yield client


@pytest.fixture
def ann(client: TestClient) -> dict[str, Any]:
    """Ann, registered for huiskamer-1 (round 1) and huiskamer-6 (round 2)."""
    body = registration(choices={"ronde-1": "huiskamer-1", "ronde-2": "huiskamer-6"})
    return register(client, body)


def _me(client: TestClient, token: str) -> dict[str, Any]:
    response = client.get("/api/me", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- the page ----------------------------------------------------------------------------------


def test_me_page_shows_sessions_with_times(client: TestClient, ann: dict[str, Any]):
    response = client.get(f"/me/{ann['token']}")

    assert response.status_code == 200
    assert response.template.name == "me/page.html"  # type: ignore[attr-defined]
    assert response.context["page"].registration.name == "Ann de Vries"  # type: ignore[attr-defined]
    html = response.text
    assert "<h1>Hallo <bdi>Ann de Vries</bdi></h1>" in html
    assert ">10:30</time>–<time" in html
    assert ">11:30</time></span> Huiskamersessies ronde 1</h3>" in html
    assert ">12:00</time>–<time" in html
    assert "<strong>Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus</strong>" in html
    assert "<strong>Huiskamer 6: Politiserend werken en het politieke krachtenveld</strong>" in html
    assert html.count('<span class="badge ok">plaats bevestigd</span>') == 2


def test_me_page_in_english_for_an_english_registration(client: TestClient):
    created = register(client, registration(language="en", choices={"ronde-1": "huiskamer-1"}))

    html = client.get(f"/me/{created['token']}").text

    assert '<html lang="en">' in html
    assert "<h1>Hello <bdi>Ann de Vries</bdi></h1>" in html
    assert '<span class="badge ok">place confirmed</span>' in html


def test_me_page_without_sessions_says_none_chosen(client: TestClient):
    created = register(client, registration())

    html = client.get(f"/me/{created['token']}").text

    assert html.count("<p>Geen sessie gekozen.</p>") == 2


def test_me_page_shows_waitlist_position(settings: Settings, tmp_path: Path):
    path = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 1})
    with started(settings, path) as client:
        register(client, registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"}))
        bob = register(
            client, registration("Bob", "bob@example.org", choices={"ronde-1": "huiskamer-1"})
        )
        html = client.get(f"/me/{bob['token']}").text

    assert '<span class="badge wait">wachtlijst, plaats 1</span>' in html
    assert "plaats bevestigd" not in html


def test_me_page_tells_a_promoted_attendee_they_moved_up(settings: Settings, tmp_path: Path):
    path = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 1})
    with started(settings, path) as client:
        ann = register(
            client, registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"})
        )
        bob = register(
            client, registration("Bob", "bob@example.org", choices={"ronde-1": "huiskamer-1"})
        )
        client.put("/api/me/choices/ronde-1", headers=bearer(ann["token"]), json={"session": None})
        html = client.get(f"/me/{bob['token']}").text

    assert '<span class="badge ok">plaats bevestigd</span>' in html
    assert '<span class="notice">Je bent van de wachtlijst doorgeschoven.</span>' in html


def test_me_page_gives_the_personal_join_link_and_when_it_opens_before_it_is_due(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    clock.set(local(10, 14, 59))

    html = client.get(f"/me/{ann['token']}").text

    assert join_button(ann["token"]) in html
    assert ZOOM_1 not in html
    assert "De link opent om 10:15" in html
    assert _me(client, ann["token"])["choices"]["ronde-1"]["join_url"] is None


@pytest.mark.parametrize(
    "moment", [local(10, 15), local(10, 45), local(11, 29, 59)], ids=["10:15", "10:45", "11:29:59"]
)
def test_me_page_gives_the_join_link_until_session_ends(
    client: TestClient, clock: FixedClock, ann: dict[str, Any], moment: datetime
):
    clock.set(moment)

    html = client.get(f"/me/{ann['token']}").text

    assert join_button(ann["token"]) in html
    assert ZOOM_1 not in html
    assert "De link opent om" not in html.split("round-ronde-2")[0]
    choice = _me(client, ann["token"])["choices"]["ronde-1"]
    assert (choice["join_url"], choice["join_url_from"]) == (
        ZOOM_1,
        "2020-11-19T10:15:00+01:00",
    )


def test_me_page_drops_the_join_link_once_session_ended(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    clock.set(local(11, 30))

    html = client.get(f"/me/{ann['token']}").text

    assert f"/join/{ann['token']}/huiskamer-1" not in html
    assert _me(client, ann["token"])["choices"]["ronde-1"]["join_url"] is None


def test_me_page_leads_to_the_plenary_by_the_personal_join_link(
    client: TestClient, ann: dict[str, Any]
):
    html = client.get(f"/me/{ann['token']}").text

    assert f'<a href="/join/{ann["token"]}/plenary">Bekijk de livestream</a>' in html


def test_me_page_gives_no_join_link_on_the_waitlist(settings: Settings, tmp_path: Path):
    path = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 1})
    clock = FixedClock(NOW)
    with started(settings, path, clock=clock) as client:
        register(client, registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"}))
        bob = register(
            client, registration("Bob", "bob@example.org", choices={"ronde-1": "huiskamer-1"})
        )
        clock.set(local(10, 20))
        html = client.get(f"/me/{bob['token']}").text
        api = _me(client, bob["token"])

    assert f"/join/{bob['token']}/huiskamer-1" not in html
    assert api["choices"]["ronde-1"]["join_url"] is None


def test_api_me_lists_choices_with_times(client: TestClient, ann: dict[str, Any]):
    body = _me(client, ann["token"])

    assert body["choices"]["ronde-1"] == {
        "session": "huiskamer-1",
        "title": "Huiskamer 1: De Buurvrouw & Buurvrouw Bus",
        "status": "confirmed",
        "position": None,
        "start": "2020-11-19T10:30:00+01:00",
        "end": "2020-11-19T11:30:00+01:00",
        "join_url": None,
        "join_url_from": "2020-11-19T10:15:00+01:00",
    }


def test_me_page_shows_html_in_fields_escaped(client: TestClient):
    body = registration(
        name='<script>alert("name")</script>',
        email="o'hara&co@example.org",
        organisation="<img src=x onerror=alert(1)>",
        choices={"ronde-1": "huiskamer-1"},
    )
    created = register(client, body)

    html = client.get(f"/me/{created['token']}").text

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "o'hara&co" not in html
    assert "<h1>Hallo <bdi>&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;</bdi></h1>" in html
    assert "o&#39;hara&amp;co@example.org" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_me_page_shows_a_name_isolated_and_without_bidi_overrides(client: TestClient):
    # U+202E RIGHT-TO-LEFT OVERRIDE would turn the page's text after the name around.
    created = register(client, registration(name="\u202eAnn \u05d3\u05d5\u05d3"))

    html = client.get(f"/me/{created['token']}").text

    assert "<h1>Hallo <bdi>Ann \u05d3\u05d5\u05d3</bdi></h1>" in html
    assert "\u202e" not in html


# -- changing a choice from the page -----------------------------------------------------------


def test_me_choice_form_changes_the_session(client: TestClient, ann: dict[str, Any]):
    token = ann["token"]

    response = client.post(
        f"/me/{token}/choice",
        data={"round": "ronde-1", "session": "huiskamer-2"},
        follow_redirects=False,
    )

    assert (response.status_code, response.headers["location"]) == (303, f"/me/{token}?lang=nl")
    choice = _me(client, token)["choices"]["ronde-1"]
    assert (choice["session"], choice["status"]) == ("huiskamer-2", "confirmed")
    page = client.get(f"/me/{token}").text
    assert '<option value="huiskamer-2" selected>' in page


def test_a_change_keeps_the_language_the_page_was_in(client: TestClient, ann: dict[str, Any]):
    token = ann["token"]  # Ann registered in Dutch
    english = client.get(f"/me/{token}?lang=en").text
    assert f'action="/me/{token}/choice?lang=en"' in english

    response = client.post(
        f"/me/{token}/choice?lang=en",
        data={"round": "ronde-1", "session": "huiskamer-2"},
        follow_redirects=False,
    )

    assert response.headers["location"] == f"/me/{token}?lang=en"
    assert '<html lang="en"' in client.get(response.headers["location"]).text


def test_me_choice_form_gives_up_the_place(client: TestClient, ann: dict[str, Any]):
    token = ann["token"]

    response = client.post(
        f"/me/{token}/choice", data={"round": "ronde-1", "session": ""}, follow_redirects=False
    )

    assert response.status_code == 303
    assert list(_me(client, token)["choices"]) == ["ronde-2"]


def test_me_choice_form_with_session_of_other_round_shows_error(
    client: TestClient, ann: dict[str, Any]
):
    token = ann["token"]

    response = client.post(
        f"/me/{token}/choice", data={"round": "ronde-1", "session": "huiskamer-7"}
    )

    assert response.status_code == 422
    assert response.template.name == "me/page.html"  # type: ignore[attr-defined]
    assert '<p class="field-error">Deze sessie hoort niet bij deze ronde.</p>' in response.text
    assert _me(client, token)["choices"]["ronde-1"]["session"] == "huiskamer-1"


def test_me_choice_form_after_round_started_shows_error(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    token = ann["token"]
    clock.set(local(10, 30))

    response = client.post(
        f"/me/{token}/choice", data={"round": "ronde-1", "session": "huiskamer-2"}
    )

    assert response.status_code == 422
    assert "Deze ronde is al begonnen; kiezen kan niet meer." in response.text
    assert _me(client, token)["choices"]["ronde-1"]["session"] == "huiskamer-1"


def test_api_me_choice_after_round_started_is_refused(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    clock.set(local(10, 30))

    response = client.put(
        "/api/me/choices/ronde-1", headers=bearer(ann["token"]), json={"session": None}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "choices.ronde-1": "Deze ronde is al begonnen; kiezen kan niet meer."
    }
    assert _me(client, ann["token"])["choices"]["ronde-1"]["status"] == "confirmed"


def test_api_me_choice_with_session_of_other_festival_is_refused(
    client: TestClient, ann: dict[str, Any]
):
    response = client.put(
        "/api/me/choices/ronde-1",
        headers=bearer(ann["token"]),
        json={"session": "sessie-preventief"},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "choices.ronde-1": "Deze sessie hoort niet bij deze ronde."
    }


def test_api_me_choice_to_a_full_session_keeps_the_confirmed_place(
    settings: Settings, tmp_path: Path
):
    path = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-2": 1})
    with started(settings, path) as client:
        ann = register(client, registration(choices={"ronde-1": "huiskamer-1"}))
        register(client, registration("Bob", "bob@example.org", choices={"ronde-1": "huiskamer-2"}))

        response = client.put(
            "/api/me/choices/ronde-1", headers=bearer(ann["token"]), json={"session": "huiskamer-2"}
        )
        kept = _me(client, ann["token"])["choices"]["ronde-1"]

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "choices.ronde-1": "Die sessie is vol; je houdt je huidige plaats. Geef die eerst op "
        "als je op de wachtlijst wilt."
    }
    assert (kept["session"], kept["status"]) == ("huiskamer-1", "confirmed")


def test_api_me_choice_with_other_fields_is_refused(client: TestClient, ann: dict[str, Any]):
    response = client.put(
        "/api/me/choices/ronde-1",
        headers=bearer(ann["token"]),
        json={"session": "huiskamer-2", "extra": 1},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "session": 'send {"session": SESSION_ID} or {"session": null}'
    }


# -- my data -----------------------------------------------------------------------------------


def test_me_data_json_is_an_attachment_with_my_registration(
    client: TestClient, ann: dict[str, Any]
):
    expected = {k: v for k, v in ann.items() if k not in ("token", "personal_url")}

    response = client.get(f"/me/{ann['token']}/data.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == (
        'attachment; filename="my-registration.json"'
    )
    assert response.json() == expected


def test_api_me_export_matches_the_page_download(client: TestClient, ann: dict[str, Any]):
    response = client.get("/api/me/export", headers=bearer(ann["token"]))

    assert response.headers["content-disposition"] == (
        'attachment; filename="my-registration.json"'
    )
    assert response.json() == client.get(f"/me/{ann['token']}/data.json").json()


# -- erasing -----------------------------------------------------------------------------------


def test_me_delete_without_confirmation_deletes_nothing(
    client: TestClient, settings: Settings, ann: dict[str, Any]
):
    admin = admin_token(settings.database_url)[1]

    response = client.post(f"/me/{ann['token']}/delete", data={})

    assert response.status_code == 422
    assert response.template.name == "me/page.html"  # type: ignore[attr-defined]
    assert "Vink eerst aan dat je je wilt afmelden." in response.text
    assert [r["name"] for r in registrations_seen_by(client, admin)] == ["Ann de Vries"]
    assert _me(client, ann["token"])["name"] == "Ann de Vries"


def test_me_delete_with_confirmation_erases_and_ends_the_token(
    client: TestClient, settings: Settings, ann: dict[str, Any]
):
    admin = admin_token(settings.database_url)[1]
    token = ann["token"]

    response = client.post(f"/me/{token}/delete", data={"confirm": "yes"})

    assert response.status_code == 200
    assert response.template.name == "me/deleted.html"  # type: ignore[attr-defined]
    assert "<h1>Je bent afgemeld</h1>" in response.text
    assert registrations_seen_by(client, admin) == []
    api = client.get("/api/me", headers=bearer(token))
    assert (api.status_code, api.json()["error"]["code"]) == (401, "auth.invalid")
    page = client.get(f"/me/{token}")
    assert page.status_code == 401
    assert page.template.name == "error.html"  # type: ignore[attr-defined]
    assert "<h1>Geen toegang</h1>" in page.text


def test_api_me_delete_ends_the_token(client: TestClient, ann: dict[str, Any]):
    deleted = client.delete("/api/me", headers=bearer(ann["token"]))
    again = client.get("/api/me", headers=bearer(ann["token"]))

    assert (deleted.status_code, again.status_code) == (204, 401)
    assert again.json()["error"]["code"] == "auth.invalid"


# -- tokens --------------------------------------------------------------------------------------


def test_api_me_without_token_is_401(client: TestClient):
    response = client.get("/api/me")

    assert (response.status_code, response.json()) == (
        401,
        {"error": {"code": "auth.required", "message": "a token is required"}},
    )


def test_api_me_with_garbage_token_is_401(client: TestClient):
    response = client.get("/api/me", headers=bearer("not-a-real-token"))

    assert (response.status_code, response.json()) == (
        401,
        {
            "error": {
                "code": "auth.invalid",
                "message": "this token is unknown, revoked or expired",
            }
        },
    )


def test_me_page_with_garbage_token_is_401_page(client: TestClient):
    response = client.get("/me/not-a-real-token")

    assert response.status_code == 401
    assert response.template.name == "error.html"  # type: ignore[attr-defined]
    assert "<h1>Geen toegang</h1>" in response.text


def test_api_me_with_admin_token_is_403(client: TestClient, settings: Settings):
    admin = admin_token(settings.database_url)[1]

    response = client.get("/api/me", headers=bearer(admin))

    assert (response.status_code, response.json()) == (
        403,
        {"error": {"code": "auth.forbidden", "message": "this is not a personal link"}},
    )


def test_me_page_with_admin_token_is_403_page(client: TestClient, settings: Settings):
    admin = admin_token(settings.database_url)[1]

    response = client.get(f"/me/{admin}")

    assert response.status_code == 403
    assert "<h1>Geen toegang</h1>" in response.text


def test_api_me_token_reaches_only_its_own_registration(client: TestClient, ann: dict[str, Any]):
    bob = register(client, registration("Bob", "bob@example.org"))

    assert (_me(client, ann["token"])["name"], _me(client, bob["token"])["name"]) == (
        "Ann de Vries",
        "Bob",
    )


# -- a session taken off the programme ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "badge", "confirmed"),
    [
        ("nl", "gaat niet door: uit het programma gehaald", "plaats bevestigd"),
        ("en", "cancelled: taken off the programme", "place confirmed"),
    ],
)
def test_a_removed_session_shows_cancelled_without_join_link(
    database_url: str, tmp_path: Path, language: str, badge: str, confirmed: str
):
    settings = Settings(database_url=database_url, var_dir=str(tmp_path), base_url="http://f.test")
    load_into(database_url, REFERENCE)
    clock = FixedClock(NOW)
    with TestClient(create_app(settings, clock=clock)) as client:
        body = registration(language=language, choices={"ronde-1": "huiskamer-1"})
        ann = register(client, body)
        load_into(database_url, without_session(tmp_path, REFERENCE, "huiskamer-1"))
        clock.set(local(10, 20))  # within huiskamer-1's join window
        api = _me(client, ann["token"])
        html = client.get(f"/me/{ann['token']}").text

    assert api["choices"]["ronde-1"] == {
        "session": "huiskamer-1",
        "title": "Huiskamer 1: De Buurvrouw & Buurvrouw Bus",
        "status": "cancelled",
        "position": None,
        "start": "2020-11-19T10:30:00+01:00",
        "end": "2020-11-19T11:30:00+01:00",
        "join_url": None,
        "join_url_from": "2020-11-19T10:15:00+01:00",
    }
    assert f'<span class="badge cancelled">{badge}</span>' in html
    assert confirmed not in html
    assert f"/join/{ann['token']}/huiskamer-1" not in html
    assert "/questions/huiskamer-1" not in html


# -- a new personal link -------------------------------------------------------------------------


def test_the_new_link_button_revokes_the_old_link_and_opens_the_new(
    client: TestClient, ann: dict[str, Any]
):
    old = ann["token"]
    page = client.get(f"/me/{old}?lang=en")

    made = client.post(f"/me/{old}/new-link?lang=en", follow_redirects=False)
    new = made.headers["location"].split("/me/", 1)[1].split("?", 1)[0]
    opened = client.get(made.headers["location"])
    again = client.get(f"/me/{old}")
    api_old = client.get("/api/me", headers=bearer(old))
    api_new = client.get("/api/me", headers=bearer(new))

    assert 'id="new-link"' in page.text
    assert "Make a new link" in page.text
    assert made.status_code == 303
    assert new != old
    assert len(new) == len(old)
    assert opened.status_code == 200
    assert "This is your new personal link; the old one no longer works." in opened.text
    assert f'action="/me/{new}/new-link' in opened.text
    assert again.status_code == 401
    assert api_old.status_code == 401
    assert api_new.status_code == 200
    assert api_new.json()["email"] == "ann@example.org"


def test_a_new_link_over_the_api(client: TestClient, ann: dict[str, Any]):
    old = ann["token"]

    made = client.post("/api/me/link", headers=bearer(old))
    body = made.json()

    assert made.status_code == 200
    assert body["url"] == f"http://festival.test/me/{body['token']}"
    assert client.get("/api/me", headers=bearer(old)).status_code == 401
    assert client.get("/api/me", headers=bearer(body["token"])).status_code == 200
