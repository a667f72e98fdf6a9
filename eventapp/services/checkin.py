"""Check-in at the door (issue 9 Part 1; DESIGN §3 "Tickets", "Attendance"; §5 ``/api/v1/checkin``).

A scan is judged in this order:

1. The token's signature and event, with the public keys alone (``tickets.verify_ticket``):
   forgeries, other keys and other events cost no database work.
2. A nonce the same device (or staff member) sent before changes nothing: the first
   answer is given again.
3. The registration by ticket id; a serial lower than the stored one is a re-issued,
   revoked ticket (``invalid``). Its state decides the rest: cancelled or expired,
   waitlisted, not confirmed, an online seat at the door (``wrong_mode``).
4. The on-site Attendance is inserted; the unique index on (registration, mode) decides
   races, so two stations scanning at the same moment get one ``ok`` and one
   ``already_checked_in`` with the first one's time and station.

Every check-in and undo is in the registration's audit history, the device or the
staff member as actor.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eventapp.models import (
    ActorKind,
    Attendance,
    AttendanceSource,
    CheckinDevice,
    Event,
    EventStatus,
    Mode,
    Registration,
    RegistrationStatus,
    User,
)
from eventapp.services import audit, seats
from eventapp.services.audit import Actor
from eventapp.services.checkin_devices import device_actor
from eventapp.services.errors import DomainError, InvalidState, ModeNotOffered
from eventapp.services.tickets import InvalidTicket, Keyring, verify_ticket

#: Nonces are client-chosen ids of a scan (a UUID, say); the column holds 100 characters.
MAX_NONCE = 100


class Result(enum.StrEnum):
    """The verdict of one scan (DESIGN §5)."""

    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    WRONG_EVENT = "wrong_event"
    #: An online registration at the door: staff may switch it to a free on-site seat.
    WRONG_MODE = "wrong_mode"
    CANCELLED = "cancelled"
    WAITLISTED = "waitlisted"
    NOT_CONFIRMED = "not_confirmed"
    INVALID = "invalid"


class NotCheckedIn(InvalidState):
    """There is no check-in at the door to undo."""

    code = "not_checked_in"


class SeatsFull(DomainError):
    """No free on-site seat for an online registration at the door."""

    code = "mode_full"


@dataclass(frozen=True)
class Scanner:
    """Who records a check-in: a device (its station) or a signed-in staff member."""

    actor: Actor
    station: str = ""
    device_id: int | None = None
    user_id: int | None = None

    @classmethod
    def device(cls, device: CheckinDevice) -> Scanner:
        return cls(device_actor(device), device.station, device_id=device.id)

    @classmethod
    def user(cls, user: User, station: str = "") -> Scanner:
        return cls(Actor.user(user), " ".join(station.split())[:100], user_id=user.id)

    def at(self, station: str) -> Scanner:
        """The same staff member at the station they named (a device keeps its own)."""
        if self.device_id is not None:
            return self
        return Scanner(self.actor, " ".join(station.split())[:100], user_id=self.user_id)

    @classmethod
    def for_actor(cls, actor: Actor, station: str = "") -> Scanner:
        """A scanner for a service acting on an actor's behalf (a walk-in entered by an organizer)."""
        if actor.kind is ActorKind.DEVICE:
            return cls(actor, station, device_id=actor.id)
        if actor.kind is ActorKind.USER:
            return cls(actor, station, user_id=actor.id)
        return cls(actor, station)


@dataclass(frozen=True)
class Outcome:
    """A scan's result, the registration it concerns (None for bad tokens) and its door record."""

    result: Result
    registration: Registration | None = None
    attendance: Attendance | None = None
    #: True when this call recorded nothing new because its nonce was seen before.
    replayed: bool = False

    @property
    def checked_in_at(self) -> datetime | None:
        return self.attendance.first_at if self.attendance is not None else None


class _Unknown:
    """Marker: the caller has not read the door record."""


UNKNOWN = _Unknown()


# --- judging ------------------------------------------------------------------------------


def _verdict(registration: Registration, event: Event) -> Result | None:
    """Why ``registration`` may not enter on site, or None when it may."""
    if event.status is EventStatus.CANCELLED:
        return Result.CANCELLED
    status = registration.status
    if status in (RegistrationStatus.CANCELLED, RegistrationStatus.EXPIRED):
        return Result.CANCELLED
    if status is RegistrationStatus.WAITLISTED:
        return Result.WAITLISTED
    if status is RegistrationStatus.PENDING:
        return Result.NOT_CONFIRMED
    if registration.mode is not Mode.ON_SITE:
        return Result.WRONG_MODE
    return None


def door_record(session: Session, registration: Registration) -> Attendance | None:
    """The registration's on-site Attendance, if it came in."""
    return session.scalar(
        select(Attendance).where(Attendance.registration_id == registration.id, Attendance.mode == Mode.ON_SITE)
    )


def _by_nonce(session: Session, scanner: Scanner, nonce: str | None) -> Attendance | None:
    if not nonce or (scanner.device_id is None and scanner.user_id is None):
        return None
    if scanner.device_id is not None:
        clause = Attendance.device_id == scanner.device_id
    else:
        clause = Attendance.user_id == scanner.user_id
    return session.scalar(select(Attendance).where(clause, Attendance.nonce == nonce))


def _replay(found: Attendance, registration_id: int | None) -> Outcome:
    """The answer to a nonce seen before: the same ok for the same ticket, invalid for another."""
    if registration_id is not None and found.registration_id != registration_id:
        return Outcome(Result.INVALID, None, None, replayed=True)
    return Outcome(Result.OK, found.registration, found, replayed=True)


def record_arrival(
    session: Session,
    registration: Registration,
    *,
    now: datetime,
    scanner: Scanner,
    source: AttendanceSource,
    nonce: str | None = None,
    scanned_at: datetime | None = None,
    look_first: bool = True,
) -> Outcome:
    """Insert the on-site Attendance of an admitted registration, or report the one that won.

    The unique index on (registration, mode) decides: a concurrent insert fails inside a
    savepoint and the winner's row is read instead. Nothing is written for a repeat.
    ``look_first=False`` skips the look for an existing record (the caller just did it).
    """
    if look_first:
        existing = door_record(session, registration)
        if existing is not None:
            return Outcome(Result.ALREADY_CHECKED_IN, registration, existing)
    moment = scanned_at or now
    attendance = Attendance(
        registration_id=registration.id,
        event_id=registration.event_id,
        mode=Mode.ON_SITE,
        source=source,
        station=scanner.station,
        device_id=scanner.device_id,
        user_id=scanner.user_id,
        first_at=moment,
        last_at=moment,
        nonce=(nonce or None),
    )
    try:
        with session.begin_nested():
            session.add(attendance)
    except IntegrityError:
        existing = door_record(session, registration)
        if existing is not None:
            return Outcome(Result.ALREADY_CHECKED_IN, registration, existing)
        replayed = _by_nonce(session, scanner, nonce)
        if replayed is not None:
            return _replay(replayed, registration.id)
        raise
    detail: dict[str, object] = {"mode": Mode.ON_SITE.value, "source": source.value}
    if scanner.station:
        detail["station"] = scanner.station
    if scanned_at is not None and scanned_at != now:
        detail["scanned_at"] = scanned_at.isoformat()
    audit.record(session, scanner.actor, "registration.checked_in", registration, now=now, detail=detail)
    return Outcome(Result.OK, registration, attendance)


def _admit(
    session: Session,
    registration: Registration,
    event: Event,
    *,
    now: datetime,
    scanner: Scanner,
    source: AttendanceSource,
    nonce: str | None,
    scanned_at: datetime | None = None,
    door: Attendance | None | _Unknown = UNKNOWN,
) -> Outcome:
    """Judge and record; ``door`` is the door record when the caller already read it."""
    if isinstance(door, _Unknown):
        door = door_record(session, registration)
    verdict = _verdict(registration, event)
    if verdict is not None:
        return Outcome(verdict, registration, door)
    if door is not None:
        return Outcome(Result.ALREADY_CHECKED_IN, registration, door)
    return record_arrival(
        session,
        registration,
        now=now,
        scanner=scanner,
        source=source,
        nonce=nonce,
        scanned_at=scanned_at,
        look_first=False,
    )


def check_in_code(
    session: Session,
    keyring: Keyring,
    event: Event,
    code: str,
    *,
    now: datetime,
    scanner: Scanner,
    nonce: str | None = None,
    source: AttendanceSource = AttendanceSource.QR,
    scanned_at: datetime | None = None,
) -> Outcome:
    """Judge a scanned code for ``event`` and record the arrival when it is a valid on-site ticket."""
    try:
        claims = verify_ticket(keyring, code, event_id=event.id)
    except InvalidTicket as error:
        return Outcome(Result.WRONG_EVENT if error.code == Result.WRONG_EVENT else Result.INVALID)
    nonce = (nonce or "")[:MAX_NONCE] or None
    # The registration and its door record in one round trip: a repeat scan needs nothing else.
    row = session.execute(
        select(Registration, Attendance)
        .outerjoin(Attendance, (Attendance.registration_id == Registration.id) & (Attendance.mode == Mode.ON_SITE))
        .where(Registration.ticket_id == claims.ticket_id, Registration.event_id == event.id)
    ).first()
    if row is None or claims.serial < row[0].ticket_serial:
        return Outcome(Result.INVALID)
    registration, door = row
    seen = _by_nonce(session, scanner, nonce)
    if seen is not None:
        return _replay(seen, registration.id)
    return _admit(
        session,
        registration,
        event,
        now=now,
        scanner=scanner,
        source=source,
        nonce=nonce,
        scanned_at=scanned_at,
        door=door,
    )


def check_in_registration(
    session: Session,
    registration: Registration,
    *,
    now: datetime,
    scanner: Scanner,
    nonce: str | None = None,
) -> Outcome:
    """Check in a person found by name (no ticket at hand): the same rules as a scan."""
    nonce = (nonce or "")[:MAX_NONCE] or None
    seen = _by_nonce(session, scanner, nonce)
    if seen is not None:
        return _replay(seen, registration.id)
    return _admit(
        session, registration, registration.event, now=now, scanner=scanner, source=AttendanceSource.SEARCH, nonce=nonce
    )


def undo_check_in(session: Session, registration: Registration, *, now: datetime, actor: Actor) -> None:
    """Delete the door record (a scan of the wrong person); the audit trail keeps both entries."""
    attendance = door_record(session, registration)
    if attendance is None:
        raise NotCheckedIn()
    detail = {
        "mode": Mode.ON_SITE.value,
        "checked_in_at": attendance.first_at.isoformat(),
        "station": attendance.station,
        "source": attendance.source.value,
    }
    session.delete(attendance)
    session.flush()
    audit.record(session, actor, "registration.check_in_undone", registration, now=now, detail=detail)


def admit_on_site(session: Session, registration: Registration, *, now: datetime, scanner: Scanner) -> Outcome:
    """An online registration at the door: move it to a free on-site seat and check it in.

    Seats are decided as everywhere (``seats.prepare_event`` under the event's lock): only
    a free seat nobody confirmed waits for; the online seat it leaves goes to that queue.
    """
    event = seats.prepare_event(session, registration.event, now=now)
    session.refresh(registration)
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise InvalidState()
    if registration.mode is Mode.ONLINE:
        if not event.offers(Mode.ON_SITE):
            raise ModeNotOffered()
        if seats.mode_is_full(session, event, Mode.ON_SITE):
            raise SeatsFull()
        registration.mode = Mode.ON_SITE
        registration.change_count += 1
        if registration.waiting_for is Mode.ON_SITE:
            registration.waiting_for = None
            registration.waiting_since = None
        session.flush()
        audit.record(
            session,
            scanner.actor,
            "registration.mode_switched",
            registration,
            now=now,
            detail={"from": Mode.ONLINE.value, "to": Mode.ON_SITE.value, "by": "check-in"},
        )
        seats.promote(session, event, now=now)
    return record_arrival(session, registration, now=now, scanner=scanner, source=AttendanceSource.SEARCH)


# --- offline stations ---------------------------------------------------------------------

#: An offline scan's time is believed from this long before the event's start until the sync.
OFFLINE_EARLIEST = timedelta(hours=24)


@dataclass(frozen=True)
class TicketInfo:
    """What an offline station shows for a ticket id."""

    registration: Registration
    checked_in_at: datetime | None


def offline_tickets(session: Session, event: Event) -> list[TicketInfo]:
    """Every ticketed registration of ``event`` with its door check-in time (one query)."""
    rows = session.execute(
        select(Registration, Attendance.first_at)
        .outerjoin(Attendance, (Attendance.registration_id == Registration.id) & (Attendance.mode == Mode.ON_SITE))
        .where(Registration.event_id == event.id, Registration.ticket_id.is_not(None))
        .order_by(Registration.id)
    )
    return [TicketInfo(registration, first_at) for registration, first_at in rows]


def plausible_time(event: Event, scanned_at: datetime, *, now: datetime) -> datetime | None:
    """``scanned_at`` if a station could have scanned then (not in the future, not long before the
    event); None when its clock was wrong — the sync time is recorded instead."""
    if scanned_at.tzinfo is None or scanned_at > now or scanned_at < event.starts_at - OFFLINE_EARLIEST:
        return None
    return scanned_at
