"""VALARM (issue 8 Part 3): mailed invitations (METHOD:REQUEST) alarm at the event's shortest
reminder; cancellations and every feed carry none (subscribed calendars ignore or strip alarms,
and the personal feed beside the accepted invitation would ring twice)."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
import pytest

from eventapp.mail import build_message
from eventapp.models import Mode
from eventapp.services import calendar, outbox
from eventapp.services.calendar import FeedScope
from tests.services.test_calendar import only_vevent, page_of


def alarms(data: bytes) -> list[icalendar.Alarm]:
    return list(icalendar.Calendar.from_ical(data).walk("VALARM"))


@pytest.mark.parametrize(
    ("offsets", "trigger", "written"),
    [
        ([1440, 60], timedelta(hours=-1), b"TRIGGER:-PT1H"),
        ([1440], timedelta(days=-1), b"TRIGGER:-P1D"),
        ([4320, 15], timedelta(minutes=-15), b"TRIGGER:-PT15M"),
    ],
)
def test_the_invitation_alarms_at_the_shortest_reminder(session, make, now, offsets, trigger, written):
    event = make.event(title="Smart Cities: Austausch", reminder_offsets=offsets)
    registration = make.registration(event)
    data = calendar.invitation(registration, method="REQUEST", now=now, event_url=page_of)

    [alarm] = alarms(data)
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert str(alarm["DESCRIPTION"]) == "Smart Cities: Austausch"
    assert alarm.decoded("TRIGGER") == trigger
    assert written in data
    assert alarm in only_vevent(data).subcomponents


def test_no_alarm_without_reminders_nor_in_a_cancellation(session, make, now):
    quiet = make.registration(make.event(reminder_offsets=[]))
    assert alarms(calendar.invitation(quiet, method="REQUEST", now=now, event_url=page_of)) == []
    registration = make.registration(make.event())
    assert alarms(calendar.invitation(registration, method="CANCEL", now=now, event_url=page_of)) == []


def test_feeds_and_downloads_carry_no_alarm(session, make, now):
    series = make.series(slug="pausenhof")
    event = make.event(starts_at=now + timedelta(days=3), series=series, format="pausenhof")
    registration = make.registration(event, mode=Mode.ONLINE)
    scope = FeedScope(window_start=date(2026, 11, 1))

    public = calendar.public_feed(session, scope, event_url=page_of, name="Veranstaltungen")
    series_feed = calendar.public_feed(
        session, FeedScope(window_start=date(2026, 11, 1), series="pausenhof"), event_url=page_of, name="Pausenhof"
    )
    personal = calendar.personal_feed(session, registration.person, now=now, event_url=page_of, name="Meine")
    download = calendar.event_calendar(event, event_url=page_of)

    for data in (public, series_feed, personal, download):
        assert event.uid in data.decode()
        assert b"VALARM" not in data


def test_the_mailed_invitation_carries_the_alarm(session, make, now):
    registration = make.registration(make.event(), ticket_id="alarm-ticket", ticket_serial=1)
    message = outbox.mail_registrant(session, registration, "ticket", now=now)

    email = build_message(session, message, now=now)

    [ics] = [part for part in email.walk() if part.get_filename() == "invite.ics"]
    assert [alarm.decoded("TRIGGER") for alarm in alarms(ics.get_content())] == [timedelta(hours=-1)]
