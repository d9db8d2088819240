"""Certificates of attendance, `/me/TOKEN/certificate.pdf` and `/certificates/CODE`, on SQLite
and PostgreSQL with a controlled clock: attendance recorded through the real join links, the
PDF read back with pypdf, the refusals and what the personal page says of them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.factories import bearer, local, register, registration, role_token
from tests.web.conftest import NOW, load_into

ACCREDITATION = "Geaccrediteerd door het Registerplein: 2 punten (BAPD-2020-0419)"
CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")


def with_certificates(directory: Path, minimum: int | None, mode: str = "online") -> Path:
    """The reference programme, giving certificates from `minimum` minutes (None: the key
    left out) with an accreditation line."""
    text = REFERENCE.read_text(encoding="utf-8")
    if minimum is not None:
        lines = f'certificate_minimum_minutes = {minimum}\naccreditation = "{ACCREDITATION}"\n'
        text = text.replace('\nmode = "online"\n', f'\nmode = "{mode}"\n{lines}', 1)
    path = directory / REFERENCE.name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)  # 09:00 in Amsterdam; the festival runs 10:30 to 15:15


def client_for(
    database_url: str, tmp_path: Path, clock: FixedClock, minimum: int | None, mode: str = "online"
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url, var_dir=str(tmp_path), base_url="http://festival.test"
    )
    load_into(database_url, with_certificates(tmp_path, minimum, mode))
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


@pytest.fixture
def client(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[TestClient]:
    yield from client_for(database_url, tmp_path, clock, 60)


def join(client: TestClient, clock: FixedClock, token: str, item: str, hour: int, minute: int):
    clock.set(local(hour, minute))
    response = client.get(f"/join/{token}/{item}", follow_redirects=False)
    assert response.status_code == 302, response.text


def came(client: TestClient, clock: FixedClock, name: str, email: str, **fields: Any) -> str:
    """Someone in huiskamer-1 (10:30-11:30) from 10:40, and at the plenary (13:30-15:15)
    from its start: 50 + 105 minutes."""
    clock.set(NOW)
    token: str = register(
        client, registration(name, email, choices={"ronde-1": "huiskamer-1"}, **fields)
    )["token"]
    join(client, clock, token, "huiskamer-1", 10, 40)
    join(client, clock, token, "plenary", 13, 25)
    return token


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "nl",
            [
                "Bewijs van deelname",
                "Özlem Çelik heeft deelgenomen aan De agenda van het sociaal werk 2020 op "
                "donderdag 19 november 2020.",
                "Totaal 155",
                "Controleer dit bewijs op http://festival.test/certificates/",
            ],
        ),
        (
            "en",
            [
                "Certificate of attendance",
                "Özlem Çelik attended De agenda van het sociaal werk 2020 on "
                "Thursday 19 November 2020.",
                "Total 155",
                "Verify this certificate at http://festival.test/certificates/",
            ],
        ),
    ],
)
def test_after_the_end_an_attendee_who_came_gets_a_certificate_in_their_language(
    client: TestClient, clock: FixedClock, language: str, words: list[str]
):
    token = came(client, clock, "Özlem Çelik", "ozlem@example.org", language=language)
    clock.set(local(15, 15))

    response = client.get(f"/me/{token}/certificate.pdf")
    again = client.get(f"/me/{token}/certificate.pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    for expected in words:
        assert expected in text
    assert "Huiskamer 1: De Buurvrouw & Buurvrouw Bus 50" in text
    assert "Middagprogramma 105" in text
    assert ACCREDITATION in text
    codes = CODE.findall(text)
    assert codes
    assert set(codes) == set(CODE.findall(" ".join(pdf_text(again.content).split())))


def test_a_check_in_at_the_door_counts_from_then(
    database_url: str, tmp_path: Path, clock: FixedClock
):
    for client in client_for(database_url, tmp_path, clock, 60, mode="hybrid"):
        clock.set(NOW)
        token = register(client, registration(mode="onsite"))["token"]
        code = client.get("/api/me", headers=bearer(token)).json()["checkin_code"]
        _, door = role_token(database_url, "checkin")
        clock.set(local(13, 45))
        checked = client.post("/api/checkin", json={"code": code}, headers=bearer(door))
        clock.set(local(16))

        response = client.get(f"/me/{token}/certificate.pdf")

        assert checked.status_code == 200
        text = " ".join(pdf_text(response.content).split())
        assert "Middagprogramma 90" in text
        assert "Totaal 90" in text
        assert "Huiskamer" not in text


def test_a_name_beyond_the_pdf_font_is_spelt_plainly(client: TestClient, clock: FixedClock):
    token = came(client, clock, "Ĳsbrand Łukasz “Bo” Nguyễn", "ijsbrand@example.org")
    clock.set(local(16))

    text = pdf_text(client.get(f"/me/{token}/certificate.pdf").content)

    assert 'IJsbrand ?ukasz "Bo" Nguyen' in " ".join(text.split())


def test_the_verification_page_confirms_a_real_code_and_not_a_forged_one(
    client: TestClient, clock: FixedClock
):
    token = came(client, clock, "Ann <de> Vries", "ann@example.org")
    clock.set(local(16))
    code = CODE.findall(pdf_text(client.get(f"/me/{token}/certificate.pdf").content))[0]

    real = client.get(f"/certificates/{code.lower()}?lang=en")
    forged = client.get(f"/certificates/{code[:-1]}{'A' if code[-1] != 'A' else 'C'}")
    nonsense = client.get("/certificates/<script>")

    assert real.status_code == 200
    assert (
        "Valid. Ann &lt;de&gt; Vries attended De agenda van het sociaal werk 2020 on "
        "Thursday 19 November 2020: 155 minutes in total." in real.text
    )
    assert forged.status_code == 404
    assert "Niet geldig: deze code hoort bij geen enkel bewijs van deelname." in forged.text
    assert "Ann" not in forged.text
    assert nonsense.status_code == 404
    assert "<script>" not in nonsense.text


def test_after_erasure_the_code_no_longer_verifies(client: TestClient, clock: FixedClock):
    token = came(client, clock, "Ann de Vries", "ann@example.org")
    clock.set(local(16))
    code = CODE.findall(pdf_text(client.get(f"/me/{token}/certificate.pdf").content))[0]

    assert client.delete("/api/me", headers=bearer(token)).status_code == 204
    page = client.get(f"/certificates/{code}")

    assert page.status_code == 404
    assert "Niet geldig" in page.text
    assert "Ann" not in page.text


def test_before_the_end_there_is_none_and_the_personal_page_says_when(
    client: TestClient, clock: FixedClock
):
    token = came(client, clock, "Ann de Vries", "ann@example.org")
    clock.set(local(15, 0))

    response = client.get(f"/me/{token}/certificate.pdf?lang=en")
    page = client.get(f"/me/{token}?lang=en")

    when = (
        "You can download your certificate of attendance once the festival has ended, "
        "from Thursday 19 November 2020 at 15:15."
    )
    assert response.status_code == 404
    assert when in response.text
    assert when in page.text
    assert "certificate.pdf" not in page.text


def test_below_the_minimum_there_is_none_and_the_personal_page_says_why(
    client: TestClient, clock: FixedClock
):
    clock.set(NOW)
    token = register(client, registration())["token"]
    join(client, clock, token, "plenary", 14, 40)  # 35 minutes of the plenary
    clock.set(local(16))

    response = client.get(f"/me/{token}/certificate.pdf")
    page = client.get(f"/me/{token}")

    why = (
        "Voor een bewijs van deelname moet je minstens 1 uur hebben deelgenomen; "
        "je was 35 minuten aanwezig."
    )
    assert response.status_code == 404
    assert why in response.text
    assert why in page.text
    assert "certificate.pdf" not in page.text


def test_after_the_end_the_personal_page_offers_it(client: TestClient, clock: FixedClock):
    token = came(client, clock, "Ann de Vries", "ann@example.org")
    clock.set(local(16))

    page = client.get(f"/me/{token}?lang=en")

    assert f'href="/me/{token}/certificate.pdf?lang=en"' in page.text
    assert "Download your certificate of attendance (PDF)" in page.text


def test_a_festival_without_certificates_offers_none(
    database_url: str, tmp_path: Path, clock: FixedClock
):
    for client in client_for(database_url, tmp_path, clock, None):
        token = came(client, clock, "Ann de Vries", "ann@example.org")
        clock.set(local(16))

        response = client.get(f"/me/{token}/certificate.pdf")
        page = client.get(f"/me/{token}")

        assert response.status_code == 404
        assert "Dit festival geeft geen bewijs van deelname." in response.text
        assert "certificate.pdf" not in page.text


def test_an_unknown_token_has_no_certificate(client: TestClient, clock: FixedClock):
    clock.set(local(16))

    assert client.get("/me/not-a-token/certificate.pdf").status_code == 401
