"""The organizer's side of a series (issue 7 Part 3): create it from a rhythm, add, move,
retopic, skip and publish its dates.

Every date is an Event of its own (DESIGN §2) made by the event editor, so the rules of one
event hold for each date: a new date is a draft; moving a date goes through
:func:`eventapp.services.events.update_event` (raised SEQUENCE, updated invitations);
skipping a published date is :func:`eventapp.services.events.cancel_event` (mails with
METHOD:CANCEL). Publishing brings the series registrations up to date at once (DESIGN §3:
dates added later are picked up), in the same transaction.

A date's topic is shown after the title (``Event.heading``), on pages and in calendar
SUMMARYs; changing it is not announced by mail and does not raise SEQUENCE — feeds carry
it with their next fetch (``updated_at`` moves their ETag).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    BERLIN,
    Event,
    EventAttendance,
    EventStatus,
    Organization,
    Registration,
    Series,
)
from eventapp.services import audit, event_editor, events
from eventapp.services.audit import Actor
from eventapp.services.errors import EventCancelled, InvalidState, ValidationError
from eventapp.services.event_editor import EventDetails, slugify
from eventapp.services.series.rhythm import Rhythm, days_after, describe, rhythm_slots, rule_text
from eventapp.services.series.sync import sync_series_registrations


@dataclass
class DateTemplate:
    """What every date of a new series shares (the event form without times)."""

    title: str
    summary: str
    description: str
    format: str
    attendance: EventAttendance
    venue: str
    address: str
    capacity_on_site: int | None
    capacity_online: int | None
    contact_email: str | None = None
    join_url: str | None = None

    def details(self, starts_at: datetime, ends_at: datetime) -> EventDetails:
        """The event form of one date (registration opens on publishing and stays open until the end)."""
        return EventDetails(
            title=self.title,
            summary=self.summary,
            description=self.description,
            format=self.format,
            attendance=self.attendance,
            starts_at=starts_at,
            ends_at=ends_at,
            venue=self.venue,
            address=self.address,
            capacity_on_site=self.capacity_on_site,
            capacity_online=self.capacity_online,
            contact_email=self.contact_email,
            join_url=self.join_url,
        )


def _series_slug(session: Session, title: str) -> str:
    base = slugify(title)
    taken = set(session.scalars(select(Series.slug).where(Series.slug.like(f"{base}%"))))
    return next(slug for slug in [base, *(f"{base}-{n}" for n in range(2, len(taken) + 3))] if slug not in taken)


def date_slug(session: Session, series: Series, starts_at: datetime) -> str:
    """A date's slug: the series' slug and the Berlin date ("pausenhof-2027-03-18"), numbered if taken."""
    base = f"{series.slug}-{starts_at.astimezone(BERLIN).date().isoformat()}"
    taken = set(session.scalars(select(Event.slug).where(Event.slug.like(f"{base}%"))))
    return next(slug for slug in [base, *(f"{base}-{n}" for n in range(2, len(taken) + 3))] if slug not in taken)


def create_series(
    session: Session,
    organization: Organization,
    template: DateTemplate,
    rhythm: Rhythm,
    *,
    now: datetime,
    actor: Actor,
    topics: list[str] | None = None,
) -> Series:
    """A new series of ``organization`` with a draft date for every day of ``rhythm``.

    ``topics`` go to the dates in order (more topics than dates are refused). Refusals —
    a rhythm with no date or too many, an end before the start, a bad template — are
    ValidationErrors with field codes; nothing is created then.
    """
    slots = rhythm_slots(rhythm)
    topics = [event_editor.clean_topic(topic) for topic in topics or []]
    if len(topics) > len(slots):
        raise ValidationError("More topics than dates.", fields={"topics": "too_many_topics"})
    first = event_editor._clean(template.details(*slots[0]))
    series = Series(
        slug=_series_slug(session, first.title),
        organization_id=organization.id,
        title=first.title,
        summary=first.summary,
        description=first.description,
        format=first.format,
        rhythm=describe(rhythm)[:200],
        rrule=rule_text(rhythm),
        created_at=now,
        updated_at=now,
    )
    session.add(series)
    session.flush()
    audit.record(session, actor, "series.created", series, now=now, detail={"dates": len(slots), "rrule": series.rrule})
    for index, (starts_at, ends_at) in enumerate(slots):
        event_editor.create_event(
            session,
            organization,
            template.details(starts_at, ends_at),
            now=now,
            actor=actor,
            slug=date_slug(session, series, starts_at),
            series=series,
            topic=topics[index] if index < len(topics) else "",
        )
    session.flush()
    return series


def series_dates_for_organizer(session: Session, series: Series) -> list[tuple[Event, int]]:
    """Every date of the series (drafts and cancelled ones too) with its active registrations."""
    counts = dict(
        session.execute(
            select(Registration.event_id, func.count(Registration.id))
            .join(Event, Event.id == Registration.event_id)
            .where(Event.series_id == series.id, Registration.status.in_(ACTIVE_STATUSES))
            .group_by(Registration.event_id)
        ).all()
    )
    dates = session.scalars(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at, Event.id))
    return [(event, counts.get(event.id, 0)) for event in dates]


def _template_date(session: Session, series: Series) -> Event | None:
    """The date a new one copies: the latest one not cancelled, else the latest at all."""
    dates = list(session.scalars(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at.desc())))
    return next((event for event in dates if event.status is not EventStatus.CANCELLED), dates[0] if dates else None)


def next_slot(session: Session, series: Series) -> tuple[date, time, time] | None:
    """What a new date would be: the rhythm's next day after the latest date, at its times."""
    latest = _template_date(session, series)
    if latest is None:
        return None
    starts = latest.starts_at.astimezone(BERLIN)
    ends = (latest.ends_at or latest.starts_at).astimezone(BERLIN)
    day = starts.date() + timedelta(days=7)
    if series.rrule:
        try:
            day = next(days_after(series.rrule, starts.date()), day)
        except ValueError:
            pass  # not a rule we wrote: a week later
    return day, starts.time().replace(tzinfo=None), ends.time().replace(tzinfo=None)


def add_date(
    session: Session,
    series: Series,
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    actor: Actor,
    topic: str = "",
) -> Event:
    """One more date (a draft), like the series' latest date: place, modes, capacities and questions.

    Publishing it (:func:`publish_date`) registers the series' registrants for it.
    """
    template = _template_date(session, series)
    if template is None:
        raise InvalidState("The series has no date to copy.")
    details = EventDetails.of(template)
    details.starts_at, details.ends_at = starts_at, ends_at
    details.registration_opens_at = details.registration_closes_at = None
    if starts_at <= now:
        raise ValidationError("A new date must lie in the future.", fields={"starts_at": "in_the_past"})
    event = event_editor.create_event(
        session,
        template.organization,
        details,
        now=now,
        actor=actor,
        slug=date_slug(session, series, starts_at),
        series=series,
        topic=topic,
    )
    event_editor.copy_questions(template, event)
    session.flush()
    audit.record(session, actor, "series.date_added", series, now=now, detail={"event": event.slug})
    return event


def edit_date(
    session: Session,
    event: Event,
    *,
    starts_at: datetime,
    ends_at: datetime,
    topic: str,
    now: datetime,
    actor: Actor,
) -> list[str]:
    """Move a date and/or change its topic; returns what changed.

    A new time goes through the update service: registrants get an updated invitation with
    a raised SEQUENCE. A new topic reaches pages and feeds only (``event.topic_changed``).
    """
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    topic = event_editor.clean_topic(topic)
    change = events.update_event(session, event, now=now, actor=actor, starts_at=starts_at, ends_at=ends_at)
    changed = list(change.changed)
    if topic != event.topic:
        audit.record(session, actor, "event.topic_changed", event, now=now, detail={"topic": topic})
        event.topic = topic
        event.updated_at = now
        session.flush()
        changed.append("topic")
    return changed


def skip_date(session: Session, event: Event, *, now: datetime, actor: Actor, message: str = "") -> str:
    """Leave a date out (a holiday): "deleted" or "cancelled".

    A draft that never had a registration is deleted; any other date is cancelled through
    the cancel service, so everyone registered gets the message and a calendar CANCEL
    (and a draft with a past is kept as cancelled, its history intact).
    """
    if event.series_id is None:
        raise InvalidState("Not a date of a series.")
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    had_registrations = session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event.id))
    if event.status is EventStatus.DRAFT and not had_registrations:
        series = event.series
        assert series is not None
        detail = {"event": event.slug, "starts_at": event.starts_at.isoformat()}
        audit.record(session, actor, "series.date_removed", series, now=now, detail=detail)
        session.delete(event)
        session.flush()
        session.expire(series, ["events"])
        return "deleted"
    events.cancel_event(session, event, now=now, actor=actor, message=message)
    return "cancelled"


def publish_date(session: Session, event: Event, *, now: datetime, actor: Actor) -> bool:
    """Publish one date and register the series' registrants for it (DESIGN §3)."""
    published = event_editor.publish_event(session, event, now=now, actor=actor)
    if published and event.series is not None:
        sync_series_registrations(session, event.series, now=now)
    return published


def publish_all(session: Session, series: Series, *, now: datetime, actor: Actor) -> int:
    """Publish every upcoming draft of the series; returns how many were published."""
    drafts = session.scalars(
        select(Event)
        .where(Event.series_id == series.id, Event.status == EventStatus.DRAFT, Event.starts_at > now)
        .order_by(Event.starts_at)
    ).all()
    published = sum(event_editor.publish_event(session, event, now=now, actor=actor) for event in drafts)
    if published:
        sync_series_registrations(session, series, now=now)
    return published
