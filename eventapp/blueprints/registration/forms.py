"""The registration form: fixed fields plus one field per question of the event.

The form only checks what a person can fix by typing (required fields, lengths,
email syntax, consents); every rule about seats and states stays in the service.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from eventapp.labels import MODE_LABELS
from eventapp.models import Event, EventAttendance, Mode, Question, QuestionKind
from eventapp.services.submission import (
    CONTROL_CHARACTERS,
    MAX_ANSWER,
    MAX_EMAIL,
    MAX_NAME,
    MAX_ORGANIZATION,
    RegistrationInput,
)

TOO_LONG = _l("Please use at most %(max)d characters.")

#: Messages for fields the service rejects (its own messages are English, for logs).
SERVICE_FIELD_MESSAGES = {
    "given_name": _l("Please enter your given name."),
    "family_name": _l("Please enter your family name."),
    "email": _l("Please enter a valid email address, for example name@example.org."),
    "organization": _l("Please check your organization."),
    "mode": _l("Please choose how you will take part."),
    "waiting_for": _l("Please choose how you will take part."),
    "privacy_consent": _l("Please agree to the privacy notice to register."),
    "sensitive_consent": _l(
        "Please consent to the processing of this special category of data, or leave those questions empty."
    ),
}
ANSWER_MESSAGE = _l("Please check this answer.")
#: For a field with an invisible control character (pasted from elsewhere, or hostile input).
CONTROL_MESSAGE = _l("Please remove the invisible control characters from this field.")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ModeField(RadioField):
    """A radio group over every mode; whether the event offers it is the service's call.

    Accepting both modes here lets a form opened before an organizer changed the
    event reach the service, which answers with a clear "mode not offered".
    """

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data is not None and self.data not in {mode.value for mode in Mode}:
            raise ValidationError(str(_l("Please choose one of the offered ways of taking part.")))


class QuestionAnswers:
    """The event's questions on a form: their fields, the answers, and the Art. 9 consent rule.

    Shared by the registration form and the manage page's details form, so both read
    answers and ask for the sensitive consent alike. The form sets ``event`` and has a
    ``sensitive_consent`` field.
    """

    event: Event
    sensitive_consent: BooleanField

    def question_fields(self) -> list[tuple[Question, Field]]:
        """The event's questions with their bound fields, in the event's order."""
        form: Any = self
        return [(question, form[_field_name(question)]) for question in self.event.questions]

    def answers(self) -> dict[str, Any]:
        """Question key → answer; empty answers are left out (an unticked box is no answer)."""
        return {
            question.key: field.data
            for question, field in self.question_fields()
            if field.data not in (None, "", False)
        }

    def sensitive_answered(self) -> bool:
        answered = self.answers()
        return any(question.sensitive and question.key in answered for question in self.event.questions)

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[misc]
        if self.sensitive_answered() and not self.sensitive_consent.data:
            self.sensitive_consent.errors = [
                *self.sensitive_consent.errors,
                str(SERVICE_FIELD_MESSAGES["sensitive_consent"]),
            ]
            valid = False
        return valid


class RegistrationForm(QuestionAnswers, FlaskForm):
    """Fields every event asks for; ``build_form`` adds the mode and the event's questions."""

    given_name = StringField(
        _l("Given name"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter your given name.")), Length(max=MAX_NAME, message=TOO_LONG)],
        render_kw={"autocomplete": "given-name"},
    )
    family_name = StringField(
        _l("Family name"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter your family name.")), Length(max=MAX_NAME, message=TOO_LONG)],
        render_kw={"autocomplete": "family-name"},
    )
    email = EmailField(
        _l("Email address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=MAX_EMAIL, message=TOO_LONG),
            Email(_l("Please enter a valid email address, for example name@example.org.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    organization = StringField(
        _l("Organization or municipality"),
        filters=[_strip],
        validators=[Optional(), Length(max=MAX_ORGANIZATION, message=TOO_LONG)],
        render_kw={"autocomplete": "organization", "list": "organization-suggestions"},
    )
    accept_other_mode = BooleanField(
        _l(
            "If my choice is fully booked: give me a seat in the other way of taking part for now, "
            "and keep me on the waiting list for my choice."
        )
    )
    sensitive_consent = BooleanField(_l("I consent to the processing of this special category of data (Art. 9 DSGVO)."))
    privacy_consent = BooleanField(
        _l("I have read the privacy notice and agree that my details are processed to organize this event."),
        validators=[DataRequired(_l("Please agree to the privacy notice to register."))],
    )

    #: The event the form was built for (set by ``build_form``).
    event: Event
    locale: str

    def fields_in_page_order(self) -> list[Field]:
        """The fields as the page shows them (the error summary lists them in this order)."""
        questions = self.question_fields()
        ordered = [field for question, field in questions if not question.sensitive]
        ordered += [field for question, field in questions if question.sensitive]
        return [
            self.given_name,
            self.family_name,
            self.email,
            self.organization,
            self.mode,
            self.accept_other_mode,
            *ordered,
            self.sensitive_consent,
            self.privacy_consent,
        ]

    def preferred_mode(self) -> Mode | None:
        return Mode(self.mode.data) if self.mode.data else None

    def to_input(self, *, mode: Mode | None, waiting_for: Mode | None, locale: str) -> RegistrationInput:
        """The service's input; ``mode`` and ``waiting_for`` are decided by the view."""
        return RegistrationInput(
            given_name=self.given_name.data or "",
            family_name=self.family_name.data or "",
            email=self.email.data or "",
            organization=self.organization.data or "",
            mode=mode.value if mode else None,
            waiting_for=waiting_for.value if waiting_for else None,
            answers=self.answers(),
            privacy_consent=bool(self.privacy_consent.data),
            sensitive_consent=bool(self.sensitive_consent.data) and self.sensitive_answered(),
            locale=locale,
        )

    def add_service_errors(self, fields: dict[str, str]) -> None:
        """Show the service's field errors next to the fields, in the person's language."""
        by_key = {question.key: self[_field_name(question)] for question in self.event.questions}
        for name, code in fields.items():
            key = name.removeprefix("answers.").removeprefix("answers/")
            if key in by_key:
                field, message = by_key[key], ANSWER_MESSAGE
            elif name in self._fields and name != "csrf_token":
                field, message = self[name], SERVICE_FIELD_MESSAGES.get(name, ANSWER_MESSAGE)
            else:
                self.form_errors.append(str(ANSWER_MESSAGE))
                continue
            if code == CONTROL_CHARACTERS:
                message = CONTROL_MESSAGE
            if field.name == "mode" and self.event.attendance is not EventAttendance.HYBRID:
                self.form_errors.append(str(message))
                continue
            field.errors = [*field.errors, str(message)]


def _field_name(question: Question) -> str:
    return f"q_{question.id}"


def _question_field(question: Question, locale: str) -> Field:
    label = question.label_for(locale)
    required = _l("Please answer this question.")
    if question.kind is QuestionKind.CHOICE:
        choices = [
            SelectChoice(str(c["value"]), c.get(f"label_{locale}") or c.get("label") or str(c["value"]))
            for c in question.choices
        ]
        return RadioField(
            label, choices=choices, validators=[InputRequired(required) if question.required else Optional()]
        )
    if question.kind is QuestionKind.CHECKBOX:
        return BooleanField(label, validators=[DataRequired(required)] if question.required else [])
    return TextAreaField(
        label,
        filters=[_strip],
        validators=[
            DataRequired(required) if question.required else Optional(),
            Length(max=MAX_ANSWER, message=TOO_LONG),
        ],
        render_kw={"rows": 2},
    )


def build_form(event: Event, locale: str) -> RegistrationForm:
    """A form for ``event``: the mode field fits its attendance, one field per question."""
    mode_validators = (
        [InputRequired(_l("Please choose how you will take part."))]
        if event.attendance is EventAttendance.HYBRID
        else [Optional()]
    )
    attrs: dict[str, Any] = {
        "mode": ModeField(
            _l("How will you take part?"),
            choices=[SelectChoice(mode.value, MODE_LABELS[mode]) for mode in Mode],
            validators=mode_validators,
        )
    }
    for question in event.questions:
        attrs[_field_name(question)] = _question_field(question, locale)
    form_class = type("EventRegistrationForm", (RegistrationForm,), attrs)
    form = form_class()
    if event.attendance is not EventAttendance.HYBRID and form.mode.data is None:
        form.mode.data = event.modes[0].value
    form.event = event
    form.locale = locale
    return form
