"""Registering, confirming, cancelling and switching (DESIGN §3–4): what a person does.

The input and its validation live in ``services.submission``, the seat rules
(lock, expiry, queue, promotion) in ``services.seats``; every function here that
decides seats starts with ``seats.prepare``, so expiry is never late.

Each change writes its audit entry (``services.audit``) in the same transaction. The
``actor`` is whoever acts: the views pass the attendee behind the manage link, the
CLI and the worker the system; left out (None), it is the person the registration
belongs to — the one acting through their own link or form.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    CancelReason,
    Event,
    Mode,
    OutboxStatus,
    Person,
    Registration,
    RegistrationStatus,
)
from eventapp.models.registration import new_token
from eventapp.services import audit, capacity, outbox, seats
from eventapp.services.audit import Actor
from eventapp.services.errors import InvalidState, LinkExpired, ModeNotOffered, NotFound
from eventapp.services.people import insert_person, insert_registration, person_for
from eventapp.services.seats import CONFIRM_WINDOW
from eventapp.services.submission import RegistrationInput, clean_input

__all__ = ["CONFIRM_WINDOW", "RegistrationInput", "clean_input", "person_for"]  # also used from here by series


@dataclass
class SubmitOutcome:
    registration: Registration
    #: False when the person already had an active registration (a link was re-sent).
    created: bool


def _person_and_active(
    session: Session, event: Event, email: str, locale: str, now: datetime
) -> tuple[Person, Registration | None]:
    """The person (created if new) and their active registration for ``event``.

    The same two statements whether or not the address is known, so neither the
    work nor its timing tells the two apart.
    """
    insert_person(session, email, locale, now=now)
    R = Registration
    person, existing = session.execute(
        select(Person, R)
        .outerjoin(R, and_(R.person_id == Person.id, R.event_id == event.id, R.status.in_(ACTIVE_STATUSES)))
        .where(Person.email == email)
    ).one()
    return person, existing


def event_for_submission(session: Session, slug: str) -> Event:
    """The public event a registration POST is for, read once and already locked.

    :func:`submit` then needs no second read of it; drafts are NotFound like unknown slugs.
    """
    event = seats.lock_event(session, slug=slug)
    if not event.is_public:
        raise NotFound(f"No public event {slug!r}.")
    return event


def submit(
    session: Session,
    event: Event,
    data: RegistrationInput,
    *,
    now: datetime,
    confirm_email: bool = True,
    consent_version: str = "",
    resend_interval: timedelta = timedelta(minutes=5),
    series_registration_id: int | None = None,
    actor: Actor | None = None,
    notify: bool = True,
    pending_hold_share: float = seats.PENDING_HOLD_SHARE,
) -> SubmitOutcome:
    """Register a person; the seat is decided here (DESIGN §3).

    An unconfirmed submission takes a free seat only while the mode's unconfirmed
    holds are below their cap (``pending_hold_share``, see ``seats.pending_cap``);
    beyond it, it waits unconfirmed in the mode that has the seat, and confirming
    promotes it at once while a seat is free. Registering again with an active
    registration re-sends its link (at most once per ``resend_interval``) and
    otherwise changes nothing, so callers can answer both cases identically.
    ``notify=False`` queues no mail for a new registration: a series registration
    tells the person about all its dates in one mail.
    """
    event, tally = seats.prepare(session, event, now=now)
    clean = clean_input(data, modes=event.modes, questions=event.questions)
    capacity.check_open(event, now=now)  # on the locked, fresh row: it may have been cancelled meanwhile
    mode, waiting_for, locale = clean.mode, clean.waiting_for, clean.locale
    person, existing = _person_and_active(session, event, clean.email, locale, now)
    # Asked of every submission, known address or not: the answer (always the same) must not
    # be told by its timing either, so both paths read and write alike (issue 6, Part 3 §8).
    mailed = outbox.recently_mailed(session, to_address=clean.email, event_id=event.id, since=now - resend_interval)
    if existing is None:
        person.language = locale

    def holdable(wanted: Mode) -> bool:
        if tally.full(event, wanted):
            return False
        return not confirm_email or seats.may_hold_unconfirmed(tally, event, wanted, pending_hold_share)

    # Decided for a repeat too (arithmetic, under the lock): its INSERT then inserts nothing.
    # Someone who would rather wait for ``waiting_for`` gets it right away when it has room.
    if waiting_for is not None and holdable(waiting_for):
        mode, waiting_for = waiting_for, None
    seat_free = holdable(mode)
    # Beyond the cap of unconfirmed holds (seats are free, but not for the unconfirmed): wait
    # in this mode, still wanting ``waiting_for``; confirming promotes at once (seats.promote).
    held_back = not seat_free and not tally.full(event, mode)
    if not seat_free and not held_back and waiting_for is not None:
        # Neither mode has room: queue for the preferred one.
        mode, waiting_for = waiting_for, None
    email_confirmed = None if confirm_email else now
    if seat_free:
        status = RegistrationStatus.CONFIRMED if email_confirmed else RegistrationStatus.PENDING
    else:
        status = RegistrationStatus.WAITLISTED
    confirmed = status is RegistrationStatus.CONFIRMED
    values = {
        "event_id": event.id,
        "person_id": person.id,
        "series_registration_id": series_registration_id,
        "given_name": clean.given_name,
        "family_name": clean.family_name,
        "organization": clean.organization,
        "mode": mode,
        "waiting_for": waiting_for,
        "waiting_since": now if (waiting_for is not None or status is RegistrationStatus.WAITLISTED) else None,
        "status": status,
        "email_confirmed_at": email_confirmed,
        "expires_at": None if email_confirmed else seats.confirm_deadline(event, now=now),
        "answers": clean.answers,
        "locale": locale,
        "privacy_consent_version": consent_version,
        "privacy_consent_at": now,
        "sensitive_consent_at": now if clean.sensitive else None,
        "confirmed_at": now if confirmed else None,
        # What seats.issue_ticket gives (always passed, so the statement has one shape).
        "ticket_id": secrets.token_urlsafe(12) if confirmed else None,
        "ticket_serial": 1 if confirmed else 0,
        "join_token": new_token() if confirmed else None,
        "created_at": now,
    }
    inserted = insert_registration(session, values)
    if inserted is None:
        _again(session, existing, mailed=mailed, now=now, actor=actor)
        return SubmitOutcome(existing, created=False)
    registration = inserted
    audit.record(
        session,
        actor or Actor.attendee(registration),
        "registration.submitted",
        registration,
        now=now,
        detail={
            "status": status.value,
            "mode": mode.value,
            **({"waiting_for": waiting_for.value} if waiting_for else {}),
        },
    )
    if not notify:
        return SubmitOutcome(registration, created=True)
    if not email_confirmed:
        outbox.mail_registrant(
            session, registration, "confirm_email", now=now, waitlisted=status is RegistrationStatus.WAITLISTED
        )
    elif status is RegistrationStatus.CONFIRMED:
        outbox.mail_registrant(session, registration, "ticket", now=now, reason="confirmed")
    else:
        outbox.mail_registrant(session, registration, "waitlisted", now=now, mode=mode.value)
    return SubmitOutcome(registration, created=True)


def _again(
    session: Session, existing: Registration | None, *, mailed: bool, now: datetime, actor: Actor | None
) -> None:
    """A repeat: re-send the link (within the resend interval: a DROPPED row) and record it
    in the history, so outbox and audit get a row each, as after a first registration."""
    if existing is None:  # cannot happen under the event's lock: the INSERT conflicted with it
        raise InvalidState()
    kind = "manage_link" if existing.email_confirmed_at else "confirm_email"
    status = OutboxStatus.DROPPED if mailed else OutboxStatus.QUEUED
    audit.record(
        session,
        actor or Actor.attendee(existing),
        "registration.resubmitted",
        existing,
        now=now,
        detail={"status": existing.status.value, "mode": existing.mode.value, "mail": status.value},
    )
    waitlisted = existing.status is RegistrationStatus.WAITLISTED
    outbox.mail_registrant(session, existing, kind, now=now, status=status, waitlisted=waitlisted)


def registration_by_token(session: Session, manage_token: str) -> Registration:
    """The registration behind a manage link; NotFound reveals nothing."""
    if not manage_token or len(manage_token) > 64:
        raise NotFound()
    registration = session.scalar(select(Registration).where(Registration.manage_token == manage_token))
    if registration is None:
        raise NotFound()
    return registration


def confirm(session: Session, registration: Registration, *, now: datetime, actor: Actor | None = None) -> Registration:
    """Confirm the email address: a pending seat becomes a ticket, a waiter joins the queue."""
    seats.prepare_event(session, registration.event, now=now)
    session.refresh(registration)
    if registration.status is RegistrationStatus.EXPIRED:
        raise LinkExpired()
    if registration.status is RegistrationStatus.CANCELLED:
        raise InvalidState()
    if registration.email_confirmed_at is not None:
        return registration  # a second click changes nothing
    registration.email_confirmed_at = now
    registration.expires_at = None
    if registration.waiting_since is not None:
        # The queue holds email-confirmed waiters only: a place in it starts now, so an
        # unconfirmed sign-up cannot reserve a position ahead of people already queuing.
        registration.waiting_since = now
    if registration.person.verified_at is None:
        registration.person.verified_at = now
    audit.record(
        session,
        actor or Actor.attendee(registration),
        "registration.confirmed",
        registration,
        now=now,
        detail={"status": "confirmed" if registration.status is RegistrationStatus.PENDING else "waitlisted"},
    )
    if registration.status is RegistrationStatus.PENDING:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        seats.issue_ticket(registration)
        session.flush()
        outbox.mail_registrant(session, registration, "ticket", now=now, reason="confirmed")
    session.flush()
    promoted = seats.promote(session, registration.event, now=now)
    if registration.status is RegistrationStatus.WAITLISTED and registration not in promoted:
        outbox.mail_registrant(session, registration, "waitlisted", now=now, mode=registration.mode.value)
    return registration


def cancel(
    session: Session,
    registration: Registration,
    *,
    now: datetime,
    reason: CancelReason = CancelReason.CANCELLED,
    notify: bool = True,
    actor: Actor | None = None,
) -> Registration:
    """Cancel (or decline) a registration and give its seat to the queue."""
    event = seats.prepare_event(session, registration.event, now=now)
    session.refresh(registration)
    if not registration.is_active:
        return registration
    previous = registration.status
    had_ticket = seats.end_registration(session, registration, reason=reason, now=now)
    action = "registration.declined" if reason is CancelReason.DECLINED else "registration.cancelled"
    detail = {"reason": reason.value, "previous_status": previous.value}
    audit.record(session, actor or Actor.attendee(registration), action, registration, now=now, detail=detail)
    if notify:
        outbox.mail_registrant(session, registration, "cancelled", now=now, reason=reason.value, had_ticket=had_ticket)
    seats.promote(session, event, now=now)
    return registration


def switch_mode(
    session: Session,
    registration: Registration,
    *,
    now: datetime,
    actor: Actor | None = None,
    target: Mode | None = None,
) -> Registration:
    """Change to the other mode of a hybrid event: move if it has room, else wait for it.

    ``target`` is the mode the person asked for (the switch form sends it): a repeated
    or concurrent request for a mode the registration already has, or already waits
    for, changes nothing — without it, two clicks would toggle back and forth.
    """
    event = seats.prepare_event(session, registration.event, now=now)
    session.refresh(registration)
    if not registration.holds_seat:
        raise InvalidState()
    if target is not None and (registration.mode is target or registration.waiting_for is target):
        return registration
    capacity.check_open(event, now=now)
    target = registration.mode.other
    if not event.offers(target):
        raise ModeNotOffered()
    if registration.waiting_for is target:
        return registration
    actor = actor or Actor.attendee(registration)
    if seats.mode_is_full(session, event, target):
        registration.waiting_for = target
        registration.waiting_since = now
        session.flush()
        audit.record(session, actor, "registration.waiting_for", registration, now=now, detail={"mode": target.value})
        if registration.email_confirmed_at is not None:
            outbox.mail_registrant(session, registration, "waiting_for", now=now, mode=target.value)
        return registration
    detail = {"from": registration.mode.value, "to": target.value}
    registration.mode = target
    registration.waiting_for = None
    registration.waiting_since = None
    audit.record(session, actor, "registration.mode_switched", registration, now=now, detail=detail)
    if registration.status is RegistrationStatus.CONFIRMED:
        registration.change_count += 1
        session.flush()
        outbox.mail_registrant(session, registration, "ticket", now=now, reason="switched")
    session.flush()
    seats.promote(session, event, now=now)
    return registration


def stop_waiting(
    session: Session, registration: Registration, *, now: datetime, actor: Actor | None = None
) -> Registration:
    """Keep the current seat and leave the other mode's queue."""
    seats.prepare_event(session, registration.event, now=now)
    session.refresh(registration)
    if registration.waiting_for is None:
        return registration
    detail = {"mode": registration.waiting_for.value}
    audit.record(
        session,
        actor or Actor.attendee(registration),
        "registration.stopped_waiting",
        registration,
        now=now,
        detail=detail,
    )
    registration.waiting_for = None
    registration.waiting_since = None
    session.flush()
    return registration


def lock_registration(session: Session, registration: Registration) -> Registration:
    """The registration's fresh row, locked until the transaction ends (``FOR UPDATE`` on
    PostgreSQL; SQLite transactions are serialised by BEGIN IMMEDIATE anyway)."""
    return session.execute(
        select(Registration)
        .where(Registration.id == registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def reissue_ticket(
    session: Session,
    registration: Registration,
    *,
    now: datetime,
    actor: Actor | None = None,
    serial: int | None = None,
) -> Registration:
    """Give a new QR ticket and join link; the old ones (lower serial, old token) are revoked.

    ``serial`` is the ticket the person saw (the form sends it): once that ticket has
    been replaced, a repeated or concurrent request changes nothing — so twenty quick
    clicks give one new ticket and one mail. The row is locked, so no raise is lost.
    """
    registration = lock_registration(session, registration)
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise InvalidState()
    if serial is not None and registration.ticket_serial != serial:
        return registration
    seats.renew_ticket(registration)
    session.flush()
    detail = {"serial": registration.ticket_serial}
    audit.record(
        session,
        actor or Actor.attendee(registration),
        "registration.ticket_reissued",
        registration,
        now=now,
        detail=detail,
    )
    outbox.mail_registrant(session, registration, "ticket", now=now, reason="reissued")
    return registration
