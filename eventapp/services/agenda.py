"""An event's agenda (issue 7 Part 3): add, edit, remove and reorder its items.

The agenda is programme detail, not a change of when or where: it reaches the public page
and the calendar feeds (DESCRIPTION; ``updated_at`` moves the feeds' ETag) but sends no
mail and leaves SEQUENCE alone (DESIGN §3 raises it only for changes that matter to
attendees' plans). Times lie within the event and are stored in UTC; untimed items
(a marketplace running all day) have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from eventapp.models import AgendaItem, Event, EventStatus
from eventapp.services import audit, ordering
from eventapp.services.audit import Actor
from eventapp.services.calendar.builder import event_end
from eventapp.services.errors import EventCancelled, ValidationError

MAX_TITLE = 300
MAX_SPEAKER = 300
MAX_DESCRIPTION = 5000
MAX_ITEMS = 60


@dataclass
class AgendaInput:
    """What the organizer's agenda form holds (times aware or None)."""

    title: str
    speaker: str = ""
    description: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def _clean(event: Event, data: AgendaInput) -> AgendaInput:
    title = " ".join((data.title or "").split())
    if not title:
        raise ValidationError("An agenda item needs a title.", fields={"title": "required"})
    if len(title) > MAX_TITLE:
        raise ValidationError("The title is too long.", fields={"title": "too_long"})
    speaker = " ".join((data.speaker or "").split())
    if len(speaker) > MAX_SPEAKER:
        raise ValidationError("The speaker is too long.", fields={"speaker": "too_long"})
    description = (data.description or "").strip().replace("\r\n", "\n")
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError("The description is too long.", fields={"description": "too_long"})
    starts, ends = data.starts_at, data.ends_at
    for name, value in (("starts_at", starts), ("ends_at", ends)):
        if value is not None and value.tzinfo is None:
            raise ValidationError(f"{name} needs a time zone.", fields={name: "invalid"})
    if ends is not None and starts is None:
        raise ValidationError("An end needs a start.", fields={"starts_at": "end_without_start"})
    if starts is not None and ends is not None and ends <= starts:
        raise ValidationError("The item must end after it starts.", fields={"ends_at": "before_start"})
    last = event_end(event)
    for name, value in (("starts_at", starts), ("ends_at", ends)):
        if value is not None and not event.starts_at <= value <= last:
            raise ValidationError("The item lies outside the event.", fields={name: "outside_event"})
    return AgendaInput(title=title, speaker=speaker, description=description, starts_at=starts, ends_at=ends)


def _changeable(event: Event) -> None:
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()


def _renumber(event: Event) -> None:
    for position, item in enumerate(event.agenda_items, start=1):
        item.position = position


def _touched(session: Session, event: Event, actor: Actor, action: str, item: AgendaItem, *, now: datetime) -> None:
    """Feeds pick the change up (ETag, LAST-MODIFIED); nobody is mailed; the trail says what."""
    event.updated_at = now
    session.flush()
    audit.record(session, actor, "event.agenda_changed", event, now=now, detail={"action": action, "title": item.title})


def add_item(session: Session, event: Event, data: AgendaInput, *, now: datetime, actor: Actor) -> AgendaItem:
    """Add an item at the end of the agenda."""
    _changeable(event)
    clean = _clean(event, data)
    if len(event.agenda_items) >= MAX_ITEMS:
        raise ValidationError("Too many agenda items.", fields={"title": "too_many"})
    item = AgendaItem(
        title=clean.title,
        speaker=clean.speaker,
        description=clean.description,
        starts_at=clean.starts_at,
        ends_at=clean.ends_at,
    )
    event.agenda_items.append(item)
    _renumber(event)
    _touched(session, event, actor, "added", item, now=now)
    return item


def update_item(
    session: Session, event: Event, item: AgendaItem, data: AgendaInput, *, now: datetime, actor: Actor
) -> list[str]:
    """Change an item; returns the names of the fields that changed."""
    _changeable(event)
    _own(event, item)
    clean = _clean(event, data)
    changed = [
        name
        for name in ("title", "speaker", "description", "starts_at", "ends_at")
        if getattr(item, name) != getattr(clean, name)
    ]
    for name in changed:
        setattr(item, name, getattr(clean, name))
    if changed:
        _touched(session, event, actor, "edited", item, now=now)
    return changed


def remove_item(session: Session, event: Event, item: AgendaItem, *, now: datetime, actor: Actor) -> None:
    _changeable(event)
    _own(event, item)
    event.agenda_items.remove(item)
    _renumber(event)
    _touched(session, event, actor, "removed", item, now=now)


def move_item(session: Session, event: Event, item: AgendaItem, step: int, *, now: datetime, actor: Actor) -> bool:
    """Move an item one place up (``step`` -1) or down (+1); False at either end."""
    _changeable(event)
    _own(event, item)
    if step not in (-1, 1):
        raise ValidationError("Move one place up or down.", fields={"direction": "invalid"})
    if not ordering.move(list(event.agenda_items), item, step):
        return False
    session.flush()
    session.expire(event, ["agenda_items"])
    _touched(session, event, actor, "moved", item, now=now)
    return True


def _own(event: Event, item: AgendaItem) -> None:
    if item.event_id != event.id:
        raise ValidationError("Not an item of this event.", fields={"item": "invalid"})
