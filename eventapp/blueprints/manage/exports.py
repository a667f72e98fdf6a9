"""Lists of an event's registrants in the organizer area (issue 7 Part 6): CSV/XLSX exports,
the printable sign-in list (Teilnehmerliste) and name badges.

All of them take the registration list's filter from the query string
(:func:`eventapp.blueprints.manage.outreach_forms.group_from`), so a link from a filtered
list carries its group along. An export is a POST (with CSRF):
it is written to the audit trail, and answers to sensitive questions are in it only when
the organizer ticks the box for them. CSV is written for German Excel (UTF-8 with BOM,
``;``), see :mod:`eventapp.services.spreadsheets`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import make_response, render_template, request
from flask.wrappers import Response
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from eventapp.blueprints.manage.events import load_event
from eventapp.blueprints.manage.outreach_forms import ExportForm, describe_group, group_from, printed_default
from eventapp.blueprints.manage.registration_forms import STATUS_FILTER_LABELS
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.labels import mode_label
from eventapp.models import BERLIN, Event, Mode, Question, QuestionKind, RegistrationStatus, utcnow
from eventapp.security import current_actor
from eventapp.services import exports, spreadsheets
from eventapp.services.errors import ValidationError
from eventapp.services.roster import roster_count, roster_select
from eventapp.urls import external_url

#: Column headers of the registrant's own details.
DETAIL_LABELS = {
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "email": _l("Email address"),
    "organization": _l("Organization"),
    "mode": _l("Way of taking part"),
    "status": _l("Status"),
    "waiting_for": _l("Waiting for"),
    "registered_at": _l("Registered at"),
    "confirmed_at": _l("Confirmed at"),
    "checked_in": _l("Checked in"),
    "join_link": _l("Personal join link"),
}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _locale() -> str:
    return str(get_locale() or "de")


def column_label(column: exports.Column) -> str:
    """A column's header in the organizer's language (a question's label as asked on the form)."""
    if column.question is not None:
        return column.question.label_for(_locale())
    return str(DETAIL_LABELS[column.key])


def _answer(question: Question, value: Any) -> str | None:
    if value is None:
        return None
    if question.kind is QuestionKind.CHECKBOX:
        return _("yes") if value else _("no")
    if question.kind is QuestionKind.CHOICE:
        for choice in question.choices:
            if choice.get("value") == value:
                return str(choice.get(f"label_{_locale()}") or choice.get("label") or value)
    return str(value)


def cell(column: exports.Column, value: Any) -> str | None:
    """One value as text: labels for modes and statuses, Berlin time, yes/no, a choice's label."""
    if column.question is not None:
        return _answer(column.question, value)
    if value is None:
        return None
    if column.key == "join_link":
        return external_url("join.page", token=value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, RegistrationStatus):
        return str(STATUS_FILTER_LABELS[value.value])
    if isinstance(value, Mode):
        return mode_label(value)
    if isinstance(value, datetime):
        return value.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
    return str(value)


def _setup(form: ExportForm, event: Event) -> None:
    form.columns.choices = [
        SelectChoice(column.key, column_label(column)) for column in exports.columns_of(event) if not column.sensitive
    ]


def _default_columns(event: Event) -> list[str]:
    answers = [c.key for c in exports.columns_of(event) if c.question is not None and not c.sensitive]
    return [*exports.DEFAULT_COLUMNS, *answers]


def _filename(event: Event, file_format: str) -> str:
    return f"anmeldungen-{event.slug}-{utcnow().astimezone(BERLIN):%Y%m%d-%H%M}.{file_format}"


def _file(export: exports.Export, file_format: str) -> Response:
    header = [column_label(column) for column in export.columns]
    rows = (
        [cell(column, export.value(registration, column)) for column in export.columns]
        for registration in export.registrations
    )
    if file_format == "csv":
        data = spreadsheets.to_csv(header, rows)
    else:
        data = spreadsheets.to_xlsx(header, rows, title=_("Registrations"))
    response = make_response(data)
    response.headers["Content-Type"] = MEDIA_TYPES[file_format]
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(export.event, file_format)}"'
    # Personal data: no copy in any cache on the way.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/events/<int:event_id>/export", methods=["GET", "POST"])
def export_registrations(event_id: int) -> Response | str | tuple[str, int]:
    """Choose the columns and the format for the group in the URL; the POST answers with the file."""
    event = load_event(event_id)
    group, flt, valid = group_from(event, request.args)
    form = ExportForm()
    _setup(form, event)
    if not form.is_submitted():
        form.columns.data = _default_columns(event)
    elif valid and form.validate():
        try:
            export = exports.export_registrations(
                db.session,
                event,
                flt,
                columns=form.columns.data or [],
                include_sensitive=bool(form.include_sensitive.data),
                file_format=form.file_format.data or "",
                now=utcnow(),
                actor=current_actor(),
            )
        except ValidationError:
            db.session.rollback()
            form.columns.errors = [_("Please choose at least one column.")]
        else:
            db.session.commit()
            return _file(export, form.file_format.data or "")
    page = {
        "event": event,
        "form": form,
        "group": group,
        "args": group.args(),
        "rows": roster_count(db.session, event, flt) if valid else 0,
        "described": describe_group(exports.filter_detail(flt), _("Everyone registered")),
        "sensitive": [question for question in event.questions if question.sensitive],
    }
    status = 400 if form.is_submitted() or not valid else 200
    return render_template("manage/export.html", **page), status


def _printed(event_id: int, template: str) -> tuple[str, int]:
    event = load_event(event_id)
    group, flt, valid = group_from(event, request.args, default=printed_default(event))
    registrations = list(db.session.scalars(roster_select(event, flt)))
    described = describe_group(exports.filter_detail(flt), _("Everyone registered"))
    page = render_template(template, event=event, group=group, registrations=registrations, described=described)
    return page, 200 if valid else 400


@bp.get("/events/<int:event_id>/sign-in-list")
def sign_in_list(event_id: int) -> tuple[str, int]:
    """The Teilnehmerliste to print: one line per person with an empty signature column."""
    return _printed(event_id, "manage/sign_in_list.html")


@bp.get("/events/<int:event_id>/badges")
def name_badges(event_id: int) -> tuple[str, int]:
    """Name badges to print and cut (eight on an A4 page)."""
    return _printed(event_id, "manage/badges.html")
