"""Series registrations (DESIGN §2–3): one sign-up for every date of a series.

A series registration is confirmed once by email; from then on the person gets a
registration for every upcoming date and for dates added later — created through
the registration service with the email already confirmed, so each date's seat,
waiting list and ticket mail follow that date's own rules. A date the person
declines ("diesmal nicht") is cancelled with reason ``declined`` and is never
created again; neither is a series-made registration the person cancelled from
that date's own manage page (it counts as declined).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from eventapp.models import (
    ACTIVE_STATUSES,
    CancelReason,
    Event,
    EventStatus,
    Mode,
    OutboxMessage,
    Person,
    Registration,
    RegistrationStatus,
    Series,
    SeriesRegistration,
    SeriesRegistrationStatus,
)
from eventapp.services import outbox, registration
from eventapp.services.errors import (
    DomainError,
    InvalidState,
    LinkExpired,
    NotFound,
    RegistrationClosed,
)
from eventapp.services.registration import (
    CONFIRM_WINDOW,
    RegistrationInput,
)

#: Statuses of a date the public sees (drafts are the organizer's business).
PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)
SERIES_ACTIVE = (SeriesRegistrationStatus.PENDING, SeriesRegistrationStatus.ACTIVE)


@dataclass
class SeriesOutcome:
    series_registration: SeriesRegistration
    #: False when the person already had a pending or active series registration (a link was re-sent).
    created: bool


@dataclass
class DateEntry:
    """One date of a series as the person's series manage page shows it."""

    event: Event
    #: The person's registration that decides the state (the active one, else the latest).
    registration: Registration | None
    #: "confirmed", "pending", "waitlisted", "declined", "cancelled", "event_cancelled",
    #: "not_registered" (not open, closed or full of rules) or "past".
    state: str
    #: Whether "diesmal nicht" is offered.
    can_decline: bool


# --- look-ups ----------------------------------------------------------------------------------------


def series_by_slug(session: Session, slug: str) -> Series:
    """The series with this slug; NotFound otherwise."""
    found = session.scalar(select(Series).where(Series.slug == slug)) if slug else None
    if found is None:
        raise NotFound("No such series.")
    return found


def series_dates(session: Session, series: Series, *, since: datetime | None = None) -> list[Event]:
    """The public dates of a series in start order (from ``since`` on, if given)."""
    query = (
        select(Event)
        .where(Event.series_id == series.id, Event.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Event.organization), selectinload(Event.questions))
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


# --- submitting ----------------------------------------------------------------------------------------


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
    if confirm_email:
        _mail(session, series_registration, "series_confirm_email", now=now)
    else:
        activate(session, series_registration, now=now)
    return SeriesOutcome(series_registration, created=True)


def confirm_series(session: Session, series_registration: SeriesRegistration, *, now: datetime) -> SeriesRegistration:
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
    return activate(session, series_registration, now=now)


def activate(session: Session, series_registration: SeriesRegistration, *, now: datetime) -> SeriesRegistration:
    """Mark the email confirmed, send the overview and register for every upcoming date."""
    series_registration.status = SeriesRegistrationStatus.ACTIVE
    series_registration.email_confirmed_at = now
    series_registration.expires_at = None
    if series_registration.person.verified_at is None:
        series_registration.person.verified_at = now
    session.flush()
    # The overview goes first; each date's ticket (or waiting-list) mail follows from the registration service.
    _mail(session, series_registration, "series_confirmed", now=now)
    sync_person(session, series_registration, now=now)
    return series_registration


# --- registrations for the dates ---------------------------------------------------------------------


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


def _date_mode(event: Event, wanted: Mode) -> Mode | None:
    if event.offers(wanted):
        return wanted
    return event.modes[0] if len(event.modes) == 1 else None


def sync_person(session: Session, series_registration: SeriesRegistration, *, now: datetime) -> list[Registration]:
    """Create the person's registration for each upcoming date that lacks one (DESIGN §3).

    Dates that do not take registrations (not open yet, closed, a mode not offered)
    are skipped and picked up by a later sync; the registration service decides seat
    or waiting list for each date and sends that date's mail.
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
        mode = _date_mode(event, series_registration.mode)
        if mode is None:
            continue
        keys = {question.key for question in event.questions}
        data = RegistrationInput(
            given_name=series_registration.given_name,
            family_name=series_registration.family_name,
            email=person.email,
            organization=series_registration.organization,
            mode=mode.value,
            answers={key: value for key, value in (series_registration.answers or {}).items() if key in keys},
            privacy_consent=True,
            sensitive_consent=series_registration.sensitive_consent_at is not None,
            locale=series_registration.locale,
        )
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
    session.flush()
    return len(overdue)


# --- the series manage page --------------------------------------------------------------------------


def _person_registrations(session: Session, person_id: int, event_ids: list[int]) -> dict[int, list[Registration]]:
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


def date_overview(
    session: Session, series_registration: SeriesRegistration, *, now: datetime, past_days: int = 30
) -> list[DateEntry]:
    """Every public date of the series (recent past included) with the person's state on it."""
    dates = series_dates(session, series_registration.series, since=now - timedelta(days=past_days))
    by_event = _person_registrations(session, series_registration.person_id, [event.id for event in dates])
    entries: list[DateEntry] = []
    for event in dates:
        regs = by_event.get(event.id, [])
        active = next((reg for reg in regs if reg.status in ACTIVE_STATUSES), None)
        shown = active or (regs[-1] if regs else None)
        upcoming = event.starts_at > now
        if event.status is EventStatus.CANCELLED:
            state = "event_cancelled"
        elif shown is not None and shown.status in ACTIVE_STATUSES:
            state = shown.status.value
        elif shown is not None and shown.status is RegistrationStatus.CANCELLED:
            # A series date cancelled on its own page counts as declined, unless the whole series was left.
            left = series_registration.status is SeriesRegistrationStatus.CANCELLED
            declined = shown.cancel_reason is CancelReason.DECLINED or (
                shown.series_registration_id == series_registration.id and not left
            )
            state = "declined" if declined else "cancelled"
        elif not upcoming:
            state = "past"
        else:
            state = "not_registered"
        can_decline = (
            upcoming
            and event.status is EventStatus.PUBLISHED
            and series_registration.status is SeriesRegistrationStatus.ACTIVE
            and state in ("confirmed", "pending", "waitlisted", "not_registered")
        )
        entries.append(DateEntry(event=event, registration=shown, state=state, can_decline=can_decline))
    return entries


def date_of_series(session: Session, series_registration: SeriesRegistration, slug: str) -> Event:
    """A public date of the person's series by slug; NotFound for anything else."""
    event = session.scalar(
        select(Event).where(
            Event.slug == slug,
            Event.series_id == series_registration.series_id,
            Event.status.in_(PUBLIC_STATUSES),
        )
    )
    if event is None:
        raise NotFound()
    return event


def decline_date(
    session: Session, series_registration: SeriesRegistration, event: Event, *, now: datetime
) -> Registration:
    """ "Diesmal nicht": cancel this one date with reason ``declined`` (its seat goes to that
    date's queue, the person gets a CANCEL for this date only); the series never re-creates it.

    A date without a registration yet (not open) gets a declined marker, so a later sync
    skips it too. Declining again changes nothing.
    """
    if event.series_id != series_registration.series_id:
        raise NotFound()
    if series_registration.status is not SeriesRegistrationStatus.ACTIVE:
        raise InvalidState()
    if event.starts_at <= now or event.status is not EventStatus.PUBLISHED:
        raise InvalidState()
    regs = _person_registrations(session, series_registration.person_id, [event.id]).get(event.id, [])
    active = next((reg for reg in regs if reg.status in ACTIVE_STATUSES), None)
    if active is not None:
        return registration.cancel(session, active, now=now, reason=CancelReason.DECLINED)
    declined = next((reg for reg in regs if reg.cancel_reason is CancelReason.DECLINED), None)
    if declined is not None:
        return declined
    # Nothing to cancel yet: remember the decline (a cancelled row holds no seat and sends no mail).
    marker = Registration(
        event_id=event.id,
        person_id=series_registration.person_id,
        series_registration_id=series_registration.id,
        given_name=series_registration.given_name,
        family_name=series_registration.family_name,
        organization=series_registration.organization,
        mode=_date_mode(event, series_registration.mode) or event.modes[0],
        status=RegistrationStatus.CANCELLED,
        cancel_reason=CancelReason.DECLINED,
        cancelled_at=now,
        email_confirmed_at=series_registration.email_confirmed_at,
        locale=series_registration.locale,
        privacy_consent_version=series_registration.privacy_consent_version,
        privacy_consent_at=series_registration.privacy_consent_at,
        created_at=now,
    )
    session.add(marker)
    session.flush()
    return marker


def cancel_series(session: Session, series_registration: SeriesRegistration, *, now: datetime) -> SeriesRegistration:
    """Leave the whole series: no more dates are created, and the person's registrations for
    the upcoming dates are cancelled (each with its cancellation mail and calendar CANCEL)."""
    if series_registration.status in (SeriesRegistrationStatus.CANCELLED, SeriesRegistrationStatus.EXPIRED):
        return series_registration
    was_active = series_registration.status is SeriesRegistrationStatus.ACTIVE
    series_registration.status = SeriesRegistrationStatus.CANCELLED
    series_registration.cancelled_at = now
    series_registration.expires_at = None
    session.flush()
    if not was_active:
        return series_registration
    dates = upcoming_dates(session, series_registration.series, now=now)
    by_event = _person_registrations(session, series_registration.person_id, [event.id for event in dates])
    for event in dates:
        for reg in by_event.get(event.id, []):
            if reg.status in ACTIVE_STATUSES:
                registration.cancel(session, reg, now=now, reason=CancelReason.CANCELLED)
    return series_registration
