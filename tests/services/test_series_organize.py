"""The organizer's series (issue 7 Part 3): made from a rhythm, dates added, moved, retopiced,
skipped and published — each date through the event services."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from sqlalchemy import select

from eventapp.mail.render import build_message
from eventapp.models import (
    BERLIN,
    AuditEntry,
    Event,
    EventAttendance,
    EventStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    Series,
)
from eventapp.services import calendar, series
from eventapp.services.audit import CLI
from eventapp.services.errors import ValidationError
from eventapp.services.registration import RegistrationInput
from eventapp.services.series import organize
from eventapp.services.series.rhythm import Frequency, Rhythm, TooManyDates

NOW = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def template(**overrides) -> organize.DateTemplate:
    values = {
        "title": "Pausenhof",
        "summary": "Die virtuelle Pause der Smart Cities: Schule.",
        "description": "Ganz informell.",
        "format": "pausenhof",
        "attendance": EventAttendance.ONLINE,
        "venue": "",
        "address": "",
        "capacity_on_site": None,
        "capacity_online": 2,
        "join_url": "https://meet.example.org/pausenhof",
    }
    values.update(overrides)
    return organize.DateTemplate(**values)


def every_other_thursday(**overrides) -> Rhythm:
    values = {
        "frequency": Frequency.WEEKLY,
        "first_day": date(2026, 10, 15),
        "starts": time(12, 30),
        "ends": time(13, 0),
        "interval": 2,
        "weekdays": (3,),
        "count": 4,
    }
    values.update(overrides)
    return Rhythm(**values)


@pytest.fixture
def agency(make):
    return make.organization(slug="agentur", name="Südwestfalen Agentur")


def new_series(session, agency, **overrides) -> Series:
    return organize.create_series(
        session, agency, template(), every_other_thursday(**overrides), now=NOW, actor=CLI, topics=["Daten", "", "KI"]
    )


def outbox(session, kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


def invitation_of(session, message: OutboxMessage) -> tuple[str, icalendar.Event]:
    email = build_message(session, message, now=NOW)
    for part in email.walk():
        if part.get_content_type() == "text/calendar":
            vevent = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
            return part.get_param("method"), vevent
    raise AssertionError("no calendar part")


def registered(session, event: Event, email: str = "erika@example.org") -> Registration:
    from eventapp.services import registration

    data = RegistrationInput(
        given_name="Erika", family_name="Muster", email=email, organization="Olpe", mode="online", privacy_consent=True
    )
    return registration.submit(session, event, data, now=NOW, confirm_email=False).registration


def test_a_series_from_a_rhythm_has_a_draft_date_with_its_own_uid_for_every_day(session, agency):
    made = new_series(session, agency)

    dates = session.scalars(select(Event).where(Event.series_id == made.id).order_by(Event.starts_at)).all()
    assert [e.starts_at.astimezone(BERLIN).date() for e in dates] == [
        date(2026, 10, 15),
        date(2026, 10, 29),
        date(2026, 11, 12),
        date(2026, 11, 26),
    ]
    assert {e.starts_at.astimezone(BERLIN).strftime("%H:%M") for e in dates} == {"12:30"}
    assert {e.status for e in dates} == {EventStatus.DRAFT}
    assert len({e.uid for e in dates}) == 4
    assert [e.slug for e in dates][0] == "pausenhof-2026-10-15"
    assert [e.topic for e in dates] == ["Daten", "", "KI", ""]
    assert [e.heading for e in dates][0] == "Pausenhof: Daten"
    assert {e.join_url for e in dates} == {"https://meet.example.org/pausenhof"}
    assert made.slug == "pausenhof" and made.rhythm == "Jede zweite Woche am Donnerstag, 12:30–13:00 Uhr"
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TH" in made.rrule
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "series")) == "series.created"
    assert outbox(session) == []


def test_a_rhythm_without_dates_or_with_too_many_creates_nothing(session, agency):
    with pytest.raises(ValidationError):
        new_series(session, agency, count=None, first_day=date(2026, 10, 16), until=date(2026, 10, 21))
    with pytest.raises(TooManyDates):
        new_series(session, agency, count=101)
    with pytest.raises(ValidationError) as refused:
        organize.create_series(
            session, agency, template(), every_other_thursday(count=2), now=NOW, actor=CLI, topics=["a", "b", "c"]
        )
    assert refused.value.fields == {"topics": "too_many_topics"}
    assert session.scalars(select(Series)).all() == []


def test_a_template_without_venue_on_site_is_refused(session, agency):
    with pytest.raises(ValidationError) as refused:
        organize.create_series(
            session, agency, template(attendance=EventAttendance.ON_SITE, capacity_on_site=5), every_other_thursday(),
            now=NOW, actor=CLI,
        )  # fmt: skip
    assert refused.value.fields == {"venue": "required"}


def test_skipping_an_unpublished_date_deletes_it(session, agency):
    made = new_series(session, agency)
    first = made.events[0]

    assert organize.skip_date(session, first, now=NOW, actor=CLI) == "deleted"

    assert session.get(Event, first.id) is None
    assert len(organize.series_dates_for_organizer(session, made)) == 3
    assert outbox(session) == []


def test_skipping_a_published_date_cancels_it_with_a_calendar_cancel(session, agency):
    made = new_series(session, agency)
    first = made.events[0]
    organize.publish_date(session, first, now=NOW, actor=CLI)
    registered(session, first)

    assert organize.skip_date(session, first, now=NOW, actor=CLI, message="Feiertag") == "cancelled"

    assert first.status is EventStatus.CANCELLED and first.sequence == 1
    (mail,) = outbox(session, "event_cancelled")
    method, vevent = invitation_of(session, mail)
    assert method == "CANCEL" and str(vevent["STATUS"]) == "CANCELLED" and vevent["UID"] == first.uid


def test_moving_a_date_sends_an_updated_invitation_with_a_raised_sequence(session, agency):
    made = new_series(session, agency)
    first = made.events[0]
    organize.publish_date(session, first, now=NOW, actor=CLI)
    registered(session, first)
    later = datetime(2026, 10, 15, 14, 0, tzinfo=BERLIN)

    changed = organize.edit_date(
        session, first, starts_at=later, ends_at=later + timedelta(minutes=30), topic="Daten", now=NOW, actor=CLI
    )

    assert changed == ["starts_at", "ends_at"]
    assert first.sequence == 1
    (mail,) = outbox(session, "event_updated")
    method, vevent = invitation_of(session, mail)
    assert method == "REQUEST" and int(vevent["SEQUENCE"]) == 1
    assert vevent.decoded("DTSTART").astimezone(BERLIN).strftime("%H:%M") == "14:00"


def test_a_new_topic_reaches_the_feed_without_mail_or_sequence(session, agency):
    made = new_series(session, agency)
    first = made.events[0]
    organize.publish_date(session, first, now=NOW, actor=CLI)
    registered(session, first)
    before = len(outbox(session))
    later = NOW + timedelta(hours=1)

    changed = organize.edit_date(
        session, first, starts_at=first.starts_at, ends_at=first.ends_at, topic="Digitale Behördengänge",
        now=later, actor=CLI,
    )  # fmt: skip

    assert changed == ["topic"]
    assert first.sequence == 0 and len(outbox(session)) == before
    assert first.updated_at == later
    feed = calendar.event_calendar(first, event_url=lambda e: f"https://example.org/events/{e.slug}")
    assert b"SUMMARY:Pausenhof: Digitale Beh" in feed
    assert series.date_topic(first) == "Digitale Behördengänge"


def test_an_added_date_copies_the_latest_and_is_picked_up_by_a_series_registration(session, agency, make):
    made = new_series(session, agency)
    organize.publish_all(session, made, now=NOW, actor=CLI)
    make.question(made.events[-1], key="kommune", label="Kommune?")
    sreg = series.submit_series(
        session,
        made,
        RegistrationInput(
            given_name="Erika", family_name="Muster", email="erika@example.org", organization="Olpe",
            mode="online", privacy_consent=True,
        ),
        now=NOW,
    ).series_registration  # fmt: skip
    series.confirm_series(session, sreg, now=NOW)
    start = datetime(2026, 12, 10, 12, 30, tzinfo=BERLIN)

    added = organize.add_date(
        session, made, starts_at=start, ends_at=start + timedelta(minutes=30), topic="Jahresrückblick",
        now=NOW, actor=CLI,
    )  # fmt: skip

    assert added.status is EventStatus.DRAFT and added.series_id == made.id
    assert added.capacity_online == 2 and added.join_url == "https://meet.example.org/pausenhof"
    assert [q.key for q in added.questions] == ["kommune"]
    assert session.scalar(select(Registration).where(Registration.event_id == added.id)) is None

    assert organize.publish_date(session, added, now=NOW, actor=CLI) is True

    reg = session.scalar(select(Registration).where(Registration.event_id == added.id))
    assert reg is not None and reg.series_registration_id == sreg.id
    assert reg.status is RegistrationStatus.CONFIRMED


def test_publishing_all_publishes_the_upcoming_drafts(session, agency):
    made = new_series(session, agency)

    assert organize.publish_all(session, made, now=NOW, actor=CLI) == 4
    assert organize.publish_all(session, made, now=NOW, actor=CLI) == 0
    assert {e.status for e in made.events} == {EventStatus.PUBLISHED}


def test_a_new_date_in_the_past_is_refused(session, agency):
    made = new_series(session, agency)
    with pytest.raises(ValidationError):
        organize.add_date(session, made, starts_at=NOW - timedelta(days=1), ends_at=NOW, now=NOW, actor=CLI)
