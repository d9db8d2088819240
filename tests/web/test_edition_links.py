"""An edition's pages link at its own address (`/{slug}/…`), whichever festival `/` shows,
and the old `?festival=SLUG` links keep reaching their festival."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.web.test_editions import REFERENCE_SLUG
from tests.web.test_editions import client as client
from tests.web.test_editions import settings as settings

# Not the festival `/` shows on the test's day (that is the 2020 reference day).
CONGRESS = "jaarcongres-sociaal-werk-2023"
CONGRESS_TITLE = "Jaarcongres Sociaal Werk 2023: NEXT LEVEL!"


def hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|action)="([^"]*)"', html)


def test_an_edition_s_programme_page_links_register_and_calendar_at_its_address(
    client: TestClient,
):
    page = client.get(f"/{CONGRESS}/?lang=en")

    links = hrefs(page.text)
    assert f"/{CONGRESS}/register?lang=en" in links
    assert f"/{CONGRESS}/programme.ics" in links
    assert f"/{CONGRESS}/?lang=nl" in links  # the other language, at the same address
    assert [link for link in links if "festival=" in link] == []


def test_an_edition_s_register_form_posts_to_its_address_and_links_back_to_it(
    client: TestClient,
):
    page = client.get(f"/{CONGRESS}/register")

    links = hrefs(page.text)
    assert f"/{CONGRESS}/register?lang=nl" in links  # the form's action
    assert f"/{CONGRESS}/" in links  # back to the programme
    assert f"/{CONGRESS}/register?lang=en" in links
    assert [link for link in links if "festival=" in link] == []


def test_the_form_at_an_edition_s_address_registers_there_and_the_personal_page_links_back(
    client: TestClient,
):
    form = {"language": "nl", "name": "Ann", "email": "ann@example.org", "consent": "yes"}

    done = client.post(f"/{CONGRESS}/register?lang=nl", data=form)

    assert done.status_code == 200, done.text
    assert done.url.path.startswith("/me/")
    assert CONGRESS_TITLE in done.text
    assert f'<a class="brand" href="/{CONGRESS}/">' in done.text
    mine = client.get("/api/me", headers={"Authorization": f"Bearer {done.url.path[4:]}"})
    assert mine.json()["festival"] == CONGRESS


@pytest.mark.parametrize(
    ("old", "shows"),
    [
        (f"/?festival={CONGRESS}", CONGRESS_TITLE),
        (f"/register?festival={CONGRESS}", CONGRESS_TITLE),
        (f"/programme.ics?festival={CONGRESS}", "X-WR-CALNAME"),
    ],
)
def test_old_links_with_festival_in_the_query_still_reach_that_festival(
    client: TestClient, old: str, shows: str
):
    response = client.get(old)

    assert response.status_code == 200
    assert shows in response.text
    if old.startswith("/programme.ics"):
        assert f'filename="{CONGRESS}.ics"' in response.headers["content-disposition"]
    else:
        title = response.text.split("<title>", 1)[1].split("</title>", 1)[0]
        assert CONGRESS_TITLE in title


def test_the_public_calendar_links_each_event_to_its_festival_s_address(client: TestClient):
    calendar = client.get(f"/{CONGRESS}/programme.ics").text

    assert f"URL:http://festival.test/{CONGRESS}/" in calendar.replace("\r\n ", "")
    assert "festival=" not in calendar
    assert REFERENCE_SLUG not in calendar
