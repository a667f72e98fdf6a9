"""Forms that act on a group of registrants: a message to them, an export of them, a printed list.

The group is the registration list's filter, read from the query string by
:func:`~eventapp.blueprints.manage.registration_forms.roster_filter_from` — the list links
here with its own parameters, and these pages keep them in their URLs (a POST goes to the
same URL), so the group a mail or file reaches is exactly the one the list shows.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from eventapp.blueprints.manage.event_forms import SERVICE_MESSAGES, TOO_LONG
from eventapp.blueprints.manage.registration_forms import (
    STATUS_FILTER_LABELS,
    STATUS_FILTERS,
    RosterFilterForm,
    roster_filter_from,
)
from eventapp.labels import mode_label
from eventapp.models import Event, Mode, RegistrationStatus
from eventapp.services.exports import FORMATS
from eventapp.services.messages import MAX_BODY, MAX_SUBJECT
from eventapp.services.roster import RosterFilter

#: The filter's query parameters (a request naming none of them gets a page's default group).
FILTER_PARAMETERS = ("q", "status", "mode", "checked_in", "email_confirmed")
#: The message service's field codes as messages.
MESSAGE_PROBLEMS = {
    **SERVICE_MESSAGES,
    "control_characters": _l("This text contains control characters; only tabs and line breaks are allowed."),
}


def group_from(
    event: Event, args: MultiDict[str, str], default: dict[str, str] | None = None
) -> tuple[RosterFilterForm, RosterFilter, bool]:
    """The group named in the query string (or ``default`` when it names none): form, filter, valid."""
    if default and not any(name in args for name in FILTER_PARAMETERS):
        args = MultiDict({**args.to_dict(), **default})
    form, valid = roster_filter_from(event, args)
    return form, form.roster_filter(), valid


def printed_default(event: Event) -> dict[str, str]:
    """Who is on a printed list unless the URL says otherwise: the confirmed, on site if the event is hybrid."""
    default = {"status": RegistrationStatus.CONFIRMED.value}
    if len(event.modes) > 1:
        default["mode"] = Mode.ON_SITE.value
    return default


def describe_group(detail: dict[str, Any], everyone: str) -> str:
    """A stored filter (``exports.filter_detail``) in words; ``everyone`` if it narrows nothing."""
    parts = []
    statuses = tuple(detail.get("statuses") or ())
    if statuses:
        named = [key for key, value in STATUS_FILTERS.items() if sorted(s.value for s in value) == sorted(statuses)]
        labels = [STATUS_FILTER_LABELS[named[0]]] if named else [STATUS_FILTER_LABELS[s] for s in statuses]
        parts.append(", ".join(str(label) for label in labels))
    if detail.get("mode"):
        parts.append(mode_label(detail["mode"]))
    if "checked_in" in detail:
        parts.append(_("checked in") if detail["checked_in"] else _("not checked in"))
    if "email_confirmed" in detail:
        parts.append(_("email confirmed") if detail["email_confirmed"] else _("email not confirmed"))
    if detail.get("search"):
        parts.append(_("search “%(words)s”", words=detail["search"]))
    return " · ".join(parts) or everyone


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """Several options as checkboxes (a fieldset; see templates/_macros/forms.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        """Only the options offered (WTForms' own message has no German translation)."""
        offered = {str(choice.value) for choice in self.iter_choices()} if self.choices is not None else set()
        if any(str(value) not in offered for value in self.data or ()):
            raise ValidationError(_("Please choose from the options offered."))


class MessageForm(FlaskForm):
    """Subject and text; ``confirmed`` is set by the preview's send button."""

    subject = StringField(
        _l("Subject"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter a subject.")), Length(max=MAX_SUBJECT, message=TOO_LONG)],
    )
    body = TextAreaField(
        _l("Message"),
        filters=[_strip],
        validators=[DataRequired(_l("Please write the message.")), Length(max=MAX_BODY, message=TOO_LONG)],
        render_kw={"rows": 12},
    )
    #: "1" from the preview page's send button; anything else shows the preview first.
    confirmed = HiddenField()

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for name, code in fields.items():
            target = self._fields.get(name, self.body)
            target.errors = [*target.errors, str(MESSAGE_PROBLEMS.get(code, MESSAGE_PROBLEMS["invalid"]))]


FORMAT_LABELS = {"csv": _l("CSV (Excel, semicolon-separated, UTF-8)"), "xlsx": _l("Excel workbook (XLSX)")}


class ExportForm(FlaskForm):
    """Which columns, which format, and sensitive answers or not (the rows are the group in the URL)."""

    columns = MultiCheckboxField(_l("Columns"))
    file_format = RadioField(
        _l("Format"),
        choices=[SelectChoice(key, FORMAT_LABELS[key]) for key in FORMATS],
        default="xlsx",
        validators=[InputRequired()],
    )
    include_sensitive = BooleanField(_l("Include the answers to sensitive questions (Art. 9 DSGVO)"))

    def validate_columns(self, field: MultiCheckboxField) -> None:
        """At least one (not as ``required`` on each checkbox, which would ask for all of them)."""
        if not field.data:
            raise ValidationError(_("Please choose at least one column."))
