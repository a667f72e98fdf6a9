"""The demo programme's loader: turns :mod:`.programme` into rows and keeps it current.

``build_programme`` is safe to run any number of times: it creates what is
missing and re-dates the demo events it created earlier (found by their
``demo_key``), so that upcoming events stay upcoming, archive events stay in the
past and the Pausenhof keeps its every-other-Thursday rhythm. Dates are chosen as
local dates and wall-clock times in Europe/Berlin and only then converted to
UTC, so 10:00 stays 10:00 on both sides of a DST change. It sends no mail.

The Pausenhof's days come from the same rrule-based rhythm as an organizer's series
(:mod:`eventapp.services.series.rhythm`); holidays skip a date and keep the rhythm.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import BERLIN, AgendaItem, Event, EventStatus, Organization, Question, Series
from eventapp.services import events as event_service
from eventapp.services.audit import Actor
from eventapp.services.demo.days import THURSDAY, is_day_off, weekday_on_or_after
from eventapp.services.demo.programme import (
    ORGANIZATIONS,
    PAUSENHOF_DATES,
    PAUSENHOF_INTERVAL,
    PAUSENHOF_SERIES,
    PAUSENHOF_SERIES_SLUG,
    SINGLE_EVENTS,
    pausenhof_spec,
)
from eventapp.services.demo.specs import LINK_FIELDS, EventSpec
from eventapp.services.series import rhythm

#: Who the audit trail names for what ``demo-data`` creates.
DEMO = Actor.system("demo-data")


@dataclass
class DemoResult:
    """What one run did, for the command's summary."""

    organizations_created: int = 0
    series_created: int = 0
    events_created: list[str] = field(default_factory=list)
    events_redated: list[str] = field(default_factory=list)


def local(day: date, clock: time) -> datetime:
    """Wall-clock time in Berlin on ``day``, as an aware UTC datetime."""
    return datetime.combine(day, clock, tzinfo=BERLIN).astimezone(UTC)


def berlin_date(moment: datetime) -> date:
    return moment.astimezone(BERLIN).date()


def build_programme(session: Session, *, now: datetime) -> DemoResult:
    """Create what is missing and re-date stale demo events; flushes, never commits."""
    result = DemoResult()
    organizations = _organizations(session, result)
    by_key = {e.demo_key: e for e in session.scalars(select(Event).where(Event.demo_key.is_not(None)))}
    today = berlin_date(now)

    for spec in SINGLE_EVENTS:
        day = spec.day(today)
        existing = by_key.get(spec.key)
        if existing is None:
            _create(session, spec, organizations, day, now=now, result=result)
            continue
        _fill_links(existing, spec)
        if _stale(existing, spec, now):
            _redate(session, existing, spec, day, now=now, result=result)

    series = _pausenhof_series(session, organizations, now=now, result=result)
    _pausenhof_dates(session, series, organizations, by_key, today, now=now, result=result)
    session.flush()
    return result


def _organizations(session: Session, result: DemoResult) -> dict[str, Organization]:
    existing = {o.slug: o for o in session.scalars(select(Organization))}
    for spec in ORGANIZATIONS:
        if spec.slug not in existing:
            organization = Organization(
                slug=spec.slug, name=spec.name, contact_email=spec.contact_email, kind=spec.kind
            )
            session.add(organization)
            existing[spec.slug] = organization
            result.organizations_created += 1
    session.flush()
    return existing


def _fill_links(event: Event, spec: EventSpec) -> None:
    """Give an earlier demo event the illustrative meeting links it lacks; links set since stay."""
    for name in LINK_FIELDS:
        if getattr(spec, name) and not getattr(event, name):
            setattr(event, name, getattr(spec, name))


def _stale(event: Event, spec: EventSpec, now: datetime) -> bool:
    """Upcoming demo events that have begun, and archive ones that are not past, move."""
    if spec.archive:
        return (event.ends_at or event.starts_at) >= now
    return event.starts_at <= now


def _free_slug(session: Session, wanted: str, event: Event | None = None) -> str:
    slug, number = wanted, 1
    while True:
        holder = session.scalar(select(Event).where(Event.slug == slug))
        if holder is None or holder is event:
            return slug
        number += 1
        slug = f"{wanted}-{number}"


def _window(spec: EventSpec, starts_at: datetime, now: datetime) -> dict[str, datetime]:
    """Registration opens now for upcoming demo events and closes when they start."""
    if spec.archive:
        return {"registration_opens_at": starts_at - timedelta(weeks=6), "registration_closes_at": starts_at}
    return {"registration_opens_at": now, "registration_closes_at": starts_at}


def _create(
    session: Session,
    spec: EventSpec,
    organizations: dict[str, Organization],
    day: date,
    *,
    now: datetime,
    result: DemoResult,
    series: Series | None = None,
    slug: str | None = None,
) -> Event:
    starts_at = local(day, spec.start)
    fields: dict[str, Any] = {
        "demo_key": spec.key,
        "slug": _free_slug(session, slug or spec.slug),
        "organization": organizations[spec.organization],
        "series": series,
        "title": spec.title,
        "summary": spec.summary,
        "description": spec.description,
        "format": spec.format,
        "attendance": spec.attendance,
        "starts_at": starts_at,
        "ends_at": local(day, spec.end),
        "venue": spec.venue,
        "address": spec.address,
        "capacity_on_site": spec.capacity_on_site,
        "capacity_online": spec.capacity_online,
        **{name: getattr(spec, name) for name in LINK_FIELDS},
        "status": EventStatus.PUBLISHED,
        **_window(spec, starts_at, now),
    }
    event = event_service.create_event(session, now=now, actor=DEMO, **fields)
    for position, item in enumerate(spec.agenda, start=1):
        event.agenda_items.append(
            AgendaItem(
                position=position,
                title=item.title,
                speaker=item.speaker,
                description=item.description,
                starts_at=local(day, item.start) if item.start else None,
                ends_at=local(day, item.end) if item.end else None,
            )
        )
    for position, question in enumerate(spec.questions, start=1):
        event.questions.append(
            Question(
                position=position,
                key=question.key,
                label=question.label,
                label_translations={"en": question.label_en},
                kind=question.kind,
                choices=[{"value": v, "label": de, "label_en": en} for v, de, en in question.choices],
                required=question.required,
                sensitive=question.sensitive,
            )
        )
    session.flush()
    result.events_created.append(spec.key)
    return event


def _moved(moment: datetime | None, old_day: date, new_day: date) -> datetime | None:
    """The same Berlin wall-clock time, ``new_day - old_day`` days later (DST-safe)."""
    if moment is None:
        return None
    local_moment = moment.astimezone(BERLIN)
    return local(new_day + (local_moment.date() - old_day), local_moment.time().replace(tzinfo=None))


def _redate(
    session: Session,
    event: Event,
    spec: EventSpec,
    day: date,
    *,
    now: datetime,
    result: DemoResult,
    slug: str | None = None,
) -> None:
    """Move a demo event to ``day`` at the programme's wall-clock times; no mail (demo data only).

    The sequence is raised so that calendars that already hold the event update it.
    """
    old_day = berlin_date(event.starts_at)
    event.starts_at = local(day, spec.start)
    event.ends_at = local(day, spec.end)
    for index, item in enumerate(event.agenda_items):
        planned = spec.agenda[index] if index < len(spec.agenda) else None
        if planned is not None and planned.title == item.title:
            item.starts_at = local(day, planned.start) if planned.start else None
            item.ends_at = local(day, planned.end) if planned.end else None
        else:  # an item added by hand: same wall-clock time on the new day
            item.starts_at = _moved(item.starts_at, old_day, day)
            item.ends_at = _moved(item.ends_at, old_day, day)
    window = _window(spec, event.starts_at, now)
    if not spec.archive and event.registration_opens_at is not None and event.registration_opens_at < now:
        window["registration_opens_at"] = event.registration_opens_at
    event.registration_opens_at = window["registration_opens_at"]
    event.registration_closes_at = window["registration_closes_at"]
    if slug is not None:
        event.slug = _free_slug(session, slug, event)
    event.sequence += 1
    event.updated_at = now
    session.flush()
    result.events_redated.append(spec.key)


def _pausenhof_series(
    session: Session, organizations: dict[str, Organization], *, now: datetime, result: DemoResult
) -> Series:
    series = session.scalar(select(Series).where(Series.slug == PAUSENHOF_SERIES_SLUG))
    if series is None:
        values = dict(PAUSENHOF_SERIES)
        series = Series(
            organization=organizations[values.pop("organization")], created_at=now, updated_at=now, **values
        )
        session.add(series)
        session.flush()
        result.series_created += 1
    return series


def _pausenhof_rule(today: date, anchor: date | None) -> str:
    """Every other Thursday, in the phase of ``anchor`` (an earlier date) or from the next Thursday."""
    first_day = anchor or weekday_on_or_after(today + timedelta(days=1), THURSDAY)
    every_other_thursday = rhythm.Rhythm(
        rhythm.Frequency.WEEKLY,
        first_day=first_day,
        starts=time(12, 30),
        ends=time(13, 0),
        interval=PAUSENHOF_INTERVAL,
        weekdays=(THURSDAY,),
    )
    return rhythm.rule_text(every_other_thursday, bounded=False)


def _pausenhof_slots(rule: str, today: date) -> Iterator[date]:
    """The rhythm's days after today that are no holiday (a holiday skips one date; the rhythm stays)."""
    for slot in rhythm.days_after(rule, today):
        if not is_day_off(slot):
            yield slot


def _pausenhof_dates(
    session: Session,
    series: Series,
    organizations: dict[str, Organization],
    by_key: dict[str | None, Event],
    today: date,
    *,
    now: datetime,
    result: DemoResult,
) -> None:
    """Keep PAUSENHOF_DATES upcoming dates: upcoming ones stay, past or missing ones take
    the next free slots of the rhythm."""
    specs = [pausenhof_spec(number) for number in range(1, PAUSENHOF_DATES + 1)]
    existing = {spec.key: by_key.get(spec.key) for spec in specs}
    known_days = sorted(berlin_date(e.starts_at) for e in existing.values() if e is not None)
    taken = {berlin_date(e.starts_at) for e in existing.values() if e is not None and e.starts_at > now}
    rule = _pausenhof_rule(today, known_days[0] if known_days else None)
    if not series.rrule:
        series.rrule = rule  # the organizer's series page proposes the next date from it
    free = (day for day in _pausenhof_slots(rule, today) if day not in taken)
    for spec in specs:
        event = existing[spec.key]
        if event is not None:
            _fill_links(event, spec)
        if event is not None and event.starts_at > now:
            continue
        day = next(free)
        slug = f"pausenhof-{day.isoformat()}"
        if event is None:
            _create(session, spec, organizations, day, now=now, result=result, series=series, slug=slug)
        else:
            _redate(session, event, spec, day, now=now, result=result, slug=slug)
