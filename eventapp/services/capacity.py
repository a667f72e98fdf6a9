"""The read side of seats: how many are taken, who waits, and whether an event is open.

Pages, lists and the API read availability from here; the write side (lock,
expiry, promotion) in ``services.seats`` decides seats from the same counts
(:class:`Tally`), so what a page shows and what a submission gets agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from eventapp.models import SEAT_STATUSES, Event, EventStatus, Mode, Registration, RegistrationStatus
from eventapp.services.errors import EventCancelled, NotFound, RegistrationClosed, RegistrationNotOpen


@dataclass
class ModeAvailability:
    mode: Mode
    capacity: int | None
    #: Seats held by pending or confirmed registrations.
    taken: int
    #: Email-confirmed registrations waiting for this mode.
    waiting: int

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)

    @property
    def full(self) -> bool:
        """A new submission would wait: no seat, or someone is already waiting."""
        return self.waiting > 0 or (self.capacity is not None and self.taken >= self.capacity)


@dataclass
class Availability:
    #: "open", "waitlist" (every offered mode full), "not_yet_open", "closed", "cancelled".
    state: str
    modes: dict[Mode, ModeAvailability]


@dataclass
class Tally:
    """Counts of one event's active registrations, from one grouped query."""

    #: Seats held per mode (pending rows past ``expires_at`` not counted).
    taken: dict[Mode, int] = field(default_factory=lambda: dict.fromkeys(Mode, 0))
    #: Email-confirmed waiters per mode they wait for.
    waiting: dict[Mode, int] = field(default_factory=lambda: dict.fromkeys(Mode, 0))
    #: Unconfirmed (pending) seat holders per mode, overdue ones not counted.
    pending: dict[Mode, int] = field(default_factory=lambda: dict.fromkeys(Mode, 0))
    #: Unconfirmed registrations past ``expires_at`` that the next seat decision expires.
    overdue: int = 0

    def full(self, event: Event, mode: Mode) -> bool:
        """A newcomer must wait: no free seat, or an email-confirmed person already waits."""
        capacity = event.capacity(mode)
        return self.waiting[mode] > 0 or (capacity is not None and self.taken[mode] >= capacity)


# --- state of an event ------------------------------------------------------------------


def closes_at(event: Event) -> datetime:
    """When registration ends: the configured deadline, at the latest the event's end."""
    ends = event.ends_at or event.starts_at
    if event.registration_closes_at is not None:
        return min(event.registration_closes_at, ends)
    return ends


def check_open(event: Event, *, now: datetime) -> None:
    """Raise unless the event takes registrations at ``now``."""
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    if event.status is not EventStatus.PUBLISHED:
        raise NotFound()
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        raise RegistrationNotOpen()
    if now >= closes_at(event):
        raise RegistrationClosed()


def opening_state(event: Event, *, now: datetime) -> str | None:
    """ "cancelled", "not_yet_open" or "closed" from the event alone (no query); None while open."""
    if event.status is EventStatus.CANCELLED:
        return "cancelled"
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        return "not_yet_open"
    if event.status is not EventStatus.PUBLISHED or now >= closes_at(event):
        return "closed"
    return None


def _state(event: Event, modes: dict[Mode, ModeAvailability], now: datetime) -> str:
    closed = opening_state(event, now=now)
    if closed is not None:
        return closed
    if all(m.full for m in modes.values()):
        return "waitlist"
    return "open"


def tallies(session: Session, event_ids: Iterable[int], *, now: datetime) -> dict[int, Tally]:
    """Seats taken, confirmed waiters and overdue rows per event, in one grouped query."""
    ids = list(event_ids)
    result = {event_id: Tally() for event_id in ids}
    if not ids:
        return result
    R = Registration
    overdue = and_(R.email_confirmed_at.is_(None), R.expires_at.is_not(None), R.expires_at <= now)
    flag = case((overdue, 1), else_=0)
    confirmed_email = case((R.email_confirmed_at.is_not(None), 1), else_=0)
    rows = session.execute(
        select(R.event_id, R.mode, R.status, R.waiting_for, confirmed_email, flag, func.count())
        .where(R.event_id.in_(ids), R.status.in_(SEAT_STATUSES + (RegistrationStatus.WAITLISTED,)))
        .group_by(R.event_id, R.mode, R.status, R.waiting_for, confirmed_email, flag)
    )
    for event_id, mode, status, waiting_for, has_email, is_overdue, count in rows:
        tally = result[event_id]
        status = RegistrationStatus(status)
        if is_overdue:
            tally.overdue += count
        if status in SEAT_STATUSES and not is_overdue:
            tally.taken[Mode(mode)] += count
            if status is RegistrationStatus.PENDING:
                tally.pending[Mode(mode)] += count
        if has_email:
            if status is RegistrationStatus.WAITLISTED:
                tally.waiting[Mode(mode)] += count
            elif status is RegistrationStatus.CONFIRMED and waiting_for is not None:
                tally.waiting[Mode(waiting_for)] += count
    return result


def seat_counts(
    session: Session, event_ids: Iterable[int], *, now: datetime
) -> dict[int, tuple[dict[Mode, int], dict[Mode, int]]]:
    """Seats taken and confirmed waiters per mode for many events, in one grouped query.

    Pending rows past ``expires_at`` are not counted: they are expired at the next
    seat-deciding transaction anyway.
    """
    return {event_id: (t.taken, t.waiting) for event_id, t in tallies(session, event_ids, now=now).items()}


def availability_from_counts(
    event: Event, taken: dict[Mode, int], waiting: dict[Mode, int], *, now: datetime
) -> Availability:
    """The state rule, given counts (lists compute the counts for many events at once)."""
    modes = {
        mode: ModeAvailability(mode, event.capacity(mode), taken.get(mode, 0), waiting.get(mode, 0))
        for mode in event.modes
    }
    return Availability(_state(event, modes, now), modes)


def availability(session: Session, event: Event, *, now: datetime) -> Availability:
    """Seats and state of one event, for pages and the API."""
    taken, waiting = seat_counts(session, [event.id], now=now)[event.id]
    return availability_from_counts(event, taken, waiting, now=now)
