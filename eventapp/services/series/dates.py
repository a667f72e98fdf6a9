"""Finding a series, its dates and a person's registrations for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from eventapp.models import (
    Event,
    EventStatus,
    Mode,
    Registration,
    Series,
    SeriesRegistration,
)
from eventapp.services.catalog import public_events
from eventapp.services.errors import (
    NotFound,
)


def series_by_slug(session: Session, slug: str) -> Series:
    """The series with this slug; NotFound otherwise."""
    found = session.scalar(select(Series).where(Series.slug == slug)) if slug else None
    if found is None:
        raise NotFound("No such series.")
    return found


def series_dates(session: Session, series: Series, *, since: datetime | None = None) -> list[Event]:
    """The public dates of a series in start order (from ``since`` on, if given)."""
    query = (
        public_events()
        .where(Event.series_id == series.id)
        .options(selectinload(Event.organization), selectinload(Event.questions), selectinload(Event.agenda_items))
        .order_by(Event.starts_at, Event.id)
    )
    if since is not None:
        query = query.where(Event.starts_at > since)
    return list(session.scalars(query))


def upcoming_dates(session: Session, series: Series, *, now: datetime) -> list[Event]:
    """Published dates that have not started yet: what a series registration covers."""
    return [event for event in series_dates(session, series, since=now) if event.status is EventStatus.PUBLISHED]


def form_date(session: Session, series: Series, *, now: datetime) -> Event | None:
    """The date whose form (mode choice, questions) the series form uses: the next one."""
    dates = upcoming_dates(session, series, now=now)
    return dates[0] if dates else None


def series_registration_by_token(session: Session, manage_token: str) -> SeriesRegistration:
    """The series registration behind a manage link; NotFound reveals nothing."""
    if not manage_token or len(manage_token) > 64:
        raise NotFound()
    found = session.scalar(select(SeriesRegistration).where(SeriesRegistration.manage_token == manage_token))
    if found is None:
        raise NotFound()
    return found


def date_of_series(session: Session, series_registration: SeriesRegistration, slug: str) -> Event:
    """A public date of the person's series by slug; NotFound for anything else."""
    event = session.scalar(public_events().where(Event.slug == slug, Event.series_id == series_registration.series_id))
    if event is None:
        raise NotFound()
    return event


def person_registrations(session: Session, person_id: int, event_ids: list[int]) -> dict[int, list[Registration]]:
    """The person's registrations (any status) for these events, oldest first, by event id."""
    found: dict[int, list[Registration]] = {}
    if not event_ids:
        return found
    for reg in session.scalars(
        select(Registration)
        .where(Registration.person_id == person_id, Registration.event_id.in_(event_ids))
        .order_by(Registration.id)
    ):
        found.setdefault(reg.event_id, []).append(reg)
    return found


def date_mode(event: Event, wanted: Mode) -> Mode | None:
    """The mode a series registration takes on this date: the wanted one, else the only one offered."""
    if event.offers(wanted):
        return wanted
    return event.modes[0] if len(event.modes) == 1 else None


def date_topic(event: Event) -> str:
    """What this date of a series is about: its title without the series' name in front
    ("Pausenhof: Digitale Behördengänge" → "Digitale Behördengänge"); "" when the title
    is just the series' name. A topic set for the date (``Event.topic``) comes first."""
    if event.topic:
        return event.topic
    title = " ".join(event.title.split())
    series_title = " ".join(event.series.title.split()) if event.series is not None else ""
    if series_title and title.casefold().startswith(series_title.casefold()):
        rest = title[len(series_title) :].lstrip(" :–—-·|")
        return rest.strip()
    return "" if title == series_title else title


def series_with_upcoming_dates(session: Session, *, now: datetime) -> list[tuple[Series, Event]]:
    """Every series with a published date still to come, with its next date (for the start page)."""
    next_start = (
        select(Event.series_id, func.min(Event.starts_at).label("starts_at"))
        .where(Event.series_id.is_not(None), Event.status == EventStatus.PUBLISHED, Event.starts_at > now)
        .group_by(Event.series_id)
        .subquery()
    )
    rows = session.execute(
        select(Series, Event)
        .join(next_start, next_start.c.series_id == Series.id)
        .join(Event, (Event.series_id == Series.id) & (Event.starts_at == next_start.c.starts_at))
        .where(Event.status == EventStatus.PUBLISHED)
        .order_by(next_start.c.starts_at, Series.id, Event.id)
    ).all()
    found: dict[int, tuple[Series, Event]] = {}
    for series, event in rows:
        found.setdefault(series.id, (series, event))
    return list(found.values())
