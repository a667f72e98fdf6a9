"""The organizer's side of an event (issue 7 Part 3): create from a form, edit, publish,
unpublish and clone.

Changes that matter to attendees — title, times, place, offered modes — and capacities go
through :func:`eventapp.services.events.update_event` (raised SEQUENCE, update mails,
promotion when seats are added, nothing taken from anyone). The other fields (summary,
description, format, registration window, contact address, reminders) reach pages, feeds
and later mails only:
they touch ``updated_at`` (the feeds' ETag) and write an ``event.edited`` entry.
Cancelling is :func:`eventapp.services.events.cancel_event`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    DEFAULT_REMINDER_OFFSETS,
    AgendaItem,
    Event,
    EventAttendance,
    EventStatus,
    Organization,
    Question,
    Registration,
    Series,
)
from eventapp.services import audit, events, reminders, seats
from eventapp.services.audit import Actor
from eventapp.services.errors import DomainError, EventCancelled, InvalidState, ValidationError

MAX_SUMMARY = 500
MAX_DESCRIPTION = 20000
MAX_EMAIL = 254
MAX_SLUG = 80
MAX_TOPIC = 200
FORMAT_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MAX_URL = 500
MAX_DIAL_IN = 300
#: Hybrid details: stored for confirmed online registrations, never shown publicly.
LINK_FIELDS = ("join_url", "livestream_url", "recording_url")
#: Fields that are not announced to attendees (pages and feeds show some of them).
QUIET_FIELDS = (
    "summary",
    "description",
    "format",
    "registration_opens_at",
    "registration_closes_at",
    "contact_email",
    *LINK_FIELDS,
    "dial_in",
    "reminder_offsets",
)


class HasRegistrations(DomainError):
    """The event has active registrations: it cannot be withdrawn from the public (cancel it instead)."""

    code = "has_registrations"

    def __init__(self, registrations: int):
        self.registrations = registrations
        super().__init__(f"{registrations} active registration(s); cancel the event instead.")


@dataclass
class EventDetails:
    """What the organizer's event form holds (times aware; capacity None = unlimited)."""

    title: str
    summary: str
    description: str
    format: str
    attendance: EventAttendance
    starts_at: datetime
    ends_at: datetime
    venue: str
    address: str
    capacity_on_site: int | None
    capacity_online: int | None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    contact_email: str | None = None
    join_url: str | None = None
    livestream_url: str | None = None
    dial_in: str | None = None
    recording_url: str | None = None
    #: Minutes before the start (services.reminders); empty: no reminders.
    reminder_offsets: list[int] = field(default_factory=lambda: list(DEFAULT_REMINDER_OFFSETS))

    @classmethod
    def of(cls, event: Event) -> EventDetails:
        """The details an event has now (to fill the edit form)."""
        values = {f.name: getattr(event, f.name) for f in fields(cls)}
        values["reminder_offsets"] = list(event.reminder_offsets or [])  # a copy: the form may change it
        return cls(**values)


def _clean(details: EventDetails) -> EventDetails:
    """Check what the service decides (the form checks what a person can fix by typing, too)."""
    title = " ".join((details.title or "").split())
    if not title:
        raise ValidationError("The event needs a title.", fields={"title": "required"})
    if len(title) > events.MAX_TITLE:
        raise ValidationError("The title is too long.", fields={"title": "too_long"})
    summary = " ".join((details.summary or "").split())
    if len(summary) > MAX_SUMMARY:
        raise ValidationError("The summary is too long.", fields={"summary": "too_long"})
    description = (details.description or "").strip().replace("\r\n", "\n")
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError("The description is too long.", fields={"description": "too_long"})
    if not FORMAT_KEY.match(details.format or ""):
        raise ValidationError("Unknown format.", fields={"format": "invalid"})
    attendance = EventAttendance(details.attendance)
    events._check_times(details.starts_at, details.ends_at)
    if details.ends_at is None:
        raise ValidationError("The event needs an end.", fields={"ends_at": "required"})
    venue = " ".join((details.venue or "").split())
    if attendance is not EventAttendance.ONLINE and not venue:
        raise ValidationError("An event on site needs a venue.", fields={"venue": "required"})
    for name in ("capacity_on_site", "capacity_online"):
        events._check_capacity(name, getattr(details, name))
    opens, closes = details.registration_opens_at, details.registration_closes_at
    events._check_aware("registration_opens_at", opens)
    events._check_aware("registration_closes_at", closes)
    if opens is not None and opens >= details.ends_at:
        raise ValidationError(
            "Registration must open before the event ends.", fields={"registration_opens_at": "after_end"}
        )
    if opens is not None and closes is not None and closes <= opens:
        raise ValidationError(
            "Registration must close after it opens.", fields={"registration_closes_at": "before_opening"}
        )
    contact = (details.contact_email or "").strip() or None
    if contact is not None and (len(contact) > MAX_EMAIL or not EMAIL.match(contact)):
        raise ValidationError("Not an email address.", fields={"contact_email": "invalid"})
    links = {name: _check_url(name, getattr(details, name)) for name in LINK_FIELDS}
    dial_in = " ".join((details.dial_in or "").split()) or None
    if dial_in is not None and len(dial_in) > MAX_DIAL_IN:
        raise ValidationError("The dial-in is too long.", fields={"dial_in": "too_long"})
    return EventDetails(
        title=title,
        summary=summary,
        description=description,
        format=details.format,
        attendance=attendance,
        starts_at=details.starts_at,
        ends_at=details.ends_at,
        venue=venue,
        address=" ".join((details.address or "").split()),
        capacity_on_site=details.capacity_on_site,
        capacity_online=details.capacity_online,
        registration_opens_at=opens,
        registration_closes_at=closes,
        contact_email=contact,
        dial_in=dial_in,
        reminder_offsets=reminders.clean_offsets(details.reminder_offsets),
        **links,
    )


def _check_url(name: str, value: str | None) -> str | None:
    """An absolute http(s) URL with a host, or None; anything else (javascript:, ftp:, a bare
    word, whitespace inside) is refused — these links end up in mails and on buttons."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_URL:
        raise ValidationError(f"{name} is too long.", fields={name: "too_long"})
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in value)
    ):
        raise ValidationError(f"{name} is not an http(s) address.", fields={name: "not_http"})
    return value


def slugify(text: str) -> str:
    """'Eröffnung der Zukunfts.Werk.Stadt' → 'eroeffnung-der-zukunfts-werk-stadt' (URL-safe, German-aware)."""
    text = text.lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:MAX_SLUG].strip("-")
    return slug or "veranstaltung"


def unique_slug(session: Session, title: str, starts_at: datetime) -> str:
    """A slug no event has yet: the title, then with the year, then numbered."""
    base = slugify(title)
    taken = set(session.scalars(select(Event.slug).where(Event.slug.like(f"{base}%"))))
    candidates = [base, f"{base}-{starts_at.year}"]
    candidates += [f"{base}-{starts_at.year}-{n}" for n in range(2, len(taken) + 3)]
    return next(slug for slug in candidates if slug not in taken)


def create_event(
    session: Session,
    organization: Organization,
    details: EventDetails,
    *,
    now: datetime,
    actor: Actor,
    slug: str | None = None,
    series: Series | None = None,
    topic: str = "",
) -> Event:
    """A new draft of ``organization`` from the organizer's form; nobody sees it before publishing.

    A series' dates pass their ``series``, a ``slug`` with the date and their ``topic``.
    """
    clean = _clean(details)
    values = {f.name: getattr(clean, f.name) for f in fields(EventDetails)}
    return events.create_event(
        session,
        now=now,
        actor=actor,
        slug=slug or unique_slug(session, clean.title, clean.starts_at),
        organization_id=organization.id,
        series_id=series.id if series is not None else None,
        topic=clean_topic(topic),
        status=EventStatus.DRAFT,
        **values,
    )


def clean_topic(topic: str | None) -> str:
    """A date's topic: one line of at most MAX_TOPIC characters (may be empty)."""
    topic = " ".join((topic or "").split())
    if len(topic) > MAX_TOPIC:
        raise ValidationError("The topic is too long.", fields={"topic": "too_long"})
    return topic


def edit_event(session: Session, event: Event, details: EventDetails, *, now: datetime, actor: Actor) -> list[str]:
    """Apply the organizer's form to ``event``; returns the names of the fields that changed.

    The attendee-facing part and capacities go through ``update_event`` (refusals there —
    a capacity below the seats held, a withdrawn mode in use — leave everything unchanged
    once the caller rolls back); the rest is checked first, so nothing is half-applied.
    """
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    clean = _clean(details)
    old_start = event.starts_at
    change = events.update_event(
        session,
        event,
        now=now,
        actor=actor,
        title=clean.title,
        starts_at=clean.starts_at,
        ends_at=clean.ends_at,
        venue=clean.venue,
        address=clean.address,
        attendance=clean.attendance,
        capacity_on_site=clean.capacity_on_site,
        capacity_online=clean.capacity_online,
    )
    if clean.registration_closes_at == old_start:
        # "Registration closes when the event starts" keeps meaning that (as in update_event).
        clean.registration_closes_at = event.starts_at
    quiet = [name for name in QUIET_FIELDS if getattr(event, name) != getattr(clean, name)]
    for name in quiet:
        setattr(event, name, getattr(clean, name))
    if quiet:
        event.updated_at = now
        audit.record(session, actor, "event.edited", event, now=now, detail={"changed": quiet})
        session.flush()
    return change.changed + change.capacities + quiet


def active_registrations(session: Session, event: Event) -> int:
    R = Registration
    return session.scalar(select(func.count(R.id)).where(R.event_id == event.id, R.status.in_(ACTIVE_STATUSES))) or 0


def publish_event(session: Session, event: Event, *, now: datetime, actor: Actor) -> bool:
    """Show a draft on the public pages, feeds and API; False when it was already public."""
    event = seats.lock_event(session, event)
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    if event.status is EventStatus.PUBLISHED:
        return False
    event.status = EventStatus.PUBLISHED
    event.updated_at = now
    audit.record(session, actor, "event.published", event, now=now)
    session.flush()
    return True


def unpublish_event(session: Session, event: Event, *, now: datetime, actor: Actor) -> None:
    """Take an event back to draft — only while nobody holds or waits for a place (DESIGN §3:
    people who registered must learn that it is off, so they get a cancellation instead)."""
    event = seats.prepare_event(session, event, now=now)
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    if event.status is not EventStatus.PUBLISHED:
        raise InvalidState("The event is not published.")
    count = active_registrations(session, event)
    if count:
        raise HasRegistrations(count)
    event.status = EventStatus.DRAFT
    event.updated_at = now
    audit.record(session, actor, "event.unpublished", event, now=now)
    session.flush()


def clone_event(session: Session, event: Event, *, now: datetime, actor: Actor) -> Event:
    """A draft copy of ``event`` (questions and agenda included) with its own slug and UID.

    Registrations, status, sequence, series membership and cancellation stay behind:
    the copy is a new event that the organizer re-dates and publishes.
    """
    details = EventDetails.of(event)
    copy = events.create_event(
        session,
        now=now,
        actor=actor,
        slug=unique_slug(session, event.title, event.starts_at),
        organization_id=event.organization_id,
        status=EventStatus.DRAFT,
        **{f.name: getattr(details, f.name) for f in fields(EventDetails)},
    )
    copy_questions(event, copy)
    for item in event.agenda_items:
        copy.agenda_items.append(
            AgendaItem(
                position=item.position,
                starts_at=item.starts_at,
                ends_at=item.ends_at,
                title=item.title,
                speaker=item.speaker,
                description=item.description,
            )
        )
    session.flush()
    audit.record(session, actor, "event.cloned", copy, now=now, detail={"from": event.slug})
    return copy


def copy_questions(source: Event, target: Event) -> None:
    """Give ``target`` the questions of ``source`` (a copy, or a series' new date), same keys."""
    for question in source.questions:
        target.questions.append(
            Question(
                position=question.position,
                key=question.key,
                label=question.label,
                label_translations=dict(question.label_translations or {}),
                kind=question.kind,
                choices=list(question.choices or []),
                required=question.required,
                sensitive=question.sensitive,
            )
        )
