"""Read side of the event catalogue: what the public pages, feeds and the API list.

Which events are public is defined once, by ``Event.is_public`` (published or
cancelled), and :func:`public_events` is the one query every public view starts
from: the start page, the archive, event pages, series pages, the feeds and the
API list. Drafts never leave the organizer area. A cancelled event stays in every
public view, marked as cancelled and not bookable (its state is ``cancelled``):
people who planned to come, calendar clients and portals that copied it must
learn that it is off, which a silently vanished event would not tell them.
An event counts as upcoming until it has ended (or, without an end time,
until it has started), so a conference stays on the start page while it runs.

Seat numbers for many events come from grouped queries (:func:`availabilities`);
the rule that turns counts into a state lives in
``capacity.availability_from_counts`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from eventapp.models import Event, Organization
from eventapp.services import capacity
from eventapp.services.errors import NotFound, ValidationError

#: Formats the programme uses (DESIGN §2). Filtering by one of these is never an
#: error, even when no event of that format is listed at the moment.
KNOWN_FORMATS = ("konferenz", "austausch", "pausenhof", "workshop", "marktplatz")


def _end_time() -> ColumnElement[datetime]:
    return func.coalesce(Event.ends_at, Event.starts_at)


def public_events() -> Select[tuple[Event]]:
    """The one query for public events (``Event.is_public``); views add order, filters and loads."""
    return select(Event).where(Event.is_public)


def _listing(*, format: str | None, organization: str | None) -> Select[tuple[Event]]:
    query = public_events().options(selectinload(Event.organization), selectinload(Event.series))
    if format:
        query = query.where(Event.format == format)
    if organization:
        query = query.join(Event.organization).where(Organization.slug == organization)
    return query


def check_filters(session: Session, *, format: str | None = None, organization: str | None = None) -> None:
    """Refuse filter values that name nothing, so a typo is a clear 400 instead of an empty page.

    A format is known when it is one of :data:`KNOWN_FORMATS` or any public event
    uses it; an organization when its slug exists.
    """
    fields: dict[str, str] = {}
    if format and format not in KNOWN_FORMATS and format not in formats_in_use(session):
        fields["format"] = f"Unknown format {format!r}."
    if organization:
        exists = session.scalar(select(Organization.id).where(Organization.slug == organization))
        if exists is None:
            fields["organization"] = f"Unknown organization {organization!r}."
    if fields:
        raise ValidationError("Unknown filter value.", fields=fields)


def upcoming_events(
    session: Session, *, now: datetime, format: str | None = None, organization: str | None = None
) -> list[Event]:
    """Public events that have not ended yet, soonest first.

    ``format`` is a format key, ``organization`` an organization slug; unknown
    values raise :class:`ValidationError` (fields ``format`` / ``organization``).
    """
    check_filters(session, format=format, organization=organization)
    query = (
        _listing(format=format, organization=organization).where(_end_time() >= now).order_by(Event.starts_at, Event.id)
    )
    return list(session.scalars(query))


def past_events(
    session: Session, *, now: datetime, format: str | None = None, organization: str | None = None
) -> list[Event]:
    """Public events that have ended, newest first (the archive)."""
    check_filters(session, format=format, organization=organization)
    query = (
        _listing(format=format, organization=organization)
        .where(_end_time() < now)
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    return list(session.scalars(query))


def event_by_slug(session: Session, slug: str) -> Event:
    """The public event with this slug, with what its page shows loaded.

    Raises :class:`NotFound` for unknown slugs and for drafts alike, so a draft's
    existence is not revealed.
    """
    event = session.scalar(
        public_events()
        .where(Event.slug == slug)
        .options(
            selectinload(Event.organization),
            selectinload(Event.series),
            selectinload(Event.agenda_items),
        )
    )
    if event is None:
        raise NotFound(f"No public event {slug!r}.")
    return event


def formats_in_use(session: Session, *, now: datetime | None = None, past: bool = False) -> list[str]:
    """Format keys of public events, sorted; with ``now``, only upcoming (or ``past``) ones."""
    query = select(Event.format).where(Event.is_public).distinct()
    if now is not None:
        query = query.where(_end_time() < now if past else _end_time() >= now)
    return sorted(session.scalars(query))


def organizations_with_events(
    session: Session, *, now: datetime | None = None, past: bool = False
) -> list[Organization]:
    """Organizations that own public events, by name; with ``now``, upcoming (or ``past``) ones."""
    condition = [Event.organization_id == Organization.id, Event.is_public]
    if now is not None:
        condition.append(_end_time() < now if past else _end_time() >= now)
    query = select(Organization).where(select(Event.id).where(and_(*condition)).exists()).order_by(Organization.name)
    return list(session.scalars(query))


def availabilities(session: Session, events: Sequence[Event], *, now: datetime) -> dict[int, capacity.Availability]:
    """Availability of many events (state and seats per mode) without a query per event.

    The counts come from ``capacity.seat_counts`` (grouped queries over all the
    events) and the state from ``capacity.availability_from_counts``, the same
    two pieces ``capacity.availability`` uses for one event, so the list and the
    detail page can never disagree.
    """
    counts = capacity.seat_counts(session, [event.id for event in events], now=now)
    return {event.id: capacity.availability_from_counts(event, *counts[event.id], now=now) for event in events}


def group_by_month(events: Iterable[Event], *, tz: tzinfo) -> list[tuple[date, list[Event]]]:
    """Consecutive runs of events starting in the same calendar month in ``tz``.

    Events come sorted (either direction); each group is keyed by the first day of
    its month, so the page can print "November 2027" as a heading.
    """
    groups: list[tuple[date, list[Event]]] = []
    for event in events:
        local = event.starts_at.astimezone(tz)
        month = date(local.year, local.month, 1)
        if not groups or groups[-1][0] != month:
            groups.append((month, []))
        groups[-1][1].append(event)
    return groups


def organization_by_slug(session: Session, slug: str) -> Organization:
    """The organization with this slug (for filter labels); :class:`NotFound` otherwise."""
    organization = session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise NotFound(f"No organization {slug!r}.")
    return organization


def agency(session: Session) -> Organization | None:
    """The Südwestfalen Agentur (organization kind ``agency``), named as controller in the privacy notice."""
    return session.scalar(select(Organization).where(Organization.kind == "agency").order_by(Organization.id).limit(1))
