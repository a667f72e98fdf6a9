"""Registrations for the dates of a series (DESIGN §3): created for every upcoming date, and
for dates added later, wherever the person has no active or declined registration. The
worker runs :func:`sync_all_series` periodically."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    CancelReason,
    Event,
    Mode,
    Registration,
    RegistrationStatus,
    Series,
    SeriesRegistration,
    SeriesRegistrationStatus,
)
from eventapp.services import audit, registration
from eventapp.services.audit import Actor
from eventapp.services.errors import DomainError
from eventapp.services.registration import RegistrationInput
from eventapp.services.series.dates import date_mode, upcoming_dates


def _blocks_creation(found: Registration, series_registration: SeriesRegistration) -> bool:
    """Whether an existing registration means the series must not create one for its date."""
    if found.status in ACTIVE_STATUSES:
        return True
    if found.status is RegistrationStatus.CANCELLED:
        if found.cancel_reason is CancelReason.DECLINED:
            return True
        # Made by this series and cancelled by the person on the date's own page: a decline too.
        return (
            found.series_registration_id == series_registration.id
            and found.cancel_reason is not CancelReason.EVENT_CANCELLED
        )
    return False


def date_input(series_registration: SeriesRegistration, event: Event, mode: Mode) -> RegistrationInput:
    """What the series registration submits for one date: its person and the answers this date asks."""
    keys = {question.key for question in event.questions}
    return RegistrationInput(
        given_name=series_registration.given_name,
        family_name=series_registration.family_name,
        email=series_registration.person.email,
        organization=series_registration.organization,
        mode=mode.value,
        answers={key: value for key, value in (series_registration.answers or {}).items() if key in keys},
        privacy_consent=True,
        sensitive_consent=series_registration.sensitive_consent_at is not None,
        locale=series_registration.locale,
    )


def sync_person(
    session: Session,
    series_registration: SeriesRegistration,
    *,
    now: datetime,
    actor: Actor = audit.SYSTEM,
    notify: bool = True,
) -> list[Registration]:
    """Create the person's registration for each upcoming date that lacks one (DESIGN §3).

    ``actor`` is the person when their confirmation starts it, else the system (the worker).

    Dates that do not take registrations (not open yet, closed, a mode not offered)
    are skipped and picked up by a later sync; the registration service decides seat
    or waiting list for each date and, with ``notify``, sends that date's mail (a date
    added later). Activation passes ``notify=False``: its one overview mail covers all dates.
    """
    if series_registration.status is not SeriesRegistrationStatus.ACTIVE:
        return []
    series = series_registration.series
    dates = upcoming_dates(session, series, now=now)
    if not dates:
        return []
    person = series_registration.person
    existing: dict[int, list[Registration]] = {}
    for found in session.scalars(
        select(Registration).where(
            Registration.person_id == person.id, Registration.event_id.in_([event.id for event in dates])
        )
    ):
        existing.setdefault(found.event_id, []).append(found)
    created: list[Registration] = []
    for event in dates:
        if any(_blocks_creation(found, series_registration) for found in existing.get(event.id, [])):
            continue
        mode = date_mode(event, series_registration.mode)
        if mode is None:
            continue
        data = date_input(series_registration, event, mode)
        try:
            with session.begin_nested():
                outcome = registration.submit(
                    session,
                    event,
                    data,
                    now=now,
                    confirm_email=False,
                    consent_version=series_registration.privacy_consent_version,
                    series_registration_id=series_registration.id,
                    actor=actor,
                    notify=notify,
                )
        except DomainError:
            continue  # this date does not take registrations now (or not these answers)
        if outcome.created:
            created.append(outcome.registration)
    return created


def sync_series_registrations(session: Session, series: Series, *, now: datetime) -> list[Registration]:
    """Bring every active series registration of ``series`` up to date; call it when a
    date is added (or published) and periodically (dates whose registration opens later)."""
    created: list[Registration] = []
    for series_registration in session.scalars(
        select(SeriesRegistration)
        .where(
            SeriesRegistration.series_id == series.id,
            SeriesRegistration.status == SeriesRegistrationStatus.ACTIVE,
        )
        .order_by(SeriesRegistration.email_confirmed_at, SeriesRegistration.id)
    ):
        created.extend(sync_person(session, series_registration, now=now))
    return created


def sync_all_series(session: Session, *, now: datetime) -> int:
    """The worker's job: expire overdue unconfirmed series registrations, then sync every series
    that has active ones. Returns the number of registrations created."""
    expire_series_registrations(session, now=now)
    series_ids = session.scalars(
        select(SeriesRegistration.series_id)
        .where(SeriesRegistration.status == SeriesRegistrationStatus.ACTIVE)
        .distinct()
    ).all()
    created = 0
    for series_id in series_ids:
        created += len(sync_series_registrations(session, session.get_one(Series, series_id), now=now))
    return created


def expire_series_registrations(session: Session, *, now: datetime) -> int:
    """Unconfirmed series registrations past their 24 hours become expired."""
    overdue = session.scalars(
        select(SeriesRegistration).where(
            SeriesRegistration.status == SeriesRegistrationStatus.PENDING,
            SeriesRegistration.expires_at <= now,
        )
    ).all()
    for series_registration in overdue:
        series_registration.status = SeriesRegistrationStatus.EXPIRED
        audit.record(session, audit.SYSTEM, "series_registration.expired", series_registration, now=now)
    session.flush()
    return len(overdue)
