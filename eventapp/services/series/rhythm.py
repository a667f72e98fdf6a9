"""A series' rhythm (issue 7 Part 3): "every other Thursday, 12:30–13:00" as dates.

The days come from python-dateutil's ``rrule`` (RFC 5545 recurrence rules) — no
hand-written loop — and each day's start and end are wall-clock times in Europe/Berlin,
converted to UTC only then, so 12:30 stays 12:30 on both sides of a DST change.

Each date becomes an Event of its own with its own UID (DESIGN §2, §5: no RRULE in the
calendars). The series keeps two traces of its rhythm: ``Series.rhythm``, a sentence for
people ("Jede zweite Woche am Donnerstag, 12:30–13:00 Uhr", written in German, the
language of the site), and ``Series.rrule``, the rule itself (DTSTART and RRULE lines), for
programs and for proposing the next date.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

from babel.dates import get_day_names
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, rrulestr, weekday

from eventapp.models import BERLIN
from eventapp.services.errors import ValidationError
from eventapp.services.translations import gettext_for

#: At most this many dates from one rhythm: a series is planned for months, not decades.
MAX_DATES = 100
#: The last date may lie at most this far after the first.
MAX_SPAN = timedelta(days=3 * 366)
MAX_INTERVAL = 52


class Frequency(enum.StrEnum):
    """How the rhythm repeats; both monthly kinds take their day from the first date."""

    DAILY = "daily"
    WEEKLY = "weekly"
    #: The same day of the month as the first date (the 15th).
    MONTHLY_BY_DATE = "monthly_date"
    #: The same weekday of the month as the first date (the third Thursday; the 5th counts as last).
    MONTHLY_BY_WEEKDAY = "monthly_weekday"


class TooManyDates(ValidationError):
    """The rhythm gives more dates than a series may have at once."""

    code = "too_many_dates"

    def __init__(self, dates: int):
        self.dates = dates
        super().__init__(f"The rhythm gives {dates} dates; at most {MAX_DATES}.", fields={"count": "too_many"})


@dataclass(frozen=True)
class Rhythm:
    """What the organizer says about the dates; ``until`` or ``count`` ends it."""

    frequency: Frequency
    first_day: date
    starts: time
    ends: time
    interval: int = 1
    #: Weekdays (0 = Monday) for a weekly rhythm; empty: the first date's weekday.
    weekdays: tuple[int, ...] = ()
    until: date | None = None
    count: int | None = None

    def rule(self, *, bounded: bool = True) -> rrule:
        """The recurrence as an ``rrule`` over days (midnight, no time zone): times come later."""
        kwargs: dict = {"dtstart": datetime.combine(self.first_day, time()), "interval": self.interval}
        if bounded:
            if self.count is not None:
                kwargs["count"] = self.count
            if self.until is not None:
                kwargs["until"] = datetime.combine(self.until, time())
        if self.frequency is Frequency.DAILY:
            return rrule(DAILY, **kwargs)
        if self.frequency is Frequency.WEEKLY:
            days = sorted(set(self.weekdays)) or [self.first_day.weekday()]
            return rrule(WEEKLY, byweekday=days, **kwargs)
        if self.frequency is Frequency.MONTHLY_BY_DATE:
            return rrule(MONTHLY, bymonthday=self.first_day.day, **kwargs)
        return rrule(MONTHLY, byweekday=weekday(self.first_day.weekday(), _nth(self.first_day)), **kwargs)


def _nth(day: date) -> int:
    """Which occurrence of its weekday ``day`` is in its month: 1–4, or -1 for the fifth (the last)."""
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


def check(rhythm: Rhythm) -> Rhythm:
    """Refuse what cannot be a rhythm, with field codes the form turns into messages."""
    if rhythm.ends <= rhythm.starts:
        raise ValidationError("A date must end after it starts.", fields={"ends": "before_start"})
    if not 1 <= rhythm.interval <= MAX_INTERVAL:
        raise ValidationError("The interval is out of range.", fields={"interval": "invalid"})
    if any(not 0 <= day <= 6 for day in rhythm.weekdays):
        raise ValidationError("Unknown weekday.", fields={"weekdays": "invalid"})
    if (rhythm.until is None) == (rhythm.count is None):
        raise ValidationError("Give either an end date or a number of dates.", fields={"until": "until_or_count"})
    if rhythm.count is not None and rhythm.count < 1:
        raise ValidationError("At least one date.", fields={"count": "invalid"})
    if rhythm.count is not None and rhythm.count > MAX_DATES:
        raise TooManyDates(rhythm.count)
    if rhythm.until is not None and rhythm.until < rhythm.first_day:
        raise ValidationError("The rhythm ends before it starts.", fields={"until": "before_first_day"})
    if rhythm.until is not None and rhythm.until - rhythm.first_day > MAX_SPAN:
        raise ValidationError("The rhythm spans more than three years.", fields={"until": "too_far"})
    return rhythm


def berlin_slot(day: date, starts: time, ends: time) -> tuple[datetime, datetime]:
    """Start and end on ``day`` at these Berlin wall-clock times, in UTC."""
    return (
        datetime.combine(day, starts, tzinfo=BERLIN).astimezone(UTC),
        datetime.combine(day, ends, tzinfo=BERLIN).astimezone(UTC),
    )


def rhythm_days(rhythm: Rhythm) -> list[date]:
    """The days of a checked rhythm; refuses none (``no_dates``) and too many (:class:`TooManyDates`)."""
    check(rhythm)
    days = [moment.date() for moment in islice(rhythm.rule(), MAX_DATES + 1)]
    if not days:
        raise ValidationError("The rhythm gives no date.", fields={"weekdays": "no_dates"})
    if len(days) > MAX_DATES:
        raise TooManyDates(rhythm.rule().count())
    return days


def rhythm_slots(rhythm: Rhythm) -> list[tuple[datetime, datetime]]:
    """Every date of the rhythm as (start, end) in UTC, from Berlin wall-clock times."""
    return [berlin_slot(day, rhythm.starts, rhythm.ends) for day in rhythm_days(rhythm)]


def days_after(rule_text: str, after: date) -> Iterator[date]:
    """The days of a stored rule (``Series.rrule``) after ``after``, without its end (its count or
    until): the rhythm goes on, for proposing the next date.

    The demo programme keeps its Pausenhof in rhythm with this; a series page proposes
    its next date with it.
    """
    rule = rrulestr(rule_text)
    if not isinstance(rule, rrule):
        raise ValueError("not a single recurrence rule")
    rule = rule.replace(count=None, until=None)
    start = datetime.combine(after, time()) + timedelta(days=1)
    moment = rule.after(start, inc=True)
    while moment is not None:
        yield moment.date()
        moment = rule.after(moment)


def rule_text(rhythm: Rhythm, *, bounded: bool = True) -> str:
    """The rule as RFC 5545 text (a DTSTART line and an RRULE line), for ``Series.rrule``."""
    return str(rhythm.rule(bounded=bounded))


_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def describe(rhythm: Rhythm, *, locale: str = "de") -> str:
    """The rhythm as a sentence, e.g. "Jede zweite Woche am Donnerstag, 12:30–13:00 Uhr"."""
    _ = gettext_for(locale)
    names = get_day_names("wide", locale=locale)
    n = rhythm.interval
    if rhythm.frequency is Frequency.DAILY:
        text = _("Every day") if n == 1 else _("Every {n} days").format(n=n)
    elif rhythm.frequency is Frequency.WEEKLY:
        days = sorted(set(rhythm.weekdays)) or [rhythm.first_day.weekday()]
        listed = ", ".join(str(names[day]) for day in days)
        if n == 1:
            text = _("Every week on {days}").format(days=listed)
        elif n == 2:
            text = _("Every other week on {days}").format(days=listed)
        else:
            text = _("Every {n} weeks on {days}").format(n=n, days=listed)
    elif rhythm.frequency is Frequency.MONTHLY_BY_DATE:
        day = rhythm.first_day.day
        text = (
            _("Every month on day {day}").format(day=day)
            if n == 1
            else _("Every {n} months on day {day}").format(n=n, day=day)
        )
    else:
        ordinal = {
            "first": _("first"),
            "second": _("second"),
            "third": _("third"),
            "fourth": _("fourth"),
            "last": _("last"),
        }[_ORDINALS[_nth(rhythm.first_day)]]
        name = str(names[rhythm.first_day.weekday()])
        text = (
            _("Every month on the {ordinal} {weekday}").format(ordinal=ordinal, weekday=name)
            if n == 1
            else _("Every {n} months on the {ordinal} {weekday}").format(n=n, ordinal=ordinal, weekday=name)
        )
    return _("{rhythm}, {start}–{end}").format(
        rhythm=text, start=rhythm.starts.strftime("%H:%M"), end=rhythm.ends.strftime("%H:%M")
    )
