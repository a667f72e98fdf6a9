"""JSON API v1 (DESIGN §5): event list and detail, the public registration POST, the OpenAPI document.

Every answer is JSON; errors use the one shape of ``blueprints/errors.api_error``
(domain errors and HTTP errors reach it through the app-wide handlers).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import pydantic
from flask import Blueprint, current_app, jsonify, request
from flask.wrappers import Response
from flask_babel import get_locale
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from eventapp.blueprints.api import openapi
from eventapp.blueprints.api.schemas import (
    AgendaItemOut,
    ChoiceOut,
    EventList,
    EventListQuery,
    EventOut,
    ModeOut,
    OrganizationOut,
    QuestionOut,
    RegistrationRequest,
    in_list_range,
)
from eventapp.blueprints.limits import registration_budget
from eventapp.blueprints.registration.common import hold_settings, submit_settings
from eventapp.extensions import csrf, db
from eventapp.models import BERLIN, Event, Question, utcnow
from eventapp.services import capacity, catalog, listing
from eventapp.services import registration as registration_service
from eventapp.services import series as series_service
from eventapp.services.capacity import Availability
from eventapp.services.errors import ValidationError
from eventapp.urls import event_url, external_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Today every API route is public and Bearer-less (reads, and the registration POST that
# DESIGN §5 exempts), so the whole blueprint is exempt from CSRF. The check-in API, which
# staff call with their session cookie, must NOT be covered by this: give it its own
# blueprint (or check X-CSRFToken with csrf.protect()) when it comes.
csrf.exempt(bp)

Model = TypeVar("Model", bound=pydantic.BaseModel)

#: The largest row id (``Event.id`` is a 32-bit integer on PostgreSQL).
MAX_ID = 2**31 - 1


# --- input helpers ------------------------------------------------------------------------


def _field_errors(error: pydantic.ValidationError) -> dict[str, str]:
    """pydantic errors → ``{"given_name": "String should have at most 100 characters", ...}``."""
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item["loc"]) or "body"
        fields.setdefault(path, item["msg"])
    return fields


def validate(model: type[Model], data: Any) -> Model:
    """Validate with a schema model; ValidationError (400) with per-field messages otherwise."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as error:
        raise ValidationError("The request is not valid.", fields=_field_errors(error)) from None


def json_object() -> dict[str, Any]:
    """The body as a JSON object: 415 unless declared JSON, 413 when too large, 400 unless valid and an object."""
    if not request.is_json:
        raise UnsupportedMediaType()
    raw = request.get_data(cache=False)  # enforces MAX_CONTENT_LENGTH (413) when the length is declared
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and len(raw) >= limit:
        # A chunked body is cut at the limit instead of refused: it was too large all the same.
        raise RequestEntityTooLarge()
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        raise ValidationError("The body is not valid JSON.", fields={"body": "Not valid JSON."}) from None
    if not isinstance(payload, dict):
        raise ValidationError("The body must be a JSON object.", fields={"body": "Expected a JSON object."})
    return payload


# --- time and cursor helpers --------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    """Stored UTC → Europe/Berlin, so every time carries the offset people see on the page."""
    return moment.astimezone(BERLIN) if moment is not None else None


def _start_of(value: date | datetime, *, end_of_day: bool = False) -> datetime:
    """A query date or date-time as an aware moment; dates and naive times are Berlin time."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=BERLIN)
    day = value + timedelta(days=1) if end_of_day else value
    return datetime.combine(day, time.min, tzinfo=BERLIN)


def encode_cursor(position: listing.Position) -> str:
    raw = json.dumps([position.starts_at.astimezone(UTC).isoformat(), position.event_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> listing.Position:
    """The opaque ``next`` value back into a position; 400 (field ``cursor``) if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        starts_at, event_id = json.loads(raw)
        moment = datetime.fromisoformat(starts_at)
        if moment.tzinfo is None or type(event_id) is not int or not 0 < event_id <= MAX_ID:
            raise ValueError(cursor)
        # Year 1 at +14:00 is year 0 in UTC: only moments the list's filters accept pass.
        in_list_range(moment)
    except (ValueError, TypeError, binascii.Error, RecursionError):  # PydanticCustomError is a ValueError
        raise ValidationError("The cursor is not valid.", fields={"cursor": "Not a cursor of this API."}) from None
    return listing.Position(moment, event_id)


# --- output -------------------------------------------------------------------------------


def _question_out(question: Question, locale: str) -> QuestionOut:
    choices = [
        ChoiceOut(
            value=str(choice.get("value", "")),
            label=str(choice.get(f"label_{locale}") or choice.get("label") or choice.get("value", "")),
        )
        for choice in question.choices or []
        if isinstance(choice, dict)
    ]
    return QuestionOut(
        key=question.key,
        label=question.label_for(locale),
        kind=question.kind.value,
        choices=choices,
        required=question.required,
        sensitive=question.sensitive,
    )


def event_out(event: Event, availability: Availability, *, locale: str) -> EventOut:
    """The JSON shape of an event (DESIGN §5), in the request's language."""
    return EventOut(
        slug=event.slug,
        title=event.title,
        summary=event.summary,
        description=event.description,
        format=event.format,
        organization=OrganizationOut(slug=event.organization.slug, name=event.organization.name),
        series=event.series.slug if event.series is not None else None,
        attendance=event.attendance.value,
        starts_at=_local(event.starts_at),
        ends_at=_local(event.ends_at),
        venue=event.venue,
        address=event.address,
        status=event.status.value,
        cancel_message=event.cancel_message or "",
        state=availability.state,
        modes={
            mode.value: ModeOut(capacity=seats.capacity, seats_left=seats.seats_left, full=seats.full)
            for mode, seats in availability.modes.items()
        },
        agenda=[
            AgendaItemOut(
                starts_at=_local(item.starts_at),
                ends_at=_local(item.ends_at),
                title=item.title,
                speaker=item.speaker,
                description=item.description,
            )
            for item in event.agenda_items
        ],
        questions=[_question_out(question, locale) for question in event.questions],
        url=event_url(event),
    )


def _json(model: pydantic.BaseModel, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


# --- routes -------------------------------------------------------------------------------


@bp.get("/events")
def events() -> Response:
    """Public events (published and cancelled ones, marked), upcoming first, in pages of ``limit``."""
    query = validate(EventListQuery, request.args.to_dict())
    catalog.check_filters(db.session, format=query.format, organization=query.organization)
    now = utcnow()
    page = listing.public_event_page(
        db.session,
        ends_after=_start_of(query.from_) if query.from_ is not None else now,
        starts_before=_start_of(query.to, end_of_day=True) if query.to is not None else None,
        format=query.format,
        organization=query.organization,
        after=decode_cursor(query.cursor) if query.cursor else None,
        limit=query.limit,
    )
    availabilities = catalog.availabilities(db.session, page.events, now=now)
    locale = str(get_locale())
    return _json(
        EventList(
            events=[event_out(event, availabilities[event.id], locale=locale) for event in page.events],
            next=encode_cursor(page.next) if page.next is not None else None,
        )
    )


@bp.get("/events/<slug>")
def event(slug: str) -> Response:
    """One published or cancelled event; drafts are 404 like unknown slugs."""
    found = catalog.event_by_slug(db.session, slug)
    availability = capacity.availability(db.session, found, now=utcnow())
    return _json(event_out(found, availability, locale=str(get_locale())))


@bp.post("/events/<slug>/registrations")
@registration_budget
def register(slug: str) -> tuple[Response, int]:
    """Register for an event; always 202 so that the answer reveals nothing about the address."""
    found = registration_service.event_for_submission(db.session, slug)
    body = validate(RegistrationRequest, json_object())
    data = registration_input(body)
    registration_service.submit(db.session, found, data, now=utcnow(), **submit_settings(), **hold_settings())
    db.session.commit()
    return check_inbox()


def registration_input(body: RegistrationRequest) -> registration_service.RegistrationInput:
    """The validated body as the registration service's input (shared with the series POST)."""
    return registration_service.RegistrationInput(
        given_name=body.given_name,
        family_name=body.family_name,
        email=body.email,
        organization=body.organization,
        mode=body.mode,
        waiting_for=body.waiting_for,
        answers=dict(body.answers),
        privacy_consent=body.privacy_consent,
        sensitive_consent=body.sensitive_consent,
        locale=body.locale or str(get_locale()),
    )


def check_inbox() -> tuple[Response, int]:
    """The one answer of every accepted registration POST."""
    return jsonify({"status": "check_inbox"}), 202


@bp.post("/series/<slug>/registrations")
@registration_budget
def register_series(slug: str) -> tuple[Response, int]:
    """Register for every date of a series (the event fields; ``waiting_for`` does not apply);
    always 202, like the event registration."""
    found = series_service.series_by_slug(db.session, slug)
    body = validate(RegistrationRequest, json_object())
    series_service.submit_series(db.session, found, registration_input(body), now=utcnow(), **submit_settings())
    db.session.commit()
    return check_inbox()


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 description of this API, generated from the schemas above."""
    document = dict(openapi.document())
    # The public root (BASE_URL with its path prefix); the document's paths start at /api/v1.
    document["servers"] = [{"url": external_url("public.index").rstrip("/")}]
    return jsonify(document)
