"""Seats, waiting lists and expiry (DESIGN §3): the rules that decide who holds a seat.

Every transaction that decides seats of an event first takes the event's lock,
expires its overdue registrations and promotes waiters (:func:`prepare_event`),
so expiry is never late. The lock is taken once per transaction: a caller that
already locked the event (the registration POST loads it by slug with the lock)
is not charged a second round trip.
"""

from __future__ import annotations

import math
import secrets
import weakref
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, inspect, or_, select
from sqlalchemy.orm import Session, scoped_session

from eventapp.models import SEAT_STATUSES, CancelReason, Event, Mode, Registration, RegistrationStatus
from eventapp.models.registration import new_token
from eventapp.services import audit, outbox
from eventapp.services.capacity import Tally, closes_at, tallies
from eventapp.services.errors import NotFound

#: How long a pending seat (or an unconfirmed waiter) waits for the email confirmation.
CONFIRM_WINDOW = timedelta(hours=24)
#: Default share of a mode's capacity that unconfirmed registrations may hold (DESIGN §3).
PENDING_HOLD_SHARE = 0.25
#: However small the mode, this many unconfirmed holds are always allowed.
MIN_PENDING_HOLDS = 10
_LOCKS_KEY = "eventapp.seats.locked"


# --- the rules of a new registration --------------------------------------------------------


def confirm_deadline(event: Event, *, now: datetime) -> datetime:
    """When an unconfirmed registration expires: the earlier of ``now`` + 24 hours and the start.

    A registration made while the event runs (registration stays open until its end)
    would expire at once by that rule, so it gets until registration closes instead.
    """
    start = event.starts_at if event.starts_at > now else closes_at(event)
    return min(now + CONFIRM_WINDOW, start)


def pending_cap(event: Event, mode: Mode, share: float = PENDING_HOLD_SHARE) -> int | None:
    """How many seats of ``mode`` unconfirmed registrations may hold: max(10, ⌈capacity × share⌉).

    None for an unlimited mode (nothing to block). So fake addresses cannot hold a whole mode.
    """
    capacity = event.capacity(mode)
    if capacity is None:
        return None
    return max(MIN_PENDING_HOLDS, math.ceil(capacity * share))


def may_hold_unconfirmed(tally: Tally, event: Event, mode: Mode, share: float = PENDING_HOLD_SHARE) -> bool:
    """Whether one more unconfirmed registration may hold a seat of ``mode`` (below the cap)."""
    cap = pending_cap(event, mode, share)
    return cap is None or tally.pending[mode] < cap


# --- the queue ----------------------------------------------------------------------------


def _waiting_clause() -> ColumnElement[bool]:
    R = Registration
    return or_(
        R.status == RegistrationStatus.WAITLISTED,
        and_(R.status == RegistrationStatus.CONFIRMED, R.waiting_for.is_not(None)),
    )


def queue(event: Event, mode: Mode) -> Select[tuple[Registration]]:
    """The waiting list for ``mode``: email-confirmed waiters, earliest first (DESIGN §3)."""
    R = Registration
    return (
        select(R)
        .where(
            R.event_id == event.id,
            R.email_confirmed_at.is_not(None),
            or_(
                and_(R.status == RegistrationStatus.WAITLISTED, R.mode == mode),
                and_(R.status == RegistrationStatus.CONFIRMED, R.waiting_for == mode),
            ),
        )
        .order_by(R.waiting_since, R.id)
    )


def queue_position(session: Session, registration: Registration) -> tuple[int, int] | None:
    """(place, queue length) of a registration in the queue it waits in, or None.

    Only email-confirmed waiters are in a queue (DESIGN §3).
    """
    if registration.status is RegistrationStatus.WAITLISTED:
        mode = registration.mode
    elif registration.status is RegistrationStatus.CONFIRMED:
        mode = registration.waiting_for
    else:
        mode = None
    if mode is None or registration.email_confirmed_at is None:
        return None
    ids = list(session.scalars(queue(registration.event, mode).with_only_columns(Registration.id)))
    if registration.id not in ids:
        return None
    return ids.index(registration.id) + 1, len(ids)


def _has_free_seat(session: Session, event: Event, mode: Mode) -> bool:
    capacity = event.capacity(mode)
    if capacity is None:
        return True
    R = Registration
    taken = session.scalar(
        select(func.count(R.id)).where(R.event_id == event.id, R.mode == mode, R.status.in_(SEAT_STATUSES))
    )
    return taken < capacity


def mode_is_full(session: Session, event: Event, mode: Mode) -> bool:
    """A newcomer must wait: no free seat, or an email-confirmed person already waits.

    Call under the event's lock (after :func:`prepare_event`).
    """
    if session.scalar(queue(event, mode).limit(1)) is not None:
        return True
    return not _has_free_seat(session, event, mode)


# --- the lock, expiry and promotion -------------------------------------------------------


def lock_event(session: Session, event: Event | None = None, *, slug: str | None = None) -> Event:
    """Serialise seat decisions per event and return its fresh row (by object or by slug).

    A row lock (``FOR UPDATE``) on PostgreSQL; on SQLite every transaction starts with
    BEGIN IMMEDIATE (eventapp.database). The lock lasts until the transaction ends, so
    a second call in the same transaction costs nothing. An unknown slug is NotFound.
    """
    if isinstance(session, scoped_session):  # Flask-SQLAlchemy's db.session
        session = session()
    held = session.info.get(_LOCKS_KEY)
    current = session.get_transaction()
    # The id from the identity key: reading ``event.id`` of an expired object would cost a query.
    event_id = inspect(event).identity[0] if event is not None else None
    if event_id is not None and current is not None and held is not None and held[0]() is current:
        if event_id in held[1]:
            return event
    query = select(Event).with_for_update().execution_options(populate_existing=True)
    if event is not None:
        found = session.execute(query.where(Event.id == event_id)).scalar_one()
    else:
        found = session.execute(query.where(Event.slug == slug)).scalar_one_or_none()
        if found is None:
            raise NotFound(f"No event {slug!r}.")
    current = session.get_transaction()
    if held is None or held[0]() is not current:
        # Remember the locks of this transaction only (a weak reference: no old transaction kept alive).
        held = session.info[_LOCKS_KEY] = (weakref.ref(current), set())
    held[1].add(found.id)
    return found


def issue_ticket(registration: Registration) -> None:
    """Give a registration its ticket id (serial 1) and join link unless it has them.

    Every confirmed seat gets both: the QR ticket is what counts on site, the join link
    online, and a mode switch then needs no new secret (each works only in its mode).
    """
    if registration.ticket_id is None:
        registration.ticket_id = secrets.token_urlsafe(12)
        registration.ticket_serial = 1
    if registration.join_token is None:
        registration.join_token = new_token()


def renew_ticket(registration: Registration) -> None:
    """Replace the ticket (a higher serial revokes the old QR code) and the join link with it.

    For a ticket that was shared or lost, and for a registration passed on to someone else:
    neither the old QR code nor the old join link may work for whoever still has them.
    """
    if registration.ticket_id is None:
        return
    registration.ticket_serial += 1
    registration.join_token = new_token()


def _expire_overdue(session: Session, event: Event, *, now: datetime) -> int:
    R = Registration
    overdue = session.scalars(
        select(R).where(
            R.event_id == event.id,
            R.status.in_((RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED)),
            R.email_confirmed_at.is_(None),
            R.expires_at <= now,
        )
    ).all()
    for registration in overdue:
        # No mail: the address was never confirmed, and the confirmation mail promised silence.
        audit.record(session, audit.SYSTEM, "registration.expired", registration, now=now)
        registration.status = RegistrationStatus.EXPIRED
        registration.waiting_for = None
    session.flush()
    return len(overdue)


def promote(session: Session, event: Event, *, now: datetime) -> list[Registration]:
    """Give freed seats to the heads of the queues, in the caller's transaction.

    A cross-mode waiter moves over and frees its old seat, which promotes in turn,
    so this loops until no mode can move anyone.
    """
    promoted: list[Registration] = []
    moved = True
    while moved:
        moved = False
        for mode in event.modes:
            while _has_free_seat(session, event, mode):
                head = session.scalar(queue(event, mode).limit(1))
                if head is None:
                    break
                if head.status is RegistrationStatus.WAITLISTED:
                    head.status = RegistrationStatus.CONFIRMED
                    head.confirmed_at = now
                    head.expires_at = None
                    reason = "promoted"
                else:
                    head.mode = mode
                    head.change_count += 1
                    reason = "moved"
                    moved = True
                if head.waiting_for is None or head.waiting_for is head.mode:
                    head.waiting_for = None
                    head.waiting_since = None
                else:
                    # Held back by the cap on unconfirmed holds while wanting the other mode: the
                    # seat here is the fallback, and the queue for the wanted mode starts now.
                    head.waiting_since = now
                issue_ticket(head)
                session.flush()
                audit.record(session, audit.SYSTEM, f"registration.{reason}", head, now=now)  # promoted | moved
                outbox.mail_registrant(session, head, "ticket", now=now, reason=reason)
                promoted.append(head)
    return promoted


def prepare(session: Session, event: Event, *, now: datetime) -> tuple[Event, Tally]:
    """Start of every seat-deciding transaction: lock, expire overdue rows, promote.

    Returns the locked event and its counts after that, read in one query (a second
    one only in the rare case that something expired).
    """
    event = lock_event(session, event)
    tally = tallies(session, [event.id], now=now)[event.id]
    if tally.overdue:
        _expire_overdue(session, event, now=now)
        promote(session, event, now=now)
        tally = tallies(session, [event.id], now=now)[event.id]
    return event, tally


def prepare_event(session: Session, event: Event, *, now: datetime) -> Event:
    """Lock the event, expire its overdue rows and promote (see :func:`prepare`)."""
    return prepare(session, event, now=now)[0]


def sweep_expired(session: Session, *, now: datetime) -> int:
    """Expire overdue registrations of every event and promote (the worker's job)."""
    R = Registration
    event_ids = session.scalars(
        select(R.event_id)
        .where(
            R.status.in_((RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED)),
            R.email_confirmed_at.is_(None),
            R.expires_at <= now,
        )
        .distinct()
    ).all()
    expired = 0
    for event_id in event_ids:
        event = lock_event(session, session.get_one(Event, event_id))
        expired += _expire_overdue(session, event, now=now)
        promote(session, event, now=now)
    return expired


def end_registration(session: Session, registration: Registration, *, reason: CancelReason, now: datetime) -> bool:
    """End an active registration (cancelled, declined, event cancelled); its seat is free.

    Returns whether it held a ticket (the mail withdraws the calendar entry then).
    The caller holds the event's lock and promotes when seats should move on.
    """
    had_ticket = registration.status is RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancel_reason = reason
    registration.cancelled_at = now
    registration.expires_at = None
    registration.waiting_for = None
    registration.waiting_since = None
    session.flush()
    return had_ticket
