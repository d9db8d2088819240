"""Numbers in addresses and forms are ASCII digits: '²', '٣' or 5,000 digits are no number
(before, `str.isdigit` let them through to `int()`, which raised: a 500)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from festival.config import Settings
from tests.factories import admin_token


@pytest.mark.parametrize("retried", ["²", "٣", "9" * 5000])
def test_admin_page_ignores_a_retried_count_that_is_not_a_number(
    client: TestClient, settings: Settings, retried: str
):
    _, token = admin_token(settings.database_url)

    page = client.get("/admin", params={"retried": retried, "token": token})

    assert (page.status_code, page.template.name) == (200, "admin/page.html")  # type: ignore[attr-defined]
    assert page.context["page"].retried is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("position", ["²", "٣", "9" * 5000])
def test_a_ranking_field_whose_position_is_not_a_number_is_ignored(
    client: TestClient, position: str
):
    form = {
        "language": "nl",
        "name": "Ann de Vries",
        "email": "ann@example.org",
        "consent": "yes",
        f"rank-ronde-1-{position}": "huiskamer-1",
    }

    response = client.post("/register", data=form, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/me/")
