"""The calendar builder: instants through four independent parsers, DST, SEQUENCE, iTIP, escaping, feeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream

from eventapp.mail import deliver_outbox
from eventapp.models import (
    CancelReason,
    EventAttendance,
    EventStatus,
    Mode,
    RegistrationStatus,
    utcnow,
)
from eventapp.services import calendar, events, registration
from eventapp.services.audit import CLI
from eventapp.services.errors import NotFound, ValidationError
from tests.helpers import recorded_selects

BASE = "https://events.example.org"


def page_of(event: Any) -> str:
    """The URL builder the web layer would pass in (eventapp.urls.event_url)."""
    return f"{BASE}/events/{event.slug}"


BERLIN = ZoneInfo("Europe/Berlin")


# --- parsers --------------------------------------------------------------------------------


def _aware(value: Any) -> datetime:
    assert isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None
    return value.astimezone(UTC)


def read_icalendar(data: bytes) -> dict[str, tuple[datetime, datetime]]:
    parsed = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): (_aware(e.decoded("DTSTART")), _aware(e.decoded("DTEND"))) for e in parsed.walk("VEVENT")}


def read_vobject(data: bytes) -> dict[str, tuple[datetime, datetime]]:
    parsed = vobject.readOne(data.decode())
    return {e.uid.value: (_aware(e.dtstart.value), _aware(e.dtend.value)) for e in parsed.vevent_list}


def read_ics(data: bytes) -> dict[str, tuple[datetime, datetime]]:
    parsed = ics.Calendar(data.decode())
    return {e.uid: (_aware(e.begin.datetime), _aware(e.end.datetime)) for e in parsed.events}


def read_ical(data: bytes) -> dict[str, tuple[datetime, datetime]]:
    parsed = IcsCalendarStream.calendar_from_ics(data.decode())
    return {e.uid: (_aware(e.dtstart), _aware(e.dtend)) for e in parsed.events}


PARSERS: list[Callable[[bytes], dict[str, tuple[datetime, datetime]]]] = [
    read_icalendar,
    read_vobject,
    read_ics,
    read_ical,
]


def vevents(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def only_vevent(data: bytes) -> icalendar.Event:
    found = vevents(data)
    assert len(found) == 1
    return found[0]


def counted_selects(session):
    """SELECT statements run on the session's database meanwhile."""
    return recorded_selects(session.get_bind())


# --- instants: summer, winter, DST boundaries -------------------------------------------------


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
def test_every_parser_reads_summer_and_winter_events_at_the_instant_we_wrote(session, make, parse):
    summer = make.event(starts_at=datetime(2027, 7, 15, 8, 0, tzinfo=UTC))  # 10:00 CEST
    winter = make.event(starts_at=datetime(2027, 1, 14, 9, 0, tzinfo=UTC))  # 10:00 CET
    summer.ends_at = datetime(2027, 7, 15, 14, 0, tzinfo=UTC)
    winter.ends_at = datetime(2027, 1, 14, 15, 30, tzinfo=UTC)
    data = calendar.build_calendar(
        [calendar.event_vevent(e, event_url=page_of, dtstamp=e.updated_at) for e in (summer, winter)]
    )
    got = parse(data)
    assert got[summer.uid] == (summer.starts_at, summer.ends_at)
    assert got[winter.uid] == (winter.starts_at, winter.ends_at)


def test_times_are_written_as_berlin_local_times_with_tzid(session, make):
    summer = make.event(starts_at=datetime(2027, 7, 15, 8, 0, tzinfo=UTC))
    winter = make.event(starts_at=datetime(2027, 1, 14, 9, 0, tzinfo=UTC))
    data = calendar.build_calendar(
        [calendar.event_vevent(e, event_url=page_of, dtstamp=e.updated_at) for e in (summer, winter)]
    )
    text = data.decode()
    assert "DTSTART;TZID=Europe/Berlin:20270715T100000" in text
    assert "DTSTART;TZID=Europe/Berlin:20270114T100000" in text
    assert text.count("BEGIN:VTIMEZONE") == 1
    assert "TZID:Europe/Berlin" in text


# Last Sundays: 28 March 2027 (02:00 CET → 03:00 CEST = 01:00 UTC) and
# 31 October 2027 (03:00 CEST → 02:00 CET = 01:00 UTC).
DST_MOMENTS = [datetime(2027, 3, 28, 0, 0, tzinfo=UTC) + timedelta(minutes=30 * step) for step in range(0, 12)] + [
    datetime(2027, 10, 30, 23, 0, tzinfo=UTC) + timedelta(minutes=30 * step) for step in range(0, 12)
]


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
def test_dst_boundaries_last_sundays_of_march_and_october(session, make, parse):
    """Every half hour around both changes, including the hour that occurs twice in October."""
    built = []
    for moment in DST_MOMENTS:
        event = make.event(starts_at=moment)
        event.ends_at = moment + timedelta(minutes=90)
        built.append(event)
    # A daytime event on each Sunday (the usual case) and one spanning the October night.
    day_march = make.event(starts_at=datetime(2027, 3, 28, 8, 0, tzinfo=UTC))  # 10:00 CEST
    day_october = make.event(starts_at=datetime(2027, 10, 31, 9, 0, tzinfo=UTC))  # 10:00 CET
    night = make.event(starts_at=datetime(2027, 10, 30, 20, 0, tzinfo=UTC))
    night.ends_at = datetime(2027, 10, 31, 6, 0, tzinfo=UTC)
    built += [day_march, day_october, night]
    data = calendar.build_calendar([calendar.event_vevent(e, event_url=page_of, dtstamp=e.updated_at) for e in built])
    got = parse(data)
    for event in built:
        assert got[event.uid] == (event.starts_at, calendar.event_end(event)), event.starts_at


def test_daytime_events_on_the_dst_sundays_keep_their_wall_clock_time(session, make):
    march = make.event(starts_at=datetime(2027, 3, 28, 8, 0, tzinfo=UTC))
    october = make.event(starts_at=datetime(2027, 10, 31, 9, 0, tzinfo=UTC))
    text = calendar.build_calendar(
        [calendar.event_vevent(e, event_url=page_of, dtstamp=e.updated_at) for e in (march, october)]
    ).decode()
    assert "DTSTART;TZID=Europe/Berlin:20270328T100000" in text
    assert "DTSTART;TZID=Europe/Berlin:20271031T100000" in text


def test_the_repeated_october_hour_is_written_in_utc():
    first = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert calendar.calendar_time(first).tzinfo == BERLIN
    assert calendar.calendar_time(second) == second and calendar.calendar_time(second).tzinfo is UTC


def _renamed_vtimezone(tzid: str) -> str:
    return calendar.berlin_vtimezone().to_ical().decode().replace("Europe/Berlin", tzid)


def test_our_vtimezone_alone_gives_zoneinfo_offsets_every_hour_for_years(session):
    """Clients that ignore the TZID name and use the VTIMEZONE rules (Outlook) get the same offsets."""
    tzid = "Eventapp/Test-Copy"
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n"
        + _renamed_vtimezone(tzid)
        + "BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20270101T000000Z\r\n"
        + f"DTSTART;TZID={tzid}:20270101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    tz = vobject.readOne(text).vevent.dtstart.value.tzinfo
    assert "Berlin" not in repr(tz)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment < datetime(2036, 1, 1, tzinfo=UTC):
        expected = moment.astimezone(BERLIN)
        assert moment.astimezone(tz).replace(tzinfo=None) == expected.replace(tzinfo=None), moment
        moment += timedelta(hours=1)


def test_vtimezone_transitions_start_at_the_local_time_before_the_change():
    text = calendar.berlin_vtimezone().to_ical().decode()
    daylight = text[text.index("BEGIN:DAYLIGHT") : text.index("END:DAYLIGHT")]
    standard = text[text.index("BEGIN:STANDARD") : text.index("END:STANDARD")]
    assert "DTSTART:19700329T020000" in daylight and "BYDAY=-1SU" in daylight and "BYMONTH=3" in daylight
    assert "TZOFFSETFROM:+0100" in daylight and "TZOFFSETTO:+0200" in daylight
    assert "DTSTART:19701025T030000" in standard and "BYMONTH=10" in standard
    assert "TZOFFSETFROM:+0200" in standard and "TZOFFSETTO:+0100" in standard


# --- content ------------------------------------------------------------------------------------


def test_vevent_carries_the_stored_uid_and_public_content(session, make):
    org = make.organization(name="Südwestfalen Agentur", contact_email="info@agentur.example")
    event = make.event(
        organization=org,
        title="Smart Cities: Konferenz",
        summary="Kurz",
        description="Lang\nmit Zeilen",
        format="konferenz",
        venue="Sauerlandhalle",
        address="Hauptstraße 1, 59821 Arnsberg",
    )
    vevent = only_vevent(calendar.event_calendar(event, event_url=page_of))
    assert str(vevent["UID"]) == event.uid and event.uid.endswith("@eventapp")
    assert str(vevent["SUMMARY"]) == "Smart Cities: Konferenz"
    assert str(vevent["LOCATION"]) == "Sauerlandhalle, Hauptstraße 1, 59821 Arnsberg"
    assert str(vevent["URL"]) == f"{BASE}/events/{event.slug}"
    assert "Lang\nmit Zeilen" in str(vevent["DESCRIPTION"])
    assert f"{BASE}/events/{event.slug}" in str(vevent["DESCRIPTION"])
    assert vevent["CATEGORIES"].cats == ["konferenz"]
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["ORGANIZER"]) == "mailto:info@agentur.example"
    assert vevent["ORGANIZER"].params["CN"] == "Südwestfalen Agentur"
    assert vevent["SEQUENCE"] == 0
    assert vevent.decoded("LAST-MODIFIED") == event.updated_at.replace(microsecond=0)
    assert vevent.decoded("DTSTAMP") == event.updated_at.replace(microsecond=0)
    assert "ATTENDEE" not in vevent


def test_download_has_no_method(session, make):
    data = calendar.event_calendar(make.event(), event_url=page_of)
    assert "METHOD" not in icalendar.Calendar.from_ical(data)
    assert b"METHOD:" not in data


def test_event_contact_address_overrides_the_organization_as_organizer(session, make):
    event = make.event(contact_email="team@menden.example")
    assert (
        str(only_vevent(calendar.event_calendar(event, event_url=page_of))["ORGANIZER"]) == "mailto:team@menden.example"
    )


def test_event_without_end_gets_the_default_duration_and_stays_valid(session, make):
    event = make.event(starts_at=datetime(2027, 5, 6, 10, 30, tzinfo=UTC), ends_at=None)
    for parse in PARSERS:
        start, end = parse(calendar.event_calendar(event, event_url=page_of))[event.uid]
        assert (start, end) == (event.starts_at, event.starts_at + calendar.DEFAULT_DURATION)


def test_event_ending_before_it_starts_still_yields_a_valid_calendar(session, make):
    event = make.event(starts_at=datetime(2027, 5, 6, 10, 30, tzinfo=UTC))
    event.ends_at = event.starts_at - timedelta(hours=2)
    event.venue, event.address, event.summary, event.description, event.format = "", "", "", "", ""
    for parse in PARSERS:
        assert parse(calendar.event_calendar(event, event_url=page_of))[event.uid][1] > event.starts_at


def test_online_event_location_says_online_and_cancelled_event_is_marked(session, make):
    event = make.event(attendance=EventAttendance.ONLINE, venue="", address="", status=EventStatus.CANCELLED)
    event.cancel_message = "Leider krank."
    vevent = only_vevent(calendar.event_calendar(event, event_url=page_of))
    assert str(vevent["LOCATION"]) == "Online"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["SUMMARY"]).startswith("Abgesagt: ")
    assert "Leider krank." in str(vevent["DESCRIPTION"])


# --- escaping and injection -----------------------------------------------------------------------

NASTY = (
    "Umlaute äöüß, Komma; Semikolon \\ Backslash 😀\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\nATTENDEE:mailto:x@evil"
)


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
def test_organizer_text_cannot_inject_properties_or_components(session, make, parse):
    org = make.organization(name='Stadt "X"\r\nORGANIZER:mailto:evil@example.org')
    event = make.event(organization=org, title=NASTY, summary=NASTY, description=NASTY, venue=NASTY, address=NASTY)
    event.format = "konferenz,\r\nX-EVIL:1"
    data = calendar.event_calendar(event, event_url=page_of)
    assert list(parse(data)) == [event.uid]
    vevent = only_vevent(data)
    assert "evil" not in [str(v) for v in vevent.values()]
    names = [name for name, _value in vevent.property_items()]
    assert [name for name in names if names.count(name) > 1] == []
    assert "X-EVIL" not in vevent and "ATTENDEE" not in vevent
    assert str(vevent["ORGANIZER"]) == f"mailto:{org.contact_email}"


def test_text_round_trips_exactly_with_newlines_and_special_characters(session, make):
    text = "Zeile 1, mit Komma; und Semikolon\nZeile 2: äöü ß € 😀 \\ Ende"
    event = make.event(title="Titel; mit, Zeichen äöü 😀", description=text, summary="")
    data = calendar.event_calendar(event, event_url=page_of)
    vevent = only_vevent(data)
    assert str(vevent["SUMMARY"]) == "Titel; mit, Zeichen äöü 😀"
    assert str(vevent["DESCRIPTION"]).startswith(text + "\n")
    assert vobject.readOne(data.decode()).vevent.description.value.startswith(text)
    assert b"\\;" in data and b"\\," in data and b"\\n" in data


def test_lines_are_folded_at_75_octets_and_end_with_crlf(session, make):
    event = make.event(title="Ä" * 120, description="😀" * 200)
    data = calendar.event_calendar(event, event_url=page_of)
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in data.replace(b"\r\n", b"")
    lines[0].decode()  # folding never splits a UTF-8 sequence
    for line in lines:
        line.decode("utf-8")


def test_control_characters_are_removed_from_text(session, make):
    event = make.event(title="A\x01B\x0bC\x1bD\x7f")
    assert str(only_vevent(calendar.event_calendar(event, event_url=page_of))["SUMMARY"]) == "ABCD"


def test_registrant_name_cannot_inject_into_the_attendee(session, make, now):
    event = make.event()
    reg = make.registration(event, given_name='Eve"\r\nATTENDEE:mailto:x@evil.example;', family_name="M;,:")
    data = calendar.invitation(reg, method="REQUEST", now=now, event_url=page_of)
    vevent = only_vevent(data)
    attendees = vevent.get("ATTENDEE")
    assert not isinstance(attendees, list)
    assert str(attendees) == f"mailto:{reg.person.email}"
    assert b"evil.example" not in data.replace(b"\r\n ", b"").split(b"CN=")[0]


def test_unsafe_join_links_are_dropped(session, make, now):
    event = make.event(attendance=EventAttendance.ONLINE)
    reg = make.registration(event, mode=Mode.ONLINE)
    data = calendar.invitation(
        reg, method="REQUEST", now=now, event_url=page_of, join_url="https://meet.example/a\r\nX-EVIL:1"
    )
    assert b"X-EVIL" not in data.replace(b"\r\n ", b"")
    assert str(only_vevent(data)["LOCATION"]) == "Online"
    assert calendar.safe_uri("javascript:alert(1)") is None


# --- invitations (iTIP) -----------------------------------------------------------------------------


def test_request_invitation_follows_itip(session, make, now):
    org = make.organization(name="Stadt Arnsberg", contact_email="events@arnsberg.example")
    event = make.event(organization=org)
    reg = make.registration(event, given_name="Erika", family_name="Mustermann")
    data = calendar.invitation(reg, method="REQUEST", now=now, event_url=page_of)
    parsed = icalendar.Calendar.from_ical(data)
    assert str(parsed["METHOD"]) == "REQUEST"
    vevent = only_vevent(data)
    assert str(vevent["UID"]) == event.uid
    assert vevent.decoded("DTSTAMP") == now
    assert str(vevent["ORGANIZER"]) == "mailto:events@arnsberg.example"
    attendee = vevent["ATTENDEE"]
    assert str(attendee) == f"mailto:{reg.person.email}"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert attendee.params["CN"] == "Erika Mustermann"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert "Ihre Teilnahme: vor Ort" in str(vevent["DESCRIPTION"])


def test_cancel_invitation_has_same_uid_raised_sequence_and_cancelled_status(session, make, now):
    event = make.event()
    event.sequence = 3
    reg = make.registration(event, change_count=1)
    request = only_vevent(calendar.invitation(reg, method="REQUEST", now=now, event_url=page_of))
    data = calendar.invitation(reg, method="CANCEL", now=now, event_url=page_of)
    cancel = only_vevent(data)
    assert str(icalendar.Calendar.from_ical(data)["METHOD"]) == "CANCEL"
    assert str(cancel["UID"]) == str(request["UID"]) == event.uid
    assert request["SEQUENCE"] == 4
    assert cancel["SEQUENCE"] == 5
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert str(cancel["ATTENDEE"]) == f"mailto:{reg.person.email}"


def test_unknown_method_is_refused(session, make, now):
    reg = make.registration(make.event())
    with pytest.raises(ValueError):
        calendar.invitation(reg, method="PUBLISH", now=now, event_url=page_of)


def test_personal_invitation_in_english_for_english_registrants(session, make, now):
    reg = make.registration(make.event(), locale="en", mode=Mode.ONLINE)
    description = str(
        only_vevent(calendar.invitation(reg, method="REQUEST", now=now, event_url=page_of))["DESCRIPTION"]
    )
    assert "Your participation: online" in description


def test_join_link_only_in_the_persons_own_online_invitation(session, make, now):
    event = make.event(attendance=EventAttendance.HYBRID)
    online = make.registration(event, mode=Mode.ONLINE)
    on_site = make.registration(event, mode=Mode.ON_SITE)
    join = "https://meet.example/room?t=secret"
    data = calendar.invitation(online, method="REQUEST", now=now, event_url=page_of, join_url=join)
    vevent = only_vevent(data)
    assert str(vevent["LOCATION"]) == join
    assert join in str(vevent["DESCRIPTION"])
    on_site_data = calendar.invitation(on_site, method="REQUEST", now=now, event_url=page_of, join_url=join)
    assert b"secret" not in on_site_data
    assert b"secret" not in calendar.event_calendar(event, event_url=page_of)


# --- SEQUENCE across edits and mode switches ------------------------------------------------------------


def _sequence(reg, now, method="REQUEST") -> int:
    return only_vevent(calendar.invitation(reg, method=method, now=now, event_url=page_of))["SEQUENCE"]


def test_sequence_rises_with_every_event_edit_that_matters(session, make, now):
    event = make.event(starts_at=now + timedelta(days=30))
    reg = make.registration(event)
    assert _sequence(reg, now) == 0
    events.update_event(session, event, now=now, actor=CLI, venue="Neue Halle")
    assert _sequence(reg, now) == 1
    events.update_event(session, event, now=now, actor=CLI, starts_at=event.starts_at + timedelta(hours=1))
    assert _sequence(reg, now) == 2
    events.update_event(session, event, now=now, actor=CLI, capacity_on_site=50)  # not announced to attendees
    assert _sequence(reg, now) == 2
    assert only_vevent(calendar.event_calendar(event, event_url=page_of))["SEQUENCE"] == 2


def test_mode_switch_raises_the_persons_sequence_but_not_the_public_one(session, make, now):
    event = make.event(starts_at=now + timedelta(days=30), capacity_online=None)
    reg = make.registration(event, mode=Mode.ON_SITE, ticket_id="t-1", ticket_serial=1)
    assert _sequence(reg, now) == 0
    registration.switch_mode(session, reg, now=now)
    assert reg.mode is Mode.ONLINE and reg.change_count == 1
    assert _sequence(reg, now) == 1
    vevent = only_vevent(calendar.invitation(reg, method="REQUEST", now=now, event_url=page_of))
    assert str(vevent["LOCATION"]) == "Online"
    assert only_vevent(calendar.event_calendar(event, event_url=page_of))["SEQUENCE"] == 0
    events.update_event(session, event, now=now, actor=CLI, venue="Neue Halle")
    assert _sequence(reg, now) == 2


def test_registering_again_after_a_cancel_gets_a_sequence_above_the_cancel(session, make, now):
    event = make.event(starts_at=now + timedelta(days=30))
    person = make.person()
    first = make.registration(event, person=person, change_count=2)
    cancel_sequence = _sequence(first, now, "CANCEL")
    registration.cancel(session, first, now=now)
    second = make.registration(event, person=person)
    assert _sequence(second, now) > cancel_sequence
    assert _sequence(second, now, "CANCEL") > _sequence(second, now)


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
def test_a_persons_dates_as_one_publish_calendar_read_by_every_parser(parse, session, make, now):
    """The series mail's series.ics: several UIDs in one METHOD:PUBLISH object (iTIP allows
    one UID per REQUEST), across a DST change, each with the SEQUENCE later per-date mails build on."""
    person = make.person(email="erika@example.org")
    starts = [datetime(2027, 3, 18, 11, 30, tzinfo=UTC), datetime(2027, 4, 1, 10, 30, tzinfo=UTC)]
    regs = [
        make.registration(make.event(starts_at=start, ends_at=start + timedelta(minutes=30)), person=person)
        for start in starts
    ]
    data = calendar.published_dates(regs, now=now, event_url=page_of, name="Pausenhof")
    parsed = icalendar.Calendar.from_ical(data)
    assert str(parsed["METHOD"]) == "PUBLISH"
    assert all("ATTENDEE" not in v and "ORGANIZER" in v for v in parsed.walk("VEVENT"))
    assert parse(data) == {reg.event.uid: (reg.event.starts_at, reg.event.ends_at) for reg in regs}
    # 12:30 Berlin on both sides of the change to summer time.
    assert {v.decoded("DTSTART").strftime("%H:%M") for v in parsed.walk("VEVENT")} == {"12:30"}


# --- feeds: validators and contents ----------------------------------------------------------------


def scope(now: datetime, **kwargs: Any) -> calendar.FeedScope:
    return calendar.FeedScope(window_start=calendar.feed_window_start(now), **kwargs)


def test_public_feed_lists_published_and_cancelled_events_of_the_window_without_method(session, make, now):
    upcoming = make.event(starts_at=now + timedelta(days=10))
    recent = make.event(starts_at=now - timedelta(days=30))
    cancelled = make.event(starts_at=now + timedelta(days=5), status=EventStatus.CANCELLED)
    make.event(starts_at=now + timedelta(days=10), status=EventStatus.DRAFT)
    make.event(starts_at=now - timedelta(days=200))
    data = calendar.public_feed(session, scope(now), event_url=page_of, name="Programm")
    assert b"METHOD" not in data
    parsed = icalendar.Calendar.from_ical(data)
    assert {str(v["UID"]) for v in parsed.walk("VEVENT")} == {upcoming.uid, recent.uid, cancelled.uid}
    assert str(parsed["X-WR-CALNAME"]) == "Programm"
    assert "REFRESH-INTERVAL" in parsed


def test_feeds_state_their_polling_interval_as_icalendar_durations(session, make, now):
    """Regression: X-PUBLISHED-TTL came out as ``1:00:00`` (a Python timedelta), which no client reads."""
    make.event(starts_at=now + timedelta(days=3))
    person = make.registration(make.event(starts_at=now + timedelta(days=4))).person
    public = calendar.public_feed(session, scope(now), event_url=page_of, name="Programm")
    personal = calendar.personal_feed(session, person, now=now, event_url=page_of, name="Meine")
    for data in (public, personal):
        lines = data.decode().split("\r\n")
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
        assert "X-PUBLISHED-TTL:PT1H" in lines
        assert icalendar.vDuration.from_ical(str(icalendar.Calendar.from_ical(data)["X-PUBLISHED-TTL"])) == timedelta(
            hours=1
        )


def test_public_feed_filters_by_format_and_organization(session, make, now):
    org = make.organization(slug="olpe")
    pausenhof = make.event(starts_at=now + timedelta(days=3), format="pausenhof")
    olpe = make.event(starts_at=now + timedelta(days=3), organization=org)
    data = calendar.public_feed(session, scope(now, format="pausenhof"), event_url=page_of, name="x")
    assert [str(v["UID"]) for v in vevents(data)] == [pausenhof.uid]
    data = calendar.public_feed(session, scope(now, organization="olpe"), event_url=page_of, name="x")
    assert [str(v["UID"]) for v in vevents(data)] == [olpe.uid]


def test_public_feed_never_contains_personal_data_or_attendees(session, make, now):
    event = make.event(starts_at=now + timedelta(days=3))
    reg = make.registration(event, given_name="Geheim", family_name="Person")
    data = calendar.public_feed(session, scope(now), event_url=page_of, name="x")
    assert reg.person.email.encode() not in data
    assert b"Geheim" not in data and b"ATTENDEE" not in data


def test_unknown_filter_values_are_refused_known_formats_are_fine(session, make, now):
    with pytest.raises(ValidationError) as error:
        calendar.public_feed_version(session, scope(now, format="no-such-format"))
    assert "format" in error.value.fields
    with pytest.raises(ValidationError) as error:
        calendar.public_feed_version(session, scope(now, organization="nowhere"))
    assert "organization" in error.value.fields
    calendar.public_feed_version(session, scope(now, format="workshop"))  # known, even if unused
    make.event(format="hackathon")
    calendar.public_feed_version(session, scope(now, format="hackathon"))
    with pytest.raises(NotFound):
        calendar.public_feed_version(session, scope(now, series="no-such-series"))


def test_feed_version_costs_one_query(session, make, now):
    make.organization(slug="olpe")
    make.event(starts_at=now + timedelta(days=3))
    session.flush()
    with counted_selects(session) as statements:
        calendar.public_feed_version(session, scope(now, format="austausch", organization="olpe"))
    assert len(statements) == 1
    with counted_selects(session) as statements, pytest.raises(ValidationError):
        calendar.public_feed_version(session, scope(now, format="odd-one", organization="nowhere"))
    assert len(statements) == 1


def test_feed_version_changes_only_when_the_scope_changes(session, make, now):
    event = make.event(starts_at=now + timedelta(days=3), format="austausch")
    draft = make.event(starts_at=now + timedelta(days=4), format="austausch", status=EventStatus.DRAFT)
    other = make.event(starts_at=now + timedelta(days=4), format="konferenz")
    session.flush()
    first = calendar.public_feed_version(session, scope(now, format="austausch"))
    assert calendar.public_feed_version(session, scope(now, format="austausch")) == first
    other.updated_at = now + timedelta(minutes=1)
    session.flush()
    assert calendar.public_feed_version(session, scope(now, format="austausch")) == first
    draft.updated_at = now + timedelta(minutes=2)  # drafts count: publishing must change the feed
    session.flush()
    second = calendar.public_feed_version(session, scope(now, format="austausch"))
    assert second.etag != first.etag
    session.delete(draft)
    session.flush()
    third = calendar.public_feed_version(session, scope(now, format="austausch"))
    assert third.etag not in (first.etag, second.etag)
    later = calendar.public_feed_version(
        session,
        calendar.FeedScope(window_start=calendar.feed_window_start(now + timedelta(days=1)), format="austausch"),
    )
    assert later.etag != third.etag
    assert event.id


def test_last_modified_is_the_latest_change_or_the_window_move(session, make, now):
    event = make.event(starts_at=now + timedelta(days=3))
    event.updated_at = now - timedelta(hours=1)
    session.flush()
    version = calendar.public_feed_version(session, scope(now))
    assert version.last_modified == (now - timedelta(hours=1)).replace(microsecond=0)
    event.updated_at = now - timedelta(days=3)
    session.flush()
    midnight = datetime.combine(now.astimezone(BERLIN).date(), datetime.min.time(), tzinfo=BERLIN)
    assert calendar.public_feed_version(session, scope(now)).last_modified == midnight.astimezone(UTC)


def test_feed_window_reaches_back_90_days():
    assert calendar.feed_window_start(datetime(2027, 6, 1, 12, tzinfo=UTC)) == date(2027, 3, 3)


def test_feeds_are_stable_bytes_for_the_same_data(session, make, now):
    make.event(starts_at=now + timedelta(days=3))
    first = calendar.public_feed(session, scope(now), event_url=page_of, name="x")
    assert calendar.public_feed(session, scope(now), event_url=page_of, name="x") == first


# --- personal feed -----------------------------------------------------------------------------


def test_personal_feed_holds_the_persons_active_registrations_with_their_mode(session, make, now):
    person = make.person(language="de")
    confirmed = make.registration(make.event(starts_at=now + timedelta(days=3)), person=person, mode=Mode.ONLINE)
    waiting = make.registration(
        make.event(starts_at=now + timedelta(days=4)), person=person, status=RegistrationStatus.WAITLISTED
    )
    cancelled = make.registration(
        make.event(starts_at=now + timedelta(days=5)),
        person=person,
        status=RegistrationStatus.CANCELLED,
        cancel_reason=CancelReason.CANCELLED,
    )
    draft = make.registration(make.event(starts_at=now + timedelta(days=6), status=EventStatus.DRAFT), person=person)
    someone_else = make.registration(make.event(starts_at=now + timedelta(days=3)))
    data = calendar.personal_feed(session, person, now=now, event_url=page_of, name="Meine")
    assert b"METHOD" not in data
    by_uid = {str(v["UID"]): v for v in vevents(data)}
    assert set(by_uid) == {confirmed.event.uid, waiting.event.uid}
    assert cancelled.event.uid not in by_uid and draft.event.uid not in by_uid
    assert someone_else.event.uid not in by_uid
    assert "Ihre Teilnahme: online" in str(by_uid[confirmed.event.uid]["DESCRIPTION"])
    assert str(by_uid[confirmed.event.uid]["LOCATION"]) == "Online"
    assert str(by_uid[confirmed.event.uid]["STATUS"]) == "CONFIRMED"
    assert str(by_uid[waiting.event.uid]["STATUS"]) == "TENTATIVE"
    assert "Warteliste" in str(by_uid[waiting.event.uid]["DESCRIPTION"])
    assert "ATTENDEE" not in by_uid[confirmed.event.uid]


def test_personal_feed_sequence_includes_the_change_count(session, make, now):
    person = make.person()
    reg = make.registration(make.event(starts_at=now + timedelta(days=3)), person=person, change_count=2)
    reg.event.sequence = 1
    data = calendar.personal_feed(session, person, now=now, event_url=page_of, name="x")
    assert only_vevent(data)["SEQUENCE"] == 3


def test_personal_join_links_only_in_the_personal_feed(session, make, now):
    person = make.person()
    reg = make.registration(make.event(starts_at=now + timedelta(days=3)), person=person, mode=Mode.ONLINE)
    join = "https://events.example/j/secret-token"
    data = calendar.personal_feed(
        session, person, now=now, event_url=page_of, name="x", join_url=lambda r: join if r.id == reg.id else None
    )
    entry = only_vevent(data)
    assert join in str(entry["DESCRIPTION"])
    assert str(entry["URL"]) == join and str(entry["LOCATION"]) == join
    assert b"secret" not in calendar.public_feed(session, scope(now), event_url=page_of, name="x")


def test_personal_feed_version_and_revocation(session, make, now):
    person = make.person()
    reg = make.registration(make.event(starts_at=now + timedelta(days=3)), person=person)
    session.flush()
    token = person.feed_token
    first = calendar.personal_feed_version(session, token, now=now)
    assert calendar.personal_feed_version(session, token, now=now) == first
    registration.cancel(session, reg, now=now)
    session.flush()
    assert calendar.personal_feed_version(session, token, now=now).etag != first.etag
    new = calendar.revoke_feed_token(session, person)
    assert new != token
    with pytest.raises(NotFound):
        calendar.personal_feed_version(session, token, now=now)
    with pytest.raises(NotFound):
        calendar.person_by_feed_token(session, token)
    assert calendar.person_by_feed_token(session, new) is person
    with pytest.raises(NotFound):
        calendar.personal_feed_version(session, "", now=now)


def test_personal_feed_version_costs_one_query(session, make, now):
    person = make.person()
    make.registration(make.event(starts_at=now + timedelta(days=3)), person=person)
    session.flush()
    with counted_selects(session) as statements:
        calendar.personal_feed_version(session, person.feed_token, now=now)
    assert len(statements) == 1


# --- "add to calendar" links ---------------------------------------------------------------------


def test_web_calendar_links_carry_public_data_in_utc(session, make):
    event = make.event(starts_at=datetime(2027, 7, 15, 8, 0, tzinfo=UTC), title="Konferenz & mehr")
    links = calendar.web_calendar_links(event, event_url=page_of)
    assert links["google"].startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert "dates=20270715T080000Z%2F20270715T140000Z" in links["google"]
    assert "text=Konferenz+%26+mehr" in links["google"]
    assert links["outlook"].startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert "startdt=2027-07-15T08%3A00%3A00Z" in links["outlook"]
    assert links["office365"].startswith("https://outlook.office.com/")
    assert calendar.webcal("https://x.example/calendar.ics") == "webcal://x.example/calendar.ics"


# --- invitations end to end: services → outbox → real SMTP server → parsed back -------------------------


def _invitations(smtp_server, address: str) -> list[tuple[str, icalendar.Event]]:
    """(METHOD, VEVENT) of every calendar part mailed to ``address``, in order; checks the layout too."""
    found = []
    for message in smtp_server.messages_to(address):
        inline = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
        if not inline:
            continue
        (part,) = inline
        method = part.get_param("method")
        (attachment,) = [part for part in message.walk() if part.get_content_type() == "application/ics"]
        assert attachment.get_filename() == ("invite.ics" if method == "REQUEST" else "cancel.ics")
        assert attachment.get_content() == part.get_payload(decode=True)
        parsed = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        assert str(parsed["METHOD"]) == method
        found.append((method, only_vevent(part.get_payload(decode=True))))
    return found


def _deliver(session, now):
    session.commit()
    report = deliver_outbox(session, now=now)
    assert report.failed == []
    return report


def _person_input(email: str, mode: str | None = "on_site") -> registration.RegistrationInput:
    return registration.RegistrationInput(
        given_name="Erika", family_name="Mustermann", email=email, mode=mode, privacy_consent=True
    )


def test_invitation_chain_request_update_switch_and_cancel_over_smtp(session, make, smtp_server, now):
    """Ticket (REQUEST 0) → event moved (REQUEST 1) → mode switch (REQUEST 2) → cancel (CANCEL 3)."""
    event = make.event(starts_at=now + timedelta(days=20), capacity_on_site=5, capacity_online=None)
    address = "erika@example.org"
    reg = registration.submit(session, event, _person_input(address), now=now, confirm_email=False).registration
    _deliver(session, now)
    events.update_event(session, event, now=now, actor=CLI, starts_at=event.starts_at + timedelta(hours=2))
    _deliver(session, now)
    registration.switch_mode(session, reg, now=now)
    _deliver(session, now)
    registration.cancel(session, reg, now=now)
    _deliver(session, now)

    got = _invitations(smtp_server, address)
    assert [(method, v["SEQUENCE"]) for method, v in got] == [
        ("REQUEST", 0),
        ("REQUEST", 1),
        ("REQUEST", 2),
        ("CANCEL", 3),
    ]
    assert {str(v["UID"]) for _m, v in got} == {event.uid}
    first, moved, switched, cancelled = (v for _m, v in got)
    assert first.decoded("DTSTART") == event.starts_at - timedelta(hours=2)
    assert moved.decoded("DTSTART") == event.starts_at
    # Switched online: the person's own join link is where the entry leads, never the meeting URL.
    assert str(switched["LOCATION"]) == str(switched["URL"]) == f"http://localhost/j/{reg.join_token}"
    assert f"/j/{reg.join_token}" in str(switched["DESCRIPTION"])
    assert str(cancelled["LOCATION"]) == "Online" and "/j/" not in str(cancelled["DESCRIPTION"])
    assert str(cancelled["STATUS"]) == "CANCELLED"
    for _method, vevent in got:
        assert str(vevent["ATTENDEE"]) == f"mailto:{address}"
        assert vevent["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
        assert vevent.decoded("DTSTAMP") == now
        assert str(vevent["ORGANIZER"]) == f"mailto:{event.organizer_email}"


def test_event_cancellation_sends_cancel_to_every_ticket_holder(session, make, smtp_server, now):
    event = make.event(starts_at=now + timedelta(days=20), capacity_on_site=1)
    registration.submit(session, event, _person_input("a@example.org"), now=now, confirm_email=False)
    registration.submit(session, event, _person_input("b@example.org"), now=now, confirm_email=False)  # waits
    _deliver(session, now)
    events.cancel_event(session, event, now=now, actor=CLI, message="Die Halle ist gesperrt.")
    _deliver(session, now)
    a = _invitations(smtp_server, "a@example.org")
    assert [(method, v["SEQUENCE"]) for method, v in a] == [("REQUEST", 0), ("CANCEL", 2)]
    assert "Die Halle ist gesperrt." in str(a[-1][1]["DESCRIPTION"])
    assert _invitations(smtp_server, "b@example.org") == []  # never had an entry


def test_promotion_sends_the_invitation_to_the_promoted_person(session, make, smtp_server, now):
    event = make.event(starts_at=now + timedelta(days=20), capacity_on_site=1)
    first = registration.submit(session, event, _person_input("a@example.org"), now=now, confirm_email=False)
    registration.submit(session, event, _person_input("b@example.org"), now=now, confirm_email=False)
    registration.cancel(session, first.registration, now=now)
    _deliver(session, now)
    assert [m for m, _v in _invitations(smtp_server, "a@example.org")] == ["CANCEL"]
    assert [m for m, _v in _invitations(smtp_server, "b@example.org")] == ["REQUEST"]


def test_update_and_cancel_commands_send_calendar_updates(session, make, runner, smtp_server, now):
    """The CLI of DESIGN §5 edits through the events service, so attendees get REQUEST then CANCEL."""
    event = make.event(slug="konferenz", starts_at=utcnow() + timedelta(days=20))
    reg = make.registration(event, ticket_id="t-cli", ticket_serial=1)
    address = reg.person.email
    session.commit()
    result = runner.invoke(args=["update-event", "konferenz", "--venue", "Kulturzentrum Olpe"])
    assert result.exit_code == 0, result.output
    _deliver(session, utcnow())
    result = runner.invoke(args=["cancel-event", "konferenz", "--message", "Leider abgesagt."])
    assert result.exit_code == 0, result.output
    _deliver(session, utcnow())
    got = _invitations(smtp_server, address)
    assert [(method, v["SEQUENCE"]) for method, v in got] == [("REQUEST", 1), ("CANCEL", 3)]
    assert str(got[0][1]["LOCATION"]).startswith("Kulturzentrum Olpe")
    assert str(got[1][1]["STATUS"]) == "CANCELLED"
