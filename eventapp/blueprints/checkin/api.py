"""Check-in endpoints under ``/api/v1/checkin`` (DESIGN §5), in a blueprint of their own.

Authorisation is either ``Authorization: Bearer <device token>`` (the token implies the
event and names the station) or a staff session (staff assigned to the event, organizers
of its organization, admins). The CSRF rule is exactly DESIGN §5's, decided per request:
the views are exempt from the app-wide check, and :func:`caller` runs it for every
session-authorised write — so a page's cookie alone never checks anybody in, while a
scanner sending its Bearer token needs no CSRF token. Budgets are per device token or
user, never per address (``limits.checkin_budget``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, jsonify, request
from flask.wrappers import Response
from flask_babel import get_locale
from sqlalchemy import select

from eventapp.blueprints.api.routes import json_object, validate
from eventapp.blueprints.checkin.schemas import (
    BatchRequest,
    BatchResponse,
    BatchResult,
    CheckinRegistration,
    CheckinRequest,
    CheckinResponse,
    OfflinePackage,
    OfflineTicket,
    RevokedTicket,
    SearchHit,
    SearchResponse,
    StationRequest,
    WalkInRequest,
)
from eventapp.blueprints.limits import checkin_budget
from eventapp.extensions import csrf, db
from eventapp.keys import current_keyring
from eventapp.models import BERLIN, Attendance, Event, Mode, Registration, utcnow
from eventapp.security import signed_in_user
from eventapp.services import admission, checkin, checkin_devices, permissions, roster
from eventapp.services import events as event_service
from eventapp.services.calendar import event_end
from eventapp.services.checkin import Outcome, Result, Scanner
from eventapp.services.errors import ValidationError
from eventapp.services.submission import RegistrationInput
from eventapp.services.tickets import public_key_text, revoked_tickets

bp = Blueprint("checkin", __name__, url_prefix="/api/v1/checkin")

F = TypeVar("F", bound=Callable[..., Any])
#: Search answers at most this many people (a name at the door, not a list).
SEARCH_LIMIT = 20


def session_csrf(view: F) -> F:
    """Exempt ``view`` from the app-wide CSRF check: :func:`caller` checks session writes itself."""
    return csrf.exempt(view)  # type: ignore[return-value]


@dataclass(frozen=True)
class Caller:
    event: Event
    scanner: Scanner
    #: The device, when a Bearer token authorised the request.
    device_id: int | None = None


def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise checkin_devices.DeviceUnauthorized()
    return token.strip()


def _event_by_slug(slug: str | None) -> Event:
    if not slug:
        raise ValidationError("The event is required.", fields={"event": "required"})
    return event_service.event_by_slug(db.session, slug)


def _named_event(payload: dict[str, Any]) -> str | None:
    """The body's ``event`` if it is a string (the schema reports anything else)."""
    value = payload.get("event")
    return value if isinstance(value, str) else None


def caller(slug: str | None, station: str | None = None) -> Caller:
    """Who calls, for which event: a device (its event; another named event is 403) or a staff
    session (CSRF checked for writes; 401 without sign-in, 403 without the right to check in)."""
    token = _bearer()
    if token is not None:
        device = checkin_devices.device_by_token(db.session, token, now=utcnow())
        if slug is not None and slug != device.event.slug:
            abort(403)
        return Caller(device.event, Scanner.device(device), device.id)
    user = signed_in_user()
    if user is None:
        abort(401)
    if request.method not in ("GET", "HEAD", "OPTIONS") and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    event = _event_by_slug(slug)
    if not permissions.can_check_in(user, event):
        abort(403)
    return Caller(event, Scanner.user(user, station or ""))


# --- answers ------------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(BERLIN) if moment is not None else None


def registration_out(registration: Registration | None) -> CheckinRegistration | None:
    if registration is None:
        return None
    return CheckinRegistration(
        id=registration.id,
        ticket_id=registration.ticket_id,
        name=registration.full_name,
        organization=registration.organization or "",
        mode=registration.mode.value,
        status=registration.status.value,
    )


def outcome_out(outcome: Outcome) -> dict[str, Any]:
    attendance = outcome.attendance
    return {
        "result": outcome.result.value,
        "registration": registration_out(outcome.registration),
        "checked_in_at": _local(outcome.checked_in_at),
        "station": attendance.station if attendance is not None and outcome.result is not Result.OK else None,
    }


def _json(model: Any) -> Response:
    return jsonify(model.model_dump(mode="json"))


# --- routes -------------------------------------------------------------------------------


@bp.post("")
@session_csrf
@checkin_budget
def check_in() -> Response:
    """Judge one scanned code and record the arrival (200 with the result for any string code)."""
    payload = json_object()
    who = caller(_named_event(payload))
    body = validate(CheckinRequest, payload)
    scanner = who.scanner.at(body.station) if body.station else who.scanner
    outcome = checkin.check_in_code(
        db.session, current_keyring(), who.event, body.code, now=utcnow(), scanner=scanner, nonce=body.nonce
    )
    response = _json(CheckinResponse(**outcome_out(outcome)))  # before the commit expires what it shows
    db.session.commit()
    return response


@bp.post("/batch")
@session_csrf
@checkin_budget
def batch() -> Response:
    """Scans an offline station recorded: each judged as if scanned then, nothing counted twice."""
    payload = json_object()
    who = caller(_named_event(payload))
    body = validate(BatchRequest, payload)
    now = utcnow()
    keyring = current_keyring()
    results = []
    for scan in body.scans:
        scanner = who.scanner.at(scan.station) if scan.station else who.scanner
        scanned_at = checkin.plausible_time(who.event, scan.scanned_at, now=now)
        outcome = checkin.check_in_code(
            db.session,
            keyring,
            who.event,
            scan.code,
            now=now,
            scanner=scanner,
            nonce=scan.nonce,
            source=checkin.AttendanceSource.OFFLINE_SYNC,
            scanned_at=scanned_at,
        )
        results.append(
            BatchResult(
                **outcome_out(outcome),
                nonce=scan.nonce,
                duplicate=outcome.replayed or outcome.result is Result.ALREADY_CHECKED_IN,
                clock_adjusted=scanned_at is None,
            )
        )
    response = _json(BatchResponse(results=results))
    db.session.commit()
    return response


@bp.get("/<slug>/offline")
@checkin_budget
def offline(slug: str) -> Response:
    """What an offline station of the event needs: public keys, revoked serials, names, who is in."""
    who = caller(slug)
    event = who.event
    keyring = current_keyring()
    keys = {}
    for kid in keyring.key_ids:
        public_key = keyring.public_key(kid)
        if public_key is not None:
            keys[kid] = public_key_text(public_key)
    tickets = {
        info.registration.ticket_id: OfflineTicket(
            name=info.registration.full_name,
            organization=info.registration.organization or "",
            mode=info.registration.mode.value,
            status=info.registration.status.value,
            serial=info.registration.ticket_serial,
            checked_in_at=_local(info.checked_in_at),
        )
        for info in checkin.offline_tickets(db.session, event)
        if info.registration.ticket_id
    }
    package = OfflinePackage(
        event=event.slug,
        event_id=event.id,
        title=event.title,
        ends_at=_local(event_end(event)),
        station=who.scanner.station if who.device_id is not None else None,
        keys=keys,
        revoked=[RevokedTicket(ticket_id=tid, serial=serial) for tid, serial in revoked_tickets(db.session, event)],
        tickets=tickets,
        generated_at=_local(utcnow()),
    )
    response = _json(package)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<slug>/search")
@checkin_budget
def search(slug: str) -> Response:
    """People of the event by name, email or organization, for a check-in by hand."""
    who = caller(slug)
    term = request.args.get("q", "")[:200]
    hits: list[SearchHit] = []
    if term.strip():
        query = roster.roster_select(who.event, roster.RosterFilter(search=term)).limit(SEARCH_LIMIT)
        found = list(db.session.scalars(query))
        times = dict(
            db.session.execute(
                select(Attendance.registration_id, Attendance.first_at).where(
                    Attendance.registration_id.in_([r.id for r in found]), Attendance.mode == Mode.ON_SITE
                )
            ).all()
        )
        hits = [
            SearchHit(
                id=r.id,
                name=r.full_name,
                organization=r.organization or "",
                mode=r.mode.value,
                status=r.status.value,
                checked_in_at=_local(times.get(r.id)),
            )
            for r in found
        ]
    response = _json(SearchResponse(registrations=hits))
    response.headers["Cache-Control"] = "no-store"
    return response


def _registration_action(slug: str, registration_id: int) -> tuple[Caller, Registration, StationRequest]:
    who = caller(slug)
    payload = json_object() if request.content_length else {}
    body = validate(StationRequest, payload)
    registration = roster.registration_of(db.session, who.event, registration_id)
    return who, registration, body


def _scanner(who: Caller, body: StationRequest) -> Scanner:
    return who.scanner.at(body.station) if body.station else who.scanner


@bp.post("/<slug>/registrations/<int:registration_id>")
@session_csrf
@checkin_budget
def check_in_by_hand(slug: str, registration_id: int) -> Response:
    """Check in a person found by search (no ticket at hand); the same results as a scan."""
    who, registration, body = _registration_action(slug, registration_id)
    outcome = checkin.check_in_registration(
        db.session, registration, now=utcnow(), scanner=_scanner(who, body), nonce=body.nonce
    )
    response = _json(CheckinResponse(**outcome_out(outcome)))
    db.session.commit()
    return response


@bp.post("/<slug>/registrations/<int:registration_id>/undo")
@session_csrf
@checkin_budget
def undo(slug: str, registration_id: int) -> Response:
    """Undo a door check-in (the wrong person was scanned); 409 not_checked_in if there is none."""
    who, registration, _body = _registration_action(slug, registration_id)
    checkin.undo_check_in(db.session, registration, now=utcnow(), actor=who.scanner.actor)
    db.session.commit()
    return _json(CheckinResponse(result="ok", registration=registration_out(registration), checked_in_at=None))


@bp.post("/<slug>/registrations/<int:registration_id>/on-site")
@session_csrf
@checkin_budget
def admit_on_site(slug: str, registration_id: int) -> Response:
    """An online registration at the door: move it to a free on-site seat and check it in
    (409 mode_full when none is free)."""
    who, registration, body = _registration_action(slug, registration_id)
    outcome = checkin.admit_on_site(db.session, registration, now=utcnow(), scanner=_scanner(who, body))
    db.session.commit()
    return _json(CheckinResponse(**outcome_out(outcome)))


@bp.post("/<slug>/walk-ins")
@session_csrf
@checkin_budget
def walk_in(slug: str) -> tuple[Response, int]:
    """Register someone at the door and check them in (201), while an on-site seat is free
    (409 ``mode_full`` otherwise; 409 ``already_registered`` names nothing else)."""
    who = caller(slug)
    body = validate(WalkInRequest, json_object())
    data = RegistrationInput(
        given_name=body.given_name,
        family_name=body.family_name,
        email=body.email,
        organization=body.organization,
        mode=Mode.ON_SITE.value,
        locale=str(get_locale()),
    )
    scanner = who.scanner.at(body.station) if body.station else who.scanner
    admitted = admission.add_registration(
        db.session,
        who.event,
        data,
        now=utcnow(),
        actor=scanner.actor,
        check_in=True,
        scanner=scanner,
        free_seat_only=True,
    )
    registration = admitted.registration
    outcome = Outcome(Result.OK, registration, checkin.door_record(db.session, registration))
    response = _json(CheckinResponse(**outcome_out(outcome)))
    db.session.commit()
    return response, 201
