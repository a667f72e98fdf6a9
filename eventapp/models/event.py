"""Organizations, series, events and what hangs off an event."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.models.base import Base, utcnow

if TYPE_CHECKING:
    from eventapp.models.registration import Registration


class Mode(enum.StrEnum):
    """How a person takes part: at the venue or over the internet."""

    ON_SITE = "on_site"
    ONLINE = "online"

    @property
    def other(self) -> Mode:
        return Mode.ONLINE if self is Mode.ON_SITE else Mode.ON_SITE


class EventAttendance(enum.StrEnum):
    """Which modes an event offers (the event's ``attendance`` field)."""

    ON_SITE = "on_site"
    ONLINE = "online"
    HYBRID = "hybrid"

    @property
    def modes(self) -> tuple[Mode, ...]:
        if self is EventAttendance.HYBRID:
            return (Mode.ON_SITE, Mode.ONLINE)
        return (Mode(self.value),)


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


#: Statuses the public sees (pages, feeds, the API): drafts are the organizer's business.
#: A cancelled event stays visible, marked as cancelled and not bookable, so that people
#: who planned to come (and programs that copied it) learn that it is off.
PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=20)


#: Reminders of a new event: a day and an hour before the start (in minutes).
DEFAULT_REMINDER_OFFSETS = (1440, 60)


def new_uid() -> str:
    """A calendar UID that never depends on the host name (DESIGN §5)."""
    return f"{uuid.uuid4()}@eventapp"


class Organization(Base):
    """Südwestfalen Agentur or a municipality; owns events."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Used as ORGANIZER in invitations when the event has no contact address.
    contact_email: Mapped[str] = mapped_column(String(254))
    #: "agency", "pioneer" or "network" (Smart Cities: Schule member).
    kind: Mapped[str] = mapped_column(String(20), default="network")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The logo as re-encoded by ``services.logos`` (PNG or JPEG), loaded only when served.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    #: ``image/png`` or ``image/jpeg``; None without a logo.
    logo_type: Mapped[str | None] = mapped_column(String(20))
    #: SHA-256 of ``logo`` (hex): its ETag and the version in its URL, so browsers may cache it for good.
    logo_digest: Mapped[str | None] = mapped_column(String(64))

    events: Mapped[list[Event]] = relationship(back_populates="organization")


class Series(Base):
    """Recurring events such as the Pausenhof; each date is an Event of its own."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(40))
    #: Human description of the rhythm, e.g. "Jede zweite Woche am Donnerstag, 12:30–13:00 Uhr".
    rhythm: Mapped[str] = mapped_column(String(200), default="")
    #: The rhythm's recurrence rule as RFC 5545 text (DTSTART and RRULE lines) when the
    #: series was made from one (services/series/rhythm.py); its dates are Events of their own.
    rrule: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    events: Mapped[list[Event]] = relationship(back_populates="series", order_by="Event.starts_at")


class Event(Base):
    """One dated happening with its own capacities, registrations and UID."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: What this date is about (a series date's topic): shown after the title on pages and
    #: in calendar SUMMARYs (:attr:`heading`); changing it tells nobody by mail.
    topic: Mapped[str] = mapped_column(String(200), default="")
    format: Mapped[str] = mapped_column(String(40), index=True)
    attendance: Mapped[EventAttendance] = mapped_column(_enum(EventAttendance, "event_attendance"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    #: May be empty; calendars then use a default duration.
    ends_at: Mapped[datetime | None]
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    #: Seats per mode; None means unlimited.
    capacity_on_site: Mapped[int | None] = mapped_column(Integer)
    capacity_online: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus, "event_status"), default=EventStatus.DRAFT)
    #: Overrides the organization's address as ORGANIZER in invitations.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: Hybrid details (issue 7 Part 3): http(s) links and dial-in for confirmed online
    #: registrations only — never on public pages, feeds or the API (DESIGN §3 "Privacy").
    join_url: Mapped[str | None] = mapped_column(String(500))
    livestream_url: Mapped[str | None] = mapped_column(String(500))
    dial_in: Mapped[str | None] = mapped_column(String(300))
    recording_url: Mapped[str | None] = mapped_column(String(500))
    #: Reminder mails before the start, as minutes before it (issue 8 Part 3); empty: none.
    #: The worker sends the latest one due (``services.reminders``); invitations alarm at the shortest.
    reminder_offsets: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_OFFSETS), server_default=text("'[1440, 60]'")
    )
    #: Stored once at creation; never derived from the host name.
    uid: Mapped[str] = mapped_column(String(255), unique=True, default=new_uid)
    #: Raised on every change that matters to attendees (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    cancel_message: Mapped[str] = mapped_column(Text, default="")
    #: Marks rows created by ``demo-data`` so that it can re-date them.
    demo_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Any change to the event, including unpublished ones (feeds' ETag).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="events")
    series: Mapped[Series | None] = relationship(back_populates="events")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="event", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="event", order_by="Question.position", cascade="all, delete-orphan"
    )
    registrations: Mapped[list[Registration]] = relationship(back_populates="event", viewonly=True)

    @hybrid_property
    def is_public(self) -> bool:
        """The one definition of a public event (:data:`PUBLIC_STATUSES`), in Python and in SQL."""
        return self.status in PUBLIC_STATUSES

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls) -> ColumnElement[bool]:
        return cls.status.in_(PUBLIC_STATUSES)

    @property
    def heading(self) -> str:
        """The title with the date's topic: "Pausenhof: Digitale Behördengänge"."""
        topic = " ".join((self.topic or "").split())
        if not topic or self.title.casefold().endswith(topic.casefold()):
            return self.title
        return f"{self.title}: {topic}"

    @property
    def modes(self) -> tuple[Mode, ...]:
        return self.attendance.modes

    def offers(self, mode: Mode | str) -> bool:
        return Mode(mode) in self.modes

    def capacity(self, mode: Mode | str) -> int | None:
        return self.capacity_on_site if Mode(mode) is Mode.ON_SITE else self.capacity_online

    @property
    def organizer_email(self) -> str:
        return self.contact_email or self.organization.contact_email


class AgendaItem(Base):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    title: Mapped[str] = mapped_column(String(300))
    speaker: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="agenda_items")


class QuestionKind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    CHECKBOX = "checkbox"


class Question(Base):
    """An extra question on the registration form of one event."""

    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("event_id", "key", name="uq_question_event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Stable key used in the answers object of the API.
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(300))
    #: Labels in other languages, {"en": "..."}; the base label is German.
    label_translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind, "question_kind"), default=QuestionKind.TEXT)
    #: For choice questions: [{"value": "...", "label": "...", "label_en": "..."}].
    choices: Mapped[list[Any]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    #: Special category under Art. 9 DSGVO: needs its own consent, deleted after the event.
    sensitive: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship(back_populates="questions")

    def label_for(self, locale: str) -> str:
        return self.label_translations.get(locale) or self.label
