"""The organizer area's overview: the events a user sees, with their registration figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from eventapp.models import Event, Registration, RegistrationStatus, User
from eventapp.services.permissions import visible_events


@dataclass
class EventRow:
    """One line of the organizer's event list."""

    event: Event
    #: Registrations per status (every status present, zeros included).
    counts: dict[RegistrationStatus, int] = field(default_factory=dict)

    @property
    def active(self) -> int:
        return sum(
            self.counts[status]
            for status in (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
        )

    @property
    def capacity(self) -> int | None:
        """Seats over all offered modes; None when any offered mode is unlimited."""
        seats = [self.event.capacity(mode) for mode in self.event.modes]
        return None if any(value is None for value in seats) else sum(v for v in seats if v is not None)


def event_overview(session: Session, user: User, *, now: datetime, past: bool = False) -> list[EventRow]:
    """Upcoming (or, with ``past``, finished) events ``user`` may see, soonest (latest) first,
    with the counts of their registrations from one grouped query."""
    end = func.coalesce(Event.ends_at, Event.starts_at)
    query = visible_events(user).options(selectinload(Event.organization))
    if past:
        query = query.where(end < now).order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        query = query.where(end >= now).order_by(Event.starts_at, Event.id)
    events = list(session.scalars(query))
    rows = {event.id: EventRow(event, dict.fromkeys(RegistrationStatus, 0)) for event in events}
    if rows:
        counts = session.execute(
            select(Registration.event_id, Registration.status, func.count())
            .where(Registration.event_id.in_(list(rows)))
            .group_by(Registration.event_id, Registration.status)
        )
        for event_id, status, count in counts:
            rows[event_id].counts[RegistrationStatus(status)] = count
    return list(rows.values())
