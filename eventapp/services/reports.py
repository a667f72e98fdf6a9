"""Programme reporting (issue 8 Part 7): what a funded model project owes its funders — per
format, owning organization and month, how many events there were, how many people registered,
were confirmed, came on site or joined online, and how many confirmed people did not come.

Figures come from grouped SQL aggregates per event (a fixed number of statements); the events
are then summed per format, organization and month of their start in Berlin time (a month
boundary is a Berlin midnight, which SQLite cannot compute, and there are few events).

Only published events count: drafts never happened and cancelled events are not part of the
programme that took place. *Registrations* are every sign-up except unconfirmed ones that
expired (typos and fakes that never confirmed their address); *no-shows* are confirmed
registrations with no attendance record in any mode, counted for events that are over.

Everything read here survives the retention purge: :func:`eventapp.services.privacy.anonymise`
clears names and answers in place, and keeps the rows with their event, mode, status and
attendance (tests/services/test_reports.py compares the figures before and after).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from eventapp.models import (
    BERLIN,
    Attendance,
    Event,
    EventStatus,
    Mode,
    Organization,
    Registration,
    RegistrationStatus,
    User,
)
from eventapp.services.permissions import visible_events


@dataclass(frozen=True)
class ReportPeriod:
    """Events starting on these Berlin dates (both inclusive; None: open-ended)."""

    first: date | None = None
    last: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as UTC instants: from the first day's Berlin midnight to the one after the last day."""
        start = datetime.combine(self.first, time(), BERLIN).astimezone(UTC) if self.first else None
        end = datetime.combine(self.last + timedelta(days=1), time(), BERLIN).astimezone(UTC) if self.last else None
        return start, end


@dataclass
class Figures:
    """The counts a report line (or its total) adds up."""

    events: int = 0
    registrations: int = 0
    confirmed: int = 0
    attended_on_site: int = 0
    joined_online: int = 0
    #: Confirmed registrations of events that are over (the base of the no-show rate) …
    confirmed_past: int = 0
    #: … and those of them without any attendance record.
    no_shows: int = 0

    @property
    def no_show_rate(self) -> float | None:
        """Share of confirmed people who did not come, over finished events; None without any."""
        return self.no_shows / self.confirmed_past if self.confirmed_past else None

    def add(self, other: Figures) -> None:
        for name in ("events", "registrations", "confirmed", "attended_on_site", "joined_online"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.confirmed_past += other.confirmed_past
        self.no_shows += other.no_shows


@dataclass
class ReportLine(Figures):
    format: str = ""
    organization: str = ""
    #: The first day of the month (Berlin time) the events started in.
    month: date = field(default_factory=date.today)


@dataclass
class Report:
    period: ReportPeriod
    lines: list[ReportLine]
    total: Figures


def _event_figures(session: Session, events: Iterable[Event], *, now: datetime) -> dict[int, Figures]:
    """Figures per event from three grouped statements over the events' registrations and attendance."""
    figures = {event.id: Figures(events=1) for event in events}
    if not figures:
        return figures
    ids = list(figures)
    R = Registration
    counted = session.execute(
        select(
            R.event_id,
            func.count(),
            func.coalesce(func.sum(case((R.status == RegistrationStatus.CONFIRMED, 1), else_=0)), 0),
        )
        .where(R.event_id.in_(ids), R.status != RegistrationStatus.EXPIRED)
        .group_by(R.event_id)
    )
    for event_id, registrations, confirmed in counted:
        figures[event_id].registrations = registrations
        figures[event_id].confirmed = int(confirmed)
    attended = session.execute(
        select(Attendance.event_id, Attendance.mode, func.count())
        .where(Attendance.event_id.in_(ids))
        .group_by(Attendance.event_id, Attendance.mode)
    )
    for event_id, mode, count in attended:
        if Mode(mode) is Mode.ON_SITE:
            figures[event_id].attended_on_site = count
        else:
            figures[event_id].joined_online = count
    came = session.execute(
        select(R.event_id, func.count())
        .where(
            R.event_id.in_(ids),
            R.status == RegistrationStatus.CONFIRMED,
            exists().where(Attendance.registration_id == R.id),
        )
        .group_by(R.event_id)
    )
    came_by_event: dict[int, int] = dict(came.all())  # type: ignore[arg-type]
    for event in events:
        if (event.ends_at or event.starts_at) <= now:
            entry = figures[event.id]
            entry.confirmed_past = entry.confirmed
            entry.no_shows = entry.confirmed - came_by_event.get(event.id, 0)
    return figures


def programme_report(session: Session, user: User, period: ReportPeriod, *, now: datetime) -> Report:
    """The published events ``user`` may see (organizer: their organizations; admin: all) that start
    in ``period``, summed per format, organization and Berlin month, newest month first."""
    start, end = period.bounds()
    query = (
        visible_events(user)
        .join(Organization, Organization.id == Event.organization_id)
        .add_columns(Organization.name)
        .where(Event.status == EventStatus.PUBLISHED)
    )
    if start is not None:
        query = query.where(Event.starts_at >= start)
    if end is not None:
        query = query.where(Event.starts_at < end)
    rows = session.execute(query).all()
    events = [event for event, _name in rows]
    per_event = _event_figures(session, events, now=now)
    lines: dict[tuple[date, str, str], ReportLine] = {}
    total = Figures()
    for event, organization in rows:
        local = event.starts_at.astimezone(BERLIN)
        month = date(local.year, local.month, 1)
        key = (month, organization, event.format)
        line = lines.setdefault(key, ReportLine(format=event.format, organization=organization, month=month))
        line.add(per_event[event.id])
        total.add(per_event[event.id])
    ordered = sorted(lines.values(), key=lambda line: (-line.month.toordinal(), line.organization, line.format))
    return Report(period, ordered, total)
