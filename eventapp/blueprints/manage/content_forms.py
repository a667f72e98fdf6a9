"""The forms of an event's content in the organizer area: its questions and its agenda.

They share the event form's conventions (:mod:`eventapp.blueprints.manage.event_forms`): input
stripped, Berlin times, and the service's field codes shown as messages in the user's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from eventapp.blueprints.manage.event_forms import SERVICE_MESSAGES, TOO_LONG, BerlinTimeField, _strip, berlin, local
from eventapp.models import AgendaItem, Question, QuestionKind
from eventapp.services.agenda import AgendaInput

QUESTION_KINDS = {
    QuestionKind.TEXT: _l("Text"),
    QuestionKind.CHOICE: _l("Choice (one of several options)"),
    QuestionKind.CHECKBOX: _l("Yes/no (a box to tick)"),
}
QUESTION_MESSAGES = {
    "count": _l("Please enter 2 to 30 options, one per line."),
    "yes_no": _l("A yes/no question cannot be required: an unticked box means “no”."),
    "too_many": _l("An event can have at most 30 questions."),
    "answered": _l("People have already answered this question, so this stays as it is."),
    "chosen": _l("People have already chosen an option you removed or renamed; it has to stay."),
}


class QuestionForm(FlaskForm):
    """One more question on the event's registration form."""

    label = StringField(
        _l("Question"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter the question.")), Length(max=300, message=TOO_LONG)],
    )
    label_en = StringField(
        _l("Question in English"), filters=[_strip], validators=[Optional(), Length(max=300, message=TOO_LONG)]
    )
    kind = RadioField(
        _l("Kind of answer"),
        choices=[SelectChoice(kind.value, label) for kind, label in QUESTION_KINDS.items()],
        default=QuestionKind.TEXT.value,
        validators=[InputRequired()],
    )
    choices = TextAreaField(_l("Options"), validators=[Optional(), Length(max=6000, message=TOO_LONG)])
    required = BooleanField(_l("An answer is required"))
    sensitive = BooleanField(_l("Sensitive (health, accessibility needs, diet – Art. 9 DSGVO)"))

    def options(self) -> list[str]:
        return [line.strip() for line in (self.choices.data or "").splitlines() if line.strip()]

    def values(self) -> dict[str, Any]:
        """The question service's keyword arguments (adding or changing a question)."""
        return {
            "label": self.label.data or "",
            "label_en": self.label_en.data or "",
            "kind": self.kind.data,
            "choices": self.options(),
            "required": bool(self.required.data),
            "sensitive": bool(self.sensitive.data),
        }

    def fill(self, question: Question) -> None:
        """Show the question as it is (GET of its edit page)."""
        self.label.data = question.label
        self.label_en.data = (question.label_translations or {}).get("en", "")
        self.kind.data = question.kind.value
        self.choices.data = "\n".join(choice["label"] for choice in question.choices or [])
        self.required.data, self.sensitive.data = question.required, question.sensitive

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for name, code in fields.items():
            message = QUESTION_MESSAGES.get(code) or SERVICE_MESSAGES.get(code, SERVICE_MESSAGES["invalid"])
            target = self._fields.get(name, self.label)
            target.errors = [*target.errors, str(message)]


AGENDA_MESSAGES = {
    "end_without_start": _l("Please enter a start for an item with an end."),
    "outside_event": _l("The time must lie within the event."),
    "too_many": _l("An agenda can have at most 60 items."),
}


class AgendaItemForm(FlaskForm):
    """One item of an event's agenda; times in Europe/Berlin, both optional (an untimed item)."""

    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter a title.")), Length(max=300, message=TOO_LONG)],
    )
    speaker = StringField(_l("Speaker"), filters=[_strip], validators=[Optional(), Length(max=300, message=TOO_LONG)])
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Optional(), Length(max=5000, message=TOO_LONG)]
    )
    starts_at = BerlinTimeField(_l("Starts"), validators=[Optional()])
    ends_at = BerlinTimeField(_l("Ends"), validators=[Optional()])

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        starts, ends = self.starts_at.data, self.ends_at.data
        if starts is not None and ends is not None and ends <= starts:
            self.ends_at.errors.append(str(_l("The item must end after it starts.")))
            valid = False
        if ends is not None and starts is None and not self.starts_at.errors:
            self.starts_at.errors.append(str(AGENDA_MESSAGES["end_without_start"]))
            valid = False
        return valid

    def fill(self, item: AgendaItem) -> None:
        self.title.data, self.speaker.data, self.description.data = item.title, item.speaker, item.description
        self.starts_at.data, self.ends_at.data = local(item.starts_at), local(item.ends_at)

    def data_for_service(self) -> AgendaInput:
        return AgendaInput(
            title=self.title.data or "",
            speaker=self.speaker.data or "",
            description=self.description.data or "",
            starts_at=berlin(self.starts_at.data),
            ends_at=berlin(self.ends_at.data),
        )

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for name, code in fields.items():
            message = AGENDA_MESSAGES.get(code) or SERVICE_MESSAGES.get(code, SERVICE_MESSAGES["invalid"])
            target = self._fields.get(name, self.title)
            target.errors = [*target.errors, str(message)]
