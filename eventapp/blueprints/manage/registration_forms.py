"""Forms of an event's registration list (issue 7 Part 4): the list's filter, adding a
person by hand, and the buttons on one registration.

The filter is read from the query string by :func:`roster_filter_from`, so the list, its
exports and a message to "the filtered group" read one URL the same way.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, EmailField, Field, HiddenField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, Optional, StopValidation

from eventapp.blueprints.registration.forms import (
    ANSWER_MESSAGE,
    CONTROL_MESSAGE,
    MAX_EMAIL,
    MAX_NAME,
    MAX_ORGANIZATION,
    SERVICE_FIELD_MESSAGES,
    TOO_LONG,
    ModeField,
    QuestionAnswers,
    _field_name,
    _question_field,
    _strip,
)
from eventapp.labels import MODE_LABELS
from eventapp.models import ACTIVE_STATUSES, Event, EventAttendance, Mode, RegistrationStatus
from eventapp.services.admission import RESEND_KINDS
from eventapp.services.roster import RosterFilter
from eventapp.services.submission import CONTROL_CHARACTERS, RegistrationInput

#: The status choices of the filter: one status, or all active ones at once.
STATUS_FILTERS: dict[str, tuple[RegistrationStatus, ...]] = {
    "active": ACTIVE_STATUSES,
    **{status.value: (status,) for status in RegistrationStatus},
}
STATUS_FILTER_LABELS = {
    "": _l("All"),
    "active": _l("Active (confirmed, unconfirmed or waiting)"),
    "confirmed": _l("Confirmed"),
    "pending": _l("Unconfirmed (seat held)"),
    "waitlisted": _l("Waiting list"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}
YES_NO = {"": _l("All"), "yes": _l("Yes"), "no": _l("No")}
MAX_SEARCH = 200


class FilterChoice(SelectField):
    """A select whose unknown values (a hand-edited URL) are refused in the user's language."""

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data not in {choice[0] for choice in self.iter_choices()}:
            raise StopValidation(str(_l("Please choose one of the options.")))


class RosterFilterForm(FlaskForm):
    """The list's filter, a GET form (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        filters=[_strip],
        validators=[Optional(), Length(max=MAX_SEARCH, message=TOO_LONG)],
        render_kw={"type": "search", "autocomplete": "off", "spellcheck": "false"},
    )
    status = FilterChoice(
        _l("Status"), choices=[SelectChoice(k, v) for k, v in STATUS_FILTER_LABELS.items()], default=""
    )
    mode = FilterChoice(_l("Way of taking part"), default="")
    checked_in = FilterChoice(_l("Checked in"), choices=[SelectChoice(k, v) for k, v in YES_NO.items()], default="")
    email_confirmed = FilterChoice(
        _l("Email confirmed"), choices=[SelectChoice(k, v) for k, v in YES_NO.items()], default=""
    )

    def setup(self, event: Event) -> RosterFilterForm:
        self.mode.choices = [SelectChoice("", str(_l("All")))] + [
            SelectChoice(mode.value, str(MODE_LABELS[mode])) for mode in event.modes
        ]
        return self

    def roster_filter(self) -> RosterFilter:
        """The filter the form holds (call after :meth:`validate`; invalid parts are left out)."""

        def yes_no(field: SelectField) -> bool | None:
            return {"yes": True, "no": False}.get(field.data or "") if not field.errors else None

        return RosterFilter(
            search=(self.q.data or "") if not self.q.errors else "",
            statuses=STATUS_FILTERS.get(self.status.data or "", ()) if not self.status.errors else (),
            mode=Mode(self.mode.data) if self.mode.data and not self.mode.errors else None,
            checked_in=yes_no(self.checked_in),
            email_confirmed=yes_no(self.email_confirmed),
        )

    def args(self) -> dict[str, str]:
        """The filter's query parameters that are set (for page links and exports)."""
        return {
            name: str(self[name].data)
            for name in ("q", "status", "mode", "checked_in", "email_confirmed")
            if self[name].data and not self[name].errors
        }


def roster_filter_from(event: Event, args: MultiDict[str, str]) -> tuple[RosterFilterForm, bool]:
    """The filter form read from a query string, and whether it was valid (unknown values are not)."""
    form = RosterFilterForm(formdata=args).setup(event)
    return form, form.validate()


class AddRegistrationForm(QuestionAnswers, FlaskForm):
    """A person the organizer enters; ``build_add_form`` adds the mode and the event's questions."""

    given_name = StringField(
        _l("Given name"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter the given name.")), Length(max=MAX_NAME, message=TOO_LONG)],
        render_kw={"autocomplete": "off"},
    )
    family_name = StringField(
        _l("Family name"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter the family name.")), Length(max=MAX_NAME, message=TOO_LONG)],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("Email address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please enter the email address.")),
            Length(max=MAX_EMAIL, message=TOO_LONG),
            Email(_l("Please enter a valid email address, for example name@example.org.")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    organization = StringField(
        _l("Organization or municipality"),
        filters=[_strip],
        validators=[Optional(), Length(max=MAX_ORGANIZATION, message=TOO_LONG)],
        render_kw={"autocomplete": "off"},
    )
    locale = RadioField(
        _l("Language of the mails"),
        choices=[SelectChoice("de", "Deutsch"), SelectChoice("en", "English")],
        default="de",
        validators=[InputRequired()],
    )
    sensitive_consent = BooleanField(
        _l("The person has explicitly consented to the processing of this special category of data (Art. 9 DSGVO).")
    )
    send_mail = BooleanField(_l("Send the ticket by email"), default=True)
    check_in = BooleanField(_l("The person is here: check them in now"))

    event: Event

    def fields_in_page_order(self) -> list[Field]:
        questions = self.question_fields()
        ordered = [field for question, field in questions if not question.sensitive]
        ordered += [field for question, field in questions if question.sensitive]
        return [
            self.given_name,
            self.family_name,
            self.email,
            self.organization,
            self["mode"],
            self.locale,
            *ordered,
            self.sensitive_consent,
            self.send_mail,
            self.check_in,
        ]

    def to_input(self) -> RegistrationInput:
        return RegistrationInput(
            given_name=self.given_name.data or "",
            family_name=self.family_name.data or "",
            email=self.email.data or "",
            organization=self.organization.data or "",
            mode=self["mode"].data or None,
            answers=self.answers(),
            sensitive_consent=bool(self.sensitive_consent.data) and self.sensitive_answered(),
            locale=self.locale.data or "de",
        )

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.sensitive_consent.errors:  # said to the organizer, not to the registrant
            self.sensitive_consent.errors = [str(ADD_FIELD_MESSAGES["sensitive_consent"])]
        return valid

    def add_service_errors(self, fields: dict[str, str]) -> None:
        """The service's field codes as messages next to the fields, in the organizer's language."""
        by_key = {question.key: self[_field_name(question)] for question in self.event.questions}
        for name, code in fields.items():
            key = name.removeprefix("answers.")
            if key in by_key:
                field, message = by_key[key], ANSWER_MESSAGE
            elif name in self._fields and name != "csrf_token":
                field, message = self[name], ADD_FIELD_MESSAGES.get(name, ANSWER_MESSAGE)
            else:
                self.form_errors.append(str(ANSWER_MESSAGE))
                continue
            if code == CONTROL_CHARACTERS:
                message = CONTROL_MESSAGE
            field.errors = [*field.errors, str(message)]


#: Field messages for the organizer's form (the public form's speak to the registrant).
ADD_FIELD_MESSAGES = {
    **SERVICE_FIELD_MESSAGES,
    "given_name": _l("Please enter the given name."),
    "family_name": _l("Please enter the family name."),
    "mode": _l("Please choose how the person takes part."),
    "sensitive_consent": _l(
        "Answers to sensitive questions need the person's explicit consent: tick the box or leave those answers empty."
    ),
}


def build_add_form(event: Event, locale: str) -> AddRegistrationForm:
    """The add form for ``event``: a mode choice for a hybrid event, one field per question."""
    hybrid = event.attendance is EventAttendance.HYBRID
    attrs: dict[str, Any] = {
        "mode": ModeField(
            _l("How does the person take part?"),
            choices=[SelectChoice(mode.value, MODE_LABELS[mode]) for mode in event.modes],
            validators=[InputRequired(_l("Please choose how the person takes part."))] if hybrid else [Optional()],
        )
    }
    for question in event.questions:
        attrs[_field_name(question)] = _question_field(question, locale)
    form = type("EventAddRegistrationForm", (AddRegistrationForm,), attrs)()
    if not hybrid and not form["mode"].data:
        form["mode"].data = event.modes[0].value
    form.event = event
    return form


class ResendForm(FlaskForm):
    """Which mail to send again: the ticket or the link to the person's page."""

    what = HiddenField(validators=[InputRequired(), AnyOf(RESEND_KINDS)])


class CancelRegistrationForm(FlaskForm):
    """Cancel one registration, with a box to tick against slips of the mouse."""

    confirm = BooleanField(
        _l("Yes, cancel this registration and tell the person."),
        validators=[DataRequired(_l("Please confirm the cancellation."))],
    )
