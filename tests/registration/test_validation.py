"""Registration input: addresses normalised and checked, look-alikes folded, names cleaned, and
any input at all answered with a registration or field errors, never an exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from festival.errors import Invalid
from festival.programme.loading import read_programme
from festival.registration.model import RegistrationRequest
from festival.registration.validation import validate_registration
from tests.conftest import REFERENCE

FESTIVAL = read_programme(REFERENCE)
NOW = datetime(2020, 11, 19, 8, 0, tzinfo=UTC)


def valid(email: str = "ann@example.org", *, smtputf8: bool = False, **fields: Any) -> Any:
    body = {"name": "Ann", "email": email, "consent": True, **fields}
    return validate_registration(FESTIVAL, body, now=NOW, smtputf8=smtputf8)


def refused(body: dict[str, Any], *, smtputf8: bool = False) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        validate_registration(FESTIVAL, body, now=NOW, smtputf8=smtputf8)
    return caught.value.errors


# -- addresses --------------------------------------------------------------------------------


def test_an_idn_domain_is_stored_in_its_ascii_form():
    assert valid("ann@bücher.example.org").email == "ann@xn--bcher-kva.example.org"


def test_a_domain_is_stored_in_lower_case_and_the_local_part_as_typed():
    assert valid("  Ann.Smit@Example.ORG ").email == "Ann.Smit@example.org"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_non_ascii_local_part_is_refused_without_smtputf8(language: str):
    errors = refused(
        {"name": "Zoë", "email": "zoë@example.org", "consent": True, "language": language}
    )

    expected = {
        "nl": "Vóór de @ staan letters die onze mailserver niet kan versturen (zoals ë of é). "
        "Gebruik een adres met alleen letters zonder accenten, cijfers en . - _ + vóór de @.",
        "en": "Our mail server cannot send to letters like ë or é before the @. Please use an "
        "address with only unaccented letters, digits and . - _ + before the @.",
    }
    assert errors == {"email": expected[language]}


def test_a_non_ascii_local_part_is_taken_where_the_transport_has_smtputf8():
    # Decomposed (e + combining diaeresis) is stored composed.
    assert valid("zoe\u0308@Bücher.example.org", smtputf8=True).email == (
        "zoë@xn--bcher-kva.example.org"
    )


@pytest.mark.parametrize(
    "email",
    ["ann-at-example.org", "ann@localhost", "ann@example", "ann@bad_domain.org", "a b@example.org"],
)
def test_addresses_email_validator_refuses_are_field_errors(email: str):
    assert refused({"name": "Ann", "email": email, "consent": True}) == {
        "email": "Dit is geen geldig e-mailadres."
    }


@pytest.mark.parametrize(
    "look_alike",
    [
        "ａｎｎ@ｅｘａｍｐｌｅ.org",  # full-width letters
        "an\u200bn@example.org",  # zero-width space
        "an\u00adn@exam\u00adple.org",  # soft hyphens
        "\ufeffann@example.org\u2060",  # byte order mark, word joiner
        "ANN@EXAMPLE.ORG",
    ],
)
def test_look_alike_addresses_fold_to_one_key(look_alike: str):
    assert valid(look_alike).email_key == valid("ann@example.org").email_key


def test_decomposed_and_composed_accents_fold_to_one_key():
    composed = valid("zoë@example.org", smtputf8=True)
    decomposed = valid("ZOE\u0308@example.org", smtputf8=True)

    assert composed.email_key == decomposed.email_key


# -- names ------------------------------------------------------------------------------------


def test_bidirectional_overrides_are_removed_from_names():
    # U+202E would show "Ann" and everything after it on the page back to front.
    assert valid(name="\u202eAnn\u202c de \u2067Vries\u2069").name == "Ann de Vries"


def test_nul_and_control_characters_in_a_name_become_spaces():
    assert valid(name="Ann\x00de\x1bVries\x85").name == "Ann de Vries"


def test_a_lone_surrogate_in_a_name_is_replaced():
    assert valid(name="Ann \ud800").name == "Ann \ufffd"


# -- any input --------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
# Field names the form knows, with sometimes sensible values: otherwise almost every example
# would stop at "unknown field".
known = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text() | json_values,
        "email": st.emails().map(str) | st.text() | json_values,
        "organisation": st.text() | json_values,
        "language": st.sampled_from(["nl", "en", "", "de"]) | json_values,
        "mode": st.sampled_from(["online", "onsite", "both"]) | json_values,
        "choices": st.dictionaries(
            st.sampled_from(["ronde-1", "ronde-2", "x"]) | st.text(),
            st.sampled_from(["huiskamer-1", "huiskamer-6", "", None]) | json_values,
        )
        | json_values,
        "rankings": json_values,
        "consent": st.booleans() | json_values,
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=known | st.dictionaries(st.text(), json_values), smtputf8=st.booleans())
def test_any_input_gives_a_registration_or_field_errors(data: dict[str, Any], smtputf8: bool):
    result: RegistrationRequest | dict[str, str]
    try:
        result = validate_registration(FESTIVAL, data, now=NOW, smtputf8=smtputf8)
    except Invalid as refusal:
        result = refusal.errors
    if isinstance(result, dict):
        assert result
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())
        json.dumps(result, ensure_ascii=False).encode("utf-8")  # can be answered as JSON
        return
    assert isinstance(result, RegistrationRequest)
    # What is stored can be stored: UTF-8, no NUL, within the documented limits.
    for text in (result.name, result.email, result.organisation, result.email_key):
        text.encode("utf-8")
        assert "\x00" not in text
    assert 0 < len(result.name) <= 200
    assert len(result.email) <= 254
    assert result.email.split("@")[1].isascii()
    assert smtputf8 or result.email.isascii()
