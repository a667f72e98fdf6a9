"""Event management in the organizer area (issue 7 Part 3): create, edit, publish,
unpublish, cancel and clone an event.

Load → authorise → act: every view that names an event loads it (404), asks
:func:`eventapp.security.authorize` (403, nothing changed), then calls one service with
the signed-in user as actor and commits. Refusals of the services are rolled back and
shown in the user's language.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from wtforms import SelectChoice

from eventapp.blueprints.manage.event_forms import CancelEventForm, EventForm
from eventapp.blueprints.manage.forms import AssignStaffForm, CheckinDeviceForm, SendCertificatesForm
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.models import CheckinDevice, Event, EventStatus, Organization, utcnow
from eventapp.security import authorize, current_actor, signed_in_user
from eventapp.services import admin, capacity, certificates, checkin_devices, event_editor, events, permissions
from eventapp.services.errors import DomainError, EventCancelled, ValidationError
from eventapp.services.events import CapacityBelowSeats, ModeInUse

CAPACITY_LABELS = {"capacity_on_site": "on site", "capacity_online": "online"}


def load_event(event_id: int) -> Event:
    """The event named in the URL (404), if the signed-in user may manage it (403)."""
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    authorize(event)
    return event


def _organizations() -> list[Organization]:
    user = signed_in_user()
    assert user is not None  # the guard let only signed-in users through
    if permissions.can_administer(user):
        return list(db.session.scalars(select(Organization).order_by(Organization.name)))
    return sorted(user.organizations, key=lambda org: org.name)


def _show_refusal(form: EventForm, error: DomainError) -> None:
    """A service's refusal next to the field it concerns, with the numbers where it has them."""
    if isinstance(error, CapacityBelowSeats):
        for name, (wanted, held) in error.held.items():
            form[name].errors = [
                *form[name].errors,
                ngettext(
                    "%(held)d place is already taken, so the capacity cannot be %(wanted)d.",
                    "%(held)d places are already taken, so the capacity cannot be %(wanted)d.",
                    held,
                    held=held,
                    wanted=wanted,
                ),
            ]
    elif isinstance(error, ModeInUse):
        form.attendance.errors = [
            *form.attendance.errors,
            ngettext(
                "%(num)d active registration uses a way of taking part that would no longer be offered. "
                "Cancel the event instead.",
                "%(num)d active registrations use a way of taking part that would no longer be offered. "
                "Cancel the event instead.",
                error.registrations,
            ),
        ]
    elif isinstance(error, ValidationError) and error.fields:
        form.add_service_errors(error.fields)
    else:
        form.form_errors.append(_("This event has been cancelled and can no longer be changed."))


@bp.route("/events/new", methods=["GET", "POST"])
def new_event() -> Response | str | tuple[str, int]:
    """A new draft event of one of the user's organizations."""
    organizations = _organizations()
    form = EventForm().setup(organizations, None)
    if form.validate_on_submit():
        organization = next(org for org in organizations if org.id == form.organization.data)
        try:
            event = event_editor.create_event(
                db.session, organization, form.details(), now=utcnow(), actor=current_actor()
            )
        except ValidationError as error:
            db.session.rollback()
            _show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The event has been saved as a draft. Publish it when it is ready."), "success")
            return redirect(url_for("manage.event", event_id=event.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/event_form.html", form=form, event=None), status


def render_event_page(
    event: Event,
    *,
    staff_form: AssignStaffForm | None = None,
    certificate_form: SendCertificatesForm | None = None,
    device_form: CheckinDeviceForm | None = None,
    new_device: tuple[CheckinDevice, str, str] | None = None,
) -> str:
    """The event page; ``staff_form`` and ``certificate_form`` carry a refused form back to it."""
    seats = capacity.availability(db.session, event, now=utcnow())
    active = event_editor.active_registrations(db.session, event)
    candidates = admin.staff_candidates(db.session, event)
    form = staff_form or AssignStaffForm()
    form.user.choices = [
        SelectChoice(user.id, f"{user.label} ({user.email})" if user.name else user.email) for user in candidates
    ]
    return render_template(
        "manage/event.html",
        event=event,
        seats=seats,
        active=active,
        Status=EventStatus,
        staff=admin.event_staff(db.session, event),
        staff_form=form,
        certificates=certificates.overview(db.session, event, now=utcnow()),
        certificate_form=certificate_form or SendCertificatesForm(),
        devices=checkin_devices.devices_of(db.session, event),
        device_valid_until=checkin_devices.valid_until(event),
        device_form=device_form or CheckinDeviceForm(),
        new_device=new_device,
    )


@bp.get("/events/<int:event_id>")
def event(event_id: int) -> str:
    """The event as its organizer sees it: status, facts, seats, check-in staff and what can be done next."""
    return render_event_page(load_event(event_id))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int) -> Response | str | tuple[str, int]:
    """Change an event; attendees hear about what matters to them (update service)."""
    event = load_event(event_id)
    if event.status is EventStatus.CANCELLED:
        flash(_("This event has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("manage.event", event_id=event.id), 303)
    form = EventForm().setup([], event)
    if not form.is_submitted():
        form.fill(event)
    elif form.validate():
        try:
            changed = event_editor.edit_event(db.session, event, form.details(), now=utcnow(), actor=current_actor())
        except (ValidationError, EventCancelled) as error:
            db.session.rollback()
            event = load_event(event_id)
            _show_refusal(form, error)
        else:
            db.session.commit()
            if not changed:
                flash(_("Nothing was changed."), "info")
            elif set(changed) & set(events.ATTENDEE_FIELDS):
                flash(_("The changes are saved. Registrants are being informed with an updated invitation."), "success")
            else:
                flash(_("The changes are saved."), "success")
            return redirect(url_for("manage.event", event_id=event.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/event_form.html", form=form, event=event), status


@bp.post("/events/<int:event_id>/publish")
def publish_event(event_id: int) -> Response:
    event = load_event(event_id)
    try:
        event_editor.publish_event(db.session, event, now=utcnow(), actor=current_actor())
    except EventCancelled:
        db.session.rollback()
        flash(_("This event has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("manage.event", event_id=event_id), 303)
    db.session.commit()
    flash(_("The event is published and can be found on the public pages."), "success")
    return redirect(url_for("manage.event", event_id=event_id), 303)


@bp.post("/events/<int:event_id>/unpublish")
def unpublish_event(event_id: int) -> Response | tuple[str, int]:
    event = load_event(event_id)
    try:
        event_editor.unpublish_event(db.session, event, now=utcnow(), actor=current_actor())
    except event_editor.HasRegistrations as error:
        db.session.rollback()
        flash(
            ngettext(
                "The event has %(num)d active registration, so it cannot be withdrawn. Cancel it instead: "
                "registrants are then told.",
                "The event has %(num)d active registrations, so it cannot be withdrawn. Cancel it instead: "
                "registrants are then told.",
                error.registrations,
            ),
            "error",
        )
        return redirect(url_for("manage.event", event_id=event_id), 303)
    except DomainError:
        db.session.rollback()
        flash(_("Only a published event can be withdrawn."), "error")
        return redirect(url_for("manage.event", event_id=event_id), 303)
    db.session.commit()
    flash(_("The event is a draft again and no longer public."), "success")
    return redirect(url_for("manage.event", event_id=event_id), 303)


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
def cancel_event(event_id: int) -> Response | str | tuple[str, int]:
    """Call the event off: every registration ends, registrants get the message and a calendar cancellation."""
    event = load_event(event_id)
    if event.status is EventStatus.CANCELLED:
        flash(_("This event has already been cancelled."), "info")
        return redirect(url_for("manage.event", event_id=event.id), 303)
    form = CancelEventForm()
    if form.validate_on_submit():
        try:
            change = events.cancel_event(
                db.session, event, now=utcnow(), actor=current_actor(), message=form.message.data or ""
            )
        except DomainError:
            db.session.rollback()
            flash(_("This event has already been cancelled."), "info")
            return redirect(url_for("manage.event", event_id=event_id), 303)
        db.session.commit()
        flash(
            ngettext(
                "The event is cancelled; %(num)d registrant is being told.",
                "The event is cancelled; %(num)d registrants are being told.",
                change.notified,
            ),
            "success",
        )
        return redirect(url_for("manage.event", event_id=event_id), 303)
    active = event_editor.active_registrations(db.session, event)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/event_cancel.html", form=form, event=event, active=active), status


@bp.post("/events/<int:event_id>/clone")
def clone_event(event_id: int) -> Response:
    """A draft copy to re-date (last year's conference for this year)."""
    event = load_event(event_id)
    copy = event_editor.clone_event(db.session, event, now=utcnow(), actor=current_actor())
    db.session.commit()
    flash(
        _("This is a draft copy of “%(title)s”. Please check the dates before you publish it.", title=event.title),
        "success",
    )
    return redirect(url_for("manage.edit_event", event_id=copy.id), 303)
