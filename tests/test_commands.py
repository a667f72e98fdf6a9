"""CLI: demo-data, update-event and cancel-event (DESIGN §5–6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from eventapp.models import (
    Event,
    EventStatus,
    Organization,
    OutboxMessage,
    RegistrationStatus,
    Series,
    utcnow,
)

BERLIN = ZoneInfo("Europe/Berlin")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def demo_events(session) -> dict[str, Event]:
    session.expire_all()
    return {e.demo_key: e for e in session.scalars(select(Event).where(Event.demo_key.is_not(None)))}


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


# --- demo-data ------------------------------------------------------------------------------------


@pytest.fixture
def demo(runner, session):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    return demo_events(session)


def test_demo_data_loads_the_programme(demo, session):
    assert count(session, Organization) == 21
    assert count(session, Series) == 1
    assert len(demo) == 11
    assert count(session, OutboxMessage) == 0
    arnsberg = session.scalar(select(Organization).where(Organization.slug == "arnsberg"))
    assert arnsberg.contact_email == "smartcity@arnsberg.example"
    assert {o.kind for o in session.scalars(select(Organization))} == {"agency", "pioneer", "network"}

    now = utcnow()
    upcoming = [e for e in demo.values() if e.starts_at > now]
    past = [e for e in demo.values() if e.starts_at < now]
    assert len(upcoming) == 9
    assert {e.demo_key for e in past} == {"archiv-erste-konferenz", "archiv-austausch-gutes-leben"}
    for event in upcoming:
        assert event.status is EventStatus.PUBLISHED
        assert event.registration_opens_at <= now < event.registration_closes_at


def test_demo_konferenz_is_hybrid_with_agenda_and_a_sensitive_question(demo):
    konferenz = demo["konferenz"]
    assert konferenz.slug == "smart-cities-konferenz"
    assert konferenz.attendance.value == "hybrid"
    assert (konferenz.capacity_on_site, konferenz.capacity_online) == (150, None)
    assert konferenz.starts_at.astimezone(BERLIN).strftime("%H:%M %a") == "10:00 Thu"
    assert konferenz.ends_at.astimezone(BERLIN).strftime("%H:%M") == "16:00"
    titles = " | ".join(item.title for item in konferenz.agenda_items)
    for part in ("Begrüßung", "Arnsberg", "Bad Berleburg", "Menden", "Olpe", "Soest", "Mit Digitalisierung Raum"):
        assert part in titles
    assert "Marktplatz" in titles
    assert [q.key for q in konferenz.questions if q.sensitive] == ["beduerfnisse"]
    assert all(q.label_translations.get("en") for q in konferenz.questions)


def test_demo_menden_opening_has_ten_stands(demo):
    menden = demo["zukunftswerkstadt-menden"]
    assert menden.organization.slug == "menden"
    assert menden.capacity_on_site == 500
    stands = [item.title for item in menden.agenda_items if item.title.startswith("Stand ")]
    assert len(stands) == 10
    assert any("3D-Druck" in s for s in stands)
    assert any("Synagoge" in s for s in stands)


def test_demo_pausenhof_is_a_series_every_other_thursday(demo, session):
    series = session.scalar(select(Series).where(Series.slug == "pausenhof"))
    dates = sorted((e for e in demo.values() if e.series_id == series.id), key=lambda e: e.starts_at)
    assert len(dates) == 6
    for event in dates:
        local = event.starts_at.astimezone(BERLIN)
        assert (local.strftime("%a %H:%M"), event.ends_at.astimezone(BERLIN).strftime("%H:%M")) == (
            "Thu 12:30",
            "13:00",
        )
        assert event.capacity_online == 25
        assert event.slug == f"pausenhof-{local.date().isoformat()}"
    first = dates[0].starts_at.astimezone(BERLIN).date()
    assert all((e.starts_at.astimezone(BERLIN).date() - first).days % 14 == 0 for e in dates)


def test_demo_data_twice_creates_nothing_new(runner, demo, session):
    before = {key: (e.id, e.starts_at, e.sequence) for key, e in demo.items()}

    result = runner.invoke(args=["demo-data"])

    assert result.exit_code == 0, result.output
    assert "0 organization(s), 0 series and 0 event(s) created, 0 event(s) re-dated" in result.output
    after = {key: (e.id, e.starts_at, e.sequence) for key, e in demo_events(session).items()}
    assert after == before
    assert count(session, Organization) == 21
    assert count(session, Series) == 1
    assert count(session, Event) == 11


def test_demo_data_re_dates_its_events_when_time_has_passed(runner, demo, session):
    """Simulate fourteen weeks passing: every upcoming event has become past."""
    pausenhof_phase = min(e.starts_at for k, e in demo.items() if k.startswith("pausenhof")).astimezone(BERLIN)
    for event in demo.values():
        for thing in (event, *event.agenda_items):
            thing.starts_at = thing.starts_at and thing.starts_at - timedelta(days=98)
            thing.ends_at = thing.ends_at and thing.ends_at - timedelta(days=98)
    session.commit()

    result = runner.invoke(args=["demo-data"])

    assert result.exit_code == 0, result.output
    assert "0 event(s) created, 9 event(s) re-dated" in result.output
    events = demo_events(session)
    assert len(events) == 11
    assert count(session, Event) == 11
    assert count(session, OutboxMessage) == 0
    now = utcnow()
    for key, event in events.items():
        if key.startswith("archiv"):
            assert event.starts_at < now
            assert event.sequence == 0
        else:
            assert event.starts_at > now, key
            assert event.sequence == 1
            assert event.registration_closes_at == event.starts_at
            assert event.registration_opens_at <= now
    konferenz = events["konferenz"]
    assert konferenz.starts_at.astimezone(BERLIN).strftime("%a %H:%M") == "Thu 10:00"
    assert konferenz.agenda_items[0].starts_at == konferenz.starts_at
    assert konferenz.agenda_items[-1].ends_at == konferenz.ends_at
    pausenhof = sorted((e for k, e in events.items() if k.startswith("pausenhof")), key=lambda e: e.starts_at)
    assert len({e.slug for e in pausenhof}) == 6
    for event in pausenhof:
        local = event.starts_at.astimezone(BERLIN)
        assert local.strftime("%a %H:%M") == "Thu 12:30"
        assert (local.date() - pausenhof_phase.date()).days % 14 == 0
        assert event.slug == f"pausenhof-{local.date().isoformat()}"


def test_demo_data_moves_archive_events_back_into_the_past(runner, demo, session):
    archive = demo["archiv-erste-konferenz"]
    archive.starts_at = utcnow() + timedelta(days=3)
    archive.ends_at = archive.starts_at + timedelta(hours=2)
    session.commit()

    result = runner.invoke(args=["demo-data"])

    assert result.exit_code == 0, result.output
    assert "1 event(s) re-dated" in result.output
    assert demo_events(session)["archiv-erste-konferenz"].ends_at < utcnow()


def test_demo_data_recreates_a_deleted_event_only(runner, demo, session):
    session.delete(demo["austausch"])
    session.commit()

    result = runner.invoke(args=["demo-data"])

    assert result.exit_code == 0, result.output
    assert "1 event(s) created, 0 event(s) re-dated" in result.output
    assert demo_events(session)["austausch"].slug == "smart-cities-austausch"


# --- update-event ---------------------------------------------------------------------------------


@pytest.fixture
def event(make, session):
    event = make.event(slug="smart-cities-konferenz", starts_at=datetime(2027, 11, 18, 9, 0, tzinfo=UTC))
    return event


def test_update_event_reschedules_and_notifies_confirmed_registrants(runner, session, make, event):
    """Seat holders and confirmed waiters are told; an unconfirmed waiter is not (issue 6, Part 2 §1)."""
    confirmed = [make.registration(event), make.registration(event, locale="en")]
    waiter = make.registration(event, status=RegistrationStatus.WAITLISTED, waiting_since=utcnow())
    make.registration(event, status=RegistrationStatus.WAITLISTED, waiting_since=utcnow(), email_confirmed_at=None)
    session.commit()

    result = runner.invoke(
        args=["update-event", "smart-cities-konferenz", "--starts-at", "2027-11-25T10:00", "--venue", "Olpe"]
    )

    assert result.exit_code == 0, result.output
    assert "3 registrant(s) notified" in result.output
    session.expire_all()
    assert event.starts_at == datetime(2027, 11, 25, 9, 0, tzinfo=UTC)  # naive = Berlin (CET)
    assert event.ends_at == datetime(2027, 11, 25, 15, 0, tzinfo=UTC)
    assert event.venue == "Olpe"
    assert event.sequence == 1
    sent = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.kind, m.registration_id, m.locale) for m in sent] == [
        ("event_updated", confirmed[0].id, "de"),
        ("event_updated", confirmed[1].id, "en"),
        ("event_updated", waiter.id, "de"),
    ]


def test_update_event_accepts_an_offset_and_summer_time(runner, session, event):
    session.commit()

    result = runner.invoke(
        args=[
            "update-event",
            "smart-cities-konferenz",
            "--starts-at",
            "2028-06-01T10:00",
            "--ends-at",
            "2028-06-01T16:00:00+00:00",
        ]
    )

    assert result.exit_code == 0, result.output
    session.expire_all()
    assert event.starts_at == datetime(2028, 6, 1, 8, 0, tzinfo=UTC)  # CEST
    assert event.ends_at == datetime(2028, 6, 1, 16, 0, tzinfo=UTC)


def test_update_event_without_changes_says_so(runner, session, event):
    session.commit()
    result = runner.invoke(args=["update-event", "smart-cities-konferenz", "--venue", event.venue])
    assert result.exit_code == 0, result.output
    assert "Nothing changed" in result.output
    assert count(session, OutboxMessage) == 0


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["no-such-event", "--venue", "X"], "Unknown event 'no-such-event'"),
        (["smart-cities-konferenz", "--starts-at", "next thursday"], "is not an ISO 8601 date and time"),
        (["smart-cities-konferenz", "--starts-at", "2027-11-18"], "has no time of day"),
        (["smart-cities-konferenz", "--starts-at", "2028-03-26T02:30"], "does not exist in Europe/Berlin"),
        (["smart-cities-konferenz", "--ends-at", "2027-11-18T09:00"], "must end after it starts"),
        (["smart-cities-konferenz"], "Nothing to update"),
    ],
)
def test_update_event_fails_with_a_one_line_reason(runner, session, event, args, reason):
    session.commit()

    result = runner.invoke(args=["update-event", *args])

    assert reason in one_line_error(result)
    session.expire_all()
    assert event.sequence == 0
    assert event.starts_at == datetime(2027, 11, 18, 9, 0, tzinfo=UTC)
    assert count(session, OutboxMessage) == 0


# --- cancel-event ---------------------------------------------------------------------------------


def test_cancel_event_cancels_and_notifies(runner, session, make, event):
    registrations = [make.registration(event), make.registration(event)]
    session.commit()

    result = runner.invoke(args=["cancel-event", "smart-cities-konferenz", "--message", "Neuer Termin folgt."])

    assert result.exit_code == 0, result.output
    assert "2 registrant(s) notified" in result.output
    session.expire_all()
    assert event.status is EventStatus.CANCELLED
    assert event.cancel_message == "Neuer Termin folgt."
    assert all(r.status is RegistrationStatus.CANCELLED for r in registrations)
    sent = session.scalars(select(OutboxMessage)).all()
    assert {(m.kind, m.context["message"]) for m in sent} == {("event_cancelled", "Neuer Termin folgt.")}


def test_cancel_event_fails_for_unknown_or_cancelled_events(runner, session, make):
    make.event(slug="abgesagt", status=EventStatus.CANCELLED)
    session.commit()

    assert "Unknown event 'nope'" in one_line_error(runner.invoke(args=["cancel-event", "nope"]))
    assert "cancelled" in one_line_error(runner.invoke(args=["cancel-event", "abgesagt"]))
