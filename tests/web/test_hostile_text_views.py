"""NUL and other control characters in text fields: a field error from form and API, never a
500, and nothing stored — on SQLite and PostgreSQL alike (issue 6, Part 3 §3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventapp.blueprints.api.schemas import EMAIL_RULE
from eventapp.models import Person, QuestionKind, Registration, utcnow
from tests.helpers import form_values, post_form, text


@pytest.fixture
def event(data):
    with data() as (_session, make):
        event = make.event(slug="konferenz", starts_at=utcnow() + timedelta(days=30))
        make.question(event, key="note", kind=QuestionKind.TEXT)
        return event.slug


def body(**overrides) -> dict:
    values = {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "email": "erika@example.org",
        "mode": "on_site",
        "privacy_consent": True,
    }
    values.update(overrides)
    return values


def stored(data) -> tuple[int, int]:
    with data() as (session, _make):
        return (
            session.scalar(select(func.count(Registration.id))),
            session.scalar(select(func.count(Person.id))),
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_name": "Eri\x00ka"}, "given_name"),
        ({"family_name": "\x00"}, "family_name"),
        ({"organization": "Stadt\x00Soest"}, "organization"),
        ({"organization": "\x1b[31mrot"}, "organization"),
        ({"answers": {"note": "a\x00b"}}, "answers.note"),
        ({"answers": {"note": "a\x7fb"}}, "answers.note"),
    ],
)
def test_the_api_answers_a_field_error(client, data, event, overrides, field):
    response = client.post(f"/api/v1/events/{event}/registrations", json=body(**overrides))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {field: "This value contains control characters; only tabs and line breaks are allowed."}
    assert stored(data) == (0, 0)


def test_the_api_refuses_a_65_character_local_part(client, data, event):
    response = client.post(f"/api/v1/events/{event}/registrations", json=body(email="a" * 65 + "@example.org"))
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["email"]
    assert stored(data) == (0, 0)


@pytest.mark.parametrize("field", ["given_name", "family_name", "organization"])
def test_the_form_shows_the_field_error(client, data, event, field):
    response = post_form(
        client,
        f"/events/{event}/register?lang=en",
        form_values(email="erika@example.org", mode="on_site", **{field: "Ab\x00c"}),
    )
    assert response.status_code == 400
    assert "Please remove the invisible control characters from this field." in text(response)
    assert stored(data) == (0, 0)


def test_the_openapi_document_states_the_address_rule(client):
    schema = client.get("/api/v1/openapi.json").get_json()
    request = schema["components"]["schemas"]["RegistrationRequest"]["properties"]
    assert request["email"]["description"] == EMAIL_RULE
    assert ".test" in EMAIL_RULE and "64" in EMAIL_RULE
