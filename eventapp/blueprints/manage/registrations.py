"""An event's registrations in the organizer area (issue 7 Part 4): the list with search,
filters and pages; one registration with its answers, mails and history; and what an
organizer does to it — add a person by hand, seat a chosen waiter, cancel, re-send.

Load → authorise → act, as for events: every view loads the event (404) and asks
:func:`eventapp.security.authorize` (403, nothing changed) before it reads or changes a
registration; each action is one service call with the signed-in user as actor, then a
commit, a flash in the user's language and a 303 back.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import get_locale
from flask_babel import gettext as _

from eventapp.blueprints.errors import domain_message, domain_status
from eventapp.blueprints.manage.events import load_event
from eventapp.blueprints.manage.registration_forms import (
    AddRegistrationForm,
    CancelRegistrationForm,
    ResendForm,
    build_add_form,
    roster_filter_from,
)
from eventapp.blueprints.manage.roster_labels import (
    ACTION_LABELS,
    MAIL_KIND_LABELS,
    MAIL_STATUS_LABELS,
    REASON_LABELS,
    SOURCE_LABELS,
    action_detail,
    actor_name,
    organizer_status_label,
)
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.labels import mode_phrase
from eventapp.models import Event, EventStatus, Registration, RegistrationStatus, utcnow
from eventapp.security import current_actor
from eventapp.services import admission, capacity, roster
from eventapp.services import registration as registrations_service
from eventapp.services.admission import AlreadyActive, Raise
from eventapp.services.errors import DomainError, NotFound, ValidationError


def load_registration(event_id: int, registration_id: int) -> tuple[Event, Registration]:
    """The event (404, 403 as :func:`load_event`) and its registration (404 for another event's)."""
    event = load_event(event_id)
    try:
        return event, roster.registration_of(db.session, event, registration_id)
    except NotFound:
        abort(404)


def _raised_message(raised: Raise | None) -> str | None:
    if raised is None:
        return None
    return _(
        "Capacity %(mode)s raised from %(old)d to %(new)d.",
        mode=mode_phrase(raised.mode),
        old=raised.old,
        new=raised.new,
    )


def _to_detail(event_id: int, registration_id: int) -> Response:
    return redirect(url_for("manage.registration", event_id=event_id, registration_id=registration_id), 303)


@bp.get("/events/<int:event_id>/registrations")
def registrations(event_id: int) -> tuple[str, int]:
    """The event's registrations, a page at a time, searched and filtered (the filter is in the URL)."""
    event = load_event(event_id)
    form, valid = roster_filter_from(event, request.args)
    page = request.args.get("page", type=int) or 1
    flt = form.roster_filter()
    rows = roster.roster_page(db.session, event, flt, page=page)
    summary = roster.roster_summary(db.session, event)
    seats = capacity.availability(db.session, event, now=utcnow())
    return (
        render_template(
            "manage/registrations.html",
            event=event,
            form=form,
            flt=flt,
            rows=rows,
            args=form.args(),
            summary=summary,
            seats=seats,
            Status=RegistrationStatus,
            status_label=organizer_status_label,
        ),
        200 if valid else 400,
    )


@bp.get("/events/<int:event_id>/registrations/<int:registration_id>")
def registration(event_id: int, registration_id: int) -> str:
    """One registration: data, answers (sensitive ones marked), ticket, mails, arrivals and history."""
    event, reg = load_registration(event_id, registration_id)
    return _detail_page(event, reg)


def _detail_page(event: Event, reg: Registration, cancel_form: CancelRegistrationForm | None = None) -> str:
    detail = roster.registration_detail(db.session, reg, locale=str(get_locale() or "de"))
    waits_for = admission.waits_for(reg)
    full = waits_for is not None and capacity.availability(db.session, event, now=utcnow()).modes[waits_for].full
    return render_template(
        "manage/registration.html",
        event=event,
        reg=reg,
        detail=detail,
        waits_for=waits_for,
        full=full,
        cancel_form=cancel_form or CancelRegistrationForm(),
        status_label=organizer_status_label,
        action_labels=ACTION_LABELS,
        action_detail=action_detail,
        actor_name=actor_name,
        mail_kinds=MAIL_KIND_LABELS,
        mail_statuses=MAIL_STATUS_LABELS,
        sources=SOURCE_LABELS,
        reasons=REASON_LABELS,
        EventStatus=EventStatus,
    )


@bp.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
def add_registration(event_id: int) -> Response | str | tuple[str, int]:
    """Register a person by hand (by phone, a walk-in at the door): confirmed at once."""
    event = load_event(event_id)
    form: AddRegistrationForm = build_add_form(event, str(get_locale() or "de"))
    existing: Registration | None = None
    status = 200
    if form.is_submitted():
        status = 400
    if form.validate_on_submit():
        try:
            added = admission.add_registration(
                db.session,
                event,
                form.to_input(),
                now=utcnow(),
                actor=current_actor(),
                notify=bool(form.send_mail.data),
                check_in=bool(form.check_in.data),
            )
        except AlreadyActive as error:
            existing_id = error.registration.id
            db.session.rollback()
            event = load_event(event_id)
            existing = db.session.get(Registration, existing_id)
            form.email.errors = [*form.email.errors, _("This person is already registered for this event.")]
            status = domain_status(error)
        except ValidationError as error:
            db.session.rollback()
            event = load_event(event_id)
            form.event = event
            form.add_service_errors(error.fields)
        except DomainError as error:
            db.session.rollback()
            event = load_event(event_id)
            form.form_errors.append(_refusal(error))
            status = domain_status(error)
        else:
            db.session.commit()
            reg = added.registration
            if form.send_mail.data:
                message = _(
                    "%(name)s is registered and confirmed; the ticket is on its way by email.", name=reg.full_name
                )
            else:
                message = _("%(name)s is registered and confirmed; no email was sent.", name=reg.full_name)
            flash(" ".join(filter(None, [message, _raised_message(added.raised)])), "success")
            return _to_detail(event.id, reg.id)
    return render_template(
        "manage/registration_add.html", event=event, form=form, existing=existing, status_label=organizer_status_label
    ), status


#: Refusals of organizer actions, in words (codes the app-wide table does not know).
REFUSALS = {
    "event_draft": lambda: _("The event is a draft. Publish it before you add people."),
    "not_waiting": lambda: _("This registration is not waiting for a seat (any more)."),
    "event_cancelled": lambda: _("This event has been cancelled."),
    "invalid_state": lambda: _("This is not possible for the registration in its current state."),
}


def _refusal(error: DomainError) -> str:
    message = REFUSALS.get(error.code)
    return message() if message else domain_message(error)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/promote")
def promote_registration(event_id: int, registration_id: int) -> Response:
    """Seat this waiter now; in a full mode the capacity grows by one for them."""
    event, reg = load_registration(event_id, registration_id)
    try:
        result = admission.promote_registration(db.session, reg, now=utcnow(), actor=current_actor())
    except DomainError as error:
        db.session.rollback()
        flash(_refusal(error), "error")
        return _to_detail(event_id, registration_id)
    db.session.commit()
    reg = result.registration
    message = _("%(name)s now has a confirmed seat %(mode)s.", name=reg.full_name, mode=mode_phrase(reg.mode))
    flash(" ".join(filter(None, [message, _raised_message(result.raised)])), "success")
    return _to_detail(event_id, registration_id)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/cancel")
def cancel_registration(event_id: int, registration_id: int) -> Response | tuple[str, int]:
    """Cancel for the person: they get a mail (with a calendar cancellation), the queue moves up."""
    event, reg = load_registration(event_id, registration_id)
    form = CancelRegistrationForm()
    if not reg.is_active:
        flash(_("This registration is no longer active."), "info")
        return _to_detail(event_id, registration_id)
    if not form.validate_on_submit():
        return _detail_page(event, reg, cancel_form=form), 400
    registrations_service.cancel(db.session, reg, now=utcnow(), actor=current_actor())
    db.session.commit()
    flash(_("The registration of %(name)s is cancelled; the person is being told.", name=reg.full_name), "success")
    return _to_detail(event_id, registration_id)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/resend")
def resend_registration(event_id: int, registration_id: int) -> Response:
    """Send the ticket or the link to the person's page again."""
    _event, reg = load_registration(event_id, registration_id)
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        kind = admission.resend(db.session, reg, form.what.data, now=utcnow(), actor=current_actor())
    except DomainError as error:
        db.session.rollback()
        flash(_refusal(error), "error")
        return _to_detail(event_id, registration_id)
    db.session.commit()
    address = reg.person.email
    if kind == "ticket":
        flash(_("The ticket is being sent to %(email)s again.", email=address), "success")
    elif kind == "confirm_email":
        flash(_("The confirmation link is being sent to %(email)s again.", email=address), "success")
    else:
        flash(_("The link to the registration is being sent to %(email)s again.", email=address), "success")
    return _to_detail(event_id, registration_id)
