"""Domain errors carry a code and no HTTP status; blueprints/errors.py alone maps codes to
statuses (issue 6, Part 1 §4)."""

from __future__ import annotations

import inspect

import pytest
from flask import Flask

from eventapp.blueprints import errors as web_errors
from eventapp.services import errors, tickets
from eventapp.services.errors import DomainError, ValidationError

DOMAIN_ERRORS = [
    value
    for module in (errors, tickets)
    for value in vars(module).values()
    if inspect.isclass(value) and issubclass(value, DomainError)
]


@pytest.mark.parametrize("kind", DOMAIN_ERRORS, ids=lambda kind: kind.__name__)
def test_domain_errors_know_no_http_status(kind):
    assert not hasattr(kind, "status")
    assert not hasattr(kind(), "status")


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (errors.ValidationError, 400),
        (errors.NotFound, 404),
        (errors.LinkExpired, 410),
        (errors.RegistrationNotOpen, 409),
        (errors.RegistrationClosed, 409),
        (errors.EventCancelled, 409),
        (errors.ModeNotOffered, 409),
        (errors.InvalidState, 409),
        (errors.NotAllowed, 403),
    ],
)
def test_the_web_layer_maps_codes_to_statuses(kind, status):
    assert web_errors.domain_status(kind()) == status


def test_an_invalid_ticket_is_not_bound_to_400():
    """The check-in API answers a bad code with 200 {"result": "invalid"}: no status belongs to it."""
    assert tickets.InvalidTicket().code == "invalid"
    assert "invalid" not in web_errors.DOMAIN_STATUSES
    assert "wrong_event" not in web_errors.DOMAIN_STATUSES


def test_the_api_words_field_codes_without_changing_the_error(app: Flask):
    error = ValidationError("Bad.", fields={"given_name": "required", "body": "Expected a JSON object."})
    with app.test_request_context("/api/v1/events/x/registrations", method="POST"):
        response = web_errors.handle_domain(error)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "given_name": "This field is required.",
        "body": "Expected a JSON object.",
    }
    assert error.fields == {"given_name": "required", "body": "Expected a JSON object."}
