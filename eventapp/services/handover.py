"""Attendees correct themselves (DESIGN §1): their details and answers, or who attends.

Correcting details changes this registration only; when the name changes on a
confirmed registration the person gets their ticket mail again, because the name
shows in its invitation. Passing a registration on (Vertretung) needs the new
address to confirm first: :func:`offer_handover` mails a link and changes nothing
else; :func:`accept_handover` — the one button behind that link — moves the
registration to the new person with a new manage link and a re-issued ticket, so the
previous link and QR code stop working. Every step writes its audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    CancelReason,
    Handover,
    Registration,
    RegistrationStatus,
)
from eventapp.models.registration import new_token
from eventapp.services import audit, outbox, registration, seats, submission
from eventapp.services.audit import Actor
from eventapp.services.errors import AlreadyRegistered, InvalidState, LinkExpired, NotFound, ValidationError

#: How long a handover link stays valid (never beyond the event's start).
HANDOVER_WINDOW = seats.CONFIRM_WINDOW


@dataclass
class DetailsInput:
    """What the details form sends: names, organization, answers and the sensitive consent."""

    given_name: str
    family_name: str
    organization: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    sensitive_consent: bool = False


@dataclass
class HandoverInput:
    """Who attends instead (typed by the current attendee)."""

    given_name: str
    family_name: str
    email: str
    organization: str = ""
    #: Language of the mail to the new address (the page's language).
    locale: str = "de"


def _lock(session: Session, reg: Registration, *, now: datetime) -> Registration:
    """The event's lock (which every change of its registrations takes) and the fresh row."""
    seats.prepare_event(session, reg.event, now=now)
    session.refresh(reg)
    return reg


def update_details(
    session: Session, reg: Registration, data: DetailsInput, *, now: datetime, actor: Actor
) -> list[str]:
    """Correct names, organization and answers; returns the names of the fields that changed.

    Validated like a registration (the same lengths, required questions and consent for
    sensitive answers). Only an active registration can be corrected.
    """
    given_name, family_name, organization = submission.clean_names(data.given_name, data.family_name, data.organization)
    answers, sensitive = submission.clean_answers(reg.event.questions, data.answers)
    if sensitive and not data.sensitive_consent:
        raise ValidationError(
            "Answers to sensitive questions need explicit consent.", fields={"sensitive_consent": "required"}
        )
    reg = _lock(session, reg, now=now)
    if not reg.is_active:
        raise InvalidState()
    wanted = {"given_name": given_name, "family_name": family_name, "organization": organization, "answers": answers}
    changed = [name for name, value in wanted.items() if getattr(reg, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(reg, name, wanted[name])
    if "answers" in changed:
        reg.sensitive_consent_at = (reg.sensitive_consent_at or now) if sensitive else None
    session.flush()
    # Which fields, never their values: the history must not keep what the person corrected away.
    audit.record(session, actor, "registration.details_changed", reg, now=now, detail={"fields": changed})
    name_changed = bool({"given_name", "family_name"} & set(changed))
    if name_changed and reg.status is RegistrationStatus.CONFIRMED:
        outbox.mail_registrant(session, reg, "ticket", now=now, reason="details_changed")
    return changed


def open_handover(session: Session, reg: Registration) -> Handover | None:
    """The registration's open offer, if any (the newest)."""
    return session.scalar(
        select(Handover)
        .where(Handover.registration_id == reg.id, Handover.accepted_at.is_(None), Handover.withdrawn_at.is_(None))
        .order_by(Handover.id.desc())
        .limit(1)
    )


def offer_handover(
    session: Session,
    reg: Registration,
    data: HandoverInput,
    *,
    now: datetime,
    actor: Actor,
    accept_url: Callable[[str], str],
) -> Handover:
    """Offer the registration to another address; a mail with a one-button link goes there.

    Nothing else changes until that address confirms. An earlier open offer is withdrawn.
    The answer is the same whether or not the address has a registration already (that
    is told to its owner only, on the confirm page). ``accept_url`` turns the link's
    token into the finished URL.
    """
    given_name, family_name, organization = submission.clean_names(data.given_name, data.family_name, data.organization)
    email = submission.normalize_email(data.email)
    locale = data.locale if data.locale in submission.LOCALES else "de"
    reg = _lock(session, reg, now=now)
    if not reg.is_active or reg.email_confirmed_at is None:
        raise InvalidState()
    if email == reg.person.email:
        raise ValidationError("That is the current address.", fields={"email": "same_address"})
    session.execute(
        update(Handover)
        .where(Handover.registration_id == reg.id, Handover.accepted_at.is_(None), Handover.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    person = registration.person_for(session, email, locale, now=now)
    handover = Handover(
        registration_id=reg.id,
        person_id=person.id,
        given_name=given_name,
        family_name=family_name,
        organization=organization,
        locale=locale,
        created_at=now,
        expires_at=min(now + HANDOVER_WINDOW, reg.event.starts_at),
    )
    session.add(handover)
    session.flush()
    audit.record(session, actor, "registration.handover_offered", reg, now=now, detail={"handover": handover.id})
    outbox.enqueue(
        session,
        "handover_offer",
        to_address=email,
        now=now,
        locale=locale,
        event_id=reg.event_id,
        context={"from_name": reg.full_name, "to_name": handover.full_name, "accept_url": accept_url(handover.token)},
    )
    return handover


def handover_by_token(session: Session, token: str) -> Handover:
    """The offer behind a handover link; NotFound reveals nothing."""
    if not token or len(token) > 64:
        raise NotFound()
    found = session.scalar(select(Handover).where(Handover.token == token))
    if found is None:
        raise NotFound()
    return found


def check_handover(handover: Handover, *, now: datetime) -> None:
    """Raise unless the offer can still be taken: LinkExpired when it lapsed or was withdrawn,
    InvalidState when the registration ended meanwhile."""
    if handover.withdrawn_at is not None or handover.expires_at <= now:
        raise LinkExpired("The handover link has expired.", code="handover_expired")
    if not handover.registration.is_active:
        raise InvalidState()


def accept_handover(session: Session, handover: Handover, *, now: datetime, consent_version: str = "") -> Registration:
    """The new person takes the registration over (the button behind the mailed link).

    The registration gets the new person, their details and consent, a new manage token
    and — when it has a ticket — a raised serial, so the previous manage link and QR code
    stop working. Answers to sensitive questions were about the previous person and go.
    The previous person is told (their mail names no link); a series date they pass on
    counts as declined for them, so their series does not create it again. Pressing the
    button twice changes nothing.
    """
    reg = _lock(session, handover.registration, now=now)
    session.refresh(handover)
    if handover.accepted_at is not None:
        return reg
    check_handover(handover, now=now)
    new_person = handover.person
    taken = session.scalar(
        select(Registration.id).where(
            Registration.event_id == reg.event_id,
            Registration.person_id == new_person.id,
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )
    if taken is not None:
        raise AlreadyRegistered()
    old_email, old_locale, old_name, old_person_id = reg.person.email, reg.locale, reg.full_name, reg.person_id
    if reg.series_registration_id is not None:
        # The previous person's series must not re-create this date for them.
        marker = Registration(
            event_id=reg.event_id,
            series_registration_id=reg.series_registration_id,
            mode=reg.mode,
            status=RegistrationStatus.CANCELLED,
            cancel_reason=CancelReason.DECLINED,
            cancelled_at=now,
            email_confirmed_at=reg.email_confirmed_at,
            created_at=now,
        )
        marker.copy_personal_from(reg)
        session.add(marker)
        reg.series_registration_id = None
    sensitive_keys = {question.key for question in reg.event.questions if question.sensitive}
    reg.person = new_person
    reg.given_name, reg.family_name, reg.organization = handover.given_name, handover.family_name, handover.organization
    reg.answers = {key: value for key, value in (reg.answers or {}).items() if key not in sensitive_keys}
    reg.sensitive_consent_at = None
    reg.locale = handover.locale
    reg.privacy_consent_version = consent_version
    reg.privacy_consent_at = now
    reg.email_confirmed_at = now
    reg.manage_token = new_token()
    seats.renew_ticket(reg)  # the previous person's QR code and join link stop working
    if new_person.verified_at is None:
        new_person.verified_at = now
    handover.accepted_at = now
    handover.privacy_consent_version = consent_version
    handover.privacy_consent_at = now
    session.flush()
    audit.record(
        session,
        Actor.attendee(handover),
        "registration.handed_over",
        reg,
        now=now,
        detail={"from_person": old_person_id, "to_person": new_person.id, "ticket_serial": reg.ticket_serial},
    )
    if reg.status is RegistrationStatus.CONFIRMED:
        outbox.mail_registrant(session, reg, "ticket", now=now, reason="handed_over")
    else:
        outbox.mail_registrant(session, reg, "waitlisted", now=now, mode=reg.mode.value)
    outbox.enqueue(
        session,
        "handed_over",
        to_address=old_email,
        now=now,
        locale=old_locale,
        event_id=reg.event_id,
        context={"from_name": old_name, "to_name": reg.full_name},
    )
    return reg
