"""What an organizer does to one registration (issue 7 Part 4): add a person by hand
(a walk-in at the door), seat a chosen person from the waiting list, and re-send a
ticket or the manage link. Cancelling goes through ``registration.cancel`` with the
organizer as actor, like every other cancellation.

Seats are decided as everywhere else: under the event's lock, after overdue rows
expired (``seats.prepare``). An organizer who seats someone in a full mode makes room
for exactly that person — the mode's capacity is raised by one in the same locked
transaction — so nobody in the queue is overtaken by a seat that would otherwise
have gone to them, and the seat rule (held seats never exceed the capacity) still
holds. The raise is recorded on the event and shown to the organizer.

A waiter whose address is not yet confirmed may be seated too: the organizer vouches
for the address (as for a walk-in, whose address counts as confirmed), and the history
says so. The automatic queue still takes confirmed addresses only (DESIGN §3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    AttendanceSource,
    Event,
    EventStatus,
    Mode,
    Person,
    Registration,
    RegistrationStatus,
)
from eventapp.services import audit, checkin, outbox, seats
from eventapp.services.audit import Actor
from eventapp.services.capacity import Tally
from eventapp.services.errors import AlreadyRegistered, DomainError, EventCancelled, InvalidState
from eventapp.services.people import person_for
from eventapp.services.submission import RegistrationInput, clean_input


class EventIsDraft(DomainError):
    """The event is a draft: publish it before adding people."""

    code = "event_draft"


class AlreadyActive(AlreadyRegistered):
    """The person already has an active registration for this event (``registration`` names it)."""

    def __init__(self, registration: Registration) -> None:
        super().__init__(fields={"email": "already_registered"})
        self.registration = registration


class NotWaiting(InvalidState):
    """The registration does not wait for a seat (any more)."""

    code = "not_waiting"


@dataclass(frozen=True)
class Raise:
    """A capacity raised by one for a person the organizer seated in a full mode."""

    mode: Mode
    old: int
    new: int


@dataclass
class Admission:
    registration: Registration
    #: Set when the mode was full and its capacity was raised for this person.
    raised: Raise | None = None


def _make_room(
    session: Session, event: Event, tally: Tally, mode: Mode, registration: Registration, *, now: datetime, actor: Actor
) -> Raise | None:
    """Raise ``mode``'s capacity by one unless a seat is free (call under the event's lock)."""
    capacity = event.capacity(mode)
    if capacity is None or tally.taken[mode] < capacity:
        return None
    raised = Raise(mode, capacity, capacity + 1)
    setattr(event, f"capacity_{mode.value}", raised.new)
    event.updated_at = now
    detail = {"mode": mode.value, "from": raised.old, "to": raised.new, "registration": registration.id}
    audit.record(session, actor, "event.capacity_raised", event, now=now, detail=detail)
    return raised


def _open_for_organizer(event: Event) -> None:
    """An organizer may add people outside the registration window, but not to a draft or a cancelled event."""
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    if event.status is EventStatus.DRAFT:
        raise EventIsDraft()


def active_registration(session: Session, event: Event, email: str) -> Registration | None:
    """The active registration of the (normalised) address for ``event``, if any."""
    R = Registration
    return session.scalar(
        select(R)
        .join(Person, Person.id == R.person_id)
        .where(R.event_id == event.id, Person.email == email, R.status.in_(ACTIVE_STATUSES))
    )


def add_registration(
    session: Session,
    event: Event,
    data: RegistrationInput,
    *,
    now: datetime,
    actor: Actor,
    notify: bool = True,
    check_in: bool = False,
    scanner: checkin.Scanner | None = None,
    free_seat_only: bool = False,
) -> Admission:
    """Register a person the organizer enters (by phone, at the door): confirmed at once.

    The address counts as confirmed (the organizer vouches for it). Answers follow the
    same rules as at registration; the person's privacy consent is not recorded, as they
    did not give it on our form. ``notify=False`` sends no ticket mail (the organizer
    unticked it, say for a walk-in who is already inside). A person with an active
    registration gets :class:`AlreadyActive`, naming it. ``check_in`` records the arrival at
    once (source ``walk-in``): someone registered at the door is already there; ``scanner``
    names the check-in station or device that did it. ``free_seat_only`` (the door's walk-in)
    refuses with ``checkin.SeatsFull`` instead of raising a full mode's capacity.
    """
    event, tally = seats.prepare(session, event, now=now)
    # The rules of the public form apply, except the privacy consent the person gives there.
    clean = clean_input(replace(data, privacy_consent=True), modes=event.modes, questions=event.questions)
    _open_for_organizer(event)
    existing = active_registration(session, event, clean.email)
    if existing is not None:
        raise AlreadyActive(existing)
    if free_seat_only and seats.mode_is_full(session, event, clean.mode):
        raise checkin.SeatsFull()
    person = person_for(session, clean.email, clean.locale, now=now)
    registration = Registration(
        event_id=event.id,
        person_id=person.id,
        given_name=clean.given_name,
        family_name=clean.family_name,
        organization=clean.organization,
        mode=clean.mode,
        status=RegistrationStatus.CONFIRMED,
        email_confirmed_at=now,
        confirmed_at=now,
        answers=clean.answers,
        locale=clean.locale,
        sensitive_consent_at=now if clean.sensitive else None,
        created_at=now,
        updated_at=now,
    )
    seats.issue_ticket(registration)
    session.add(registration)
    session.flush()
    raised = _make_room(session, event, tally, clean.mode, registration, now=now, actor=actor)
    detail: dict[str, object] = {"status": "confirmed", "mode": clean.mode.value, "mail": notify}
    if raised is not None:
        detail["capacity"] = {"from": raised.old, "to": raised.new}
    audit.record(session, actor, "registration.added", registration, now=now, detail=detail)
    if check_in:
        checkin.record_arrival(
            session,
            registration,
            now=now,
            scanner=scanner or checkin.Scanner.for_actor(actor),
            source=AttendanceSource.WALK_IN,
        )
    if notify:
        outbox.mail_registrant(session, registration, "ticket", now=now, reason="added")
    return Admission(registration, raised)


def waits_for(registration: Registration) -> Mode | None:
    """The mode a registration waits for: its own when waitlisted, ``waiting_for`` when seated."""
    if registration.status is RegistrationStatus.WAITLISTED:
        return registration.mode
    if registration.status is RegistrationStatus.CONFIRMED:
        return registration.waiting_for
    return None


def promote_registration(session: Session, registration: Registration, *, now: datetime, actor: Actor) -> Admission:
    """Seat the chosen waiter in the mode they wait for, making room if it is full.

    A waitlisted registration gets a confirmed seat and its ticket; a confirmed one
    waiting for the other mode moves over, and its old seat goes to that queue's head
    (``seats.promote``), all in this transaction.
    """
    event, tally = seats.prepare(session, registration.event, now=now)
    session.refresh(registration)
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    mode = waits_for(registration)
    if mode is None:
        raise NotWaiting()
    vouched = registration.email_confirmed_at is None
    if vouched:
        registration.email_confirmed_at = now
        registration.expires_at = None
    raised = _make_room(session, event, tally, mode, registration, now=now, actor=actor)
    if registration.status is RegistrationStatus.WAITLISTED:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.expires_at = None
        reason = "promoted"
        if registration.waiting_for is None or registration.waiting_for is mode:
            registration.waiting_for = None
            registration.waiting_since = None
        else:
            registration.waiting_since = now  # as seats.promote: the queue for the wanted mode starts now
    else:
        registration.mode = mode
        registration.change_count += 1
        registration.waiting_for = None
        registration.waiting_since = None
        reason = "moved"
    seats.issue_ticket(registration)
    session.flush()
    detail: dict[str, object] = {"mode": mode.value, "by": "organizer"}
    if raised is not None:
        detail["capacity"] = {"from": raised.old, "to": raised.new}
    if vouched:
        detail["email_confirmed"] = True
    audit.record(session, actor, f"registration.{reason}", registration, now=now, detail=detail)
    outbox.mail_registrant(session, registration, "ticket", now=now, reason=reason)
    seats.promote(session, event, now=now)  # a moved registration freed its old seat
    return Admission(registration, raised)


#: What an organizer can re-send: the ticket mail, or the link to the person's own page.
RESEND_KINDS = ("ticket", "link")


def resend(session: Session, registration: Registration, what: str, *, now: datetime, actor: Actor) -> str:
    """Send the ticket mail or the manage link again; returns the mail kind queued.

    The ticket needs a confirmed seat. The link goes to any active registration: an
    unconfirmed one gets its confirmation mail again (its link confirms and manages).
    """
    if what not in RESEND_KINDS:
        raise InvalidState(f"Cannot resend {what!r}.")
    seats.prepare_event(session, registration.event, now=now)  # an overdue one expires first
    session.refresh(registration)
    if what == "ticket":
        if registration.status is not RegistrationStatus.CONFIRMED:
            raise InvalidState()
        kind, context = "ticket", {"reason": "resent"}
    else:
        if not registration.is_active:
            raise InvalidState()
        if registration.email_confirmed_at is None:
            kind = "confirm_email"
            context = {"waitlisted": registration.status is RegistrationStatus.WAITLISTED}
        else:
            kind, context = "manage_link", {"resent": True}
    audit.record(session, actor, "registration.mail_resent", registration, now=now, detail={"mail": kind})
    outbox.mail_registrant(session, registration, kind, now=now, **context)
    return kind
