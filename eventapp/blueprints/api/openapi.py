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

REF_TEMPLATE = "#/components/schemas/{model}"
#: Request models are documented as validated, response models as serialised.
REQUEST_MODELS: tuple[type[BaseModel], ...] = (RegistrationRequest,)
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (EventOut, EventList, ErrorResponse, CheckInbox)

ERROR_DESCRIPTIONS = {
    400: "`validation_error`: the request is not valid; `fields` names each problem.",
    404: "`not_found`: no such (public) event.",
    405: "`method_not_allowed`.",
    409: "`registration_not_open`, `registration_closed`, `event_cancelled` or `mode_not_offered`.",
    413: "`payload_too_large`: the body exceeds the size limit.",
    415: "`unsupported_media_type`: the body is not JSON (send `Content-Type: application/json`).",
    429: "`rate_limited`: too many requests from this client; see `Retry-After`.",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def _json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(model)}}


def _errors(*statuses: int) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in statuses:
        response: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status], "content": _json_content(ErrorResponse)}
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
        "components": {"schemas": _components()},
    }


def document() -> dict[str, Any]:
    """A fresh copy of the document (callers may add ``servers``)."""
    return copy.deepcopy(_document())
