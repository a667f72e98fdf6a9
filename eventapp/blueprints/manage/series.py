"""Series in the organizer area (issue 7 Part 3): create one from a rhythm, see its dates, add,
move, retopic, skip and publish them.

Load → authorise → act, as for events: the series (and the date, which must belong to it)
come from the URL (404), :func:`eventapp.security.authorize` decides (403), one service of
:mod:`eventapp.services.series.organize` acts with the signed-in user as actor, the view
commits. Refusals are rolled back and shown next to the field in the user's language (400).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import ngettext

from eventapp.blueprints.manage.events import _organizations, load_event
from eventapp.blueprints.manage.routes import bp
from eventapp.blueprints.manage.series_forms import FREQUENCIES, DateForm, SeriesForm, SkipDateForm
from eventapp.extensions import db
from eventapp.models import Event, EventStatus, Series, utcnow
from eventapp.security import authorize, current_actor, signed_in_user
from eventapp.services import permissions
from eventapp.services.errors import DomainError, EventCancelled, ValidationError
from eventapp.services.series import organize
from eventapp.services.series.rhythm import MAX_DATES, TooManyDates


def load_series(series_id: int) -> Series:
    """The series named in the URL (404), if the signed-in user may manage it (403)."""
    series = db.session.get(Series, series_id)
    if series is None:
        abort(404)
    authorize(series)
    return series


def load_date(series: Series, event_id: int) -> Event:
    """A date of ``series`` (404 for any other event)."""
    event = load_event(event_id)
    if event.series_id != series.id:
        abort(404)
    return event


@bp.get("/series")
def series_list() -> str:
    """The series the user manages, with their number of dates."""
    user = signed_in_user()
    assert user is not None
    found = db.session.scalars(permissions.visible_series(user).order_by(Series.title, Series.id)).all()
    return render_template("manage/series_list.html", series_list=found)


@bp.route("/series/new", methods=["GET", "POST"])
def new_series() -> Response | str | tuple[str, int]:
    """A new series: what its dates share and the rhythm that gives them (drafts, published later)."""
    organizations = _organizations()
    form = SeriesForm().setup(organizations, None)
    if form.validate_on_submit():
        organization = next(org for org in organizations if org.id == form.organization.data)
        try:
            made = organize.create_series(
                db.session,
                organization,
                form.template(),
                form.rhythm(),
                now=utcnow(),
                actor=current_actor(),
                topics=form.topic_list(),
            )
        except TooManyDates as error:
            db.session.rollback()
            form.count.errors = [
                _(
                    "This rhythm gives %(num)d dates; a series can be created with at most %(max)d at once.",
                    num=error.dates,
                    max=MAX_DATES,
                )
            ]
        except ValidationError as error:
            db.session.rollback()
            form.add_service_errors(error.fields or {"title": "invalid"})
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The series has been created with %(num)d date as a draft. Publish the dates when they are ready.",
                    "The series has been created with %(num)d dates as drafts. Publish the dates when they are ready.",
                    len(made.events),
                ),
                "success",
            )
            return redirect(url_for("manage.series_page", series_id=made.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/series_form.html", form=form, frequencies=FREQUENCIES), status


def _series_page(series: Series, form: DateForm, status: int = 200) -> tuple[str, int]:
    dates = organize.series_dates_for_organizer(db.session, series)
    drafts = sum(1 for event, _count in dates if event.status is EventStatus.DRAFT and event.starts_at > utcnow())
    page = render_template(
        "manage/series.html", series=series, dates=dates, form=form, drafts=drafts, Status=EventStatus, now=utcnow()
    )
    return page, status


@bp.get("/series/<int:series_id>")
def series_page(series_id: int) -> tuple[str, int]:
    """The series' dates with what can be done to each, and a form for one more."""
    series = load_series(series_id)
    form = DateForm()
    proposal = organize.next_slot(db.session, series)
    if proposal is not None:
        form.propose(*proposal)
    return _series_page(series, form)


@bp.post("/series/<int:series_id>/dates")
def add_series_date(series_id: int) -> Response | tuple[str, int]:
    """One more date, like the latest one; published at once if asked (registrants follow)."""
    series = load_series(series_id)
    form = DateForm()
    if not form.validate_on_submit():
        return _series_page(series, form, 400)
    starts_at, ends_at = form.slot()
    try:
        now, actor = utcnow(), current_actor()
        added = organize.add_date(
            db.session, series, starts_at=starts_at, ends_at=ends_at, topic=form.topic.data or "", now=now, actor=actor
        )
        if form.publish.data:
            organize.publish_date(db.session, added, now=now, actor=actor)
    except ValidationError as error:
        db.session.rollback()
        form.add_service_errors(error.fields or {"starts_at": "invalid"})
        return _series_page(load_series(series_id), form, 400)
    except DomainError:
        db.session.rollback()
        form.day.errors = [_("The series has no date to copy. Please create a new series from a rhythm.")]
        return _series_page(load_series(series_id), form, 400)
    db.session.commit()
    if form.publish.data:
        flash(_("The date has been added and published."), "success")
    else:
        flash(_("The date has been added as a draft."), "success")
    return redirect(url_for("manage.series_page", series_id=series_id), 303)


@bp.route("/series/<int:series_id>/dates/<int:event_id>", methods=["GET", "POST"])
def edit_series_date(series_id: int, event_id: int) -> Response | str | tuple[str, int]:
    """Move a date (registrants get an updated invitation) or change its topic (pages and feeds only)."""
    series = load_series(series_id)
    event = load_date(series, event_id)
    if event.status is EventStatus.CANCELLED:
        flash(_("This date has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("manage.series_page", series_id=series_id), 303)
    form = DateForm()
    del form.publish
    if not form.is_submitted():
        form.fill(event)
    elif form.validate():
        starts_at, ends_at = form.slot()
        try:
            changed = organize.edit_date(
                db.session,
                event,
                starts_at=starts_at,
                ends_at=ends_at,
                topic=form.topic.data or "",
                now=utcnow(),
                actor=current_actor(),
            )
        except (ValidationError, EventCancelled) as error:
            db.session.rollback()
            event = load_date(load_series(series_id), event_id)
            form.add_service_errors(getattr(error, "fields", None) or {"starts_at": "invalid"})
        else:
            db.session.commit()
            if {"starts_at", "ends_at"} & set(changed):
                flash(
                    _("The date has been moved. Registrants are being informed with an updated invitation."), "success"
                )
            elif changed:
                flash(_("The topic has been changed."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("manage.series_page", series_id=series_id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/series_date.html", series=series, event=event, form=form), status


@bp.route("/series/<int:series_id>/dates/<int:event_id>/skip", methods=["GET", "POST"])
def skip_series_date(series_id: int, event_id: int) -> Response | str | tuple[str, int]:
    """Leave a date out (a holiday): a draft is deleted, a published date is cancelled with mails."""
    series = load_series(series_id)
    event = load_date(series, event_id)
    if event.status is EventStatus.CANCELLED:
        flash(_("This date has already been cancelled."), "info")
        return redirect(url_for("manage.series_page", series_id=series_id), 303)
    form = SkipDateForm()
    if form.validate_on_submit():
        try:
            outcome = organize.skip_date(
                db.session, event, now=utcnow(), actor=current_actor(), message=form.message.data or ""
            )
        except DomainError:
            db.session.rollback()
            flash(_("This date has already been cancelled."), "info")
            return redirect(url_for("manage.series_page", series_id=series_id), 303)
        db.session.commit()
        if outcome == "deleted":
            flash(_("The date has been removed."), "success")
        else:
            flash(_("The date has been cancelled; everyone registered is being told."), "success")
        return redirect(url_for("manage.series_page", series_id=series_id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/series_skip.html", series=series, event=event, form=form, Status=EventStatus), status


@bp.post("/series/<int:series_id>/dates/<int:event_id>/publish")
def publish_series_date(series_id: int, event_id: int) -> Response:
    """Publish one date; the series' registrants are registered for it at once."""
    series = load_series(series_id)
    event = load_date(series, event_id)
    try:
        organize.publish_date(db.session, event, now=utcnow(), actor=current_actor())
    except EventCancelled:
        db.session.rollback()
        flash(_("This date has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("manage.series_page", series_id=series_id), 303)
    db.session.commit()
    flash(_("The date is published."), "success")
    return redirect(url_for("manage.series_page", series_id=series_id), 303)


@bp.post("/series/<int:series_id>/publish")
def publish_series(series_id: int) -> Response:
    """Publish every upcoming draft date of the series."""
    series = load_series(series_id)
    published = organize.publish_all(db.session, series, now=utcnow(), actor=current_actor())
    db.session.commit()
    flash(
        ngettext("%(num)d date has been published.", "%(num)d dates have been published.", published),
        "success" if published else "info",
    )
    return redirect(url_for("manage.series_page", series_id=series_id), 303)
