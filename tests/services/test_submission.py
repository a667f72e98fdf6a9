"""The one validation of a submission: control characters and the address rules (issue 6,
Part 3 §3 text fields and §9 email)."""

from __future__ import annotations

import pytest

from eventapp.models import QuestionKind
from eventapp.services.errors import ValidationError
from eventapp.services.submission import CONTROL_CHARACTERS, RegistrationInput, clean_input, normalize_email

BAD = ["\x00", "\x1b", "\x7f", "\x07", "\x0b", "\x0c", "\r", "\x85", "\x9b"]


def entry(**overrides) -> RegistrationInput:
    values = {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "email": "erika@example.org",
        "organization": "Stadt Soest",
        "mode": "on_site",
        "privacy_consent": True,
    }
    values.update(overrides)
    return RegistrationInput(**values)


@pytest.fixture
def event(make):
    event = make.event()
    make.question(event, key="note", kind=QuestionKind.TEXT)
    return event


@pytest.mark.parametrize("char", BAD, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["given_name", "family_name", "organization"])
def test_control_characters_in_text_fields_are_a_field_error(event, field, char):
    with pytest.raises(ValidationError) as info:
        clean_input(entry(**{field: f"Ab{char}c"}), modes=event.modes, questions=event.questions)
    assert info.value.fields == {field: CONTROL_CHARACTERS}


@pytest.mark.parametrize("char", BAD, ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_in_answers_are_a_field_error(event, char):
    with pytest.raises(ValidationError) as info:
        clean_input(entry(answers={"note": f"rollstuhl{char}gerecht"}), modes=event.modes, questions=event.questions)
    assert info.value.fields == {"answers.note": CONTROL_CHARACTERS}


def test_tabs_and_line_breaks_stay_allowed(event):
    clean = clean_input(
        entry(given_name="Eri\tka", organization="Stadt\r\nSoest", answers={"note": "Zeile 1\r\nZeile 2\n\tEnde"}),
        modes=event.modes,
        questions=event.questions,
    )
    assert (clean.given_name, clean.organization) == ("Eri ka", "Stadt Soest")
    assert clean.answers == {"note": "Zeile 1\nZeile 2\n\tEnde"}


def test_letters_beyond_ascii_are_no_control_characters(event):
    clean = clean_input(
        entry(given_name="Zoë", family_name="Çelik-Müller"), modes=event.modes, questions=event.questions
    )
    assert clean.family_name == "Çelik-Müller"


def test_a_local_part_of_64_is_taken_and_65_refused():
    assert normalize_email("a" * 64 + "@example.org") == "a" * 64 + "@example.org"
    with pytest.raises(ValidationError) as info:
        normalize_email("a" * 65 + "@example.org")
    assert info.value.fields == {"email": "too_long"}


def test_the_local_part_limit_counts_octets():
    with pytest.raises(ValidationError):
        normalize_email("ä" * 33 + "@example.org")  # 66 octets in UTF-8


@pytest.mark.parametrize(
    ("address", "taken"),
    [
        ("erika@example.org", True),
        ("erika@example.com", True),
        ("erika@stadt.example", True),
        ("erika@stadt.test", False),
        ("erika@host.localhost", False),
        ("erika@x.invalid", False),
    ],
)
def test_special_use_domains_follow_the_documented_rule(address, taken):
    """The rule the OpenAPI document states (EMAIL_RULE), in every environment."""
    if taken:
        assert normalize_email(address) == address
    else:
        with pytest.raises(ValidationError):
            normalize_email(address)
