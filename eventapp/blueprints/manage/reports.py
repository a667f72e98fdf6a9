"""Programme reporting (issue 8 Part 7): the figures per format, organization and month, for a
period of Berlin dates, as a page and as CSV or XLSX.

Organizers see their organizations' events, admins every organization's
(:func:`eventapp.services.reports.programme_report` asks the permissions). The period is a
GET form (it changes nothing, so it carries no CSRF token); a wrong date is answered with
the form and a German message (400), never with a 500.
"""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from eventapp.blueprints.manage.exports import MEDIA_TYPES
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.labels import format_label
from eventapp.models import utcnow
from eventapp.security import signed_in_user
from eventapp.services import spreadsheets
from eventapp.services.reports import Figures, Report, ReportPeriod, programme_report
from eventapp.templating import format_date

DATE_MESSAGE = _l("Please enter a date, for example 01.03.2026.")
#: A date input sends ISO dates; typed by hand (a browser without a date picker), German ones work too.
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class ReportPeriodForm(FlaskForm):
    """The period of the report (both ends optional, inclusive)."""

    class Meta:
        csrf = False

    start = DateField(_l("Events from"), format=DATE_FORMATS, validators=[Optional()])
    end = DateField(_l("until"), format=DATE_FORMATS, validators=[Optional()])

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_("The end of the period cannot be before its start."))

    def period(self) -> ReportPeriod:
        return ReportPeriod(self.start.data, self.end.data)

    def args(self) -> dict[str, str]:
        """The period's query parameters that are set (for the export links)."""
        return {name: self[name].data.isoformat() for name in ("start", "end") if self[name].data}


def _period_form() -> tuple[ReportPeriodForm, bool]:
    """The period read from the query string, and whether it is valid; a date that cannot be read
    gets a German example instead of WTForms' English "Not a valid date value"."""
    form = ReportPeriodForm(formdata=request.args)
    valid = form.validate()
    for field in (form.start, form.end):
        if field.raw_data and field.raw_data[0] and field.data is None:
            field.errors = [str(DATE_MESSAGE)]
    return form, valid


def _rate(figures: Figures) -> str:
    return "–" if figures.no_show_rate is None else format_percent(figures.no_show_rate, "#,##0.0 %")


def _table(report: Report) -> tuple[list[str], list[list[str]]]:
    """The report as text cells, the way the page and the files show it."""
    header = [
        _("Month"),
        _("Owning organization"),
        _("Format"),
        _("Events"),
        _("Registrations"),
        _("Confirmed"),
        _("Attended on site"),
        _("Joined online"),
        _("No-shows"),
        _("No-show rate"),
    ]
    rows = [
        [
            line.month.strftime("%Y-%m"),
            line.organization,
            format_label(line.format),
            *(str(value) for value in _counts(line)),
            _rate(line),
        ]
        for line in report.lines
    ]
    rows.append([_("Total"), "", "", *(str(value) for value in _counts(report.total)), _rate(report.total)])
    return header, rows


def _counts(figures: Figures) -> tuple[int, ...]:
    return (
        figures.events,
        figures.registrations,
        figures.confirmed,
        figures.attended_on_site,
        figures.joined_online,
        figures.no_shows,
    )


def _period_label(period: ReportPeriod) -> str:
    if period.first and period.last:
        return _("%(start)s to %(end)s", start=format_date(period.first), end=format_date(period.last))
    if period.first:
        return _("from %(start)s", start=format_date(period.first))
    if period.last:
        return _("until %(end)s", end=format_date(period.last))
    return _("all events")


@bp.get("/reports")
def reports() -> str | tuple[str, int]:
    """Events, registrations, attendance and no-shows per format, organization and month."""
    user = signed_in_user()
    assert user is not None  # the guard let only signed-in users through
    form, valid = _period_form()
    if not valid:
        return render_template("manage/reports.html", form=form, report=None), 400
    report = programme_report(db.session, user, form.period(), now=utcnow())
    header, rows = _table(report)
    return render_template(
        "manage/reports.html",
        form=form,
        report=report,
        header=header,
        rows=rows,
        period_label=_period_label(report.period),
    )


@bp.get("/reports/export.<any(csv, xlsx):kind>")
def export_report(kind: str) -> Response | tuple[str, int]:
    """The same table as a file (formula-like cells neutralised by services.spreadsheets)."""
    user = signed_in_user()
    assert user is not None
    form, valid = _period_form()
    if not valid:
        return render_template("manage/reports.html", form=form, report=None), 400
    report = programme_report(db.session, user, form.period(), now=utcnow())
    header, rows = _table(report)
    stamp = utcnow().date().isoformat()
    if kind == "csv":
        body = spreadsheets.to_csv(header, rows)
    else:
        body = spreadsheets.to_xlsx(header, rows, title=_("Programme report"))
    response = Response(body, mimetype=MEDIA_TYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="programme-report-{stamp}.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response
