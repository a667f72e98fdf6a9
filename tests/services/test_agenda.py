"""An event's agenda (issue 7 Part 3): add, edit, remove, reorder — feeds only, no mail, no SEQUENCE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eventapp.models import AuditEntry, EventStatus, OutboxMessage
from eventapp.services import agenda, calendar
from eventapp.services.agenda import AgendaInput
from eventapp.services.audit import CLI
from eventapp.services.errors import EventCancelled, ValidationError

START = datetime(2027, 3, 18, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


@pytest.fixture
def event(make):
    found = make.event(starts_at=START)
    make.registration(found)
    return found


def item(**overrides) -> AgendaInput:
    values = {
        "title": "Begrüßung",
        "speaker": "Bürgermeister",
        "starts_at": START,
        "ends_at": START + timedelta(minutes=30),
    }
    values.update(overrides)
    return AgendaInput(**values)


def feed(event) -> str:
    return calendar.event_calendar(event, event_url=lambda e: f"https://example.org/events/{e.slug}").decode()


def unfold(text: str) -> str:
    return text.replace("\r\n ", "").replace("\\n", "\n").replace("\\,", ",")


def test_agenda_crud_and_reorder_reach_the_feed_without_mail_or_sequence(session, event, now):
    first = agenda.add_item(session, event, item(), now=now, actor=CLI)
    second = agenda.add_item(
        session, event, item(title="Die fünf Strategien", speaker="", starts_at=START + timedelta(minutes=30),
        ends_at=START + timedelta(hours=2)), now=now, actor=CLI,
    )  # fmt: skip
    third = agenda.add_item(
        session, event, item(title="Marktplatz", speaker="", starts_at=None, ends_at=None), now=now, actor=CLI
    )
    assert [i.title for i in event.agenda_items] == ["Begrüßung", "Die fünf Strategien", "Marktplatz"]
    text = unfold(feed(event))
    assert "Programm:\n10:00–10:30 Begrüßung – Bürgermeister\n10:30–12:00 Die fünf Strategien\nMarktplatz" in text

    later = now + timedelta(hours=1)
    assert agenda.update_item(session, event, first, item(title="Willkommen"), now=later, actor=CLI) == ["title"]
    assert event.updated_at == later
    assert agenda.move_item(session, event, third, -1, now=later, actor=CLI) is True
    assert agenda.move_item(session, event, first, -1, now=later, actor=CLI) is False
    assert [i.title for i in event.agenda_items] == ["Willkommen", "Marktplatz", "Die fünf Strategien"]
    assert [i.position for i in event.agenda_items] == [1, 2, 3]
    agenda.remove_item(session, event, second, now=later, actor=CLI)
    assert [(i.title, i.position) for i in event.agenda_items] == [("Willkommen", 1), ("Marktplatz", 2)]

    text = unfold(feed(event))
    assert "Willkommen – Bürgermeister\nMarktplatz" in text and "Strategien" not in text
    assert event.sequence == 0
    assert session.scalars(select(OutboxMessage)).all() == []
    actions = [
        e.detail["action"]
        for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "event.agenda_changed"))
    ]
    assert actions == ["added", "added", "added", "edited", "moved", "removed"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"title": "  "}, "title", "required"),
        ({"title": "x" * 301}, "title", "too_long"),
        ({"starts_at": START - timedelta(minutes=1)}, "starts_at", "outside_event"),
        ({"ends_at": START + timedelta(hours=7)}, "ends_at", "outside_event"),
        ({"ends_at": START}, "ends_at", "before_start"),
        ({"starts_at": None}, "starts_at", "end_without_start"),
        ({"starts_at": datetime(2027, 3, 18, 10, 0)}, "starts_at", "invalid"),
    ],
)
def test_bad_items_are_refused(session, event, now, overrides, field, code):
    with pytest.raises(ValidationError) as refused:
        agenda.add_item(session, event, item(**overrides), now=now, actor=CLI)
    assert refused.value.fields == {field: code}
    assert event.agenda_items == []


def test_the_agenda_of_a_cancelled_event_stays(session, event, now):
    event.status = EventStatus.CANCELLED
    with pytest.raises(EventCancelled):
        agenda.add_item(session, event, item(), now=now, actor=CLI)
