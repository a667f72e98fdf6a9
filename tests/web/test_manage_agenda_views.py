"""Agenda and question editing in the organizer area (issue 7 Part 3): forms with German messages,
reordering by buttons, the agenda on the public page and in the feed, no mail."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.models import BERLIN, AgendaItem, EventStatus, OutboxMessage, Question, utcnow
from tests.web.test_auth_views import login
from tests.web.test_manage_series_views import post


@pytest.fixture
def world(data):
    start = (utcnow() + timedelta(days=30)).astimezone(BERLIN).replace(hour=10, minute=0, second=0, microsecond=0)
    with data() as (session, make):
        menden = make.organization(slug="menden", name="Stadt Menden")
        event = make.event(organization=menden, slug="konferenz", title="Konferenz", starts_at=start)
        make.registration(event)
        choices = [{"value": "druck", "label": "3D-Druck"}, {"value": "ki", "label": "KI"}]
        question = make.question(event, key="workshop", label="Workshop?", kind="choice", position=1, choices=choices)
        make.question(event, key="essen", label="Essen?", position=2)
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        return {"event": event.id, "question": question.id, "day": start.date().isoformat()}


@pytest.fixture
def organizer(client, world):
    assert login(client, "orga@menden.de").status_code == 303
    client.get("/manage/?lang=de")
    return client


def items(data, event_id: int) -> list[AgendaItem]:
    with data() as (session, _make):
        found = session.scalars(select(AgendaItem).where(AgendaItem.event_id == event_id).order_by(AgendaItem.position))
        result = list(found)
        session.expunge_all()
        return result


def test_agenda_items_are_added_edited_reordered_removed_and_shown_without_mail(organizer, world, data, client):
    base = f"/manage/events/{world['event']}/agenda"
    day = world["day"]
    assert post(organizer, base, {"title": "Begrüßung", "speaker": "Bürgermeister", "starts_at": f"{day}T10:00",
                                  "ends_at": f"{day}T10:30"}).status_code == 303  # fmt: skip
    assert post(organizer, base, {"title": "Marktplatz"}).status_code == 303
    first, second = items(data, world["event"])

    assert post(organizer, f"{base}/{second.id}/move", {"direction": "up"}).status_code == 303
    assert [i.title for i in items(data, world["event"])] == ["Marktplatz", "Begrüßung"]
    assert post(organizer, f"{base}/{second.id}/move", {"direction": "sideways"}).status_code == 400
    response = post(organizer, f"{base}/{first.id}", {"title": "Willkommen", "starts_at": f"{day}T10:00"})
    assert response.status_code == 303

    page = html.unescape(client.get("/events/konferenz").get_data(as_text=True))
    assert page.index("Marktplatz") < page.index("Willkommen")
    feed = client.get("/events/konferenz.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "Marktplatz\\n10:00 Willkommen" in feed

    assert post(organizer, f"{base}/{second.id}/remove").status_code == 303
    assert [i.title for i in items(data, world["event"])] == ["Willkommen"]
    with data() as (session, _make):
        assert session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": ""}, "Bitte geben Sie einen Titel ein"),
        ({"title": "Pause", "starts_at": "morgen"}, "Bitte geben Sie Datum und Uhrzeit an"),
        ({"title": "Pause", "starts_at": "2020-01-01T10:00"}, "Die Zeit muss innerhalb der Veranstaltung liegen"),
        ({"title": "Pause", "ends_at": "{day}T11:00"}, "mit Ende auch einen Beginn an"),
        ({"title": "Pause", "starts_at": "{day}T11:00", "ends_at": "{day}T10:00"}, "muss nach seinem Beginn enden"),
        ({"title": "x" * 301}, "höchstens 300 Zeichen"),
    ],
)  # fmt: skip
def test_bad_agenda_input_is_refused_in_german(organizer, world, data, values, message):
    values = {key: value.format(day=world["day"]) for key, value in values.items()}

    response = post(organizer, f"/manage/events/{world['event']}/agenda", values)

    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert items(data, world["event"]) == []


def test_an_answered_question_keeps_its_kind_with_a_german_message(organizer, world, data):
    with data() as (session, _make):
        registration = session.get(Question, world["question"]).event.registrations[0]
        registration.answers = {"workshop": "ki"}
    url = f"/manage/events/{world['event']}/questions/{world['question']}"
    assert "bereits beantwortet" in html.unescape(organizer.get(url).get_data(as_text=True))

    response = post(organizer, url, {"label": "Workshop?", "kind": "text"})
    assert response.status_code == 400
    assert "Diese Frage wurde bereits beantwortet; das bleibt daher, wie es ist." in html.unescape(
        response.get_data(as_text=True)
    )
    response = post(organizer, url, {"label": "Workshop?", "kind": "choice", "choices": "3D-Druck\nRobotik"})
    assert response.status_code == 400
    assert "wurde bereits gewählt" in html.unescape(response.get_data(as_text=True))
    response = post(organizer, url, {"label": "", "kind": "choice", "choices": "3D-Druck\nKI"})
    assert response.status_code == 400
    assert "Bitte geben Sie die Frage ein" in html.unescape(response.get_data(as_text=True))

    response = post(
        organizer, url, {"label": "Welcher Workshop?", "kind": "choice", "choices": "KI\n3D-Druck\nRobotik"}
    )
    assert response.status_code == 303
    with data() as (session, _make):
        question = session.get(Question, world["question"])
        assert question.label == "Welcher Workshop?" and question.kind.value == "choice"
        assert [c["value"] for c in question.choices] == ["ki", "druck", "robotik"]


def test_questions_are_reordered_with_buttons(organizer, world, data):
    url = f"/manage/events/{world['event']}/questions/{world['question']}/move"
    assert post(organizer, url, {"direction": "down"}).status_code == 303
    with data() as (session, _make):
        assert [q.key for q in session.get(Question, world["question"]).event.questions] == ["essen", "workshop"]
    assert post(organizer, url, {"direction": ""}).status_code == 400


def test_a_cancelled_event_keeps_its_agenda(organizer, world, data):
    with data() as (session, _make):
        session.get(Question, world["question"]).event.status = EventStatus.CANCELLED
    response = post(organizer, f"/manage/events/{world['event']}/agenda", {"title": "Pause"})
    assert response.status_code == 303
    assert items(data, world["event"]) == []
