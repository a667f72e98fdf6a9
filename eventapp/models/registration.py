"""Persons, registrations and series registrations."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.models.base import Base, utcnow
from eventapp.models.event import Event, Mode, Series, _enum


def new_token() -> str:
    """A random URL-safe secret (manage links, feed tokens)."""
    return secrets.token_urlsafe(24)


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    WAITLISTED = "waitlisted"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


#: Statuses of an active registration (at most one per person and event).
ACTIVE_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED)
#: Statuses that hold a seat in their mode.
SEAT_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED)


class CancelReason(enum.StrEnum):
    CANCELLED = "cancelled"
    DECLINED = "declined"
    EVENT_CANCELLED = "event_cancelled"


class Person(Base):
    """One email address; registrations belong to it."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalised: trimmed, domain and local part lower-cased.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Set at the first confirmation of any of the person's registrations.
    verified_at: Mapped[datetime | None]
    language: Mapped[str] = mapped_column(String(5), default="de")
    #: Secret of the personal calendar feed; replacing it revokes the old feed URL.
    feed_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registrations: Mapped[list[Registration]] = relationship(back_populates="person")


class PersonalData:
    """The personal and consent columns a registration and a series registration share.

    One shape, so that one anonymiser (``services.privacy``) serves the retention purge
    of both, and so that a series date copies them in one call (:meth:`copy_personal_from`).
    The email lives on :class:`Person`; what is here belongs to this one sign-up.
    """

    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    organization: Mapped[str] = mapped_column(String(200), default="")
    #: Question key → answer; answers to sensitive questions need ``sensitive_consent_at``.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Language of the mails about this sign-up.
    locale: Mapped[str] = mapped_column(String(5), default="de")
    privacy_consent_version: Mapped[str] = mapped_column(String(40), default="")
    privacy_consent_at: Mapped[datetime | None]
    sensitive_consent_at: Mapped[datetime | None]
    #: Set when the personal data above was anonymised (retention purge); the row stays for the figures.
    anonymised_at: Mapped[datetime | None]

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def copy_personal_from(self, other: PersonalData) -> None:
        """Take over the person, names, organization, language and privacy consent of ``other``.

        Answers (and their sensitive consent) stay behind: they belong to one event's
        questions, and a copy that does not need them should not multiply personal data.
        """
        for name in PERSONAL_FIELDS:
            setattr(self, name, getattr(other, name))


#: The columns of :class:`PersonalData` that :meth:`PersonalData.copy_personal_from` carries over.
PERSONAL_FIELDS = (
    "person_id",
    "given_name",
    "family_name",
    "organization",
    "locale",
    "privacy_consent_version",
    "privacy_consent_at",
)


#: The predicate of the partial unique index (an ON CONFLICT target must repeat it literally).
ACTIVE_SQL = "status IN ('pending', 'waitlisted', 'confirmed')"


class Registration(PersonalData, Base):
    """One person for one event, in one mode."""

    __tablename__ = "registration"
    __table_args__ = (
        Index(
            "uq_registration_active_person",
            "event_id",
            "person_id",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
        Index("ix_registration_event_status_mode", "event_id", "status", "mode"),
        #: The organizer's list of an event's registrations, in its order (services.roster).
        Index("ix_registration_event_names", "event_id", "family_name", "given_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    series_registration_id: Mapped[int | None] = mapped_column(ForeignKey("series_registration.id"), index=True)
    #: The mode that holds (or is waited for, when waitlisted) the seat.
    mode: Mapped[Mode] = mapped_column(_enum(Mode, "mode"))
    #: A confirmed registration may wait for the other mode.
    waiting_for: Mapped[Mode | None] = mapped_column(_enum(Mode, "mode"))
    #: Queue position: earlier waits first.
    waiting_since: Mapped[datetime | None]
    status: Mapped[RegistrationStatus] = mapped_column(
        _enum(RegistrationStatus, "registration_status"), default=RegistrationStatus.PENDING
    )
    cancel_reason: Mapped[CancelReason | None] = mapped_column(_enum(CancelReason, "cancel_reason"))
    email_confirmed_at: Mapped[datetime | None]
    #: Pending and unconfirmed waiting registrations expire at this time.
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    manage_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    #: Random id printed (signed) into the QR ticket; set when a seat is confirmed.
    ticket_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    #: Raised when a ticket is re-issued; lower serials are revoked.
    ticket_serial: Mapped[int] = mapped_column(Integer, default=0)
    #: Secret of the personal join link ``/j/<token>``; given with the seat (like the ticket)
    #: and replaced with it, so a re-issued ticket revokes the old link too. It works only
    #: while the registration is confirmed in mode online (:attr:`joins_online`).
    join_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Changes of this registration that matter to calendars (mode switches).
    change_count: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations")
    person: Mapped[Person] = relationship(back_populates="registrations")
    series_registration: Mapped[SeriesRegistration | None] = relationship(back_populates="registrations")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_STATUSES

    @property
    def joins_online(self) -> bool:
        """Whether the personal join link works: a confirmed seat in mode online (DESIGN §3 "Privacy")."""
        return self.status is RegistrationStatus.CONFIRMED and self.mode is Mode.ONLINE and bool(self.join_token)


class SeriesRegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


_SERIES_ACTIVE_SQL = "status IN ('pending', 'active')"


class SeriesRegistration(PersonalData, Base):
    """One person for a whole series; creates the registration for each date."""

    __tablename__ = "series_registration"
    __table_args__ = (
        Index(
            "uq_series_registration_active_person",
            "series_id",
            "person_id",
            unique=True,
            sqlite_where=text(_SERIES_ACTIVE_SQL),
            postgresql_where=text(_SERIES_ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), index=True)
    mode: Mapped[Mode] = mapped_column(_enum(Mode, "mode"))
    status: Mapped[SeriesRegistrationStatus] = mapped_column(
        _enum(SeriesRegistrationStatus, "series_registration_status"), default=SeriesRegistrationStatus.PENDING
    )
    manage_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    email_confirmed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    series: Mapped[Series] = relationship()
    person: Mapped[Person] = relationship()
    registrations: Mapped[list[Registration]] = relationship(back_populates="series_registration")
