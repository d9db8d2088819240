"""Registering over HTTP: the JSON API, capacity and waitlists, bad input, the /register form."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from tests.conftest import REFERENCE, SCHEDULES
from tests.factories import (
    REFERENCE_SLUG,
    admin_token,
    bearer,
    festival_file,
    local,
    register,
    registration,
    registrations_seen_by,
    started,
)
from tests.web.conftest import load_into

HUISKAMER_1 = "Huiskamer 1: De Buurvrouw & Buurvrouw Bus"
HUISKAMER_6 = "Huiskamer 6: Politiserend werken en het politieke krachtenveld"
OTHER = "jaarcongres-sociaal-werk-2023"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The reference festival at 09:00 on its day (as in conftest, but copied: faster)."""
    with started(settings, REFERENCE) as client:
        yield client


@pytest.fixture
def admin(client: TestClient, settings: Settings) -> str:
    """An admin token for the reference festival, to see what was stored."""
    return admin_token(settings.database_url)[1]


@pytest.fixture
def small(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The reference festival with only 2 places in huiskamer-1."""
    path = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 2})
    with started(settings, path) as client:
        yield client


def refused(response: Any, status: int, errors: dict[str, str]) -> None:
    """A 422/4xx with exactly these field errors."""
    assert (response.status_code, response.json()["error"]["code"]) == (status, "invalid")
    assert response.json()["errors"] == errors


# -- the happy path --------------------------------------------------------------------------


def test_register_with_sessions_confirms_places(client: TestClient):
    body = registration(
        organisation="Buurtteam Oost",
        choices={"ronde-1": "huiskamer-1", "ronde-2": "huiskamer-6"},
    )

    response = client.post("/api/registrations", json=body)

    assert response.status_code == 201
    created = response.json()
    token = created.pop("token")
    assert created.pop("personal_url") == f"http://festival.test/me/{token}"
    assert len(token) >= 43  # 256 random bits, URL-safe
    assert created == {
        "id": 1,
        "festival": REFERENCE_SLUG,
        "name": "Ann de Vries",
        "email": "ann@example.org",
        "organisation": "Buurtteam Oost",
        "language": "nl",
        "mode": "online",
        "created_at": "2020-11-19T09:00:00+01:00",
        "choices": {
            "ronde-1": {
                "session": "huiskamer-1",
                "title": HUISKAMER_1,
                "status": "confirmed",
                "position": None,
            },
            "ronde-2": {
                "session": "huiskamer-6",
                "title": HUISKAMER_6,
                "status": "confirmed",
                "position": None,
            },
        },
        "rankings": {},  # only a preferences festival collects rankings
    }


def test_register_token_opens_own_registration(client: TestClient):
    created = register(client, registration(choices={"ronde-1": "huiskamer-1"}))

    me = client.get("/api/me", headers=bearer(created["token"]))

    assert me.status_code == 200
    assert (me.json()["id"], me.json()["name"]) == (created["id"], "Ann de Vries")


def test_register_same_email_other_case_and_spaces_answers_exists(client: TestClient, admin: str):
    register(client, registration("Ann de Vries", "ann@example.org"))

    again = client.post(
        "/api/registrations", json=registration("Someone Else", "  ANN@Example.ORG ")
    )

    assert again.status_code == 200
    assert again.json() == {
        "status": "exists",
        "message": "this e-mail address is already registered; "
        "use the personal link from the confirmation",
    }
    stored = registrations_seen_by(client, admin)
    assert [(r["name"], r["email"]) for r in stored] == [("Ann de Vries", "ann@example.org")]


@pytest.mark.parametrize(
    "choices",
    [None, {}, {"ronde-1": None, "ronde-2": None}, {"ronde-1": "", "ronde-2": ""}],
    ids=["left-out", "empty", "nulls", "empty-strings"],
)
def test_register_without_sessions_is_afternoon_only(client: TestClient, admin: str, choices):
    created = register(client, registration(choices=choices))

    assert (created["choices"], registrations_seen_by(client, admin)[0]["choices"]) == ({}, {})


# -- capacity and waitlists --------------------------------------------------------------------


def _four_for_huiskamer_1(client: TestClient) -> list[dict[str, Any]]:
    people = [("Ann", "ann"), ("Bob", "bob"), ("Cor", "cor"), ("Dirk", "dirk")]
    return [
        register(
            client,
            registration(name, f"{user}@example.org", choices={"ronde-1": "huiskamer-1"}),
        )
        for name, user in people
    ]


def _place(client: TestClient, token: str) -> tuple[str, int | None]:
    choice = client.get("/api/me", headers=bearer(token)).json()["choices"]["ronde-1"]
    return choice["status"], choice["position"]


def _huiskamer_1(client: TestClient) -> tuple[int | None, int]:
    rounds = client.get("/api/programme").json()["rounds"]
    session = next(s for s in rounds[0]["sessions"] if s["id"] == "huiskamer-1")
    return session["places_left"], session["waitlisted"]


def test_full_session_puts_later_registrations_on_the_waitlist(small: TestClient):
    created = _four_for_huiskamer_1(small)

    places = [
        (c["choices"]["ronde-1"]["status"], c["choices"]["ronde-1"]["position"]) for c in created
    ]
    assert places == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]


def test_full_session_shows_no_places_left_in_programme(small: TestClient):
    _four_for_huiskamer_1(small)

    assert _huiskamer_1(small) == (0, 2)


def test_giving_up_a_place_promotes_the_first_in_line(small: TestClient):
    ann, bob, cor, dirk = _four_for_huiskamer_1(small)

    response = small.put(
        "/api/me/choices/ronde-1", headers=bearer(ann["token"]), json={"session": None}
    )

    assert (response.status_code, response.json()["choices"]) == (200, {})
    assert _place(small, bob["token"]) == ("confirmed", None)
    assert _place(small, cor["token"]) == ("confirmed", None)
    assert _place(small, dirk["token"]) == ("waitlisted", 1)
    assert _huiskamer_1(small) == (0, 1)


def test_deleting_a_registration_promotes_the_first_in_line(small: TestClient, settings: Settings):
    _, bob, cor, dirk = _four_for_huiskamer_1(small)
    admin = admin_token(settings.database_url)[1]

    response = small.delete("/api/me", headers=bearer(bob["token"]))

    assert (response.status_code, response.content) == (204, b"")
    assert _place(small, cor["token"]) == ("confirmed", None)
    assert _place(small, dirk["token"]) == ("waitlisted", 1)
    assert [r["name"] for r in registrations_seen_by(small, admin)] == ["Ann", "Cor", "Dirk"]


def test_registering_after_a_waitlist_lines_up_at_the_end(small: TestClient):
    _four_for_huiskamer_1(small)

    late = register(
        small, registration("Eva", "eva@example.org", choices={"ronde-1": "huiskamer-1"})
    )

    assert late["choices"]["ronde-1"]["position"] == 3


# -- bad input: nothing is stored ------------------------------------------------------------


def test_register_invalid_email_is_refused(client: TestClient, admin: str):
    response = client.post("/api/registrations", json=registration(email="ann-at-example.org"))

    refused(response, 422, {"email": "Dit is geen geldig e-mailadres."})
    assert registrations_seen_by(client, admin) == []


@pytest.mark.parametrize(
    "email", ["ann@example..org", "ann@.example.org", "ann@example.org.", "ann..x@example.org"]
)
def test_register_email_with_empty_part_is_refused(client: TestClient, admin: str, email: str):
    response = client.post("/api/registrations", json=registration(email=email))

    refused(response, 422, {"email": "Dit is geen geldig e-mailadres."})
    assert registrations_seen_by(client, admin) == []


def test_register_missing_name_is_refused(client: TestClient, admin: str):
    body = registration()
    del body["name"]

    response = client.post("/api/registrations", json=body)

    refused(response, 422, {"name": "Vul dit veld in."})
    assert registrations_seen_by(client, admin) == []


def test_register_blank_name_is_refused(client: TestClient, admin: str):
    response = client.post("/api/registrations", json=registration(name=" \t\n "))

    refused(response, 422, {"name": "Vul dit veld in."})
    assert registrations_seen_by(client, admin) == []


def test_register_name_of_10000_characters_is_refused(client: TestClient, admin: str):
    response = client.post("/api/registrations", json=registration(name="A" * 10_000))

    refused(response, 422, {"name": "Te lang: hoogstens 200 tekens."})
    assert registrations_seen_by(client, admin) == []


def test_register_unknown_round_is_refused(client: TestClient, admin: str):
    body = registration(choices={"ronde-9": "huiskamer-1"})

    response = client.post("/api/registrations", json=body)

    refused(response, 422, {"choices.ronde-9": "Deze ronde bestaat niet."})
    assert registrations_seen_by(client, admin) == []


def test_register_unknown_session_is_refused(client: TestClient, admin: str):
    body = registration(choices={"ronde-1": "huiskamer-99"})

    response = client.post("/api/registrations", json=body)

    refused(response, 422, {"choices.ronde-1": "Deze sessie hoort niet bij deze ronde."})
    assert registrations_seen_by(client, admin) == []


def test_register_session_of_another_round_is_refused(client: TestClient, admin: str):
    body = registration(choices={"ronde-1": "huiskamer-7"})

    response = client.post("/api/registrations", json=body)

    refused(response, 422, {"choices.ronde-1": "Deze sessie hoort niet bij deze ronde."})
    assert registrations_seen_by(client, admin) == []


def test_register_session_of_another_festival_is_refused(
    client: TestClient, admin: str, settings: Settings
):
    load_into(settings.database_url, SCHEDULES / f"{OTHER}.toml")
    other_admin = admin_token(settings.database_url, OTHER)[1]
    body = registration(choices={"ronde-1": "sessie-preventief"})

    response = client.post(f"/api/registrations?festival={REFERENCE_SLUG}", json=body)

    refused(response, 422, {"choices.ronde-1": "Deze sessie hoort niet bij deze ronde."})
    assert registrations_seen_by(client, admin) == []
    assert registrations_seen_by(client, other_admin) == []


def test_register_same_round_key_twice_is_refused(client: TestClient, admin: str):
    raw = (
        '{"name": "Ann", "email": "ann@example.org", "consent": true,'
        ' "choices": {"ronde-1": "huiskamer-1", "ronde-1": "huiskamer-2"}}'
    )

    response = client.post(
        "/api/registrations", content=raw, headers={"Content-Type": "application/json"}
    )

    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "json.duplicate_key", "message": "the key 'ronde-1' appears twice"}},
    )
    assert registrations_seen_by(client, admin) == []


def test_register_list_of_sessions_in_one_round_is_refused(client: TestClient, admin: str):
    body = registration(choices={"ronde-1": ["huiskamer-1", "huiskamer-2"]})

    response = client.post("/api/registrations", json=body)

    refused(response, 422, {"choices.ronde-1": "Kies per ronde één sessie (of geen)."})
    assert registrations_seen_by(client, admin) == []


def test_register_choices_not_an_object_is_refused(client: TestClient, admin: str):
    body = registration(choices=["huiskamer-1"])  # type: ignore[arg-type]

    response = client.post("/api/registrations", json=body)

    refused(response, 422, {"choices": "Kies per ronde één sessie (of geen)."})
    assert registrations_seen_by(client, admin) == []


def _windowed(settings: Settings, tmp_path: Path, opens: str, closes: str) -> TestClient:
    path = festival_file(tmp_path, REFERENCE, registration_opens=opens, registration_closes=closes)
    return started(settings, path)


def test_register_after_registration_closed_is_refused(settings: Settings, tmp_path: Path):
    app = _windowed(settings, tmp_path, "2020-11-01T09:00:00", "2020-11-19T09:00:00")
    admin = admin_token(settings.database_url)[1]

    with app as client:
        response = client.post("/api/registrations", json=registration())
        stored = registrations_seen_by(client, admin)

    refused(response, 422, {"registration": "Aanmelden is gesloten."})
    assert stored == []


def test_register_before_registration_opens_is_refused(settings: Settings, tmp_path: Path):
    app = _windowed(settings, tmp_path, "2020-11-19T09:30:00", "2020-11-19T10:00:00")
    admin = admin_token(settings.database_url)[1]

    with app as client:
        response = client.post("/api/registrations", json=registration(language="en"))
        stored = registrations_seen_by(client, admin)

    refused(response, 422, {"registration": "Registration opens at 2020-11-19 09:30."})
    assert stored == []


def test_register_inside_registration_window_is_accepted(settings: Settings, tmp_path: Path):
    app = _windowed(settings, tmp_path, "2020-11-19T09:00:00", "2020-11-19T09:00:01")

    with app as client:
        response = client.post("/api/registrations", json=registration())

    assert (response.status_code, response.json()["name"]) == (201, "Ann de Vries")


def test_register_for_round_already_started_is_refused(settings: Settings):
    app = started(settings, REFERENCE, clock=FixedClock(local(10, 30)))
    admin = admin_token(settings.database_url)[1]
    body = registration(choices={"ronde-1": "huiskamer-1"})

    with app as client:
        response = client.post("/api/registrations", json=body)
        stored = registrations_seen_by(client, admin)

    refused(response, 422, {"choices.ronde-1": "Deze ronde is al begonnen; kiezen kan niet meer."})
    assert stored == []


def test_register_for_later_round_after_first_started_is_accepted(settings: Settings):
    app = started(settings, REFERENCE, clock=FixedClock(local(10, 45)))
    body = registration(choices={"ronde-2": "huiskamer-6"})

    with app as client:
        response = client.post("/api/registrations", json=body)

    assert response.status_code == 201
    assert response.json()["choices"]["ronde-2"]["status"] == "confirmed"


def test_register_missing_consent_is_refused(client: TestClient, admin: str):
    body = registration()
    del body["consent"]

    response = client.post("/api/registrations", json=body)

    refused(response, 422, {"consent": "Geef toestemming voor het gebruik van je gegevens."})
    assert registrations_seen_by(client, admin) == []


def test_register_consent_as_string_is_refused(client: TestClient, admin: str):
    response = client.post("/api/registrations", json=registration(consent="yes"))

    refused(response, 422, {"consent": "Geef toestemming voor het gebruik van je gegevens."})
    assert registrations_seen_by(client, admin) == []


def test_register_malformed_json_is_refused(client: TestClient, admin: str):
    response = client.post(
        "/api/registrations",
        content=b'{"name": "Ann", "email": ',
        headers={"Content-Type": "application/json"},
    )

    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "json.malformed", "message": "the body is not valid JSON"}},
    )
    assert registrations_seen_by(client, admin) == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_register_wrong_content_type_is_refused(client: TestClient, admin: str, content_type):
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post(
        "/api/registrations", content=json.dumps(registration()), headers=headers
    )

    assert (response.status_code, response.json()) == (
        415,
        {"error": {"code": "json.content_type", "message": "send the body as application/json"}},
    )
    assert registrations_seen_by(client, admin) == []


def test_register_json_content_type_with_charset_is_accepted(client: TestClient):
    response = client.post(
        "/api/registrations",
        content=json.dumps(registration()),
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )

    assert response.status_code == 201


TOO_LARGE = {"error": {"code": "json.too_large", "message": "the body is larger than 65536 bytes"}}


def test_register_body_over_64_kib_is_refused(client: TestClient, admin: str):
    body = json.dumps(registration(organisation="x" * 65_536))

    response = client.post(
        "/api/registrations", content=body, headers={"Content-Type": "application/json"}
    )

    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    assert registrations_seen_by(client, admin) == []


def test_register_streamed_body_over_64_kib_is_refused(client: TestClient, admin: str):
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 4096
        yield b'"}'

    response = client.post(
        "/api/registrations", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    assert registrations_seen_by(client, admin) == []


def test_register_json_array_is_refused(client: TestClient, admin: str):
    response = client.post("/api/registrations", json=[registration()])

    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "json.not_object", "message": "the body must be a JSON object"}},
    )
    assert registrations_seen_by(client, admin) == []


def test_register_unknown_field_is_refused(client: TestClient, admin: str):
    response = client.post("/api/registrations", json=registration(nickname="Annie"))

    refused(response, 422, {"nickname": "Onbekend veld."})
    assert registrations_seen_by(client, admin) == []


def test_register_language_de_is_refused(client: TestClient, admin: str):
    response = client.post("/api/registrations", json=registration(language="de"))

    refused(response, 422, {"language": "Kies Nederlands (nl) of Engels (en)."})
    assert registrations_seen_by(client, admin) == []


def test_register_onsite_at_online_festival_is_refused(client: TestClient, admin: str):
    response = client.post("/api/registrations", json=registration(mode="onsite"))

    refused(response, 422, {"mode": "Dit festival is alleen online."})
    assert registrations_seen_by(client, admin) == []


def test_register_unknown_mode_is_refused(client: TestClient, admin: str):
    response = client.post("/api/registrations", json=registration(mode="zoom"))

    refused(response, 422, {"mode": "Kies online of op locatie."})
    assert registrations_seen_by(client, admin) == []


def test_register_errors_are_dutch_by_default(client: TestClient):
    body = {"email": "nope", "choices": {"ronde-1": "huiskamer-7"}}

    response = client.post("/api/registrations", json=body)

    refused(
        response,
        422,
        {
            "name": "Vul dit veld in.",
            "email": "Dit is geen geldig e-mailadres.",
            "choices.ronde-1": "Deze sessie hoort niet bij deze ronde.",
            "consent": "Geef toestemming voor het gebruik van je gegevens.",
        },
    )


def test_register_errors_are_english_when_asked(client: TestClient):
    body = {"email": "nope", "language": "en", "choices": {"ronde-1": "huiskamer-7"}}

    response = client.post("/api/registrations", json=body)

    refused(
        response,
        422,
        {
            "name": "Please fill in this field.",
            "email": "This is not a valid e-mail address.",
            "choices.ronde-1": "This session is not part of this round.",
            "consent": "Please agree to the use of your data.",
        },
    )


# -- the /register page ----------------------------------------------------------------------


def test_register_page_renders_in_dutch(client: TestClient):
    response = client.get("/register")

    assert response.status_code == 200
    assert response.template.name == "registration/form.html"  # type: ignore[attr-defined]
    assert response.context["lang"] == "nl"  # type: ignore[attr-defined]
    html = response.text
    assert '<html lang="nl">' in html
    assert "<h1>Aanmelden</h1>" in html
    assert "Huiskamersessies ronde 1 (10:30–11:30)" in html
    assert "Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus" in html
    assert "(nog 25 plaatsen vrij)" in html
    assert 'name="choice-ronde-1" value="huiskamer-1"' in html


def test_register_page_renders_in_english(client: TestClient):
    response = client.get("/register?lang=en")

    assert response.template.name == "registration/form.html"  # type: ignore[attr-defined]
    assert response.context["lang"] == "en"  # type: ignore[attr-defined]
    assert '<html lang="en">' in response.text
    assert "<h1>Register</h1>" in response.text
    assert "(25 places left)" in response.text


def test_register_page_shows_a_full_session_as_waitlist(small: TestClient):
    _four_for_huiskamer_1(small)

    html = small.get("/register").text

    assert "(vol — aanmelden zet je op de wachtlijst)" in html


def _form(choices: dict[str, str] | None = None, **typed: str) -> dict[str, str]:
    """What a browser sends for the form: the hidden language field and the typed values."""
    return {"language": "nl", **(choices or {}), **typed}


def test_register_form_with_errors_shows_them_next_to_fields(client: TestClient, admin: str):
    form = _form(
        {"choice-ronde-1": "huiskamer-2"}, name="", email="not-an-email", organisation="Buurtteam"
    )

    response = client.post("/register", data=form)

    assert response.status_code == 422
    assert response.template.name == "registration/form.html"  # type: ignore[attr-defined]
    html = response.text
    assert '<p class="field-error" id="name-error">Vul dit veld in.</p>' in html
    assert '<p class="field-error" id="email-error">Dit is geen geldig e-mailadres.</p>' in html
    assert (
        '<p class="field-error" id="consent-error">'
        "Geef toestemming voor het gebruik van je gegevens.</p>"
    ) in html
    assert 'value="not-an-email" aria-invalid="true"' in html
    assert 'value="Buurtteam">' in html
    assert 'name="choice-ronde-1" value="huiskamer-2" checked>' in html
    assert registrations_seen_by(client, admin) == []


def test_register_form_with_errors_starts_with_a_summary_linking_each_field(client: TestClient):
    form = _form({"choice-ronde-1": "huiskamer-99"}, name="", email="ann@example.org")

    response = client.post("/register", data=form)

    assert response.status_code == 422
    html = response.text
    summary = html.split('<section class="error-summary"')[1].split("</section>")[0]
    assert html.index('class="error-summary"') < html.index("<form")
    assert ' aria-labelledby="error-summary-title" tabindex="-1" autofocus>' in summary
    assert '<h2 id="error-summary-title">Er ging iets mis bij 3 velden</h2>' in summary
    assert re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary) == [
        ("name", "Naam: Vul dit veld in."),
        ("choice-ronde-1", "Huiskamersessies ronde 1: Deze sessie hoort niet bij deze ronde."),
        ("consent", "Toestemming: Geef toestemming voor het gebruik van je gegevens."),
    ]
    # The linked fields exist, say they are wrong and point at their message.
    described = ' aria-invalid="true" aria-describedby="choices-ronde-1-error"'
    assert f'id="choice-ronde-1" name="choice-ronde-1" value=""{described}>' in html
    assert (
        '<p class="field-error" id="choices-ronde-1-error">'
        "Deze sessie hoort niet bij deze ronde.</p>"
    ) in html
    assert (
        f'id="consent" name="consent" value="yes"{described.replace("choices-ronde-1", "consent")}>'
        in html
    )


def test_register_form_summary_links_a_rounds_ranking_to_its_first_choice(
    settings: Settings, tmp_path: Path
):
    ranked = REFERENCE.read_text().replace(
        'mode = "online"\n',
        'mode = "online"\nassignment = "preferences"\nassignment_closes = 2020-11-18T12:00:00\n',
        1,
    )
    (tmp_path / "preferences.toml").write_text(ranked)
    form = _form(name="Ann", email="ann@example.org", consent="yes")
    form |= {"rank-ronde-1-1": "huiskamer-1", "rank-ronde-1-2": "huiskamer-1"}

    before_closing = FixedClock(datetime(2020, 11, 17, 12, 0, tzinfo=UTC))
    with started(settings, tmp_path / "preferences.toml", clock=before_closing) as client:
        response = client.post("/register?lang=en", data={**form, "language": "en"})

    html = response.text
    assert response.status_code == 422
    assert '<h2 id="error-summary-title">There is a problem with 1 field</h2>' in html
    assert (
        '<li><a href="#rank-ronde-1-1">Huiskamersessies ronde 1: Name each session only once.</a>'
        in html
    )
    invalid = 'aria-invalid="true" aria-describedby="rankings-ronde-1-error"'
    assert f'<select id="rank-ronde-1-1" name="rank-ronde-1-1"{" " + invalid}>' in html


def test_register_form_with_one_error_in_english_says_one_field(client: TestClient):
    response = client.post(
        "/register?lang=en", data=_form(language="en", name="Ann", consent="yes", email="x")
    )

    html = response.text
    assert '<h2 id="error-summary-title">There is a problem with 1 field</h2>' in html
    assert (
        '<li><a href="#email">E-mail address: This is not a valid e-mail address.</a></li>' in html
    )


def test_register_form_errors_in_english(client: TestClient):
    response = client.post("/register?lang=en", data=_form(language="en", email="x"))

    assert response.status_code == 422
    assert '<p class="field-error" id="email-error">This is not a valid e-mail address.</p>' in (
        response.text
    )


def test_register_form_keeps_html_in_values_escaped(client: TestClient, admin: str):
    form = _form(
        name='"><script>alert(1)</script>',
        organisation="<b onmouseover=alert(2)>Org</b>",
        email="o'hara&co@example.org",
    )  # no consent: the form comes back with the values

    response = client.post("/register", data=form)

    html = response.text
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in html
    assert "<b onmouseover" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert 'value="&lt;b onmouseover=alert(2)&gt;Org&lt;/b&gt;"' in html
    assert 'value="o&#39;hara&amp;co@example.org"' in html
    assert registrations_seen_by(client, admin) == []


def test_register_form_good_post_redirects_to_personal_page(client: TestClient, admin: str):
    form = _form(
        {"choice-ronde-1": "huiskamer-1", "choice-ronde-2": ""},
        name="Ann de Vries",
        email="ann@example.org",
        consent="yes",
    )

    response = client.post("/register", data=form, follow_redirects=False)

    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    token = location.path.removeprefix("/me/")
    assert (location.path, location.query) == (f"/me/{token}", "lang=nl&registered=1")
    page = client.get(response.headers["location"])
    assert "<h1>Hallo <bdi>Ann de Vries</bdi></h1>" in page.text
    stored = registrations_seen_by(client, admin)
    assert [(r["name"], r["choices"]["ronde-1"]["status"]) for r in stored] == [
        ("Ann de Vries", "confirmed")
    ]


def test_register_form_same_email_again_says_already_registered(client: TestClient, admin: str):
    register(client, registration())
    form = _form(name="Ann", email="ANN@example.org", consent="yes")

    response = client.post("/register", data=form, follow_redirects=False)

    assert response.status_code == 200
    assert "Dit e-mailadres is al aangemeld." in response.text
    assert "/me/" not in response.text
    assert len(registrations_seen_by(client, admin)) == 1
