"""The mail outbox: enqueue in the cause's transaction; claim, retry and finish in the worker."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from eventapp.models import OutboxMessage, OutboxStatus, Registration


def enqueue(
    session: Session,
    kind: str,
    *,
    to_address: str,
    now: datetime,
    locale: str = "de",
    registration: Registration | None = None,
    event_id: int | None = None,
    series_registration_id: int | None = None,
    event_message_id: int | None = None,
    context: dict[str, Any] | None = None,
    status: OutboxStatus = OutboxStatus.QUEUED,
) -> OutboxMessage:
    """Add one mail to the outbox; it is sent only if the surrounding transaction commits.

    ``status=DROPPED`` records a mail that is not sent on purpose (a link asked for again
    within the resend interval), so that both answers to a registration do the same work.
    """
    message = OutboxMessage(
        kind=kind,
        to_address=to_address,
        locale=locale,
        registration_id=registration.id if registration is not None else None,
        event_id=registration.event_id if registration is not None else event_id,
        series_registration_id=series_registration_id,
        event_message_id=event_message_id,
        context=context or {},
        status=status,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def mail_registrant(
    session: Session,
    registration: Registration,
    kind: str,
    *,
    now: datetime,
    status: OutboxStatus = OutboxStatus.QUEUED,
    event_message_id: int | None = None,
    **context: Any,
) -> OutboxMessage:
    """Queue a ``kind`` mail about ``registration`` to its person, in the language they registered in."""
    message = OutboxMessage(
        **message_values(registration, kind, now=now, status=status, event_message_id=event_message_id, **context)
    )
    session.add(message)
    session.flush()
    return message


def message_values(
    registration: Registration,
    kind: str,
    *,
    now: datetime,
    status: OutboxStatus = OutboxStatus.QUEUED,
    event_message_id: int | None = None,
    **context: Any,
) -> dict[str, Any]:
    """The columns of a ``kind`` mail about ``registration`` to its person, in their language."""
    return {
        "kind": kind,
        "to_address": registration.person.email,
        "locale": registration.locale,
        "registration_id": registration.id,
        "event_id": registration.event_id,
        "event_message_id": event_message_id,
        "context": context,
        "status": status,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Queue many mails (:func:`message_values`) in one executemany: for batches such as the
    reminders of an event, where a flush per mail would be a statement per person."""
    if rows:
        session.execute(insert(OutboxMessage), rows)


def recently_mailed(
    session: Session,
    *,
    to_address: str,
    event_id: int | None,
    since: datetime,
    series_registration_id: int | None = None,
) -> bool:
    """Whether a mail went (or is going) to this address about this event since ``since``.

    Used to limit re-sent links to one every few minutes per address and event; messages
    from the organizer (``event_message``) do not count.
    """
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.to_address == to_address,
        OutboxMessage.created_at >= since,
        OutboxMessage.status != OutboxStatus.DROPPED,  # not sent, so it limits nothing
        # An organizer's message is not a mail the public form set off: it must not hold back a link.
        OutboxMessage.event_message_id.is_(None),
    )
    if series_registration_id is not None:
        query = query.where(OutboxMessage.series_registration_id == series_registration_id)
    else:
        query = query.where(OutboxMessage.event_id == event_id)
    return bool(session.scalar(query))


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failures: 30 s doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


#: A message still ``sending`` this long after it was claimed belongs to a worker that died mid-send.
STUCK_AFTER = timedelta(minutes=10)
#: ``last_error`` is shown to organizers; keep it readable.
MAX_ERROR_LENGTH = 2000

_DUE_STATUSES = (OutboxStatus.QUEUED, OutboxStatus.RETRY)


def recover_stuck(session: Session, *, now: datetime, stuck_after: timedelta = STUCK_AFTER) -> list[OutboxMessage]:
    """Put messages back in the queue whose worker died while sending them.

    A claim stamps ``next_attempt_at`` with the end of its lease (claim time +
    ``stuck_after``), so a row still ``sending`` after that moment was abandoned.
    It may or may not have reached the server; sending it again (with the same
    Message-ID) is better than losing it.
    """
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    )
    stuck = list(session.scalars(query))
    for message in stuck:
        message.status = OutboxStatus.RETRY
        message.attempts += 1
        message.next_attempt_at = now
        message.last_error = "The worker stopped while sending this message; it is sent again."
    session.flush()
    return stuck


def claim_due(
    session: Session, *, now: datetime, limit: int, stuck_after: timedelta = STUCK_AFTER
) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for this worker and mark them ``sending``.

    Safe with several worker processes: PostgreSQL skips rows another worker has
    locked (``FOR UPDATE SKIP LOCKED``); on SQLite the ``BEGIN IMMEDIATE``
    transaction already serialises claims. The caller commits right after, so
    the claim is visible before any mail goes out. Abandoned ``sending`` rows are
    recovered first.
    """
    recover_stuck(session, now=now, stuck_after=stuck_after)
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(_DUE_STATUSES), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = list(session.scalars(query))
    for message in claimed:
        message.status = OutboxStatus.SENDING
        # The lease: after this moment recover_stuck() may hand the row to another worker.
        message.next_attempt_at = now + stuck_after
    session.flush()
    return claimed


def release(message: OutboxMessage, *, next_attempt_at: datetime) -> None:
    """Give back a claimed message untried, due again at ``next_attempt_at``.

    Used when a pass stops because the server is down: the rest of the batch waits
    as long as the message that found the outage, without counting an attempt.
    """
    message.status = OutboxStatus.RETRY if message.attempts else OutboxStatus.QUEUED
    message.next_attempt_at = next_attempt_at


def mark_sent(message: OutboxMessage, *, now: datetime) -> None:
    """The server accepted the message."""
    message.attempts += 1
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.retry_since = None
    message.last_error = ""


def mark_retry(message: OutboxMessage, error: str, *, now: datetime, horizon: timedelta | None) -> None:
    """A temporary failure: try again after ``backoff()``, for ``horizon`` after the first one.

    The horizon is time, not a number of tries: a relay that answers 451 for an hour
    (or a day) delays the message, and only a rejection lasting longer than the
    horizon fails it. ``horizon=None`` (the server unreachable as a whole) never gives
    up and does not start the horizon: an outage of any length loses nothing.
    """
    message.attempts += 1
    message.last_error = _trim(error)
    if horizon is not None:
        if message.retry_since is None:
            message.retry_since = now
        if now - message.retry_since >= horizon:
            message.status = OutboxStatus.FAILED
            message.failed_at = now
            return
    message.status = OutboxStatus.RETRY
    message.next_attempt_at = now + backoff(message.attempts)


def mark_failed(message: OutboxMessage, error: str, *, now: datetime, attempted: bool = True) -> None:
    """A permanent failure (5xx rejection, an address the relay cannot take, unrenderable): no more tries.

    ``last_error`` stays for organizers to see; ``requeue-mail`` can put it back.
    ``attempted=False`` when nothing was handed to the server (e.g. rendering failed).
    """
    if attempted:
        message.attempts += 1
    message.status = OutboxStatus.FAILED
    message.failed_at = now
    message.last_error = _trim(error)


def mark_dropped(message: OutboxMessage, reason: str) -> None:
    """Not sent because it no longer applies (a confirm mail for a registration that is not awaiting one)."""
    message.status = OutboxStatus.DROPPED
    message.last_error = _trim(reason)


def requeue_failed(session: Session, *, now: datetime, failed_since: datetime | None = None) -> int:
    """Put failed mail back in the queue, due now, with a fresh retry horizon; returns how many.

    ``failed_since`` limits it to mail that failed at or after that moment (say, since
    the relay started refusing). Messages keep their attempt count and last error until
    they are sent. Whether a message still applies is decided again at delivery.
    """
    query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED).with_for_update()
    if failed_since is not None:
        query = query.where(OutboxMessage.failed_at >= failed_since)
    messages = list(session.scalars(query))
    for message in messages:
        message.status = OutboxStatus.QUEUED
        message.next_attempt_at = now
        message.retry_since = None
        message.failed_at = None
    session.flush()
    return len(messages)


def _trim(error: str) -> str:
    error = " ".join(error.split())
    return error if len(error) <= MAX_ERROR_LENGTH else error[: MAX_ERROR_LENGTH - 1] + "…"
