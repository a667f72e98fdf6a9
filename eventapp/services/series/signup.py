"""Taking a series registration: submit, confirm by email, activate (which registers for the dates)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eventapp.models import (
    Mode,
    OutboxMessage,
    Person,
    Series,
    SeriesRegistration,
    SeriesRegistrationStatus,
)
from eventapp.services import audit, outbox, registration
from eventapp.services.audit import Actor
from eventapp.services.errors import (
    InvalidState,
    LinkExpired,
    RegistrationClosed,
)
from eventapp.services.registration import (
    CONFIRM_WINDOW,
    RegistrationInput,
)
from eventapp.services.series.dates import upcoming_dates
from eventapp.services.series.sync import sync_person

SERIES_ACTIVE = (SeriesRegistrationStatus.PENDING, SeriesRegistrationStatus.ACTIVE)


@dataclass
class SeriesOutcome:
    series_registration: SeriesRegistration
    #: False when the person already had a pending or active series registration (a link was re-sent).
    created: bool


def _live(session: Session, series: Series, person: Person, *, now: datetime) -> SeriesRegistration | None:
    """The person's pending or active series registration; an overdue pending one is expired on the way."""
    found = session.scalar(
        select(SeriesRegistration).where(
            SeriesRegistration.series_id == series.id,
            SeriesRegistration.person_id == person.id,
            SeriesRegistration.status.in_(SERIES_ACTIVE),
        )
    )
    if found is not None and _overdue(found, now):
        found.status = SeriesRegistrationStatus.EXPIRED
        session.flush()
        return None
    return found


def _overdue(series_registration: SeriesRegistration, now: datetime) -> bool:
    return (
        series_registration.status is SeriesRegistrationStatus.PENDING
        and series_registration.expires_at is not None
        and series_registration.expires_at <= now
    )


def _mail(
    session: Session, series_registration: SeriesRegistration, kind: str, *, now: datetime, **context: Any
) -> OutboxMessage:
    return outbox.enqueue(
        session,
        kind,
        to_address=series_registration.person.email,
        now=now,
        locale=series_registration.locale,
        series_registration_id=series_registration.id,
        context=context,
    )


def submit_series(
    session: Session,
    series: Series,
    data: RegistrationInput,
    *,
    now: datetime,
    confirm_email: bool = True,
    consent_version: str = "",
    resend_interval: timedelta = timedelta(minutes=5),
    actor: Actor | None = None,
) -> SeriesOutcome:
    """Register a person for a whole series; one confirmation mail covers every date.

    Validation follows the event form (names, email, mode, the questions of the
    next date, consents). Registering again re-sends the link (at most once per
    ``resend_interval``) and otherwise changes nothing, so callers answer alike.
    Without ``confirm_email`` the series registration is active at once.
    """
    dates = upcoming_dates(session, series, now=now)
    if not dates:
        raise RegistrationClosed("The series has no upcoming dates.")
    offered = tuple(mode for mode in Mode if any(event.offers(mode) for event in dates))
    # The series form asks the questions of its next date; waiting_for does not apply.
    clean = registration.clean_input(replace(data, waiting_for=None), modes=offered, questions=dates[0].questions)
    email, locale = clean.email, clean.locale

    person = registration.person_for(session, email, locale, now=now)
    existing = _live(session, series, person, now=now)
    if existing is not None:
        since = now - resend_interval
        if not outbox.recently_mailed(
            session, to_address=email, event_id=None, since=since, series_registration_id=existing.id
        ):
            pending = existing.status is SeriesRegistrationStatus.PENDING
            _mail(session, existing, "series_confirm_email" if pending else "series_manage_link", now=now)
        return SeriesOutcome(existing, created=False)

    person.language = locale
    series_registration = SeriesRegistration(
        series_id=series.id,
        person=person,
        given_name=clean.given_name,
        family_name=clean.family_name,
        organization=clean.organization,
        mode=clean.mode,
        status=SeriesRegistrationStatus.PENDING,
        expires_at=now + CONFIRM_WINDOW,
        answers=clean.answers,
        locale=locale,
        privacy_consent_version=consent_version,
        privacy_consent_at=now,
        sensitive_consent_at=now if clean.sensitive else None,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(series_registration)
    except IntegrityError:
        # The same person registered for the series concurrently: answer like a repeat.
        existing = _live(session, series, person, now=now)
        if existing is None:
            raise
        return SeriesOutcome(existing, created=False)
    actor = actor or Actor.attendee(series_registration)
    audit.record(session, actor, "series_registration.submitted", series_registration, now=now)
    if confirm_email:
        _mail(session, series_registration, "series_confirm_email", now=now)
    else:
        activate(session, series_registration, now=now, actor=actor)
    return SeriesOutcome(series_registration, created=True)


def confirm_series(
    session: Session, series_registration: SeriesRegistration, *, now: datetime, actor: Actor | None = None
) -> SeriesRegistration:
    """Confirm the email address (the button behind the confirmation link).

    Refused after 24 hours (LinkExpired) and for a cancelled series registration
    (InvalidState); a second click changes nothing.
    """
    if series_registration.status is SeriesRegistrationStatus.ACTIVE:
        return series_registration
    if series_registration.status is SeriesRegistrationStatus.CANCELLED:
        raise InvalidState()
    if series_registration.status is SeriesRegistrationStatus.EXPIRED or _overdue(series_registration, now):
        raise LinkExpired()
    return activate(session, series_registration, now=now, actor=actor)


def activate(
    session: Session, series_registration: SeriesRegistration, *, now: datetime, actor: Actor | None = None
) -> SeriesRegistration:
    """Mark the email confirmed, register for every upcoming date and send ONE mail about them all.

    The dates' own ticket mails are not sent: seven mails at once told the same thing
    seven times. The overview lists every date with its state and carries the person's
    confirmed dates as one calendar file (METHOD:PUBLISH) plus their feed to subscribe;
    later changes to one date (promotion, update, a date added) get that date's own mail.
    """
    actor = actor or Actor.attendee(series_registration)
    series_registration.status = SeriesRegistrationStatus.ACTIVE
    series_registration.email_confirmed_at = now
    series_registration.expires_at = None
    if series_registration.person.verified_at is None:
        series_registration.person.verified_at = now
    session.flush()
    audit.record(session, actor, "series_registration.confirmed", series_registration, now=now)
    sync_person(session, series_registration, now=now, actor=actor, notify=False)
    # Rendered at delivery from the dates' state then, so it shows what the sync decided.
    _mail(session, series_registration, "series_confirmed", now=now)
    return series_registration
