"""Changing events (write side): create, reschedule, set capacities, cancel.

Attendees hold calendar entries and tickets for an event, so every change that
matters to them raises the event's ``sequence`` (the iCalendar SEQUENCE) and
tells each of them by mail, in the transaction of the change. The calendar
feature renders those same outbox messages as invitation updates, so there is
exactly one function per kind of change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import EllipsisType
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from eventapp.models import (
    CancelReason,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    Registration,
    RegistrationStatus,
)
from eventapp.models.registration import ACTIVE_STATUSES
from eventapp.services import audit, outbox, seats
from eventapp.services.audit import Actor
from eventapp.services.errors import EventCancelled, NotFound, ValidationError

#: Fields whose change is announced to confirmed attendees (and raises ``sequence``).
ATTENDEE_FIELDS = ("title", "starts_at", "ends_at", "venue", "address", "attendance")
MAX_TITLE = 200
MAX_VENUE = 200
MAX_ADDRESS = 300
MAX_CANCEL_MESSAGE = 2000


class CapacityBelowSeats(ValidationError):
    """A capacity would fall below the seats already held (issue 7 Part 3: refused with the numbers)."""

    code = "capacity_below_seats"

    def __init__(self, held: dict[str, tuple[int, int]]):
        #: Capacity field → (requested capacity, seats held now).
        self.held = held
        numbers = "; ".join(f"{name} {wanted} < {taken} held" for name, (wanted, taken) in held.items())
        super().__init__(
            f"Seats are held beyond the new capacity: {numbers}.", fields=dict.fromkeys(held, "below_seats")
        )


class ModeInUse(ValidationError):
    """A mode cannot be withdrawn while registrations hold or wait for it (cancel the event instead)."""

    code = "mode_in_use"

    def __init__(self, registrations: int):
        self.registrations = registrations
        super().__init__(
            f"{registrations} active registration(s) use a mode that would no longer be offered.",
            fields={"attendance": "mode_in_use"},
        )


@dataclass
class EventChange:
    """What a change did, for the caller's summary (the CLI prints it)."""

    event: Event
    #: Attendee-visible fields that changed (empty: nobody needed telling).
    changed: list[str] = field(default_factory=list)
    #: Registrations told by mail about the change.
    notified: int = 0
    #: Capacities that changed (not announced; added seats promote at once).
    capacities: list[str] = field(default_factory=list)


def event_by_slug(session: Session, slug: str) -> Event:
    """Any event by slug, drafts included (the organizer's view); NotFound otherwise."""
    event = session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise NotFound(f"Unknown event {slug!r}.")
    return event


def _check_aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ValidationError(f"{name} needs a time zone.", fields={name: "invalid"})


def _check_times(starts_at: datetime, ends_at: datetime | None) -> None:
    _check_aware("starts_at", starts_at)
    _check_aware("ends_at", ends_at)
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError("The event must end after it starts.", fields={"ends_at": "before_start"})


def _check_capacity(name: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be a whole number of at least 0.", fields={name: "invalid"})


def _check_text(name: str, value: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text.", fields={name: "invalid"})
    value = " ".join(value.split())
    if len(value) > max_length:
        raise ValidationError(f"{name} is too long.", fields={name: "too_long"})
    return value


def _raised(old: int | None, new: int | None) -> bool:
    """Whether seats were added (None = unlimited)."""
    if old is None:
        return False
    return new is None or new > old


def create_event(session: Session, *, now: datetime, actor: Actor, **fields: Any) -> Event:
    """Add an event after checking its times and capacities (demo data, later the organizer area)."""
    _check_times(fields["starts_at"], fields.get("ends_at"))
    _check_capacity("capacity_on_site", fields.get("capacity_on_site"))
    _check_capacity("capacity_online", fields.get("capacity_online"))
    event = Event(**fields)
    event.created_at = now
    event.updated_at = now
    session.add(event)
    session.flush()
    audit.record(session, actor, "event.created", event, now=now, detail={"status": event.status.value})
    return event


def update_event(
    session: Session,
    event: Event,
    *,
    now: datetime,
    actor: Actor,
    title: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    venue: str | None = None,
    address: str | None = None,
    attendance: EventAttendance | None = None,
    capacity_on_site: int | None | EllipsisType = ...,
    capacity_online: int | None | EllipsisType = ...,
) -> EventChange:
    """Rename, reschedule, move or resize an event and tell its confirmed attendees and waiters.

    ``None`` (or ``...`` for capacities, where None means unlimited) leaves a field
    as it is. Moving only the start keeps the event's duration (and a registration
    deadline set to the start moves with it). When the title, a time, the place or
    the offered modes change, ``sequence`` is raised and every confirmed registration
    gets an ``event_updated`` mail; added seats go to the waiting lists at once, in
    this transaction. Nobody loses a seat: lowering a capacity below the seats held
    is refused with the numbers (:class:`CapacityBelowSeats`), and so is withdrawing
    a mode that active registrations hold or wait for (:class:`ModeInUse`).
    """
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    _check_aware("starts_at", starts_at)
    _check_aware("ends_at", ends_at)
    capacities: dict[str, int | None] = {}
    if capacity_on_site is not ...:
        _check_capacity("capacity_on_site", capacity_on_site)
        capacities["capacity_on_site"] = capacity_on_site
    if capacity_online is not ...:
        _check_capacity("capacity_online", capacity_online)
        capacities["capacity_online"] = capacity_online
    new_title = _check_text("title", title, MAX_TITLE) if title is not None else None
    if new_title == "":
        raise ValidationError("The event needs a title.", fields={"title": "required"})
    new_venue = _check_text("venue", venue, MAX_VENUE) if venue is not None else None
    new_address = _check_text("address", address, MAX_ADDRESS) if address is not None else None
    new_attendance = EventAttendance(attendance) if attendance is not None else None

    # Under the event's lock (after overdue rows expired), so that nobody confirms
    # unseen and seats are decided on current numbers.
    event, tally = seats.prepare(session, event, now=now)
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    if starts_at is not None and ends_at is None and event.ends_at is not None:
        ends_at = event.ends_at + (starts_at - event.starts_at)
    wanted = {
        "title": new_title if new_title is not None else event.title,
        "attendance": new_attendance if new_attendance is not None else event.attendance,
        "starts_at": starts_at if starts_at is not None else event.starts_at,
        "ends_at": ends_at if ends_at is not None else event.ends_at,
        "venue": new_venue if new_venue is not None else event.venue,
        "address": new_address if new_address is not None else event.address,
    }
    _check_times(wanted["starts_at"], wanted["ends_at"])
    capacities = {name: value for name, value in capacities.items() if value != getattr(event, name)}
    _check_seats_kept(session, event, tally.taken, capacities, new_attendance)
    raised = any(_raised(getattr(event, name), value) for name, value in capacities.items())
    for name, value in capacities.items():
        setattr(event, name, value)

    changed = [name for name in ATTENDEE_FIELDS if getattr(event, name) != wanted[name]]
    if "starts_at" in changed and event.registration_closes_at == event.starts_at:
        # "Registration closes when the event starts" keeps meaning that.
        event.registration_closes_at = wanted["starts_at"]
    for name in changed:
        setattr(event, name, wanted[name])
    if changed:
        event.sequence += 1
    if changed or capacities:
        event.updated_at = now
        audit.record(
            session,
            actor,
            "event.updated",
            event,
            now=now,
            detail={"changed": changed + sorted(capacities), "sequence": event.sequence},
        )
    session.flush()

    notified = 0
    if changed:
        # Seat holders and confirmed waiters (they may still get a seat and plan around the
        # date); unconfirmed sign-ups are not written to, as on cancellation.
        told = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
        for active in _registrations(session, event, told):
            if active.email_confirmed_at is not None:
                outbox.mail_registrant(session, active, "event_updated", now=now, changed=changed)
                notified += 1
    if raised:
        seats.promote(session, event, now=now)
    return EventChange(event, changed, notified, sorted(capacities))


def _check_seats_kept(
    session: Session,
    event: Event,
    taken: dict[Mode, int],
    capacities: dict[str, int | None],
    attendance: EventAttendance | None,
) -> None:
    """Refuse a change that would take a seat (or a place in a queue) away from anyone."""
    held: dict[str, tuple[int, int]] = {}
    for mode in Mode:
        name = f"capacity_{mode.value}"
        wanted = capacities.get(name, ...)
        if isinstance(wanted, int) and wanted < taken[mode]:
            held[name] = (wanted, taken[mode])
    if held:
        raise CapacityBelowSeats(held)
    if attendance is None:
        return
    withdrawn = set(event.modes) - set(attendance.modes)
    if not withdrawn:
        return
    R = Registration
    using = session.scalar(
        select(func.count(R.id)).where(
            R.event_id == event.id,
            R.status.in_(ACTIVE_STATUSES),
            or_(R.mode.in_(withdrawn), R.waiting_for.in_(withdrawn)),
        )
    )
    if using:
        raise ModeInUse(using)


def cancel_event(session: Session, event: Event, *, now: datetime, actor: Actor, message: str = "") -> EventChange:
    """Call the event off: every active registration ends and everyone who confirmed
    their address is told, with the organizer's ``message``.

    Nobody is promoted (there is nothing left to promote to) and the registrations
    get no separate "cancelled" mail: the ``event_cancelled`` mail says it all
    (``had_ticket`` tells the mail whether to withdraw a calendar invitation).
    """
    message = (message or "").strip()
    if len(message) > MAX_CANCEL_MESSAGE:
        raise ValidationError("The message is too long.", fields={"message": "too_long"})
    event = seats.lock_event(session, event)
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    event.status = EventStatus.CANCELLED
    event.sequence += 1
    event.cancel_message = message
    event.updated_at = now
    notified = 0
    audit.record(session, actor, "event.cancelled", event, now=now, detail={"sequence": event.sequence})
    for active in _registrations(session, event, ACTIVE_STATUSES):
        told = active.email_confirmed_at is not None
        detail = {"reason": CancelReason.EVENT_CANCELLED.value, "previous_status": active.status.value}
        had_ticket = seats.end_registration(session, active, reason=CancelReason.EVENT_CANCELLED, now=now)
        audit.record(session, actor, "registration.cancelled", active, now=now, detail=detail)
        if told:
            outbox.mail_registrant(session, active, "event_cancelled", now=now, message=message, had_ticket=had_ticket)
            notified += 1
    session.flush()
    return EventChange(event, ["status"], notified)


def _registrations(session: Session, event: Event, statuses: tuple[RegistrationStatus, ...]) -> list[Registration]:
    return list(
        session.scalars(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status.in_(statuses))
            .order_by(Registration.id)
        )
    )
