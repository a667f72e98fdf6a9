"""The calendar feeds (public, series, personal) and the single-event download, with their HTTP validators.

Each feed's ETag and Last-Modified come from one aggregate query
(:func:`public_feed_version`, :func:`personal_feed_version`), so a conditional
GET is answered without building; the VEVENTs themselves come from :mod:`.builder`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from eventapp.models import (
    ACTIVE_STATUSES,
    Event,
    Organization,
    Person,
    Registration,
    Series,
)
from eventapp.models.registration import new_token
from eventapp.services.calendar.builder import (
    BERLIN,
    EventUrl,
    JoinUrl,
    Personal,
    build_calendar,
    event_vevent,
    personal_sequence,
)
from eventapp.services.catalog import KNOWN_FORMATS, public_events
from eventapp.services.errors import NotFound, ValidationError

#: How far back feeds reach: upcoming events plus the recent past.
FEED_PAST_DAYS = 90
#: Suggested polling interval for subscribed feeds (REFRESH-INTERVAL, X-PUBLISHED-TTL).
FEED_REFRESH = timedelta(hours=1)
#: Bumped when the output format changes, so cached feeds are rebuilt (part of every ETag).
FORMAT_VERSION = "2"


def event_etag(event: Event) -> str:
    """ETag of the single-event download: changes whenever the event row does."""
    return _etag("event", event.id, event.uid, event.sequence, event.status, _as_utc(event.updated_at))


def event_calendar(event: Event, *, event_url: EventUrl) -> bytes:
    """The single-event download (``/events/<slug>.ics``): public content, no METHOD."""
    return build_calendar([event_vevent(event, event_url=event_url, dtstamp=event.updated_at)], name=event.title)


@dataclass(frozen=True)
class FeedVersion:
    """HTTP validators of a feed, computed without building it."""

    #: Opaque entity tag (unquoted).
    etag: str
    last_modified: datetime | None


@dataclass(frozen=True)
class FeedScope:
    """Which events a public or series feed covers; unpublished ones count for its version too."""

    window_start: date
    format: str | None = None
    #: Organization slug.
    organization: str | None = None
    #: Series slug.
    series: str | None = None
    locale: str = "de"

    @property
    def starts_from(self) -> datetime:
        """Midnight (Berlin) of the window's first day, in UTC."""
        return datetime.combine(self.window_start, time(0), tzinfo=BERLIN).astimezone(UTC)


def feed_window_start(now: datetime) -> date:
    """First day (Berlin) a feed reaches back to."""
    return (now.astimezone(BERLIN) - timedelta(days=FEED_PAST_DAYS)).date()


def _etag(*parts: object) -> str:
    return hashlib.sha256("|".join(str(part) for part in (FORMAT_VERSION, *parts)).encode()).hexdigest()[:32]


def _last_modified(latest: datetime | None, window_start: date) -> datetime | None:
    """The later of the newest change and the midnight the window last moved (an event may
    have dropped out then), in whole seconds as HTTP dates are."""
    if latest is None:
        return None
    window_moved = datetime.combine(window_start + timedelta(days=FEED_PAST_DAYS), time(0), tzinfo=BERLIN)
    return max(latest, window_moved.astimezone(UTC)).replace(microsecond=0)


def _scope_filter(scope: FeedScope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Event.starts_at >= scope.starts_from]
    if scope.format:
        conditions.append(Event.format == scope.format)
    if scope.organization:
        organization_id = select(Organization.id).where(Organization.slug == scope.organization).scalar_subquery()
        conditions.append(Event.organization_id == organization_id)
    if scope.series is not None:
        series_id = select(Series.id).where(Series.slug == scope.series).scalar_subquery()
        conditions.append(Event.series_id == series_id)
    return conditions


def public_feed_version(session: Session, scope: FeedScope) -> FeedVersion:
    """ETag and Last-Modified of a public or series feed, from one aggregate query.

    The hash covers the latest change over *all* events in scope (drafts and
    cancelled ones too, so publishing or unpublishing changes it), their count
    (a deletion changes it), the window's start date and the filters. Renaming an
    organization (ORGANIZER's CN) shows with the next event change; FORMAT_VERSION
    covers changes of the output format itself. The same
    query tells whether the filter values name anything: unknown ones raise
    ValidationError (fields ``format`` / ``organization``), an unknown series NotFound.
    """
    columns: list[Any] = [func.max(Event.updated_at), func.count(Event.id)]
    check_format = bool(scope.format) and scope.format not in KNOWN_FORMATS
    if check_format:
        columns.append(
            select(func.count(Event.id)).where(Event.format == scope.format, Event.is_public).scalar_subquery()
        )
    if scope.organization:
        columns.append(
            select(func.count(Organization.id)).where(Organization.slug == scope.organization).scalar_subquery()
        )
    if scope.series is not None:
        columns.append(select(func.count(Series.id)).where(Series.slug == scope.series).scalar_subquery())
    row = list(session.execute(select(*columns).where(*_scope_filter(scope))).one())
    latest, count, checks = _as_utc(row[0]), row[1], row[2:]
    fields: dict[str, str] = {}
    if check_format and not checks.pop(0):
        fields["format"] = f"Unknown format {scope.format!r}."
    if scope.organization and not checks.pop(0):
        fields["organization"] = f"Unknown organization {scope.organization!r}."
    if fields:
        raise ValidationError("Unknown filter value.", fields=fields)
    if scope.series is not None and not checks.pop(0):
        raise NotFound("No such series.")
    etag = _etag(
        "public", scope.window_start, scope.format, scope.organization, scope.series, scope.locale, latest, count
    )
    return FeedVersion(etag=etag, last_modified=_last_modified(latest, scope.window_start))


def public_feed_events(session: Session, scope: FeedScope) -> list[Event]:
    """The public (published or cancelled) events of a feed, in start order."""
    query = (
        public_events()
        .where(*_scope_filter(scope))
        .options(selectinload(Event.organization), selectinload(Event.agenda_items))
        .order_by(Event.starts_at, Event.id)
    )
    return list(session.scalars(query))


def public_feed(
    session: Session, scope: FeedScope, *, event_url: EventUrl, name: str, description: str | None = None
) -> bytes:
    """A public or series feed: no METHOD, no personal data, no join links."""
    events = public_feed_events(session, scope)
    vevents = [
        event_vevent(event, event_url=event_url, dtstamp=event.updated_at, locale=scope.locale) for event in events
    ]
    return build_calendar(vevents, name=name, description=description, refresh=FEED_REFRESH)


def personal_feed_version(session: Session, token: str, *, now: datetime) -> FeedVersion:
    """Validators of a personal feed from one query; NotFound for unknown or revoked tokens.

    Covers every registration of the person (any status: a cancellation must
    change it) and the events they belong to.
    """
    if not token or len(token) > 64:
        raise NotFound("No such feed.")
    window_start = feed_window_start(now)
    row = session.execute(
        select(
            Person.id,
            Person.language,
            func.count(Registration.id),
            func.max(Registration.updated_at),
            func.max(Event.updated_at),
        )
        .select_from(Person)
        .outerjoin(Registration, Registration.person_id == Person.id)
        .outerjoin(Event, Event.id == Registration.event_id)
        .where(Person.feed_token == token)
        .group_by(Person.id, Person.language)
    ).first()
    if row is None:
        raise NotFound("No such feed.")
    person_id, language, count, latest_registration, latest_event = row
    latest_registration, latest_event = _as_utc(latest_registration), _as_utc(latest_event)
    latest = max((m for m in (latest_registration, latest_event) if m is not None), default=None)
    etag = _etag("personal", person_id, token, language, window_start, count, latest_registration, latest_event)
    return FeedVersion(etag=etag, last_modified=_last_modified(latest, window_start))


def person_by_feed_token(session: Session, token: str) -> Person:
    """The person whose current feed token this is; NotFound for anything else."""
    person = session.scalar(select(Person).where(Person.feed_token == token)) if token else None
    if person is None:
        raise NotFound("No such feed.")
    return person


def personal_feed(
    session: Session,
    person: Person,
    *,
    now: datetime,
    event_url: EventUrl,
    name: str,
    join_url: JoinUrl | None = None,
) -> bytes:
    """The person's own feed: their active registrations (with mode and waiting state) of
    events in the window, public or cancelled. ``join_url`` gives a registration's personal
    join link, or None where it has none (the web layer passes eventapp.urls.join_url)."""
    scope_start = FeedScope(window_start=feed_window_start(now)).starts_from
    registrations = list(
        session.scalars(
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.person_id == person.id)
            .options(
                selectinload(Registration.event).selectinload(Event.organization),
                selectinload(Registration.event).selectinload(Event.agenda_items),
            )
            .order_by(Event.starts_at, Registration.id)
        )
    )
    by_event: dict[int, list[Registration]] = {}
    for registration in registrations:
        by_event.setdefault(registration.event_id, []).append(registration)
    vevents = []
    for registration in registrations:
        event = registration.event
        if registration.status not in ACTIVE_STATUSES or event.starts_at < scope_start:
            continue
        if not event.is_public:
            continue
        earlier = [other for other in by_event[event.id] if other.id < registration.id]
        personal = Personal(
            registration,
            sequence=personal_sequence(registration, earlier),
            join_url=join_url(registration) if join_url else None,
        )
        stamp = max(event.updated_at, registration.updated_at)
        vevents.append(
            event_vevent(event, event_url=event_url, dtstamp=stamp, personal=personal, locale=person.language or "de")
        )
    return build_calendar(vevents, name=name, refresh=FEED_REFRESH)


def revoke_feed_token(session: Session, person: Person) -> str:
    """Give the person a new feed token; the old feed URL answers 404 from now on."""
    person.feed_token = new_token()
    session.flush()
    return person.feed_token


def _as_utc(moment: datetime | None) -> datetime | None:
    """Aggregates bypass the column type on some backends; make them aware UTC."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
