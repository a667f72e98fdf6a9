"""The mail outbox: enqueue in the cause's transaction; claim, retry and finish in the worker."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
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
    context: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Add one mail to the outbox; it is sent only if the surrounding transaction commits."""
    message = OutboxMessage(
        kind=kind,
        to_address=to_address,
        locale=locale,
        registration_id=registration.id if registration is not None else None,
        event_id=registration.event_id if registration is not None else event_id,
        series_registration_id=series_registration_id,
        context=context or {},
        status=OutboxStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def recently_mailed(
    session: Session, *, to_address: str, event_id: int | None, since: datetime, series_registration_id: int | None = None
) -> bool:
    """Whether a mail went (or is going) to this address about this event since ``since``.

    Used to limit re-sent links to one every few minutes per address and event.
    """
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.to_address == to_address, OutboxMessage.created_at >= since
    )
    if series_registration_id is not None:
        query = query.where(OutboxMessage.series_registration_id == series_registration_id)
    else:
        query = query.where(OutboxMessage.event_id == event_id)
    return bool(session.scalar(query))


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failures: 30 s doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
