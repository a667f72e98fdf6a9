"""Forms behind the manage link for correcting details and passing a registration on.

They check what a person can fix by typing, in the page's language; the service
checks again (the same rules as at registration) and its field errors land here too.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from eventapp.blueprints.registration.forms import (
    ANSWER_MESSAGE,
    MAX_EMAIL,
    MAX_NAME,
    MAX_ORGANIZATION,
    SERVICE_FIELD_MESSAGES,
    TOO_LONG,
    QuestionAnswers,
    _field_name,
    _question_field,
    _strip,
)
from eventapp.models import Event, Registration


def _name_fields() -> dict[str, Field]:
    return {
        "given_name": StringField(
            _l("Given name"),
            filters=[_strip],
            validators=[DataRequired(_l("Please enter the given name.")), Length(max=MAX_NAME, message=TOO_LONG)],
            render_kw={"autocomplete": "given-name"},
        ),
        "family_name": StringField(
            _l("Family name"),
            filters=[_strip],
            validators=[DataRequired(_l("Please enter the family name.")), Length(max=MAX_NAME, message=TOO_LONG)],
            render_kw={"autocomplete": "family-name"},
        ),
        "organization": StringField(
            _l("Organization or municipality"),
            filters=[_strip],
            validators=[Optional(), Length(max=MAX_ORGANIZATION, message=TOO_LONG)],
            render_kw={"autocomplete": "organization"},
        ),
    }


class _ServiceErrors:
    """Puts the service's field errors next to the fields, in the person's language."""

    event: Event

    def add_service_errors(self, fields: dict[str, str]) -> None:
        form: Any = self
        by_key = {question.key: form[_field_name(question)] for question in self.event.questions}
        for name in fields:
            key = name.removeprefix("answers.")
            if key in by_key:
                field, message = by_key[key], ANSWER_MESSAGE
            elif name in form._fields and name != "csrf_token":
                field, message = form[name], SERVICE_FIELD_MESSAGES.get(name, ANSWER_MESSAGE)
            else:
                form.form_errors.append(str(ANSWER_MESSAGE))
                continue
            field.errors = [*field.errors, str(message)]


class DetailsForm(QuestionAnswers, _ServiceErrors, FlaskForm):
    """Name, organization and the answers to the event's questions (``build_details_form``)."""

    sensitive_consent = BooleanField(_l("I consent to the processing of this special category of data (Art. 9 DSGVO)."))

    event: Event

    def fields_in_page_order(self) -> list[Field]:
        questions = self.question_fields()
        ordered = [field for question, field in questions if not question.sensitive]
        ordered += [field for question, field in questions if question.sensitive]
        return [self["given_name"], self["family_name"], self["organization"], *ordered, self.sensitive_consent]


def build_details_form(registration: Registration, locale: str) -> DetailsForm:
    """The details form of ``registration``, filled with what it holds now (on GET)."""
    event = registration.event
    attrs: dict[str, Any] = _name_fields()
    for question in event.questions:
        attrs[_field_name(question)] = _question_field(question, locale)
    form_class = type("RegistrationDetailsForm", (DetailsForm,), attrs)
    data: dict[str, Any] = {
        "given_name": registration.given_name,
        "family_name": registration.family_name,
        "organization": registration.organization,
        "sensitive_consent": registration.sensitive_consent_at is not None,
    }
    for question in event.questions:
        data[_field_name(question)] = (registration.answers or {}).get(question.key)
    form = form_class(data=data)
    form.event = event
    return form


class HandoverForm(_ServiceErrors, FlaskForm):
    """Who attends instead: the colleague's name and address."""

    given_name = _name_fields()["given_name"]
    family_name = _name_fields()["family_name"]
    email = EmailField(
        _l("Their email address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please enter your colleague's email address.")),
            Length(max=MAX_EMAIL, message=TOO_LONG),
            Email(_l("Please enter a valid email address, for example name@example.org.")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    organization = _name_fields()["organization"]

    event: Event

    def fields_in_page_order(self) -> list[Field]:
        return [self.given_name, self.family_name, self.email, self.organization]


class AcceptHandoverForm(FlaskForm):
    """The one button that takes a registration over, with the new person's privacy consent."""

    privacy_consent = BooleanField(
        _l("I have read the privacy notice and agree that my details are processed to organize this event."),
        validators=[DataRequired(_l("Please agree to the privacy notice to take the registration over."))],
    )

    def fields_in_page_order(self) -> list[Field]:
        return [self.privacy_consent]
