"""The demo programme builder: dates in Berlin time, re-dating, the Pausenhof rhythm."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from eventapp.models import Event, OutboxMessage
from eventapp.services import demo

BERLIN = ZoneInfo("Europe/Berlin")


def by_key(session) -> dict[str, Event]:
    return {e.demo_key: e for e in session.scalars(select(Event).where(Event.demo_key.is_not(None)))}


def pausenhof_days(session) -> list[date]:
    return sorted(
        e.starts_at.astimezone(BERLIN).date() for k, e in by_key(session).items() if k.startswith("pausenhof")
    )


def test_wall_clock_times_hold_across_the_change_to_summer_time(session):
    now = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)  # clocks go forward on 28 March 2027

    demo.build_programme(session, now=now)

    events = by_key(session)
    konferenz = events["konferenz"]
    assert konferenz.starts_at == datetime(2027, 4, 29, 8, 0, tzinfo=UTC)  # 10:00 CEST
    pausenhof = sorted((e for k, e in events.items() if k.startswith("pausenhof")), key=lambda e: e.starts_at)
    assert pausenhof[0].starts_at == datetime(2027, 3, 11, 11, 30, tzinfo=UTC)  # 12:30 CET
    # 6 May 2027 is Ascension Day: skipped, so the sixth date is 3 June.
    assert pausenhof[-1].starts_at == datetime(2027, 6, 3, 10, 30, tzinfo=UTC)  # 12:30 CEST
    assert {e.starts_at.astimezone(BERLIN).strftime("%H:%M") for e in pausenhof} == {"12:30"}
    assert {e.ends_at.astimezone(BERLIN).strftime("%H:%M") for e in pausenhof} == {"13:00"}
    assert {e.starts_at.astimezone(BERLIN).utcoffset() for e in pausenhof} == {timedelta(hours=1), timedelta(hours=2)}


def test_a_past_pausenhof_date_moves_behind_the_others_in_rhythm(session):
    start = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    demo.build_programme(session, now=start)
    before = by_key(session)
    first_days = pausenhof_days(session)
    kept = {k: e.starts_at for k, e in before.items() if k.startswith("pausenhof") and k != "pausenhof-1"}

    result = demo.build_programme(session, now=start + timedelta(days=8))

    assert result.events_redated == ["pausenhof-1"]
    assert result.events_created == []
    after = by_key(session)
    assert {k: after[k].starts_at for k in kept} == kept
    days = pausenhof_days(session)
    assert days == first_days[1:] + [first_days[-1] + timedelta(days=14)]
    assert after["pausenhof-1"].slug == f"pausenhof-{days[-1].isoformat()}"
    assert session.scalars(select(OutboxMessage)).all() == []


def test_demo_dates_avoid_holidays(session):
    demo.build_programme(session, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))

    days = pausenhof_days(session)
    assert date(2026, 12, 24) not in days
    assert all((day - days[0]).days % 14 == 0 for day in days)
    assert all(not demo.is_day_off(e.starts_at.astimezone(BERLIN).date()) for e in by_key(session).values())


def test_easter_and_the_holidays_that_depend_on_it():
    assert demo.easter_sunday(2027) == date(2027, 3, 28)
    assert demo.easter_sunday(2030) == date(2030, 4, 21)
    assert demo.is_day_off(date(2027, 5, 6))  # Ascension Day, a Thursday
    assert demo.is_day_off(date(2027, 5, 27))  # Corpus Christi, a Thursday
    assert not demo.is_day_off(date(2027, 5, 13))


def test_online_and_hybrid_demo_events_carry_illustrative_meeting_links_kept_on_rerun(session):
    start = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    demo.build_programme(session, now=start)
    events = by_key(session)
    assert events["austausch"].join_url == "https://meet.example/smart-cities-austausch"
    assert events["konferenz"].livestream_url == "https://stream.example/smart-cities-konferenz"
    pausenhof = [e for k, e in events.items() if k.startswith("pausenhof")]
    assert {e.join_url for e in pausenhof} == {"https://meet.example/pausenhof"}
    menden = events["zukunftswerkstadt-menden"]  # on site only
    assert menden.join_url is None and menden.livestream_url is None
    urls = [url for e in events.values() for url in (e.join_url, e.livestream_url, e.recording_url) if url]
    assert urls and all(url.split("/")[2].endswith(".example") for url in urls)

    # An organizer's own link stays; a link lost from an older demo database comes back.
    events["austausch"].join_url = "https://meet.example/eigener-raum"
    events["konferenz"].livestream_url = None
    session.flush()
    demo.build_programme(session, now=start + timedelta(days=8))
    again = by_key(session)
    assert again["austausch"].join_url == "https://meet.example/eigener-raum"
    assert again["konferenz"].livestream_url == "https://stream.example/smart-cities-konferenz"
    assert {e.join_url for k, e in again.items() if k.startswith("pausenhof")} == {"https://meet.example/pausenhof"}


def test_the_pausenhof_series_keeps_its_rhythm_as_a_rule_for_the_next_date(session):
    from eventapp.models import Series
    from eventapp.services.series import organize

    demo.build_programme(session, now=datetime(2027, 1, 11, 9, 0, tzinfo=UTC))

    series = session.scalar(select(Series).where(Series.slug == "pausenhof"))
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH" in series.rrule
    day, starts, _ends = organize.next_slot(session, series)
    assert day == pausenhof_days(session)[-1] + timedelta(days=14)
    assert starts.strftime("%H:%M") == "12:30"
