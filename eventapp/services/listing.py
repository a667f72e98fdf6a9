"""Public events in pages of a stable order, for programs (the JSON API's event list).

Pages are cut by keyset, not offset: the cursor names the last event shown by its
start time and id, so an event added or removed between two requests neither
repeats nor skips another one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from eventapp.models import Event, Organization
from eventapp.services.catalog import public_events


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last event's start time and id."""

    starts_at: datetime
    event_id: int


@dataclass
class EventPage:
    events: list[Event]
    #: Position after the last event, or None when nothing follows.
    next: Position | None


def public_event_page(
    session: Session,
    *,
    ends_after: datetime,
    starts_before: datetime | None = None,
    format: str | None = None,
    organization: str | None = None,
    after: Position | None = None,
    limit: int = 20,
) -> EventPage:
    """Public events that have not ended by ``ends_after``, soonest first.

    Cancelled events are listed like on the public pages (``status`` ``cancelled``,
    state ``cancelled``), so that a portal that copied one learns it is off
    (see :mod:`eventapp.services.catalog`).

    ``starts_before`` (exclusive) closes the window; ``format`` is a format key and
    ``organization`` an organization slug (the caller checks that they exist).
    An event without an end time counts as ended once it has started.
    """
    end_time = func.coalesce(Event.ends_at, Event.starts_at)
    query = (
        public_events()
        .where(end_time >= ends_after)
        .options(
            selectinload(Event.organization),
            selectinload(Event.series),
            selectinload(Event.agenda_items),
            selectinload(Event.questions),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(limit + 1)
    )
    if starts_before is not None:
        query = query.where(Event.starts_at < starts_before)
    if format:
        query = query.where(Event.format == format)
    if organization:
        slug_id = select(Organization.id).where(Organization.slug == organization).scalar_subquery()
        query = query.where(Event.organization_id == slug_id)
    if after is not None:
        query = query.where(
            or_(
                Event.starts_at > after.starts_at,
                and_(Event.starts_at == after.starts_at, Event.id > after.event_id),
            )
        )
    events = list(session.scalars(query))
    if len(events) <= limit:
        return EventPage(events, None)
    events = events[:limit]
    return EventPage(events, Position(events[-1].starts_at, events[-1].id))
