"""A series' rhythm as dates (issue 7 Part 3): rrule days at Berlin wall-clock times, stored UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

import pytest

from eventapp.models import BERLIN
from eventapp.services.errors import ValidationError
from eventapp.services.series import rhythm
from eventapp.services.series.rhythm import Frequency, Rhythm, TooManyDates

THURSDAY = 3


def weekly(**overrides) -> Rhythm:
    values = {
        "frequency": Frequency.WEEKLY,
        "first_day": date(2026, 10, 15),
        "starts": time(12, 30),
        "ends": time(13, 0),
        "weekdays": (THURSDAY,),
        "count": 5,
    }
    values.update(overrides)
    return Rhythm(**values)


def test_weekly_across_the_end_of_summer_time_stays_at_half_past_twelve_in_berlin():
    # Mid-October to mid-November 2026; the clocks go back on 25 October.
    slots = rhythm.rhythm_slots(weekly(count=None, until=date(2026, 11, 19)))

    starts = [start.astimezone(BERLIN) for start, _end in slots]
    assert [start.date() for start in starts] == [date(2026, 10, 15) + timedelta(weeks=n) for n in range(6)]
    assert {start.strftime("%H:%M") for start in starts} == {"12:30"}
    assert {end.astimezone(BERLIN).strftime("%H:%M") for _start, end in slots} == {"13:00"}
    # Stored in UTC: 10:30 in summer time, 11:30 after the change.
    assert slots[1][0] == datetime(2026, 10, 22, 10, 30, tzinfo=UTC)
    assert slots[2][0] == datetime(2026, 10, 29, 11, 30, tzinfo=UTC)
    assert all(start.tzinfo is UTC for start, _end in slots)


def test_every_other_week_skips_a_week_and_spring_forward_keeps_the_time():
    days = rhythm.rhythm_days(weekly(first_day=date(2027, 3, 11), interval=2, count=4))

    assert days == [date(2027, 3, 11), date(2027, 3, 25), date(2027, 4, 8), date(2027, 4, 22)]
    slots = rhythm.rhythm_slots(weekly(first_day=date(2027, 3, 11), interval=2, count=4))
    assert [start.astimezone(BERLIN).hour for start, _end in slots] == [12, 12, 12, 12]


def test_count_and_until_give_the_same_dates():
    by_count = rhythm.rhythm_days(weekly(count=3))
    by_until = rhythm.rhythm_days(weekly(count=None, until=date(2026, 10, 29)))

    assert by_count == by_until == [date(2026, 10, 15), date(2026, 10, 22), date(2026, 10, 29)]


def test_a_first_day_off_the_weekday_starts_with_the_next_matching_day():
    assert rhythm.rhythm_days(weekly(first_day=date(2026, 10, 13), count=2)) == [date(2026, 10, 15), date(2026, 10, 22)]


def test_several_weekdays_daily_and_monthly():
    assert rhythm.rhythm_days(weekly(weekdays=(0, THURSDAY), first_day=date(2026, 10, 12), count=4)) == [
        date(2026, 10, 12),
        date(2026, 10, 15),
        date(2026, 10, 19),
        date(2026, 10, 22),
    ]
    daily = weekly(frequency=Frequency.DAILY, weekdays=(), count=3)
    assert rhythm.rhythm_days(daily) == [date(2026, 10, 15), date(2026, 10, 16), date(2026, 10, 17)]
    by_date = weekly(frequency=Frequency.MONTHLY_BY_DATE, weekdays=(), count=3)
    assert rhythm.rhythm_days(by_date) == [date(2026, 10, 15), date(2026, 11, 15), date(2026, 12, 15)]
    # 15 October 2026 is the third Thursday of its month.
    by_weekday = weekly(frequency=Frequency.MONTHLY_BY_WEEKDAY, weekdays=(), count=3)
    assert rhythm.rhythm_days(by_weekday) == [date(2026, 10, 15), date(2026, 11, 19), date(2026, 12, 17)]


def test_a_rhythm_without_any_date_is_refused():
    # Thursdays from a Friday to the following Wednesday: none.
    with pytest.raises(ValidationError) as refused:
        rhythm.rhythm_days(weekly(first_day=date(2026, 10, 16), count=None, until=date(2026, 10, 21)))
    assert refused.value.fields == {"weekdays": "no_dates"}


def test_too_many_dates_are_refused_with_their_number():
    with pytest.raises(TooManyDates) as by_count:
        rhythm.rhythm_days(weekly(count=150))
    assert by_count.value.dates == 150
    with pytest.raises(TooManyDates) as by_until:
        rhythm.rhythm_days(weekly(frequency=Frequency.DAILY, count=None, until=date(2027, 10, 14)))
    assert by_until.value.dates == 365
    assert len(rhythm.rhythm_days(weekly(count=rhythm.MAX_DATES))) == rhythm.MAX_DATES


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"count": None, "until": date(2026, 10, 1)}, "until", "before_first_day"),
        ({"ends": time(12, 0)}, "ends", "before_start"),
        ({"count": None}, "until", "until_or_count"),
        ({"until": date(2026, 12, 1)}, "until", "until_or_count"),
        ({"count": 0}, "count", "invalid"),
        ({"interval": 0}, "interval", "invalid"),
        ({"count": None, "until": date(2030, 1, 1)}, "until", "too_far"),
    ],
)
def test_bad_rhythms_are_refused_with_a_field_code(overrides, field, code):
    with pytest.raises(ValidationError) as refused:
        rhythm.rhythm_days(weekly(**overrides))
    assert refused.value.fields == {field: code}


def test_the_rhythm_in_words_and_as_a_rule():
    every_other = weekly(interval=2)

    assert rhythm.describe(every_other) == "Jede zweite Woche am Donnerstag, 12:30–13:00 Uhr"
    assert rhythm.describe(every_other, locale="en") == "Every other week on Thursday, 12:30–13:00"
    assert rhythm.describe(weekly(frequency=Frequency.MONTHLY_BY_WEEKDAY)) == (
        "Jeden Monat am dritten Donnerstag, 12:30–13:00 Uhr"
    )
    text = rhythm.rule_text(every_other)
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=5;BYDAY=TH" in text
    # The rhythm goes on past its count (to propose the next date).
    assert list(islice(rhythm.days_after(text, date(2026, 11, 20)), 2)) == [date(2026, 11, 26), date(2026, 12, 10)]
