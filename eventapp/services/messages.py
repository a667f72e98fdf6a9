"""Messages from an organizer to an event's registrants (issue 7 Part 5; DESIGN §3 "Mail").

An organizer writes one subject and text to a group chosen with the registration list's
filter (:class:`~eventapp.services.roster.RosterFilter`): all registrants, or say the
confirmed online ones, or the waiting list. Only active registrations whose email address
is confirmed receive it — an unconfirmed address may not be the registrant's own. Each
recipient gets a mail in the outbox (in their language, replies to the event's contact),
all linked to one :class:`~eventapp.models.EventMessage`; the worker delivers them, and
:func:`progress` reads how far it got from the outbox: queued, sent, failed with the
server's reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    ActorKind,
    Event,
    EventMessage,
    OutboxMessage,
    OutboxStatus,
    Registration,
)
from eventapp.services import audit, outbox
from eventapp.services.audit import Actor
from eventapp.services.errors import DomainError, ValidationError
from eventapp.services.exports import filter_detail
from eventapp.services.roster import RosterFilter, roster_select
from eventapp.services.submission import has_control_characters

MAX_SUBJECT = 200
MAX_BODY = 10_000
#: The mail kind (templates/emails/event_message.*).
KIND = "event_message"
#: Outbox states that are still on their way.
UNDERWAY = (OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.RETRY)


class NoRecipients(DomainError):
    """Nobody in the chosen group can receive the message (no active registration with a confirmed address)."""

    code = "no_recipients"


def recipients(session: Session, event: Event, flt: RosterFilter) -> list[Registration]:
    """The registrations a message to the group ``flt`` reaches: active, email confirmed, in list order."""
    statuses = tuple(status for status in (flt.statuses or ACTIVE_STATUSES) if status in ACTIVE_STATUSES)
    if not statuses or flt.email_confirmed is False:
        return []
    return list(session.scalars(roster_select(event, replace(flt, statuses=statuses, email_confirmed=True))))


def _problem(value: str, limit: int) -> str | None:
    """The field code of what is wrong with a subject or text, or None."""
    if not value:
        return "required"
    if len(value) > limit:
        return "too_long"
    return "control_characters" if has_control_characters(value) else None


def _check(subject: str, body: str) -> tuple[str, str]:
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    problems = {"subject": _problem(subject, MAX_SUBJECT), "body": _problem(body, MAX_BODY)}
    errors = {name: code for name, code in problems.items() if code}
    if errors:
        raise ValidationError("The message is not valid.", fields=errors)
    return subject, body


def send_message(
    session: Session,
    event: Event,
    *,
    subject: str,
    body: str,
    audience: RosterFilter,
    now: datetime,
    actor: Actor,
) -> EventMessage:
    """Queue ``subject`` and ``body`` for every recipient of ``audience`` and record who sent it.

    Raises ValidationError (field codes) for an empty or too long subject or text, and
    NoRecipients when the group is empty — then nothing is stored.
    """
    subject, body = _check(subject, body)
    registrations = recipients(session, event, audience)
    if not registrations:
        raise NoRecipients()
    message = EventMessage(
        event_id=event.id,
        subject=subject,
        body=body,
        audience=filter_detail(audience),
        recipients=len(registrations),
        author_id=actor.id if actor.kind is ActorKind.USER else None,
        author_label=actor.label,
        created_at=now,
    )
    session.add(message)
    session.flush()
    # One statement for all recipients (an event has hundreds); each row names the message.
    outbox.enqueue_many(
        session, [outbox.message_values(r, KIND, now=now, event_message_id=message.id) for r in registrations]
    )
    audit.record(
        session,
        actor,
        "event.message_sent",
        event,
        now=now,
        detail={"message": message.id, "subject": subject, "recipients": len(registrations), **message.audience},
    )
    session.flush()
    return message


@dataclass(frozen=True)
class Progress:
    """How far one message got: its mails by outbox state."""

    message: EventMessage
    #: Waiting for the worker, being sent, or waiting for a retry after a temporary failure.
    queued: int
    sent: int
    failed: int
    #: Not sent on purpose (the registration was passed on to another address meanwhile).
    dropped: int

    @property
    def done(self) -> bool:
        return self.queued == 0


def _counts(session: Session, message_ids: list[int]) -> dict[int, Counter[OutboxStatus]]:
    counts: dict[int, Counter[OutboxStatus]] = {message_id: Counter() for message_id in message_ids}
    if not message_ids:
        return counts
    rows = session.execute(
        select(OutboxMessage.event_message_id, OutboxMessage.status, func.count(OutboxMessage.id))
        .where(OutboxMessage.event_message_id.in_(message_ids))
        .group_by(OutboxMessage.event_message_id, OutboxMessage.status)
    )
    for message_id, status, count in rows:
        counts[message_id][OutboxStatus(status)] += count
    return counts


def _progress(message: EventMessage, counts: Counter[OutboxStatus]) -> Progress:
    return Progress(
        message,
        queued=sum(counts[status] for status in UNDERWAY),
        sent=counts[OutboxStatus.SENT],
        failed=counts[OutboxStatus.FAILED],
        dropped=counts[OutboxStatus.DROPPED],
    )


def event_messages(session: Session, event: Event) -> list[Progress]:
    """The event's messages, newest first, each with its progress (two queries)."""
    messages = list(
        session.scalars(
            select(EventMessage)
            .where(EventMessage.event_id == event.id)
            .order_by(EventMessage.created_at.desc(), EventMessage.id.desc())
        )
    )
    counts = _counts(session, [message.id for message in messages])
    return [_progress(message, counts[message.id]) for message in messages]


def progress(session: Session, message: EventMessage) -> Progress:
    """One message's progress."""
    return _progress(message, _counts(session, [message.id])[message.id])


def undelivered(session: Session, message: EventMessage) -> list[OutboxMessage]:
    """The mails of ``message`` that failed or were not sent, with the reason (``last_error``), by address."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.event_message_id == message.id,
                OutboxMessage.status.in_((OutboxStatus.FAILED, OutboxStatus.DROPPED)),
            )
            .order_by(OutboxMessage.to_address, OutboxMessage.id)
        )
    )


def retrying(session: Session, message: EventMessage) -> list[OutboxMessage]:
    """Mails of ``message`` waiting for another try after a temporary failure, with the last reason."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.event_message_id == message.id, OutboxMessage.status == OutboxStatus.RETRY)
            .order_by(OutboxMessage.to_address, OutboxMessage.id)
        )
    )
