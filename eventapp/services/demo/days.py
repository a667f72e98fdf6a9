"""Date rules of the demo programme: weekdays, NRW public holidays, "in n weeks" pickers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)


def weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's name)
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def is_day_off(day: date) -> bool:
    """Public holidays in North Rhine-Westphalia and the days between Christmas and New Year.

    Demo dates avoid them, as real organizers would.
    """
    if (day.month, day.day) in {(1, 1), (5, 1), (10, 3), (11, 1)} or (day.month == 12 and day.day >= 24):
        return True
    easter = easter_sunday(day.year)
    return (day - easter).days in {
        -2,
        1,
        39,
        50,
        60,
    }  # Good Friday, Easter Monday, Ascension, Whit Monday, Corpus Christi


def in_weeks(weeks: int, weekday: int) -> Callable[[date], date]:
    """A picker: the first ``weekday`` from ``weeks`` weeks after today that is no day off."""

    def pick(today: date) -> date:
        day = weekday_on_or_after(today + timedelta(weeks=weeks), weekday)
        while is_day_off(day):
            day += timedelta(weeks=1)
        return day

    return pick


def weeks_ago(weeks: int, weekday: int) -> Callable[[date], date]:
    """A picker: the last ``weekday`` up to ``weeks`` weeks before today that is no day off."""

    def pick(today: date) -> date:
        day = weekday_on_or_before(today - timedelta(weeks=weeks), weekday)
        while is_day_off(day):
            day -= timedelta(weeks=1)
        return day

    return pick
