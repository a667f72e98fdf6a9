"""The organizer's series forms (issue 7 Part 3): a series from a rhythm, one date, skipping a date.

Days and times are typed in Europe/Berlin; the rhythm service
(:mod:`eventapp.services.series.rhythm`) turns them into dates and its field codes come
back here as messages in the user's language.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from eventapp.blueprints.manage.event_forms import (
    SERVICE_MESSAGES,
    TOO_LONG,
    DateTemplateForm,
    MultiCheckboxField,
    exists_in_berlin,
)
from eventapp.models import BERLIN, Event, EventAttendance, Mode
from eventapp.services.event_editor import MAX_TOPIC
from eventapp.services.series.organize import DateTemplate
from eventapp.services.series.rhythm import MAX_DATES, MAX_INTERVAL, Frequency, Rhythm

FREQUENCIES = {
    Frequency.WEEKLY: _l("Weekly (on the weekdays below)"),
    Frequency.DAILY: _l("Daily"),
    Frequency.MONTHLY_BY_WEEKDAY: _l("Monthly, on the same weekday as the first date (e.g. the third Thursday)"),
    Frequency.MONTHLY_BY_DATE: _l("Monthly, on the same day of the month as the first date"),
}
WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
#: The rhythm's field codes as messages.
RHYTHM_MESSAGES = {
    **SERVICE_MESSAGES,
    "no_dates": _l("This rhythm gives no date. Please check the weekdays, the first date and the end."),
    "before_first_day": _l("The end date must not lie before the first date."),
    "until_or_count": _l("Please give either an end date or a number of dates."),
    "too_far": _l("The end date may lie at most three years after the first date."),
    "too_many_topics": _l("There are more topics than dates."),
    "in_the_past": _l("The date must lie in the future."),
}
DATE_MESSAGE = _l("Please enter a date, for example 18.03.2027.")
TIME_MESSAGE = _l("Please enter a time, for example 12:30.")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class _Day(DateField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(DATE_MESSAGE)) from error


class _Clock(TimeField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(TIME_MESSAGE)) from error


def _day(label: Any, *validators: Any) -> _Day:
    return _Day(label, validators=list(validators) or [Optional()])


def _clock(label: Any, message: Any) -> _Clock:
    return _Clock(label, validators=[InputRequired(message)])


class _Times:
    """Start and end of a date, typed as Berlin wall-clock times; the end after the start."""

    starts: _Clock
    ends: _Clock

    def check_times(self) -> bool:
        if self.starts.data is not None and self.ends.data is not None and self.ends.data <= self.starts.data:
            self.ends.errors.append(str(_l("The end must lie after the start.")))
            return False
        return True


class SeriesForm(DateTemplateForm, _Times):
    """A new series: what its dates share, and the rhythm that gives the dates."""

    frequency = RadioField(
        _l("Rhythm"),
        choices=[SelectChoice(f.value, label) for f, label in FREQUENCIES.items()],
        default=Frequency.WEEKLY.value,
        validators=[InputRequired(_l("Please choose a rhythm."))],
    )
    interval = IntegerField(
        _l("Every how many weeks, days or months"),
        default=1,
        validators=[
            InputRequired(_l("Please enter a whole number.")),
            NumberRange(min=1, max=MAX_INTERVAL, message=_l("Please enter a whole number from 1 to %(max)s.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_INTERVAL},
    )
    weekdays = MultiCheckboxField(
        _l("Weekdays"), choices=[SelectChoice(str(n), label) for n, label in enumerate(WEEKDAYS)], coerce=str
    )
    first_day = _day(_l("First date"), InputRequired(_l("Please enter the first date.")))
    starts = _clock(_l("Starts at"), _l("Please enter when the dates start."))
    ends = _clock(_l("Ends at"), _l("Please enter when the dates end."))
    end_kind = RadioField(
        _l("The series ends"),
        choices=[SelectChoice("count", _l("after a number of dates")), SelectChoice("until", _l("on an end date"))],
        default="count",
        validators=[InputRequired(_l("Please choose how the series ends."))],
    )
    count = IntegerField(
        _l("Number of dates"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_DATES, message=_l("Please enter a whole number from 1 to %(max)s.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_DATES},
    )
    until = _day(_l("End date (last possible date)"))
    topics = TextAreaField(
        _l("Topics of the dates"),
        validators=[Optional(), Length(max=MAX_DATES * (MAX_TOPIC + 1), message=TOO_LONG)],
        render_kw={"rows": 5},
    )

    messages = RHYTHM_MESSAGES

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators) and self.check_times()
        if self.end_kind.data == "count" and self.count.data is None and not self.count.errors:
            self.count.errors.append(str(_l("Please enter the number of dates.")))
            valid = False
        if self.end_kind.data == "until" and self.until.data is None and not self.until.errors:
            self.until.errors.append(str(_l("Please enter the end date.")))
            valid = False
        for line in self.topic_lines():
            if len(line) > MAX_TOPIC:
                self.topics.errors.append(str(_l("A topic may have at most %(max)d characters.", max=MAX_TOPIC)))
                return False
        return valid

    def topic_lines(self) -> list[str]:
        return [line.strip() for line in (self.topics.data or "").splitlines()]

    def template(self) -> DateTemplate:
        capacities = self.capacities()
        attendance = EventAttendance(self.attendance.data)
        return DateTemplate(
            title=self.title.data or "",
            summary=self.summary.data or "",
            description=self.description.data or "",
            format=self.format.data or "",
            attendance=attendance,
            venue=self.venue.data or "",
            address=self.address.data or "",
            capacity_on_site=capacities[Mode.ON_SITE],
            capacity_online=capacities[Mode.ONLINE],
            contact_email=self.contact_email.data or None,
            join_url=self.join_url.data or None,
        )

    def rhythm(self) -> Rhythm:
        by_count = self.end_kind.data == "count"
        return Rhythm(
            frequency=Frequency(self.frequency.data),
            first_day=self.first_day.data,  # type: ignore[arg-type]
            starts=self.starts.data,  # type: ignore[arg-type]
            ends=self.ends.data,  # type: ignore[arg-type]
            interval=self.interval.data or 1,
            weekdays=tuple(int(day) for day in self.weekdays.data or ()),
            count=self.count.data if by_count else None,
            until=None if by_count else self.until.data,
        )

    def topic_list(self) -> list[str]:
        """Topics in date order; trailing empty lines dropped."""
        lines = self.topic_lines()
        while lines and not lines[-1]:
            lines.pop()
        return lines


class DateForm(FlaskForm, _Times):
    """One date of a series: its day, times and topic (adding one, or moving one)."""

    day = _day(_l("Date"), InputRequired(_l("Please enter the date.")))
    starts = _clock(_l("Starts at"), _l("Please enter when the date starts."))
    ends = _clock(_l("Ends at"), _l("Please enter when the date ends."))
    topic = StringField(_l("Topic"), filters=[_strip], validators=[Optional(), Length(max=MAX_TOPIC, message=TOO_LONG)])
    publish = BooleanField(_l("Publish at once (registrants of the series are registered for it)"))

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators) and self.check_times()
        if valid and not exists_in_berlin(datetime.combine(self.day.data, self.starts.data)):  # type: ignore[arg-type]
            self.starts.errors.append(str(_l("This time does not exist in Germany (the clocks are put forward).")))
            valid = False
        return valid

    def fill(self, event: Event) -> None:
        starts = event.starts_at.astimezone(BERLIN)
        self.day.data = starts.date()
        self.starts.data = starts.time().replace(second=0, microsecond=0, tzinfo=None)
        if event.ends_at is not None:
            self.ends.data = event.ends_at.astimezone(BERLIN).time().replace(second=0, microsecond=0, tzinfo=None)
        self.topic.data = event.topic

    def propose(self, day: date | None, starts: time | None, ends: time | None) -> None:
        """Fill a new date's form with the rhythm's next day and the latest date's times."""
        self.day.data, self.starts.data, self.ends.data = day, starts, ends

    def slot(self) -> tuple[datetime, datetime]:
        """Start and end, aware (Berlin)."""
        day: date = self.day.data  # type: ignore[assignment]
        return (
            datetime.combine(day, self.starts.data, tzinfo=BERLIN),  # type: ignore[arg-type]
            datetime.combine(day, self.ends.data, tzinfo=BERLIN),  # type: ignore[arg-type]
        )

    def add_service_errors(self, fields: dict[str, str]) -> None:
        targets = {"starts_at": self.day, "ends_at": self.ends, "topic": self.topic}
        for name, code in fields.items():
            target = targets.get(name, self.day)
            target.errors = [*target.errors, str(RHYTHM_MESSAGES.get(code, SERVICE_MESSAGES["invalid"]))]


class SkipDateForm(FlaskForm):
    """Leave a date out; a published one is cancelled with a message to everyone registered."""

    message = TextAreaField(
        _l("Message to the registrants"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
        render_kw={"rows": 4},
    )
    confirm = BooleanField(
        _l("Yes, leave this date out."), validators=[DataRequired(_l("Please confirm that the date is left out."))]
    )
