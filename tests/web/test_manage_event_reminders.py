"""The reminders of an event in the organizer's form (issue 8 Part 3): a day and an hour before by
default, any of the offered offsets or none; anything else is refused (400) in the user's language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventapp.models import Event
from tests.helpers import text
from tests.web.test_auth_views import login
from tests.web.test_manage_event_views import build_world, form, page_form, post

TITLE = "Eröffnung der Zukunfts.Werk.Stadt"


@pytest.fixture
def world(data):
    return build_world(data)


def created_offsets(data) -> list[int] | None:
    with data() as (session, _make):
        event = session.scalar(select(Event).where(Event.title == TITLE))
        return None if event is None else list(event.reminder_offsets)


def test_a_new_event_offers_a_day_and_an_hour_before_ticked(client, world, data):
    login(client, "orga@menden.de")
    page = text(client.get("/manage/events/new?lang=de"))
    assert "Erinnerungen" in page
    values = page_form(page)
    assert values["reminder_offsets"] == ["1440", "60"]
    assert "1 Woche" not in page and "7 Tage vorher" in page and "15 Minuten vorher" in page


@pytest.mark.parametrize(("ticked", "stored"), [(["4320", "15"], [4320, 15]), (["60"], [60]), ([], [])])
def test_the_organizer_chooses_the_reminders_or_none(client, world, data, ticked, stored):
    login(client, "orga@menden.de")
    values = {**form(organization=str(world["menden"])), "reminder_offsets": ticked}
    response = post(client, "/manage/events/new", values)
    assert response.status_code == 303
    assert created_offsets(data) == stored


def test_editing_changes_the_reminders_quietly(client, world, data):
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}/edit"
    values = page_form(text(client.get(url)))
    assert values["reminder_offsets"] == ["1440", "60"]

    response = post(client, url, {**values, "reminder_offsets": ["10080", "180"]})

    assert response.status_code == 303
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert event.reminder_offsets == [10080, 180]
        assert event.sequence == 0  # not a change attendees are told about
    assert page_form(text(client.get(url)))["reminder_offsets"] == ["10080", "180"]


@pytest.mark.parametrize("bad", [["999"], ["abc"], ["60", "-60"], ["1e3"]])
def test_other_values_are_refused_in_german_and_english(client, world, data, bad):
    login(client, "orga@menden.de")
    values = {**form(organization=str(world["menden"])), "reminder_offsets": bad}
    for lang, message in (
        ("de", "Bitte wählen Sie die Erinnerungen aus der Liste."),
        ("en", "Please choose the reminders from the list."),
    ):
        response = post(client, f"/manage/events/new?lang={lang}", values)
        assert response.status_code == 400
        assert message in text(response)
    assert created_offsets(data) is None
