"""Registration, seats and waiting lists (DESIGN §3–4): the one place these rules live.

Every function that decides seats of an event first locks the event, expires its
overdue registrations and promotes waiters (``_prepare``), so expiry is never late.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    CancelReason,
    Event,
    EventStatus,
    Mode,
    Person,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from eventapp.services import outbox
from eventapp.services.errors import (
    EventCancelled,
    InvalidState,
    LinkExpired,
    ModeNotOffered,
    NotFound,
    RegistrationClosed,
    RegistrationNotOpen,
    ValidationError,
)

#: Maximum lengths shared by the HTML form and the JSON schema.
MAX_NAME = 100
MAX_ORGANIZATION = 200
MAX_EMAIL = 254
MAX_ANSWER = 1000
#: How long a pending seat (or an unconfirmed waiter) waits for the email confirmation.
CONFIRM_WINDOW = timedelta(hours=24)
LOCALES = ("de", "en")


@dataclass
class RegistrationInput:
    """What a person submits, from the form or the JSON API."""

    given_name: str
    family_name: str
    email: str
    organization: str = ""
    #: Required for hybrid events; defaults to the only mode otherwise.
    mode: str | None = None
    #: The other mode, to wait for while holding a seat in ``mode`` (hybrid only).
    waiting_for: str | None = None
    #: Question key → answer (str for text/choice, bool for checkbox).
    answers: dict[str, Any] = field(default_factory=dict)
    privacy_consent: bool = False
    sensitive_consent: bool = False
    locale: str = "de"


@dataclass
class SubmitOutcome:
    registration: Registration
    #: False when the person already had an active registration (a link was re-sent).
    created: bool


@dataclass
class ModeAvailability:
    mode: Mode
    capacity: int | None
    #: Seats held by pending or confirmed registrations.
    taken: int
    #: Email-confirmed registrations waiting for this mode.
    waiting: int

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)

    @property
    def full(self) -> bool:
        """A new submission would wait: no seat, or someone is already waiting."""
        return self.waiting > 0 or (self.capacity is not None and self.taken >= self.capacity)


@dataclass
class Availability:
    #: "open", "waitlist" (every offered mode full), "not_yet_open", "closed", "cancelled".
    state: str
    modes: dict[Mode, ModeAvailability]


def normalize_email(raw: str) -> str:
    """Validate and normalise an address; persons are keyed on the result (case-insensitive)."""
    value = (raw or "").strip()
    if not value:
        raise ValidationError("Email is required.", fields={"email": "required"})
    if len(value) > MAX_EMAIL:
        raise ValidationError("Email is too long.", fields={"email": "too_long"})
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError("Email is not valid.", fields={"email": "invalid"}) from exc
    return result.normalized.lower()


def _clean_text(name: str, value: Any, max_length: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text.", fields={name: "invalid"})
    value = " ".join(value.split())  # also removes CR/LF and tabs
    if required and not value:
        raise ValidationError(f"{name} is required.", fields={name: "required"})
    if len(value) > max_length:
        raise ValidationError(f"{name} is too long.", fields={name: "too_long"})
    return value


def _parse_mode(name: str, value: str | None) -> Mode | None:
    if value in (None, ""):
        return None
    try:
        return Mode(value)
    except ValueError:
        raise ValidationError(f"Unknown {name}.", fields={name: "invalid"}) from None


def _clean_answers(questions_list: Iterable[Question], answers: Any) -> tuple[dict[str, Any], bool]:
    """Check answers against the questions; returns (answers, any sensitive answered)."""
    if not isinstance(answers, dict):
        raise ValidationError("answers must be an object.", fields={"answers": "invalid"})
    questions = {q.key: q for q in questions_list}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise ValidationError("Unknown question.", fields={f"answers.{key}": "unknown" for key in unknown})
    cleaned: dict[str, Any] = {}
    sensitive = False
    errors: dict[str, str] = {}
    for key, question in questions.items():
        value = answers.get(key)
        if question.kind is QuestionKind.CHECKBOX:
            if value in (None, ""):
                value = False
            if not isinstance(value, bool):
                errors[f"answers.{key}"] = "invalid"
                continue
            given = value
        else:
            if value is None:
                value = ""
            if not isinstance(value, str):
                errors[f"answers.{key}"] = "invalid"
                continue
            value = value.strip().replace("\r\n", "\n")
            if len(value) > MAX_ANSWER:
                errors[f"answers.{key}"] = "too_long"
                continue
            if question.kind is QuestionKind.CHOICE and value and value not in {c["value"] for c in question.choices}:
                errors[f"answers.{key}"] = "invalid"
                continue
            given = bool(value)
        if question.required and not given:
            errors[f"answers.{key}"] = "required"
            continue
        if given:
            cleaned[key] = value
            sensitive = sensitive or question.sensitive
    if errors:
        raise ValidationError("Some answers are not valid.", fields=errors)
    return cleaned, sensitive


@dataclass
class CleanInput:
    """A submission after validation and normalisation."""

    given_name: str
    family_name: str
    organization: str
    email: str
    mode: Mode
    waiting_for: Mode | None
    answers: dict[str, Any]
    #: Whether a sensitive question (Art. 9 DSGVO) was answered.
    sensitive: bool
    locale: str


def clean_input(data: RegistrationInput, *, modes: Sequence[Mode], questions: Iterable[Question]) -> CleanInput:
    """Validate a submission against the offered modes and the questions.

    The one validation of the form and the API, for single events and series alike;
    raises ValidationError (with field codes) or ModeNotOffered.
    """
    given_name = _clean_text("given_name", data.given_name, MAX_NAME, required=True)
    family_name = _clean_text("family_name", data.family_name, MAX_NAME, required=True)
    organization = _clean_text("organization", data.organization, MAX_ORGANIZATION, required=False)
    email = normalize_email(data.email)
    mode = _parse_mode("mode", data.mode)
    waiting_for = _parse_mode("waiting_for", data.waiting_for)
    if mode is None:
        if len(modes) != 1:
            raise ValidationError("Choose how you take part.", fields={"mode": "required"})
        mode = modes[0]
    if mode not in modes or (waiting_for is not None and waiting_for not in modes):
        raise ModeNotOffered(fields={"mode": "not_offered"})
    if waiting_for == mode:
        waiting_for = None
    answers, sensitive = _clean_answers(questions, data.answers)
    if not data.privacy_consent:
        raise ValidationError("Consent to the privacy notice is required.", fields={"privacy_consent": "required"})
    if sensitive and not data.sensitive_consent:
        raise ValidationError(
            "Answers to sensitive questions need explicit consent.", fields={"sensitive_consent": "required"}
        )
    locale = data.locale if data.locale in LOCALES else "de"
    return CleanInput(given_name, family_name, organization, email, mode, waiting_for, answers, sensitive, locale)


def check_open(event: Event, *, now: datetime) -> None:
    """Raise unless the event takes registrations at ``now``."""
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    if event.status is not EventStatus.PUBLISHED:
        raise NotFound()
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        raise RegistrationNotOpen()
    if now >= _closes_at(event):
        raise RegistrationClosed()


def _closes_at(event: Event) -> datetime:
    ends = event.ends_at or event.starts_at
    if event.registration_closes_at is not None:
        return min(event.registration_closes_at, ends)
    return ends


def _state(event: Event, modes: dict[Mode, ModeAvailability], now: datetime) -> str:
    if event.status is EventStatus.CANCELLED:
        return "cancelled"
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        return "not_yet_open"
    if event.status is not EventStatus.PUBLISHED or now >= _closes_at(event):
        return "closed"
    if all(m.full for m in modes.values()):
        return "waitlist"
    return "open"


def seat_counts(
    session: Session, event_ids: Iterable[int], *, now: datetime
) -> dict[int, tuple[dict[Mode, int], dict[Mode, int]]]:
    """Seats taken and confirmed waiters per mode for many events, in two grouped queries.

    Pending rows past ``expires_at`` are not counted: they are expired at the next
    seat-deciding transaction anyway.
    """
    ids = list(event_ids)
    result: dict[int, tuple[dict[Mode, int], dict[Mode, int]]] = {
        event_id: (dict.fromkeys(Mode, 0), dict.fromkeys(Mode, 0)) for event_id in ids
    }
    if not ids:
        return result
    R = Registration
    held = or_(
        R.status == RegistrationStatus.CONFIRMED,
        and_(R.status == RegistrationStatus.PENDING, or_(R.expires_at.is_(None), R.expires_at > now)),
    )
    for event_id, mode, count in session.execute(
        select(R.event_id, R.mode, func.count()).where(R.event_id.in_(ids), held).group_by(R.event_id, R.mode)
    ):
        result[event_id][0][Mode(mode)] = count
    waited_mode = case((R.status == RegistrationStatus.WAITLISTED, R.mode), else_=R.waiting_for)
    for event_id, mode, count in session.execute(
        select(R.event_id, waited_mode, func.count())
        .where(R.event_id.in_(ids), R.email_confirmed_at.is_not(None), _waiting_clause())
        .group_by(R.event_id, waited_mode)
    ):
        result[event_id][1][Mode(mode)] = count
    return result


def availability_from_counts(
    event: Event, taken: dict[Mode, int], waiting: dict[Mode, int], *, now: datetime
) -> Availability:
    """The state rule, given counts (lists compute the counts for many events at once)."""
    modes = {
        mode: ModeAvailability(mode, event.capacity(mode), taken.get(mode, 0), waiting.get(mode, 0))
        for mode in event.modes
    }
    return Availability(_state(event, modes, now), modes)


def availability(session: Session, event: Event, *, now: datetime) -> Availability:
    """Seats and state of one event, for pages and the API."""
    taken, waiting = seat_counts(session, [event.id], now=now)[event.id]
    return availability_from_counts(event, taken, waiting, now=now)


def _waiting_clause() -> ColumnElement[bool]:
    R = Registration
    return or_(
        R.status == RegistrationStatus.WAITLISTED,
        and_(R.status == RegistrationStatus.CONFIRMED, R.waiting_for.is_not(None)),
    )


def _taken(session: Session, event: Event, mode: Mode) -> int:
    return session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event.id,
            Registration.mode == mode,
            Registration.status.in_(SEAT_STATUSES),
        )
    )


def _queue(session: Session, event: Event, mode: Mode) -> Select[tuple[Registration]]:
    """The waiting list for ``mode``: email-confirmed waiters, earliest first (DESIGN §3)."""
    R = Registration
    return (
        select(R)
        .where(
            R.event_id == event.id,
            R.email_confirmed_at.is_not(None),
            or_(
                and_(R.status == RegistrationStatus.WAITLISTED, R.mode == mode),
                and_(R.status == RegistrationStatus.CONFIRMED, R.waiting_for == mode),
            ),
        )
        .order_by(R.waiting_since, R.id)
    )


def queue_position(session: Session, registration: Registration) -> tuple[int, int] | None:
    """(place, queue length) of a registration in the queue it waits in, or None.

    Only email-confirmed waiters are in a queue (DESIGN §3).
    """
    if registration.status is RegistrationStatus.WAITLISTED:
        mode = registration.mode
    elif registration.status is RegistrationStatus.CONFIRMED:
        mode = registration.waiting_for
    else:
        mode = None
    if mode is None or registration.email_confirmed_at is None:
        return None
    ids = list(session.scalars(_queue(session, registration.event, mode).with_only_columns(Registration.id)))
    if registration.id not in ids:
        return None
    return ids.index(registration.id) + 1, len(ids)


def _has_free_seat(session: Session, event: Event, mode: Mode) -> bool:
    capacity = event.capacity(mode)
    return capacity is None or _taken(session, event, mode) < capacity


def _mode_is_full(session: Session, event: Event, mode: Mode) -> bool:
    """A newcomer must wait: no free seat, or an email-confirmed person already waits."""
    if session.scalar(_queue(session, event, mode).limit(1)) is not None:
        return True
    return not _has_free_seat(session, event, mode)


def _lock_event(session: Session, event: Event) -> Event:
    """Serialise seat decisions per event: a row lock on PostgreSQL; on SQLite every
    transaction already starts with BEGIN IMMEDIATE (eventapp.database)."""
    return session.execute(
        select(Event).where(Event.id == event.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _issue_ticket(registration: Registration) -> None:
    if registration.ticket_id is None:
        registration.ticket_id = secrets.token_urlsafe(12)
        registration.ticket_serial = 1


def _expire_overdue(session: Session, event: Event, *, now: datetime) -> int:
    R = Registration
    overdue = session.scalars(
        select(R).where(
            R.event_id == event.id,
            R.status.in_((RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED)),
            R.email_confirmed_at.is_(None),
            R.expires_at <= now,
        )
    ).all()
    for registration in overdue:
        # No mail: the address was never confirmed, and the confirmation mail promised silence.
        registration.status = RegistrationStatus.EXPIRED
        registration.waiting_for = None
    session.flush()
    return len(overdue)


def promote(session: Session, event: Event, *, now: datetime) -> list[Registration]:
    """Give freed seats to the heads of the queues, in the caller's transaction.

    A cross-mode waiter moves over and frees its old seat, which promotes in turn,
    so this loops until no mode can move anyone.
    """
    promoted: list[Registration] = []
    moved = True
    while moved:
        moved = False
        for mode in event.modes:
            while _has_free_seat(session, event, mode):
                head = session.scalar(_queue(session, event, mode).limit(1))
                if head is None:
                    break
                if head.status is RegistrationStatus.WAITLISTED:
                    head.status = RegistrationStatus.CONFIRMED
                    head.confirmed_at = now
                    head.expires_at = None
                    reason = "promoted"
                else:
                    head.mode = mode
                    head.change_count += 1
                    reason = "moved"
                    moved = True
                head.waiting_for = None
                head.waiting_since = None
                _issue_ticket(head)
                session.flush()
                outbox.mail_registrant(session, head, "ticket", now=now, reason=reason)
                promoted.append(head)
    return promoted


def prepare_event(session: Session, event: Event, *, now: datetime) -> Event:
    """Start of every seat-deciding transaction: lock, expire overdue rows, promote."""
    event = _lock_event(session, event)
    if _expire_overdue(session, event, now=now):
        promote(session, event, now=now)
    return event


def sweep_expired(session: Session, *, now: datetime) -> int:
    """Expire overdue registrations of every event and promote (the worker's job)."""
    R = Registration
    event_ids = session.scalars(
        select(R.event_id)
        .where(
            R.status.in_((RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED)),
            R.email_confirmed_at.is_(None),
            R.expires_at <= now,
        )
        .distinct()
    ).all()
    expired = 0
    for event_id in event_ids:
        event = _lock_event(session, session.get_one(Event, event_id))
        expired += _expire_overdue(session, event, now=now)
        promote(session, event, now=now)
    return expired


def person_for(session: Session, email: str, locale: str, *, now: datetime) -> Person:
    """The person with this (normalised) address, created at the first submission."""
    person = session.scalar(select(Person).where(Person.email == email))
    if person is not None:
        return person
    try:
        with session.begin_nested():
            person = Person(email=email, language=locale, created_at=now)
            session.add(person)
    except IntegrityError:
        # Another transaction created the same person concurrently.
        person = session.scalars(select(Person).where(Person.email == email)).one()
    return person


def _active_registration(session: Session, event: Event, person: Person) -> Registration | None:
    return session.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.person_id == person.id,
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


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
) -> SubmitOutcome:
    """Register a person; the seat is decided here (DESIGN §3).

    Registering again with an active registration re-sends its link (at most once
    per ``resend_interval``) and otherwise changes nothing, so callers can answer
    both cases identically.
    """
    clean = clean_input(data, modes=event.modes, questions=event.questions)
    mode, waiting_for, locale = clean.mode, clean.waiting_for, clean.locale
    event = prepare_event(session, event, now=now)
    check_open(event, now=now)  # on the locked, fresh row: it may have been cancelled meanwhile
    person = person_for(session, clean.email, locale, now=now)
    existing = _active_registration(session, event, person)
    if existing is not None:
        if not outbox.recently_mailed(session, to_address=clean.email, event_id=event.id, since=now - resend_interval):
            kind = "manage_link" if existing.email_confirmed_at else "confirm_email"
            outbox.mail_registrant(
                session, existing, kind, now=now, waitlisted=existing.status is RegistrationStatus.WAITLISTED
            )
        return SubmitOutcome(existing, created=False)

    person.language = locale
    # Someone who would rather wait for ``waiting_for`` gets it right away when it has room.
    if waiting_for is not None and not _mode_is_full(session, event, waiting_for):
        mode, waiting_for = waiting_for, None
    seat_free = not _mode_is_full(session, event, mode)
    if not seat_free and waiting_for is not None:
        # Neither mode has room: queue for the preferred one.
        mode, waiting_for = waiting_for, None
    email_confirmed = None if confirm_email else now
    if seat_free:
        status = RegistrationStatus.CONFIRMED if email_confirmed else RegistrationStatus.PENDING
    else:
        status = RegistrationStatus.WAITLISTED
    registration = Registration(
        event_id=event.id,
        person=person,
        series_registration_id=series_registration_id,
        given_name=clean.given_name,
        family_name=clean.family_name,
        organization=clean.organization,
        mode=mode,
        waiting_for=waiting_for,
        waiting_since=now if (waiting_for is not None or status is RegistrationStatus.WAITLISTED) else None,
        status=status,
        email_confirmed_at=email_confirmed,
        expires_at=None if email_confirmed else now + CONFIRM_WINDOW,
        answers=clean.answers,
        locale=locale,
        privacy_consent_version=consent_version,
        privacy_consent_at=now,
        sensitive_consent_at=now if clean.sensitive else None,
        confirmed_at=now if status is RegistrationStatus.CONFIRMED else None,
        created_at=now,
    )
    if status is RegistrationStatus.CONFIRMED:
        _issue_ticket(registration)
    session.add(registration)
    session.flush()
    if not email_confirmed:
        outbox.mail_registrant(
            session, registration, "confirm_email", now=now, waitlisted=status is RegistrationStatus.WAITLISTED
        )
    elif status is RegistrationStatus.CONFIRMED:
        outbox.mail_registrant(session, registration, "ticket", now=now, reason="confirmed")
    else:
        outbox.mail_registrant(session, registration, "waitlisted", now=now, mode=mode.value)
    return SubmitOutcome(registration, created=True)


def registration_by_token(session: Session, manage_token: str) -> Registration:
    """The registration behind a manage link; NotFound reveals nothing."""
    if not manage_token or len(manage_token) > 64:
        raise NotFound()
    registration = session.scalar(select(Registration).where(Registration.manage_token == manage_token))
    if registration is None:
        raise NotFound()
    return registration


def confirm(session: Session, registration: Registration, *, now: datetime) -> Registration:
    """Confirm the email address: a pending seat becomes a ticket, a waiter joins the queue."""
    prepare_event(session, registration.event, now=now)
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
    if registration.status is RegistrationStatus.PENDING:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        _issue_ticket(registration)
        session.flush()
        outbox.mail_registrant(session, registration, "ticket", now=now, reason="confirmed")
    session.flush()
    promoted = promote(session, registration.event, now=now)
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
) -> Registration:
    """Cancel (or decline) a registration and give its seat to the queue."""
    event = prepare_event(session, registration.event, now=now)
    session.refresh(registration)
    if not registration.is_active:
        return registration
    had_ticket = registration.status is RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancel_reason = reason
    registration.cancelled_at = now
    registration.waiting_for = None
    registration.waiting_since = None
    registration.expires_at = None
    session.flush()
    if notify:
        outbox.mail_registrant(session, registration, "cancelled", now=now, reason=reason.value, had_ticket=had_ticket)
    promote(session, event, now=now)
    return registration


def switch_mode(session: Session, registration: Registration, *, now: datetime) -> Registration:
    """Change to the other mode of a hybrid event: move if it has room, else wait for it."""
    event = prepare_event(session, registration.event, now=now)
    session.refresh(registration)
    if not registration.holds_seat:
        raise InvalidState()
    check_open(event, now=now)
    target = registration.mode.other
    if not event.offers(target):
        raise ModeNotOffered()
    if registration.waiting_for is target:
        return registration
    if _mode_is_full(session, event, target):
        registration.waiting_for = target
        registration.waiting_since = now
        session.flush()
        if registration.email_confirmed_at is not None:
            outbox.mail_registrant(session, registration, "waiting_for", now=now, mode=target.value)
        return registration
    registration.mode = target
    registration.waiting_for = None
    registration.waiting_since = None
    if registration.status is RegistrationStatus.CONFIRMED:
        registration.change_count += 1
        session.flush()
        outbox.mail_registrant(session, registration, "ticket", now=now, reason="switched")
    session.flush()
    promote(session, event, now=now)
    return registration


def stop_waiting(session: Session, registration: Registration, *, now: datetime) -> Registration:
    """Keep the current seat and leave the other mode's queue."""
    prepare_event(session, registration.event, now=now)
    session.refresh(registration)
    if registration.waiting_for is None:
        return registration
    registration.waiting_for = None
    registration.waiting_since = None
    session.flush()
    return registration


def reissue_ticket(session: Session, registration: Registration, *, now: datetime) -> Registration:
    """Give a new QR ticket; the old one (lower serial) is revoked."""
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise InvalidState()
    registration.ticket_serial += 1
    session.flush()
    outbox.mail_registrant(session, registration, "ticket", now=now, reason="reissued")
    return registration
