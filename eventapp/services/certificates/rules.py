"""Who earns an attendance certificate, sending them to all attendees, and verifying one.

A registration earns a certificate when its event has ended, it is confirmed, an
``Attendance`` record exists for it (on site or joined online — arrival is a record, not a
state, DESIGN §3) and its personal data has not been anonymised.

Each certificate carries a verification line: a URL with a code (the registration id and an
HMAC of it under the app's secret) that opens a page confirming who attended what. The code
needs no column: it is recomputed, and a certificate stops verifying once its registration no
longer earns one (anonymised, say).

Sending is idempotent through the audit trail: each registration that was sent its certificate
has a ``registration.certificate_sent`` entry, and a second run (a second click, a second
organizer) under the event's lock queues mail only for attendees without one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import (
    Attendance,
    AuditEntry,
    Event,
    EventStatus,
    Mode,
    Registration,
    RegistrationStatus,
)
from eventapp.services import outbox
from eventapp.services.audit import Actor, record
from eventapp.services.errors import InvalidState
from eventapp.services.seats import lock_event

#: The audit action that records a certificate mail; a registration with one is not sent another.
SENT_ACTION = "registration.certificate_sent"
#: Outbox kind of the certificate mail (templates/emails/certificate.*).
MAIL_KIND = "certificate"


class CertificateUnavailable(InvalidState):
    """This registration has no certificate (yet); ``reason`` says why."""

    code = "certificate_not_available"

    def __init__(self, reason: str) -> None:
        super().__init__(f"No certificate: {reason}.")
        self.reason = reason


class EventNotEnded(InvalidState):
    """Certificates can be sent only after the event has ended."""

    code = "event_not_ended"


# --- who earns one ------------------------------------------------------------------------


def event_end(event: Event) -> datetime:
    """When the event is over (its start when it has no end)."""
    return event.ends_at or event.starts_at


def has_ended(event: Event, *, now: datetime) -> bool:
    return event_end(event) <= now


def attended_modes(session: Session, registration: Registration) -> list[Mode]:
    """The modes in which this registration arrived (on site, online, or both), on site first."""
    modes = set(session.scalars(select(Attendance.mode).where(Attendance.registration_id == registration.id)))
    return [mode for mode in (Mode.ON_SITE, Mode.ONLINE) if mode in modes]


def refusal(session: Session, registration: Registration, *, now: datetime) -> str | None:
    """Why ``registration`` has no certificate, or None when it has one.

    Reasons, in the order they are checked: ``anonymised``, ``event_cancelled``,
    ``not_ended`` (before the end of the event), ``not_confirmed`` (cancelled, expired,
    never confirmed), ``no_attendance`` (no arrival on site and no online join).
    """
    if registration.anonymised_at is not None:
        return "anonymised"
    event = registration.event
    if event.status is EventStatus.CANCELLED:
        return "event_cancelled"
    if not has_ended(event, now=now):
        return "not_ended"
    if registration.status is not RegistrationStatus.CONFIRMED:
        return "not_confirmed"
    if not attended_modes(session, registration):
        return "no_attendance"
    return None


def is_eligible(session: Session, registration: Registration, *, now: datetime) -> bool:
    return refusal(session, registration, now=now) is None


def _attendees_query(event: Event):  # type: ignore[no-untyped-def]
    attended = select(Attendance.registration_id).where(Attendance.event_id == event.id)
    return (
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.anonymised_at.is_(None),
            Registration.id.in_(attended),
        )
        .order_by(Registration.id)
    )


def attendees(session: Session, event: Event) -> list[Registration]:
    """The registrations of ``event`` that earn a certificate once it has ended."""
    return list(session.scalars(_attendees_query(event)))


def _already_sent(session: Session, event: Event) -> set[int]:
    return set(
        session.scalars(
            select(AuditEntry.object_id).where(
                AuditEntry.event_id == event.id,
                AuditEntry.action == SENT_ACTION,
                AuditEntry.object_type == Registration.__tablename__,
            )
        )
    )


@dataclass(frozen=True)
class Overview:
    """What the organizer's event page says about certificates."""

    ended: bool
    #: Attendees who earn a certificate.
    attendees: int
    #: Of them, how many were already sent theirs.
    sent: int

    @property
    def to_send(self) -> int:
        return self.attendees - self.sent


def overview(session: Session, event: Event, *, now: datetime) -> Overview:
    """Counts for the event page: attendees with a certificate, and how many were mailed already."""
    eligible = {registration.id for registration in attendees(session, event)}
    return Overview(
        ended=has_ended(event, now=now) and event.status is not EventStatus.CANCELLED,
        attendees=len(eligible),
        sent=len(eligible & _already_sent(session, event)),
    )


def send_all(session: Session, event: Event, *, now: datetime, actor: Actor) -> int:
    """Queue a certificate mail to every attendee of the ended ``event`` not sent one before.

    Under the event's lock, so two clicks at once send each certificate once. Each mail is
    in the registrant's language and gets a ``registration.certificate_sent`` audit entry;
    the event gets one ``event.certificates_sent`` entry with the count. Returns how many
    were queued (0 on a repeat). EventNotEnded before the end or for a cancelled event.
    """
    event = lock_event(session, event)
    if not has_ended(event, now=now) or event.status is EventStatus.CANCELLED:
        raise EventNotEnded()
    sent = _already_sent(session, event)
    queued = 0
    for registration in attendees(session, event):
        if registration.id in sent:
            continue
        message = outbox.mail_registrant(session, registration, MAIL_KIND, now=now)
        record(session, actor, SENT_ACTION, registration, now=now, detail={"outbox": message.id})
        queued += 1
    if queued:
        record(session, actor, "event.certificates_sent", event, now=now, detail={"count": queued})
    session.flush()
    return queued


# --- verification -------------------------------------------------------------------------

_CODE = re.compile(r"([0-9]{1,12})-([A-Z2-7]{20})")


def verification_code(registration: Registration, *, secret: str) -> str:
    """``<registration id>-<20 base32 characters of an HMAC>``: unguessable, and needs no column."""
    digest = hmac.new(secret.encode(), f"certificate:{registration.id}".encode(), hashlib.sha256).digest()
    return f"{registration.id}-{base64.b32encode(digest).decode()[:20]}"


def verify(session: Session, code: str, *, secret: str, now: datetime) -> Registration | None:
    """The registration a certificate's code was issued for, while it still earns one; else None."""
    found = _CODE.fullmatch(code.strip().upper())
    if not found:
        return None
    registration = session.get(Registration, int(found.group(1)))
    if registration is None:
        return None
    if not hmac.compare_digest(verification_code(registration, secret=secret), f"{found.group(1)}-{found.group(2)}"):
        return None
    return registration if is_eligible(session, registration, now=now) else None
