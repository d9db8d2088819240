"""The registration rules on SQLite and PostgreSQL: places, waitlists, promotion, one
registration per e-mail (`registration.service` over the SQL store)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from festival.programme.loading import parse_programme
from festival.registration.model import RegistrationRequest
from festival.registration.service import PlaceRefused, change_place, erase, register
from festival.storage.db import Database
from festival.storage.programme_repo import save_programme
from festival.storage.registration_repo import (
    RegistrationSql,
    read_registration,
    registrations_of,
    session_counts,
)
from tests.conftest import REFERENCE

NOW = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)
SLUG = "agenda-sociaal-werk-2020"


@pytest.fixture
def store(database: Database) -> RegistrationSql:
    return RegistrationSql(database)


async def _festival(db: Database, capacity: int = 2) -> None:
    text = REFERENCE.read_text().replace("capacity = 25", f"capacity = {capacity}")
    async with db.session() as session, session.begin():
        await save_programme(session, parse_programme(text, "f.toml"), source="f", now=NOW)


def _person(n: int, **choices: str) -> RegistrationRequest:
    return RegistrationRequest(
        name=f"Persoon {n}",
        email=f"persoon{n}@example.org",
        organisation="",
        language="nl",
        mode="online",
        choices={k.replace("_", "-"): v for k, v in choices.items()},
    )


async def _status(db: Database, registration_id: int) -> tuple[str, int | None]:
    async with db.session() as session:
        registration = await read_registration(session, registration_id)
    assert registration is not None
    (place,) = registration.places
    return place.status, place.position


async def test_full_session_waitlists_in_order(database: Database, store: RegistrationSql):
    await _festival(database)

    ids = [
        (await register(store, SLUG, _person(n, ronde_1="huiskamer-1"), now=NOW)).registration.id
        for n in range(4)
    ]

    assert [await _status(database, i) for i in ids] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]


async def test_giving_up_a_place_promotes_the_first_in_line(
    database: Database, store: RegistrationSql
):
    await _festival(database)
    ids = [
        (await register(store, SLUG, _person(n, ronde_1="huiskamer-1"), now=NOW)).registration.id
        for n in range(4)
    ]

    _, promoted = await change_place(store, ids[0], "ronde-1", None, now=NOW)

    assert promoted == [ids[2]]
    assert [await _status(database, i) for i in ids[1:]] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
    ]


async def test_moving_to_another_session_frees_the_old_place(
    database: Database, store: RegistrationSql
):
    await _festival(database)
    ids = [
        (await register(store, SLUG, _person(n, ronde_1="huiskamer-1"), now=NOW)).registration.id
        for n in range(3)
    ]

    moved, promoted = await change_place(store, ids[1], "ronde-1", "huiskamer-2", now=NOW)

    assert [(p.session_id, p.status) for p in moved.places] == [("huiskamer-2", "confirmed")]
    assert promoted == [ids[2]]


async def test_erasing_a_registration_promotes_and_keeps_counts_right(
    database: Database, store: RegistrationSql
):
    await _festival(database)
    ids = [
        (await register(store, SLUG, _person(n, ronde_1="huiskamer-1"), now=NOW)).registration.id
        for n in range(3)
    ]

    promoted = (await erase(store, ids[0], now=NOW)).promoted

    async with database.session() as session:
        gone = await read_registration(session, ids[0])
        counts = await session_counts(session, SLUG)
    assert (promoted, gone) == ([ids[2]], None)
    assert [(c.confirmed, c.waitlisted) for c in counts["huiskamer-1"]] == [(2, 0)]


async def test_same_email_in_other_case_is_the_same_person(
    database: Database, store: RegistrationSql
):
    await _festival(database)
    first = await register(store, SLUG, _person(1, ronde_1="huiskamer-1"), now=NOW)
    again = _person(2, ronde_1="huiskamer-2")
    again = RegistrationRequest(**{**again.__dict__, "email": "  PERSOON1@Example.org "})

    second = await register(store, SLUG, again, now=NOW)

    assert (second.created, second.token) == (False, None)
    assert second.registration.id == first.registration.id
    assert [p.session_id for p in second.registration.places] == ["huiskamer-1"]


async def test_moving_to_a_full_session_keeps_the_confirmed_place(
    database: Database, store: RegistrationSql
):
    await _festival(database, capacity=1)
    first = await register(store, SLUG, _person(1, ronde_1="huiskamer-1"), now=NOW)
    await register(store, SLUG, _person(2, ronde_1="huiskamer-2"), now=NOW)

    with pytest.raises(PlaceRefused) as refused:
        await change_place(store, first.registration.id, "ronde-1", "huiskamer-2", now=NOW)

    # Told in the attendee's language where the request came in (tests/web/test_me.py).
    assert (refused.value.field, refused.value.key) == ("choices.ronde-1", "err_full_keep")
    assert await _status(database, first.registration.id) == ("confirmed", None)


async def test_all_registrations_read_at_once_match_each_read_alone(
    database: Database, store: RegistrationSql
):
    """The organiser view reads everyone in three queries; it must say what the personal
    page says: places, waitlist positions per session and mode, promotions."""
    await _festival(database)
    ids = []
    for n in range(9):
        choices = {"ronde_1": "huiskamer-1", "ronde_2": "huiskamer-7" if n % 2 else "huiskamer-8"}
        request = _person(n, **choices)
        if n in (3, 4, 5):
            request = replace(request, mode="onsite")
        ids.append((await register(store, SLUG, request, now=NOW)).registration.id)
    await register(store, SLUG, _person(99), now=NOW)  # no sessions at all
    await change_place(store, ids[0], "ronde-1", None, now=NOW)  # promotes someone

    async with database.session() as session:
        together = list(await registrations_of(session, SLUG))
        alone = [await read_registration(session, r.id) for r in together]

    assert together == alone
    assert any(p.position == 2 for r in together for p in r.places)  # a real waitlist
    assert any(p.promoted_at is not None for r in together for p in r.places)


async def test_onsite_attendees_do_not_take_online_places(
    database: Database, store: RegistrationSql
):
    await _festival(database, capacity=1)  # one online place; seats: no limit
    onsite = replace(_person(1, ronde_1="huiskamer-1"), mode="onsite")
    ids = [(await register(store, SLUG, onsite, now=NOW)).registration.id]
    for n in (2, 3):
        request = _person(n, ronde_1="huiskamer-1")
        ids.append((await register(store, SLUG, request, now=NOW)).registration.id)

    assert [await _status(database, i) for i in ids] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
    ]


async def test_a_place_given_up_goes_to_the_first_in_line_of_its_way_of_attending(
    database: Database, store: RegistrationSql
):
    await _festival(database, capacity=1)
    first = _person(1, ronde_1="huiskamer-1")
    ids = [(await register(store, SLUG, first, now=NOW)).registration.id]
    for n in (2, 3, 4):
        request = _person(n, ronde_1="huiskamer-1")
        ids.append((await register(store, SLUG, request, now=NOW)).registration.id)

    _, promoted = await change_place(store, ids[0], "ronde-1", None, now=NOW)
    _, next_promoted = await change_place(store, ids[1], "ronde-1", None, now=NOW)

    assert (promoted, next_promoted) == ([ids[1]], [ids[2]])
    assert [await _status(database, i) for i in ids[2:]] == [
        ("confirmed", None),
        ("waitlisted", 1),
    ]
