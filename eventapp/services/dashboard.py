"""The live figures of one event for its organizers (issue 8 Part 4): registrations per mode
and state, seats, arrivals and joins (the one :class:`Attendance` model), arrivals over time,
no-shows after the event and the state of the event's mail.

Every figure comes from a grouped SQL aggregate, and the number of statements is the same
for ten registrations as for twenty thousand (tests/services/test_dashboard.py counts them):
registrations by mode and status, the confirmed ones who came, the seat tally of
:mod:`eventapp.services.capacity` (so the dashboard and the event page agree), attendance by
mode and quarter hour, the outbox by status, and the outbox's problems (a bounded list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Integer, exists, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from eventapp.models import (
    ACTIVE_STATUSES,
    Attendance,
    Event,
    Mode,
    OutboxMessage,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from eventapp.services import capacity, join

#: Width of the chart's buckets. Europe/Berlin is a whole number of hours from UTC, so
#: quarter hours counted in UTC are the Berlin quarter hours too (also across DST).
BUCKET_MINUTES = 15
#: More buckets than this and the chart merges neighbours (30, 60, 120 … minutes).
MAX_BUCKETS = 48
#: How many failed or retrying mails the dashboard lists with their reasons (newest first).
OUTBOX_PROBLEMS_SHOWN = 20
#: Outbox states an organizer is shown, in this order (dropped mails were never meant to go).
OUTBOX_STATES = (OutboxStatus.QUEUED, OutboxStatus.RETRY, OutboxStatus.SENT, OutboxStatus.FAILED)


class epoch_bucket(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it renders
    """``floor(seconds since 1970 of <naive UTC column> / <size>)``: the number of its time bucket."""

    type = Integer()
    inherit_cache = True

    def __init__(self, column: ColumnElement[datetime], seconds: int) -> None:
        # The size as literal SQL: part of the statement (and of its cache key), not a parameter.
        super().__init__(column, literal_column(str(int(seconds))))


def _parts(element: epoch_bucket, compiler: SQLCompiler, **kw: object) -> tuple[str, str]:
    column, seconds = element.clauses.clauses
    return compiler.process(column, **kw), compiler.process(seconds, **kw)


@compiles(epoch_bucket, "sqlite")
def _epoch_bucket_sqlite(element: epoch_bucket, compiler: SQLCompiler, **kw: object) -> str:
    column, seconds = _parts(element, compiler, **kw)
    return f"(CAST(strftime('%s', {column}) AS INTEGER) / {seconds})"


@compiles(epoch_bucket, "postgresql")
def _epoch_bucket_postgresql(element: epoch_bucket, compiler: SQLCompiler, **kw: object) -> str:
    column, seconds = _parts(element, compiler, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / {seconds}) AS BIGINT)"


@dataclass
class ModeFigures:
    """One mode of the event: registrations by state, seats, arrivals."""

    mode: Mode
    #: None: unlimited.
    capacity: int | None
    counts: dict[RegistrationStatus, int] = field(default_factory=lambda: dict.fromkeys(RegistrationStatus, 0))
    #: Seats held (pending or confirmed; overdue pending ones not counted), as the event page shows.
    taken: int = 0
    #: Email-confirmed people waiting for a seat in this mode (incl. those seated in the other mode).
    waiting: int = 0
    #: Attendance records in this mode: arrivals at the door (on site) or joins through the link (online).
    attended: int = 0
    #: Confirmed registrations of this mode with no attendance record in any mode.
    confirmed_absent: int = 0

    @property
    def registered(self) -> int:
        """Active registrations (pending, waitlisted, confirmed)."""
        return sum(self.counts[status] for status in ACTIVE_STATUSES)

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)

    @property
    def percent_taken(self) -> int | None:
        """Share of the capacity taken, 0–100 (a raised-over capacity shows 100)."""
        if self.capacity is None:
            return None
        if self.capacity == 0:
            return 100
        return min(round(100 * self.taken / self.capacity), 100)


@dataclass(frozen=True)
class Bucket:
    """Arrivals (on site) and joins (online) first recorded in ``[starts_at, starts_at + minutes)``."""

    starts_at: datetime
    on_site: int
    online: int

    @property
    def total(self) -> int:
        return self.on_site + self.online


@dataclass(frozen=True)
class OutboxProblem:
    """A mail that failed for good, or waits for a retry, with the server's answer."""

    id: int
    kind: str
    to_address: str
    status: OutboxStatus
    attempts: int
    error: str
    #: When it failed (failed) or when the next attempt is due (retry).
    at: datetime | None


@dataclass
class Dashboard:
    event: Event
    #: The moment the figures are from.
    as_of: datetime
    modes: dict[Mode, ModeFigures]
    timeline: list[Bucket]
    bucket_minutes: int
    outbox: dict[OutboxStatus, int]
    outbox_problems: list[OutboxProblem]

    @property
    def finished(self) -> bool:
        """No-shows mean something only once the event is over."""
        return (self.event.ends_at or self.event.starts_at) <= self.as_of

    @property
    def missing_join_link(self) -> bool:
        """An online part without a meeting or stream link: attendees are told "the link follows"."""
        return Mode.ONLINE in self.event.modes and join.meeting_url(self.event) is None

    @property
    def arrived_on_site(self) -> int:
        return self.modes[Mode.ON_SITE].attended if Mode.ON_SITE in self.modes else 0

    @property
    def joined_online(self) -> int:
        return self.modes[Mode.ONLINE].attended if Mode.ONLINE in self.modes else 0

    @property
    def no_shows(self) -> int | None:
        """Confirmed registrations without any attendance — after the event; None before."""
        if not self.finished:
            return None
        return sum(figures.confirmed_absent for figures in self.modes.values())

    @property
    def outbox_total(self) -> int:
        return sum(self.outbox.values())


def _registration_counts(session: Session, event: Event, modes: dict[Mode, ModeFigures]) -> None:
    """Registrations per mode and status (the index on event, status and mode covers it), and
    the confirmed ones with an attendance record in any mode (a semi-join: each counted once,
    whether they came on site, online or both)."""
    R = Registration
    rows = session.execute(
        select(R.mode, R.status, func.count()).where(R.event_id == event.id).group_by(R.mode, R.status)
    )
    for mode, status, count in rows:
        figures = modes.get(Mode(mode))
        if figures is not None:  # a mode the event no longer offers holds only inactive rows
            figures.counts[RegistrationStatus(status)] += count
    for figures in modes.values():
        figures.confirmed_absent = figures.counts[RegistrationStatus.CONFIRMED]
    came = session.execute(
        select(R.mode, func.count())
        .where(
            R.event_id == event.id,
            R.status == RegistrationStatus.CONFIRMED,
            exists().where(Attendance.registration_id == R.id),
        )
        .group_by(R.mode)
    )
    for mode, count in came:
        figures = modes.get(Mode(mode))
        if figures is not None:
            figures.confirmed_absent -= count


def _attendance(session: Session, event: Event, modes: dict[Mode, ModeFigures]) -> dict[int, dict[Mode, int]]:
    """Attendance per mode, and per time bucket (bucket number → mode → count)."""
    seconds = BUCKET_MINUTES * 60
    bucket = epoch_bucket(Attendance.first_at, seconds)
    rows = session.execute(
        select(Attendance.mode, bucket, func.count())
        .where(Attendance.event_id == event.id)
        .group_by(Attendance.mode, bucket)
    )
    buckets: dict[int, dict[Mode, int]] = {}
    for mode, number, count in rows:
        mode = Mode(mode)
        if mode in modes:
            modes[mode].attended += count
        buckets.setdefault(int(number), dict.fromkeys(Mode, 0))[mode] += count
    return buckets


def _timeline(event: Event, counted: dict[int, dict[Mode, int]]) -> tuple[list[Bucket], int]:
    """Buckets from half an hour before the start to the end (widened to take in every record),
    merged into wider buckets when there would be more than :data:`MAX_BUCKETS`."""
    seconds = BUCKET_MINUTES * 60
    start = int((event.starts_at - timedelta(minutes=30)).timestamp()) // seconds
    end_at = event.ends_at or event.starts_at + timedelta(hours=2)
    end = -(-int(end_at.timestamp()) // seconds)  # ceiling: the bucket the end falls in is shown
    if counted:
        start, end = min(start, min(counted)), max(end, max(counted) + 1)
    factor = 1
    while (end - start) > MAX_BUCKETS * factor:
        factor *= 2
    start -= start % factor
    buckets = []
    for first in range(start, end, factor):
        on_site = online = 0
        for number in range(first, first + factor):
            row = counted.get(number)
            if row:
                on_site += row[Mode.ON_SITE]
                online += row[Mode.ONLINE]
        buckets.append(Bucket(datetime.fromtimestamp(first * seconds, UTC), on_site, online))
    return buckets, BUCKET_MINUTES * factor


def _outbox(session: Session, event: Event) -> tuple[dict[OutboxStatus, int], list[OutboxProblem]]:
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    rows = session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.event_id == event.id)
        .group_by(OutboxMessage.status)
    )
    for status, count in rows:
        status = OutboxStatus(status)
        if status is OutboxStatus.SENDING:  # claimed by a worker right now: still on its way
            status = OutboxStatus.QUEUED
        if status in counts:
            counts[status] += count
    problems = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.to_address,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.failed_at,
            OutboxMessage.next_attempt_at,
        )
        .where(
            OutboxMessage.event_id == event.id,
            OutboxMessage.status.in_((OutboxStatus.FAILED, OutboxStatus.RETRY)),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(OUTBOX_PROBLEMS_SHOWN)
    )
    listed = [
        OutboxProblem(
            id=row.id,
            kind=row.kind,
            to_address=row.to_address,
            status=OutboxStatus(row.status),
            attempts=row.attempts,
            error=row.last_error,
            at=row.failed_at if OutboxStatus(row.status) is OutboxStatus.FAILED else row.next_attempt_at,
        )
        for row in problems
    ]
    return counts, listed


def event_dashboard(session: Session, event: Event, *, now: datetime) -> Dashboard:
    """The figures of ``event`` at ``now``, in a fixed number of grouped queries."""
    modes = {mode: ModeFigures(mode, event.capacity(mode)) for mode in event.modes}
    _registration_counts(session, event, modes)
    tally = capacity.tallies(session, [event.id], now=now)[event.id]
    for mode, figures in modes.items():
        figures.taken = tally.taken[mode]
        figures.waiting = tally.waiting[mode]
    counted = _attendance(session, event, modes)
    timeline, minutes = _timeline(event, counted)
    outbox, problems = _outbox(session, event)
    return Dashboard(event, now, modes, timeline, minutes, outbox, problems)
