"""The OpenAPI 3.1 document of the JSON API, built from the pydantic models that validate
requests and shape responses (``schemas.py``), so it cannot drift from the behaviour.

Add a path here when a route is added (e.g. ``/api/v1/checkin`` once it exists); a test
checks that every documented path is a route of the app.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from eventapp.blueprints.api.schemas import (
    CheckInbox,
    ErrorResponse,
    EventList,
    EventListQuery,
    EventOut,
    RegistrationRequest,
)
from eventapp.blueprints.checkin.schemas import (
    BatchRequest,
    BatchResponse,
    CheckinRequest,
    CheckinResponse,
    OfflinePackage,
    SearchResponse,
    StationRequest,
    WalkInRequest,
)

REF_TEMPLATE = "#/components/schemas/{model}"
#: Request models are documented as validated, response models as serialised.
REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    RegistrationRequest,
    CheckinRequest,
    BatchRequest,
    StationRequest,
    WalkInRequest,
)
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (
    EventOut,
    EventList,
    ErrorResponse,
    CheckInbox,
    CheckinResponse,
    BatchResponse,
    OfflinePackage,
    SearchResponse,
)

ERROR_DESCRIPTIONS = {
    400: "`validation_error`: the request is not valid; `fields` names each problem.",
    401: "`unauthorized`: no staff session, or the device token is unknown, revoked or expired.",
    403: "`forbidden`: the signed-in user may not check in at this event, or the device token is for another event.",
    404: "`not_found`: no such (public) event.",
    405: "`method_not_allowed`.",
    "409c": "`not_checked_in` (undo without a check-in), `mode_full` (no free on-site seat), `already_registered`, "
    "`event_cancelled`, `invalid_state`.",
    409: "`registration_not_open`, `registration_closed`, `event_cancelled` or `mode_not_offered`.",
    413: "`payload_too_large`: the body exceeds the size limit.",
    415: "`unsupported_media_type`: the body is not JSON (send `Content-Type: application/json`).",
    429: "`rate_limited`: too many requests from this client; see `Retry-After`.",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def _json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(model)}}


def _errors(*statuses: int | str) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for key in statuses:
        status = int(str(key).rstrip("c"))
        response: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[key], "content": _json_content(ErrorResponse)}
        if status == 429:
            response["headers"] = {
                "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
            }
        responses[str(status)] = response
    return responses


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Each field of a query model as an OpenAPI ``in: query`` parameter."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, by_alias=True)
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in schema.get("required", ()),
                "description": description,
                "schema": prop,
            }
        )
    return parameters


SLUG_PARAMETER = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "The event's slug, as in its page URL.",
    "schema": {"type": "string"},
}


def _components() -> dict[str, Any]:
    pairs = [(model, "validation") for model in REQUEST_MODELS] + [
        (model, "serialization") for model in RESPONSE_MODELS
    ]
    _, top = models_json_schema(pairs, ref_template=REF_TEMPLATE)  # type: ignore[arg-type]
    return dict(sorted(top.get("$defs", {}).items()))


SERIES_SLUG_PARAMETER = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "The series' slug, as in its page URL (`/series/<slug>`).",
    "schema": {"type": "string"},
}


SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A check-in device token (organizer area or `flask create-checkin-token`); implies the event "
        "and the station. No CSRF token needed.",
    },
    "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "A signed-in staff member (assigned to the event), organizer of its organization or admin; "
        "every write must send the page's CSRF token as `X-CSRFToken` (else 400 `csrf_failed`).",
    },
}
CHECKIN_SECURITY = [{"bearerAuth": []}, {"cookieAuth": []}]
CHECKIN_SLUG = {**SLUG_PARAMETER, "description": "The event's slug (a device token's own event)."}
REGISTRATION_ID = {
    "name": "registration_id",
    "in": "path",
    "required": True,
    "description": "The registration's id (from a search or a scan result).",
    "schema": {"type": "integer"},
}


def _checkin_action(operation_id: str, summary: str, description: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "security": CHECKIN_SECURITY,
            "parameters": [CHECKIN_SLUG, REGISTRATION_ID],
            "requestBody": {"required": False, "content": _json_content(StationRequest)},
            "responses": {
                "200": {"description": "The result.", "content": _json_content(CheckinResponse)},
                **_errors(400, 401, 403, 404, "409c", 415, 429),
            },
        }
    }


def _checkin_paths() -> dict[str, Any]:
    """The check-in API (issue 9; DESIGN §5)."""
    registration = "/api/v1/checkin/{slug}/registrations/{registration_id}"
    return {
        "/api/v1/checkin": {
            "post": {
                "operationId": "checkIn",
                "summary": "Check in a scanned ticket",
                "description": "Any string `code` is judged and answered with 200: `ok` (recorded now), "
                "`already_checked_in` (with the first time and station), `wrong_event`, `wrong_mode` (an online "
                "registration; staff may admit it on site), `cancelled`, `waitlisted`, `not_confirmed`, `invalid` "
                "(not an authentic ticket of ours, another key, or a re-issued one). A repeated `nonce` from the "
                "same device or user changes nothing and gets the first answer again.",
                "security": CHECKIN_SECURITY,
                "requestBody": {"required": True, "content": _json_content(CheckinRequest)},
                "responses": {
                    "200": {"description": "The verdict.", "content": _json_content(CheckinResponse)},
                    **_errors(400, 401, 403, 404, 413, 415, 429),
                },
            }
        },
        "/api/v1/checkin/batch": {
            "post": {
                "operationId": "checkInBatch",
                "summary": "Sync the scans of an offline station",
                "description": "Each scan is judged as by `checkIn` (source offline-sync, at its `scanned_at` when "
                "plausible). A ticket that was in before, or a nonce sent before, is reported as `duplicate` and "
                "counted once; resending a whole batch is safe.",
                "security": CHECKIN_SECURITY,
                "requestBody": {"required": True, "content": _json_content(BatchRequest)},
                "responses": {
                    "200": {"description": "One result per scan, in order.", "content": _json_content(BatchResponse)},
                    **_errors(400, 401, 403, 404, 413, 415, 429),
                },
            }
        },
        "/api/v1/checkin/{slug}/offline": {
            "get": {
                "operationId": "getOfflinePackage",
                "summary": "What an offline station needs",
                "description": "Public keys by key id (tickets verify without the server), revoked ticket serials, "
                "names for display by ticket id, and who is already in. Contains personal data: keep it on the "
                "device only until the event is over.",
                "security": CHECKIN_SECURITY,
                "parameters": [CHECKIN_SLUG],
                "responses": {
                    "200": {"description": "The package.", "content": _json_content(OfflinePackage)},
                    **_errors(401, 403, 404, 429),
                },
            }
        },
        "/api/v1/checkin/{slug}/search": {
            "get": {
                "operationId": "searchRegistrations",
                "summary": "Find a person at the door",
                "description": "Up to 20 registrations whose names, email or organization contain every word of `q`.",
                "security": CHECKIN_SECURITY,
                "parameters": [
                    CHECKIN_SLUG,
                    {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200}},
                ],
                "responses": {
                    "200": {"description": "Matches.", "content": _json_content(SearchResponse)},
                    **_errors(401, 403, 404, 429),
                },
            }
        },
        registration: _checkin_action(
            "checkInRegistration", "Check in a person found by search", "The same results as a scan (source search)."
        ),
        registration + "/undo": _checkin_action(
            "undoCheckIn",
            "Undo a door check-in",
            "Deletes the on-site record; the history keeps the check-in and its undo. 409 `not_checked_in` "
            "without one.",
        ),
        "/api/v1/checkin/{slug}/walk-ins": {
            "post": {
                "operationId": "walkIn",
                "summary": "Register someone at the door and check them in",
                "description": "Confirmed at once in mode on_site (the ticket mail goes to the address) and checked "
                "in (source walk-in), while an on-site seat is free: 409 `mode_full` otherwise, 409 "
                "`already_registered` when the address has an active registration (find it by search).",
                "security": CHECKIN_SECURITY,
                "parameters": [CHECKIN_SLUG],
                "requestBody": {"required": True, "content": _json_content(WalkInRequest)},
                "responses": {
                    "201": {"description": "Registered and checked in.", "content": _json_content(CheckinResponse)},
                    **_errors(400, 401, 403, 404, "409c", 415, 429),
                },
            }
        },
        registration + "/on-site": _checkin_action(
            "admitOnSite",
            "Admit an online registration on site",
            "Moves a confirmed online registration to a free on-site seat (409 `mode_full` when none is free or "
            "someone waits for one) and checks it in.",
        ),
    }


@cache
def _document() -> dict[str, Any]:
    paths = {
        "/api/v1/events": {
            "get": {
                "operationId": "listEvents",
                "summary": "Public events, upcoming first",
                "description": "Pages of events in start order, published and cancelled ones alike (a cancelled "
                "event has `status` and `state` `cancelled` and takes no registrations). Pass `next` back as "
                "`cursor` with the same filters for the following page.",
                "parameters": _query_parameters(EventListQuery),
                "responses": {
                    "200": {"description": "A page of events.", "content": _json_content(EventList)},
                    **_errors(400),
                },
            }
        },
        "/api/v1/events/{slug}": {
            "get": {
                "operationId": "getEvent",
                "summary": "One published or cancelled event",
                "parameters": [SLUG_PARAMETER],
                "responses": {
                    "200": {"description": "The event.", "content": _json_content(EventOut)},
                    **_errors(404),
                },
            }
        },
        "/api/v1/events/{slug}/registrations": {
            "post": {
                "operationId": "registerForEvent",
                "summary": "Register for an event",
                "description": "Always answers 202 once the request is valid: whether the person was new, "
                "already registered, given a seat or put on the waiting list travels by mail only.",
                "parameters": [SLUG_PARAMETER],
                "requestBody": {"required": True, "content": _json_content(RegistrationRequest)},
                "responses": {
                    "202": {"description": "Accepted; the person gets an email.", "content": _json_content(CheckInbox)},
                    **_errors(400, 404, 409, 413, 415, 429),
                },
            }
        },
        "/api/v1/series/{slug}/registrations": {
            "post": {
                "operationId": "registerForSeries",
                "summary": "Register for every date of a series",
                "description": "The same fields as an event registration (`waiting_for` does not apply); the "
                "questions are those of the next date. One confirmation mail covers the series; after it, the "
                "person is registered for every upcoming date and for dates added later. Always answers 202 "
                "once the request is valid.",
                "parameters": [SERIES_SLUG_PARAMETER],
                "requestBody": {"required": True, "content": _json_content(RegistrationRequest)},
                "responses": {
                    "202": {"description": "Accepted; the person gets an email.", "content": _json_content(CheckInbox)},
                    **_errors(400, 404, 409, 413, 415, 429),
                },
            }
        },
        **_checkin_paths(),
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenAPI",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document.", "content": {"application/json": {}}}},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "eventapp API",
            "version": "1",
            "description": "Events and registrations of Smart Cities: 5 für Südwestfalen. Times are ISO 8601 "
            'with offset; errors come as `{"error": {"code", "message", "fields"}}`.',
        },
        "paths": paths,
        "components": {"schemas": _components(), "securitySchemes": SECURITY_SCHEMES},
    }


def document() -> dict[str, Any]:
    """A fresh copy of the document (callers may add ``servers``)."""
    return copy.deepcopy(_document())
