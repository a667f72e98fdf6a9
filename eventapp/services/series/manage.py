"""The person's series manage page: every date with their state on it, declining one date, leaving the series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    CancelReason,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    SeriesRegistration,
    SeriesRegistrationStatus,
)
from eventapp.services import audit, registration
from eventapp.services.audit import Actor
from eventapp.services.errors import (
    InvalidState,
    NotFound,
)
from eventapp.services.series.dates import date_mode, person_registrations, series_dates, upcoming_dates
from eventapp.services.series.sync import date_input


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
    #: Whether a declined date can be joined again ("doch teilnehmen").
    can_rejoin: bool = False


def date_overview(
    session: Session, series_registration: SeriesRegistration, *, now: datetime, past_days: int = 30
) -> list[DateEntry]:
    """Every public date of the series (recent past included) with the person's state on it."""
    dates = series_dates(session, series_registration.series, since=now - timedelta(days=past_days))
    by_event = person_registrations(session, series_registration.person_id, [event.id for event in dates])
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
        elif series_registration.status is SeriesRegistrationStatus.PENDING:
            # Not "registration not open": the dates wait for the person's email confirmation.
            state = "pending"
        else:
            state = "not_registered"
        can_decline = (
            upcoming
            and event.status is EventStatus.PUBLISHED
            and series_registration.status is SeriesRegistrationStatus.ACTIVE
            and state in ("confirmed", "pending", "waitlisted", "not_registered")
        )
        can_rejoin = (
            state == "declined"
            and upcoming
            and event.status is EventStatus.PUBLISHED
            and series_registration.status is SeriesRegistrationStatus.ACTIVE
            and (event.registration_closes_at is None or now < event.registration_closes_at)
        )
        entries.append(
            DateEntry(event=event, registration=shown, state=state, can_decline=can_decline, can_rejoin=can_rejoin)
        )
    return entries


def _changeable_date(
    session: Session, series_registration: SeriesRegistration, event: Event, *, now: datetime
) -> tuple[list[Registration], Registration | None]:
    """The person's registrations for one upcoming date of their active series, and the active one.

    Declining and re-joining both need this: NotFound for a date of another series,
    InvalidState for a series registration that is not active or a date that is past
    or not published.
    """
    if event.series_id != series_registration.series_id:
        raise NotFound()
    if series_registration.status is not SeriesRegistrationStatus.ACTIVE:
        raise InvalidState()
    if event.starts_at <= now or event.status is not EventStatus.PUBLISHED:
        raise InvalidState()
    regs = person_registrations(session, series_registration.person_id, [event.id]).get(event.id, [])
    return regs, next((reg for reg in regs if reg.status in ACTIVE_STATUSES), None)


def decline_date(
    session: Session,
    series_registration: SeriesRegistration,
    event: Event,
    *,
    now: datetime,
    actor: Actor | None = None,
) -> Registration:
    """ "Diesmal nicht": cancel this one date with reason ``declined`` (its seat goes to that
    date's queue, the person gets a CANCEL for this date only); the series never re-creates it.

    A date without a registration yet (not open) gets a declined marker, so a later sync
    skips it too. Declining again changes nothing.
    """
    actor = actor or Actor.attendee(series_registration)
    regs, active = _changeable_date(session, series_registration, event, now=now)
    if active is not None:
        return registration.cancel(session, active, now=now, reason=CancelReason.DECLINED, actor=actor)
    declined = next((reg for reg in regs if reg.cancel_reason is CancelReason.DECLINED), None)
    if declined is not None:
        return declined
    # Nothing to cancel yet: remember the decline (a cancelled row holds no seat and sends no mail).
    marker = Registration(
        event_id=event.id,
        series_registration_id=series_registration.id,
        mode=date_mode(event, series_registration.mode) or event.modes[0],
        status=RegistrationStatus.CANCELLED,
        cancel_reason=CancelReason.DECLINED,
        cancelled_at=now,
        email_confirmed_at=series_registration.email_confirmed_at,
        created_at=now,
    )
    marker.copy_personal_from(series_registration)
    session.add(marker)
    session.flush()
    audit.record(session, actor, "registration.declined", marker, now=now, detail={"reason": "declined"})
    return marker


def cancel_series(
    session: Session, series_registration: SeriesRegistration, *, now: datetime, actor: Actor | None = None
) -> SeriesRegistration:
    """Leave the whole series: no more dates are created, and the person's registrations for
    the upcoming dates are cancelled (each with its cancellation mail and calendar CANCEL)."""
    if series_registration.status in (SeriesRegistrationStatus.CANCELLED, SeriesRegistrationStatus.EXPIRED):
        return series_registration
    was_active = series_registration.status is SeriesRegistrationStatus.ACTIVE
    series_registration.status = SeriesRegistrationStatus.CANCELLED
    series_registration.cancelled_at = now
    series_registration.expires_at = None
    session.flush()
    actor = actor or Actor.attendee(series_registration)
    audit.record(session, actor, "series_registration.cancelled", series_registration, now=now)
    if not was_active:
        return series_registration
    dates = upcoming_dates(session, series_registration.series, now=now)
    by_event = person_registrations(session, series_registration.person_id, [event.id for event in dates])
    for event in dates:
        for reg in by_event.get(event.id, []):
            if reg.status in ACTIVE_STATUSES:
                registration.cancel(session, reg, now=now, reason=CancelReason.CANCELLED, actor=actor)
    return series_registration


def _is_marker(found: Registration) -> bool:
    """A decline remembered for a date that took no registrations yet: it never held a seat or a place."""
    return (
        found.status is RegistrationStatus.CANCELLED
        and found.cancel_reason is CancelReason.DECLINED
        and found.ticket_id is None
        and found.confirmed_at is None
        and found.waiting_since is None
    )


def rejoin_date(
    session: Session,
    series_registration: SeriesRegistration,
    event: Event,
    *,
    now: datetime,
    actor: Actor | None = None,
) -> Registration | None:
    """Undo "diesmal nicht": register the person for this date again, through the seat rules.

    The date's registration service decides seat or waiting list and sends that date's
    mail (a ticket with METHOD:REQUEST, its SEQUENCE above the earlier CANCEL). For a
    date that takes no registrations yet, the remembered decline is dropped, so the
    series registers the person when it opens (returns None). Joining a date the person
    already holds changes nothing. Raises InvalidState for dates that are past, cancelled
    or of a series registration that is not active, and the registration service's
    errors (e.g. RegistrationClosed) for a date that no longer takes registrations.
    """
    actor = actor or Actor.attendee(series_registration)
    regs, active = _changeable_date(session, series_registration, event, now=now)
    if active is not None:
        return active
    mode = date_mode(event, series_registration.mode)
    if mode is None:
        raise InvalidState()
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        markers = [reg for reg in regs if _is_marker(reg)]
        if len(markers) != len(regs):
            raise InvalidState()
        for marker in markers:
            session.delete(marker)
        session.flush()
        audit.record(
            session,
            actor,
            "series_registration.date_rejoined",
            series_registration,
            now=now,
            detail={"event": event.slug},
        )
        return None
    outcome = registration.submit(
        session,
        event,
        date_input(series_registration, event, mode),
        now=now,
        confirm_email=False,
        consent_version=series_registration.privacy_consent_version,
        series_registration_id=series_registration.id,
        actor=actor,
    )
    audit.record(
        session,
        actor,
        "registration.rejoined",
        outcome.registration,
        now=now,
        detail={"status": outcome.registration.status.value},
    )
    return outcome.registration
