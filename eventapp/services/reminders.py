"""Reminders before an event (issue 8 Part 3): which one is due, and queueing it exactly once.

Each event keeps its reminder offsets (minutes before the start; default a day and an
hour). The worker's job :func:`send_due_reminders` mails confirmed registrations the
**latest** reminder that is due — the shortest offset whose moment has passed, before
the start — so after a worker outage only that one goes out (down for a day, the
"one day before" reminder is skipped once the "one hour before" is due), and nothing
goes out once the event has started.

Rules, in SQL so that one statement serves a whole event and offset:

* Only registrations confirmed by the reminder's moment get it: someone who registers
  three hours before the start gets the one-hour reminder, not the one-day reminder
  late (their ticket mail has just told them everything).
* Exactly once: every reminder queued is a row in ``reminder_sent`` (unique per
  registration, offset and start time), inserted with ``INSERT … SELECT … ON CONFLICT
  DO NOTHING RETURNING``; only the rows a worker inserted are mailed, in the same
  transaction. Two passes, or two worker processes at once (PostgreSQL makes the second
  insert wait for the first and then skip), never mail one reminder twice.
* A moved event is reminded again for its new start (the start is part of the key);
  a cancellation, the start or a later reminder falling due before delivery drops the
  queued mail unsent (:func:`obsolete_reason`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from eventapp.models import Event, EventStatus, Registration, RegistrationStatus, ReminderSent
from eventapp.services import outbox
from eventapp.services.errors import ValidationError

#: The outbox kind (templates/emails/reminder.*).
KIND = "reminder"
#: The longest reminder offset accepted (minutes): two weeks. The worker looks this far ahead.
MAX_OFFSET_MINUTES = 14 * 24 * 60
#: At most this many reminders per event.
MAX_REMINDERS = 6
#: Registrations loaded per query when queueing mails (keeps IN lists far below bind limits).
CHUNK = 1000


def clean_offsets(values: Iterable[Any]) -> list[int]:
    """The offsets to store: whole minutes from 1 to :data:`MAX_OFFSET_MINUTES`, distinct, longest first.

    Raises ValidationError (field ``reminder_offsets``, code ``invalid``) for anything else.
    """
    offsets: set[int] = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OFFSET_MINUTES:
            raise ValidationError("Not a reminder offset.", fields={"reminder_offsets": "invalid"})
        offsets.add(value)
    if len(offsets) > MAX_REMINDERS:
        raise ValidationError("Too many reminders.", fields={"reminder_offsets": "invalid"})
    return sorted(offsets, reverse=True)


def moment(event: Event, offset: int) -> datetime:
    """When the reminder ``offset`` minutes before the start is due."""
    return event.starts_at - timedelta(minutes=offset)


def due_offset(event: Event, now: datetime) -> int | None:
    """The latest reminder due at ``now``: the shortest offset whose moment has passed, before the start."""
    if now >= event.starts_at or event.status is not EventStatus.PUBLISHED:
        return None
    due = [offset for offset in event.reminder_offsets or [] if moment(event, offset) <= now]
    return min(due) if due else None


def alarm_offset(event: Event) -> int | None:
    """Minutes before the start for the VALARM of invitations: the shortest reminder, None without reminders."""
    offsets = event.reminder_offsets or []
    return min(offsets) if offsets else None


def send_due_reminders(session: Session, *, now: datetime) -> int:
    """Queue every reminder due at ``now``; returns how many were queued (the worker's job).

    One query finds the events whose reminders may be due (published, starting within
    :data:`MAX_OFFSET_MINUTES`); per event, one INSERT … SELECT records and returns the
    registrations to remind, and their mails are queued in one executemany.
    """
    events = session.scalars(
        select(Event)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(minutes=MAX_OFFSET_MINUTES),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    queued = 0
    for event in events:
        offset = due_offset(event, now)
        if offset is not None:
            queued += len(remind(session, event, offset, now=now))
    return queued


def remind(session: Session, event: Event, offset: int, *, now: datetime) -> list[int]:
    """Record and queue the reminder ``offset`` of ``event`` for every confirmed registration that
    had it coming and has not had it; returns their ids (none on a second call).

    Statements per call do not grow with the registrations: one INSERT … SELECT, then per
    :data:`CHUNK` registrations one SELECT (with their persons) and one executemany of mails.
    """
    ids = _record(session, event, offset, now=now)
    context = {"offset": offset, "starts_at": event.starts_at.isoformat()}
    for start in range(0, len(ids), CHUNK):
        registrations = session.scalars(
            select(Registration)
            .where(Registration.id.in_(ids[start : start + CHUNK]))
            .options(selectinload(Registration.person))
            .order_by(Registration.id)
        )
        outbox.enqueue_many(
            session, [outbox.message_values(registration, KIND, now=now, **context) for registration in registrations]
        )
    return list(ids)


def _record(session: Session, event: Event, offset: int, *, now: datetime) -> Sequence[int]:
    """INSERT the ``reminder_sent`` rows of this reminder; the ids of the registrations newly recorded."""
    R = Registration
    table = ReminderSent.__table__
    eligible = select(
        R.id,
        literal(offset, type_=table.c.offset_minutes.type),
        literal(event.starts_at, type_=table.c.starts_at.type),
        literal(now, type_=table.c.created_at.type),
    ).where(
        R.event_id == event.id,
        R.status == RegistrationStatus.CONFIRMED,
        # Confirmed after the moment: the ticket mail was their reminder (NULL: confirmed long ago).
        or_(R.confirmed_at.is_(None), R.confirmed_at <= moment(event, offset)),
    )
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .from_select(["registration_id", "offset_minutes", "starts_at", "created_at"], eligible)
        .on_conflict_do_nothing(index_elements=["registration_id", "offset_minutes", "starts_at"])
        .returning(table.c.registration_id)
    )
    return sorted(session.scalars(statement).all())


def obsolete_reason(registration: Registration | None, context: dict[str, Any], *, now: datetime) -> str | None:
    """Why a queued reminder must not go out any more (checked at delivery), or None."""
    if registration is None:
        return None
    event = registration.event
    if registration.status is not RegistrationStatus.CONFIRMED:
        return f"Not sent: the registration is {registration.status.value}."
    if event.status is not EventStatus.PUBLISHED:
        return f"Not sent: the event is {event.status.value}."
    if now >= event.starts_at:
        return "Not sent: the event has started."
    if context.get("starts_at") != event.starts_at.isoformat():
        return "Not sent: the event has moved; the reminders for its new time follow."
    offset = context.get("offset")
    later = [o for o in event.reminder_offsets or [] if isinstance(offset, int) and o < offset]
    if any(moment(event, o) <= now for o in later):
        return "Not sent: a later reminder is due instead."
    return None
