"""Series pages: ``/series/<slug>`` (dates and "register for all"), ``/series/<slug>/register``,
and behind the series manage link ``/s/<token>`` the dates with their state, "diesmal nicht"
for one date, joining a declined date again and leaving the whole series.

As for single registrations, links from mails open a page with one button and
only its POST (with CSRF) changes anything (DESIGN §3).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _

from eventapp.blueprints.errors import error_page
from eventapp.blueprints.limits import link_budget, manage_budget, registration_budget
from eventapp.blueprints.registration.common import (
    commit_action,
    commit_submission,
    form_context,
    form_locale,
    in_their_language,
    inbox_page,
    keep_private,
    to_manage,
)
from eventapp.blueprints.registration.forms import RegistrationForm, build_form
from eventapp.extensions import db
from eventapp.models import (
    Event,
    Registration,
    RegistrationStatus,
    Series,
    SeriesRegistration,
    SeriesRegistrationStatus,
    utcnow,
)
from eventapp.services import catalog
from eventapp.services import series as series_service
from eventapp.services.audit import Actor
from eventapp.services.errors import LinkExpired, NotFound, RegistrationClosed

bp = Blueprint("series", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    """Pages behind a series manage token are personal (see keep_private)."""
    if request.path.startswith("/s/"):
        return keep_private(response)
    return response


def _series(slug: str) -> Series:
    try:
        return series_service.series_by_slug(db.session, slug)
    except NotFound:
        abort(404)


@bp.get("/series/<slug>")
def detail(slug: str) -> str:
    """The series: what it is, its dates with their state, and "register for all dates"."""
    series = _series(slug)
    now = utcnow()
    dates = series_service.series_dates(db.session, series, since=now - timedelta(days=1))
    upcoming = [event for event in dates if (event.ends_at or event.starts_at) >= now]
    return render_template(
        "series/detail.html",
        series=series,
        dates=upcoming,
        availabilities=catalog.availabilities(db.session, upcoming, now=now),
        can_register=bool(series_service.upcoming_dates(db.session, series, now=now)),
    )


def _render_form(series: Series, event: Event, form: RegistrationForm, *, status: int = 200) -> tuple[str, int]:
    now = utcnow()
    return (
        render_template(
            "series/form.html",
            series=series,
            dates=series_service.upcoming_dates(db.session, series, now=now),
            **form_context(event, form),
        ),
        status,
    )


def _no_dates(series: Series, *, status: int) -> tuple[str, int]:
    message = _("This series has no upcoming dates to register for.")
    return render_template("series/unavailable.html", series=series, message=message), status


@bp.route("/series/<slug>/register", methods=["GET", "POST"])
@registration_budget
def form(slug: str) -> Response | tuple[str, int]:
    """The same form as for one date (fields and questions of the next date); a valid POST
    registers for the series and redirects to "check your inbox"."""
    series = _series(slug)
    now = utcnow()
    event = series_service.form_date(db.session, series, now=now)
    if event is None:
        return _no_dates(series, status=200 if request.method == "GET" else 409)
    form = build_form(event, form_locale())
    if not form.validate_on_submit():
        return _render_form(series, event, form, status=400 if request.method == "POST" else 200)
    data = form.to_input(mode=form.preferred_mode(), waiting_for=None, locale=form_locale())
    try:
        refused = commit_submission(form, series_service.submit_series, series, data, now=now)
    except RegistrationClosed:
        return _no_dates(series, status=409)
    if refused is not None:
        return _render_form(series, event, form, status=refused)
    return redirect(url_for(".registered", slug=series.slug), 303)


@bp.get("/series/<slug>/registered")
def registered(slug: str) -> str:
    """ "Check your inbox" (see inbox_page)."""
    return inbox_page("series/registered.html", series=_series(slug))


# --- behind the series manage link ----------------------------------------------------


def _series_registration(token: str) -> SeriesRegistration:
    """The series registration of a manage token; unknown tokens are a 404 revealing nothing."""
    return in_their_language(series_service.series_registration_by_token(db.session, token))


def _is_overdue(found: SeriesRegistration) -> bool:
    return (
        found.status is SeriesRegistrationStatus.PENDING
        and found.expires_at is not None
        and found.expires_at <= utcnow()
    )


@bp.get("/s/<token>")
def manage(token: str) -> str:
    """The person's series page: each date with its state, "diesmal nicht", leave the series."""
    found = _series_registration(token)
    now = utcnow()
    return render_template(
        "series/manage.html",
        sreg=found,
        series=found.series,
        entries=series_service.date_overview(db.session, found, now=now),
        overdue=_is_overdue(found),
        Status=SeriesRegistrationStatus,
    )


@bp.route("/s/<token>/confirm", methods=["GET", "POST"])
@manage_budget
@link_budget
def confirm(token: str) -> Response | str | tuple[str, int]:
    """GET: one "confirm" button. POST: confirm the address and register for every upcoming date."""
    found = _series_registration(token)
    if found.status is SeriesRegistrationStatus.EXPIRED or _is_overdue(found):
        return render_template("series/expired.html", sreg=found, series=found.series), 410
    if found.status is not SeriesRegistrationStatus.PENDING:
        return to_manage(found)
    if request.method == "GET":
        return render_template("series/confirm.html", sreg=found, series=found.series)
    try:
        confirmed = commit_action(
            lambda: series_service.confirm_series(db.session, found, now=utcnow(), actor=Actor.attendee(found)),
            reraise=(LinkExpired,),
        )
    except LinkExpired:
        return render_template("series/expired.html", sreg=found, series=found.series), 410
    if confirmed:
        flash(
            _("Thank you! You are registered for the series. We are sending you one email with all your dates."),
            "success",
        )
    return to_manage(found)


@bp.route("/s/<token>/decline/<event_slug>", methods=["GET", "POST"])
@manage_budget
@link_budget
def decline(token: str, event_slug: str) -> Response | str:
    """ "Diesmal nicht" – GET: one button for this date. POST: decline it (seat goes to the queue)."""
    found = _series_registration(token)
    try:
        event = series_service.date_of_series(db.session, found, event_slug)
    except NotFound:
        return error_page(404, _("This date does not belong to your series."))
    entry = next(
        (e for e in series_service.date_overview(db.session, found, now=utcnow()) if e.event.id == event.id), None
    )
    if entry is None or not entry.can_decline:
        return to_manage(found)
    if request.method == "GET":
        return render_template("series/decline.html", sreg=found, series=found.series, event=event, entry=entry)
    if commit_action(
        lambda: series_service.decline_date(db.session, found, event, now=utcnow(), actor=Actor.attendee(found))
    ):
        flash(_("Done: you will not take part on this date. Your other dates stay as they are."), "success")
    return to_manage(found)


@bp.route("/s/<token>/rejoin/<event_slug>", methods=["GET", "POST"])
@manage_budget
@link_budget
def rejoin(token: str, event_slug: str) -> Response:
    """ "Doch teilnehmen" – the one button beside a declined date on the series page (POST):
    register for it again through the date's seat rules. A GET (a copied link) changes nothing."""
    found = _series_registration(token)
    if request.method == "GET":
        return to_manage(found)
    try:
        event = series_service.date_of_series(db.session, found, event_slug)
    except NotFound:
        abort(404)
    entry = next(
        (e for e in series_service.date_overview(db.session, found, now=utcnow()) if e.event.id == event.id), None
    )
    if entry is None or not entry.can_rejoin:
        return to_manage(found)
    outcome: list[Registration | None] = []
    actor = Actor.attendee(found)
    if commit_action(
        lambda: outcome.append(series_service.rejoin_date(db.session, found, event, now=utcnow(), actor=actor))
    ):
        joined = outcome[0]
        if joined is None:
            message = _("Done: we will register you for this date as soon as its registration opens.")
        elif joined.status is RegistrationStatus.WAITLISTED:
            message = _("This date is fully booked: you are on its waiting list. We will email you if a seat frees up.")
        else:
            message = _("Done: you take part on this date again. We are sending you its ticket by email.")
        flash(message, "success")
    return to_manage(found)


@bp.route("/s/<token>/cancel", methods=["GET", "POST"])
@manage_budget
@link_budget
def cancel(token: str) -> Response | str:
    """GET: "leave the whole series?" with one button. POST: cancel every upcoming date."""
    found = _series_registration(token)
    if found.status not in (SeriesRegistrationStatus.PENDING, SeriesRegistrationStatus.ACTIVE):
        return to_manage(found)
    if request.method == "GET":
        return render_template("series/cancel.html", sreg=found, series=found.series)
    if commit_action(
        lambda: series_service.cancel_series(db.session, found, now=utcnow(), actor=Actor.attendee(found))
    ):
        flash(
            _("You have left the series. Your upcoming dates are cancelled; we are confirming each by email."),
            "success",
        )
    return to_manage(found)
