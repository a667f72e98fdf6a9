"""The organizer's event form (issue 7 Part 3) and the cancel form (questions and agenda: content_forms).

Times are typed in Europe/Berlin (``datetime-local`` inputs) and handed to the service
aware; a capacity is a number or "unlimited". The form checks what a person can fix by
typing; the service (:mod:`eventapp.services.event_editor`) decides the rest and its
field codes come back here as messages in the user's language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    Field,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from eventapp.labels import ATTENDANCE_LABELS, FORMAT_LABELS, format_label, offset_label
from eventapp.models import (
    BERLIN,
    DEFAULT_REMINDER_OFFSETS,
    Event,
    EventAttendance,
    Mode,
    Organization,
)
from eventapp.services.event_editor import LINK_FIELDS, MAX_DESCRIPTION, MAX_DIAL_IN, MAX_SUMMARY, MAX_URL, EventDetails

TOO_LONG = _l("Please use at most %(max)d characters.")
MAX_PLACES = 100_000
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
ATTENDANCES = {attendance.value for attendance in EventAttendance}

#: The service's field codes as messages (its own messages are English, for logs).
SERVICE_MESSAGES = {
    "required": _l("Please fill in this field."),
    "too_long": _l("This text is too long."),
    "invalid": _l("Please check this field."),
    "before_start": _l("The event must end after it starts."),
    "after_end": _l("Registration must open before the event ends."),
    "before_opening": _l("Registration must close after it opens."),
    "not_http": _l("Please enter a web address starting with https:// or http://."),
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def berlin(value: datetime | None) -> datetime | None:
    """A wall-clock time typed in Germany as an aware datetime."""
    return None if value is None else value.replace(tzinfo=BERLIN)


def local(value: datetime | None) -> datetime | None:
    """An aware time as the form shows it (Berlin wall clock, minutes)."""
    return None if value is None else value.astimezone(BERLIN).replace(tzinfo=None, second=0, microsecond=0)


def exists_in_berlin(value: datetime) -> bool:
    """False for the hour the clocks skip in spring (02:30 on the last Sunday of March)."""
    aware = value.replace(tzinfo=BERLIN)
    return aware.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None) == value


class BerlinTimeField(DateTimeLocalField):
    """A ``datetime-local`` input read as Europe/Berlin time; a skipped time is refused."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format=LOCAL_FORMAT, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Please enter a date and time, for example 18.03.2027, 10:00."))) from error

    def post_validate(self, form: FlaskForm, validation_stopped: bool) -> None:
        if not validation_stopped and self.data is not None and not exists_in_berlin(self.data):
            self.errors.append(str(_l("This time does not exist in Germany (the clocks are put forward).")))


def _web_address(_form: FlaskForm, field: Field) -> None:
    """Only http(s) links with a host: they end up on buttons and in mails."""
    value = field.data or ""
    scheme, _sep, rest = value.partition("://")
    if value and (scheme.lower() not in ("http", "https") or not rest.split("/")[0] or any(c.isspace() for c in value)):
        raise StopValidation(str(SERVICE_MESSAGES["not_http"]))


class MultiCheckboxField(SelectMultipleField):
    """Several boxes to tick (weekdays, reminders), rendered as a group like radio buttons."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:
        # Nothing ticked is fine (the first date's weekday, no reminders); unknown values are not.
        if self.data and any(value not in {choice[0] for choice in self.iter_choices()} for value in self.data):
            raise StopValidation(str(self.invalid_message))

    #: What an unknown value is told.
    invalid_message: Any = SERVICE_MESSAGES["invalid"]


#: Reminder offsets the form offers (minutes before the start), longest first.
REMINDER_CHOICES = (10080, 4320, 1440, 180, 60, 15)


class ReminderField(MultiCheckboxField):
    """The event's reminders: whole minutes among the offered offsets, or none."""

    invalid_message = _l("Please choose the reminders from the list.")

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            self.data = [int(value) for value in valuelist]
        except (TypeError, ValueError):
            self.data = []
            raise ValueError(str(self.invalid_message)) from None


def _link(label: Any) -> URLField:
    return URLField(
        label,
        filters=[_strip],
        validators=[Optional(), Length(max=MAX_URL, message=TOO_LONG), _web_address],
        render_kw={"spellcheck": "false", "autocapitalize": "none", "inputmode": "url"},
    )


class DateTemplateForm(FlaskForm):
    """What an event is and how people take part: the event form without its times, and
    the template a series' dates share. ``organization`` is offered only when creating."""

    organization = SelectField(_l("Organizer"), coerce=int, validators=[InputRequired()])
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter a title.")), Length(max=200, message=TOO_LONG)],
    )
    summary = TextAreaField(
        _l("Summary"), filters=[_strip], validators=[Optional(), Length(max=MAX_SUMMARY, message=TOO_LONG)]
    )
    description = TextAreaField(
        _l("Description"),
        filters=[_strip],
        validators=[Optional(), Length(max=MAX_DESCRIPTION, message=TOO_LONG)],
        render_kw={"rows": 8},
    )
    format = SelectField(_l("Format"), validators=[InputRequired()])
    attendance = RadioField(
        _l("Attendance"),
        choices=[SelectChoice(a.value, label) for a, label in ATTENDANCE_LABELS.items()],
        validators=[InputRequired(_l("Please choose how people take part."))],
    )
    venue = StringField(_l("Venue"), filters=[_strip], validators=[Optional(), Length(max=200, message=TOO_LONG)])
    address = StringField(_l("Address"), filters=[_strip], validators=[Optional(), Length(max=300, message=TOO_LONG)])
    capacity_on_site = IntegerField(
        _l("Places on site"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_PLACES, message=_l("Please enter a whole number from 0 to %(max)s.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0},
    )
    unlimited_on_site = BooleanField(_l("Unlimited places on site"))
    capacity_online = IntegerField(
        _l("Places online"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_PLACES, message=_l("Please enter a whole number from 0 to %(max)s.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0},
    )
    unlimited_online = BooleanField(_l("Unlimited places online"))
    contact_email = EmailField(
        _l("Contact address for invitations"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(_l("Please enter a valid email address, for example name@example.org.")),
        ],
        render_kw={"spellcheck": "false", "autocapitalize": "none"},
    )
    join_url = _link(_l("Join link (video conference)"))

    def setup(self, organizations: list[Organization], event: Event | None) -> Self:
        """Offer the user's organizations (when creating) and the formats; fill from ``event``."""
        if event is None:
            self.organization.choices = [SelectChoice(org.id, org.name) for org in organizations]
        else:
            del self.organization
        keys = list(FORMAT_LABELS)
        if event is not None and event.format not in keys:
            keys.append(event.format)
        self.format.choices = [SelectChoice(key, format_label(key)) for key in keys]
        return self

    def _capacity(self, mode: Mode, offered: bool) -> tuple[bool, int | None]:
        number, unlimited = self[f"capacity_{mode.value}"], self[f"unlimited_{mode.value}"]
        if unlimited.data and number.data is not None:
            number.errors.append(str(_l("Please either enter a number of places or tick “unlimited”.")))
            return False, None
        if unlimited.data:
            return True, None
        if number.data is None and offered and not number.errors:
            number.errors.append(str(_l("Please enter the number of places or tick “unlimited”.")))
            return False, None
        return True, number.data

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        attendance = EventAttendance(self.attendance.data) if self.attendance.data in ATTENDANCES else None
        for mode in Mode:
            ok, _value = self._capacity(mode, attendance is not None and mode in attendance.modes)
            valid = valid and ok
        if attendance is not None and attendance is not EventAttendance.ONLINE and not self.venue.data:
            self.venue.errors.append(str(_l("Please enter the venue of an event on site.")))
            valid = False
        return valid

    def capacities(self) -> dict[Mode, int | None]:
        """Places per mode (None: unlimited) of a validated form."""
        attendance = EventAttendance(self.attendance.data)
        return {mode: self._capacity(mode, mode in attendance.modes)[1] for mode in Mode}

    def add_service_errors(self, fields: dict[str, str]) -> None:
        """The service's field codes as messages next to the fields."""
        for name, code in fields.items():
            field: Field | None = self._fields.get(name) if name != "csrf_token" else None
            message = str(self.messages.get(code, SERVICE_MESSAGES["invalid"]))
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]

    #: The service's field codes this form explains (more than the shared ones).
    messages: dict[str, Any] = SERVICE_MESSAGES


class EventForm(DateTemplateForm):
    """Create or edit an event; ``organization`` is offered only when creating."""

    starts_at = BerlinTimeField(_l("Starts"), validators=[InputRequired(_l("Please enter when the event starts."))])
    ends_at = BerlinTimeField(_l("Ends"), validators=[InputRequired(_l("Please enter when the event ends."))])
    registration_opens_at = BerlinTimeField(_l("Registration opens"), validators=[Optional()])
    registration_closes_at = BerlinTimeField(_l("Registration closes"), validators=[Optional()])
    livestream_url = _link(_l("Livestream link"))
    dial_in = StringField(
        _l("Dial-in by phone"), filters=[_strip], validators=[Optional(), Length(max=MAX_DIAL_IN, message=TOO_LONG)]
    )
    recording_url = _link(_l("Recording link"))
    reminder_offsets = ReminderField(_l("Reminders"), coerce=int)

    def setup(self, organizations: list[Organization], event: Event | None) -> Self:
        """As for every date, plus the reminders on offer: the usual ones and any the event has."""
        super().setup(organizations, event)
        offsets = set(REMINDER_CHOICES) | set(event.reminder_offsets or [] if event is not None else [])
        self.reminder_offsets.choices = [
            SelectChoice(offset, offset_label(offset)) for offset in sorted(offsets, reverse=True)
        ]
        if event is None and not self.is_submitted():
            self.reminder_offsets.data = list(DEFAULT_REMINDER_OFFSETS)
        return self

    def fill(self, event: Event) -> None:
        """Show the event's current values (GET of the edit page)."""
        details = EventDetails.of(event)
        for name in ("title", "summary", "description", "format", "venue", "address", "contact_email", "dial_in"):
            self[name].data = getattr(details, name) or ""
        self.attendance.data = details.attendance.value
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            self[name].data = local(getattr(details, name))
        for name in LINK_FIELDS:
            self[name].data = getattr(details, name) or ""
        self.reminder_offsets.data = list(details.reminder_offsets)
        for mode in Mode:
            capacity = event.capacity(mode)
            self[f"capacity_{mode.value}"].data = capacity
            self[f"unlimited_{mode.value}"].data = capacity is None

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        starts, ends = self.starts_at.data, self.ends_at.data
        if starts is not None and ends is not None and ends <= starts:
            self.ends_at.errors.append(str(SERVICE_MESSAGES["before_start"]))
            valid = False
        opens, closes = self.registration_opens_at.data, self.registration_closes_at.data
        if opens is not None and closes is not None and closes <= opens:
            self.registration_closes_at.errors.append(str(SERVICE_MESSAGES["before_opening"]))
            valid = False
        return valid

    def details(self) -> EventDetails:
        """The service's input (call after :meth:`validate`)."""
        attendance = EventAttendance(self.attendance.data)
        capacities = self.capacities()
        return EventDetails(
            title=self.title.data or "",
            summary=self.summary.data or "",
            description=self.description.data or "",
            format=self.format.data or "",
            attendance=attendance,
            starts_at=berlin(self.starts_at.data),  # type: ignore[arg-type]
            ends_at=berlin(self.ends_at.data),  # type: ignore[arg-type]
            venue=self.venue.data or "",
            address=self.address.data or "",
            capacity_on_site=capacities[Mode.ON_SITE],
            capacity_online=capacities[Mode.ONLINE],
            registration_opens_at=berlin(self.registration_opens_at.data),
            registration_closes_at=berlin(self.registration_closes_at.data),
            contact_email=self.contact_email.data or None,
            join_url=self.join_url.data or None,
            livestream_url=self.livestream_url.data or None,
            dial_in=self.dial_in.data or None,
            recording_url=self.recording_url.data or None,
            reminder_offsets=list(self.reminder_offsets.data or []),
        )


class CancelEventForm(FlaskForm):
    """Call an event off, with a message to everyone registered."""

    message = TextAreaField(
        _l("Message to the registrants"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
        render_kw={"rows": 5},
    )
    confirm = BooleanField(
        _l("Yes, cancel this event and tell everyone registered."),
        validators=[DataRequired(_l("Please confirm the cancellation."))],
    )
