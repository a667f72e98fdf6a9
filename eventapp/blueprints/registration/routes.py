"""Registration pages: the form, "check your inbox", and the pages behind the manage link.

Links that arrive by mail (confirm, cancel, switch) open a page with one button;
only that button's POST (with CSRF) changes anything, so mail gateways that
prefetch links do no harm (DESIGN §3). Every POST runs one service call, commits,
and redirects (303) to a page that can be reloaded safely.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _

from eventapp.blueprints.errors import domain_message
from eventapp.blueprints.limits import link_budget, manage_budget, registration_budget
from eventapp.blueprints.registration.common import (
    commit_action,
    commit_submission,
    form_context,
    form_locale,
    hold_settings,
    in_their_language,
    inbox_page,
    keep_private,
    to_manage,
)
from eventapp.blueprints.registration.forms import RegistrationForm, build_form
from eventapp.extensions import db
from eventapp.keys import current_keyring
from eventapp.labels import mode_phrase
from eventapp.models import Event, EventAttendance, Mode, Registration, RegistrationStatus, utcnow
from eventapp.services import capacity, catalog, certificates, registration, seats
from eventapp.services.audit import Actor
from eventapp.services.errors import (
    DomainError,
    EventCancelled,
    InvalidState,
    LinkExpired,
    RegistrationClosed,
    RegistrationNotOpen,
)
from eventapp.services.tickets import qr_png, qr_svg, ticket_token

bp = Blueprint("registration", __name__)

#: Availability states in which the form is shown at all.
FORM_STATES = ("open", "waitlist")
#: The other states, as the error the service would raise for them.
_STATE_ERRORS: dict[str, type[DomainError]] = {
    "not_yet_open": RegistrationNotOpen,
    "closed": RegistrationClosed,
    "cancelled": EventCancelled,
}


@bp.after_request
def _private(response: Response) -> Response:
    """Pages behind a manage token are personal (see keep_private); no page here is cached."""
    if request.path.startswith("/r/"):
        return keep_private(response)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.context_processor
def _template_helpers() -> dict[str, object]:
    return {"Status": RegistrationStatus}


def _event(slug: str) -> Event:
    """The public event (drafts and unknown slugs are the same 404)."""
    return catalog.event_by_slug(db.session, slug)


def _render_form(
    event: Event,
    form: RegistrationForm,
    *,
    now: datetime,
    status: int = 200,
    availability: capacity.Availability | None = None,
) -> tuple[str, int]:
    return (
        render_template(
            "registration/form.html",
            availability=availability or capacity.availability(db.session, event, now=now),
            **form_context(event, form),
        ),
        status,
    )


def _unavailable(event: Event, message: str, *, state: str, status: int) -> tuple[str, int]:
    return render_template("registration/unavailable.html", event=event, message=message, state=state), status


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@registration_budget
def form(slug: str) -> Response | tuple[str, int]:
    """The registration form; a valid POST registers and redirects to "check your inbox".

    A repeated POST (double click, or registering again) reaches the service, which
    treats it as a repeat, so the answer is the same redirect and nothing is revealed.
    """
    now = utcnow()
    availability = None
    if request.method == "POST":
        # Read once, with the lock the submission takes anyway (the service reads it no second time);
        # whether it is open needs no seat counts.
        event = registration.event_for_submission(db.session, slug)
        state = capacity.opening_state(event, now=now) or "open"
    else:
        event = _event(slug)
        availability = capacity.availability(db.session, event, now=now)
        state = availability.state
    if state not in FORM_STATES:
        message = domain_message(_STATE_ERRORS[state]())
        return _unavailable(event, message, state=state, status=200 if request.method == "GET" else 409)

    form = build_form(event, form_locale())
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return _render_form(event, form, now=now, status=status, availability=availability)

    preferred = form.preferred_mode()
    if event.attendance is EventAttendance.HYBRID and preferred is not None and form.accept_other_mode.data:
        # The service takes the preferred mode at once when it has room, else a seat in
        # the other mode while waiting for the preferred one (or the queue if both are full).
        mode, waiting_for = preferred.other, preferred
    else:
        mode, waiting_for = preferred, None
    data = form.to_input(mode=mode, waiting_for=waiting_for, locale=form_locale())
    try:
        refused = commit_submission(form, registration.submit, event, data, now=now, **hold_settings())
    except (RegistrationNotOpen, RegistrationClosed, EventCancelled) as error:
        state = next(name for name, kind in _STATE_ERRORS.items() if isinstance(error, kind))
        return _unavailable(event, domain_message(error), state=state, status=409)
    if refused is not None:
        return _render_form(event, form, now=now, status=refused)
    return redirect(url_for(".registered", slug=event.slug), 303)


@bp.get("/events/<slug>/registered")
def registered(slug: str) -> str:
    """ "Check your inbox" (see inbox_page)."""
    return inbox_page("registration/registered.html", event=_event(slug))


# --- behind the manage link -------------------------------------------------------


def _registration(token: str) -> Registration:
    """The registration of a manage token (unknown tokens: a 404 that reveals nothing)."""
    return in_their_language(registration.registration_by_token(db.session, token))


def _is_overdue(reg: Registration, now: datetime) -> bool:
    """Unconfirmed and past its 24 hours, but not swept yet: show it as expired."""
    return (
        reg.status in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED)
        and reg.email_confirmed_at is None
        and reg.expires_at is not None
        and reg.expires_at <= now
    )


def _switch_target(reg: Registration, now: datetime) -> tuple[Mode, bool] | None:
    """The mode a switch leads to and whether a seat is free there, or None if no switch is offered."""
    event = reg.event
    if event.attendance is not EventAttendance.HYBRID or not reg.holds_seat or _is_overdue(reg, now):
        return None
    if reg.waiting_for is not None:
        return None
    availability = capacity.availability(db.session, event, now=now)
    if availability.state not in FORM_STATES:
        return None
    target = reg.mode.other
    return target, not availability.modes[target].full


def _expired_page(reg: Registration) -> tuple[str, int]:
    state = capacity.availability(db.session, reg.event, now=utcnow()).state
    return render_template(
        "registration/expired.html", reg=reg, event=reg.event, can_register=state in FORM_STATES
    ), 410


@bp.get("/r/<token>")
def manage(token: str) -> str:
    """The person's page: status in words, ticket, details, and what they can do."""
    reg = _registration(token)
    now = utcnow()
    return render_template(
        "registration/manage.html",
        reg=reg,
        event=reg.event,
        overdue=_is_overdue(reg, now),
        queue=seats.queue_position(db.session, reg),
        switch=_switch_target(reg, now),
        certificate=certificates.is_eligible(db.session, reg, now=now),
    )


@bp.route("/r/<token>/confirm", methods=["GET", "POST"])
@manage_budget
@link_budget
def confirm(token: str) -> Response | tuple[str, int] | str:
    """GET: a page with one "confirm" button. POST: confirm the email address."""
    reg = _registration(token)
    now = utcnow()
    if reg.status is RegistrationStatus.EXPIRED or _is_overdue(reg, now):
        return _expired_page(reg)
    if reg.email_confirmed_at is not None or not reg.is_active:
        return to_manage(reg)  # already confirmed (or cancelled: the manage page explains)
    if request.method == "GET":
        return render_template("registration/confirm.html", reg=reg, event=reg.event)
    try:
        confirmed = commit_action(
            lambda: registration.confirm(db.session, reg, now=now, actor=Actor.attendee(reg)), reraise=(LinkExpired,)
        )
    except LinkExpired:
        return _expired_page(reg)
    if not confirmed:
        return to_manage(reg)
    if reg.status is RegistrationStatus.CONFIRMED:
        flash(_("Thank you! Your registration is confirmed. We have sent your ticket by email."), "success")
    else:
        flash(_("Thank you! Your email address is confirmed and you are on the waiting list."), "success")
    return to_manage(reg)


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
@manage_budget
@link_budget
def cancel(token: str) -> Response | str:
    """GET: "do you really want to cancel?" with one button. POST: cancel."""
    reg = _registration(token)
    if not reg.is_active:
        return to_manage(reg)
    if request.method == "GET":
        return render_template("registration/cancel.html", reg=reg, event=reg.event)
    if commit_action(lambda: registration.cancel(db.session, reg, now=utcnow(), actor=Actor.attendee(reg))):
        flash(_("Your registration has been cancelled. We have sent you a confirmation by email."), "success")
    return to_manage(reg)


@bp.route("/r/<token>/switch", methods=["GET", "POST"])
@manage_budget
@link_budget
def switch(token: str) -> Response | str:
    """GET: explains where a switch leads (a free seat, or the waiting list). POST: switch."""
    reg = _registration(token)
    now = utcnow()
    target = _switch_target(reg, now)
    if target is None:
        return to_manage(reg)
    if request.method == "GET":
        mode, seat_free = target
        return render_template("registration/switch.html", reg=reg, event=reg.event, target=mode, seat_free=seat_free)
    try:
        wanted = Mode(request.form.get("mode", ""))
    except ValueError:
        return to_manage(reg)  # a form without the target mode (an old page): do nothing
    old_mode, before = reg.mode, (reg.mode, reg.waiting_for)
    switched = commit_action(
        lambda: registration.switch_mode(db.session, reg, now=now, actor=Actor.attendee(reg), target=wanted)
    )
    if not switched or (reg.mode, reg.waiting_for) == before:
        return to_manage(reg)  # a repeated click: it already has (or waits for) that mode
    if reg.mode is not old_mode:
        if reg.status is RegistrationStatus.CONFIRMED and reg.mode is Mode.ONLINE:
            flash(
                _("Done: you now take part online. Your personal join link is below and on its way by email."),
                "success",
            )
        elif reg.status is RegistrationStatus.CONFIRMED:
            flash(
                _(
                    "Done: you now take part %(mode)s. A confirmation is on its way by email; your ticket stays valid.",
                    mode=mode_phrase(reg.mode),
                ),
                "success",
            )
        else:
            flash(_("Done: you now take part %(mode)s.", mode=mode_phrase(reg.mode)), "success")
    else:
        flash(
            _(
                "You keep your current seat and are on the waiting list for taking part %(mode)s.",
                mode=mode_phrase(reg.waiting_for or old_mode.other),
            ),
            "success",
        )
    return to_manage(reg)


@bp.post("/r/<token>/stop-waiting")
@manage_budget
@link_budget
def stop_waiting(token: str) -> Response:
    """Leave the other mode's waiting list and keep the current seat."""
    reg = _registration(token)
    if commit_action(lambda: registration.stop_waiting(db.session, reg, now=utcnow(), actor=Actor.attendee(reg))):
        flash(_("You are no longer on the waiting list. Your current seat stays yours."), "success")
    return to_manage(reg)


@bp.route("/r/<token>/reissue", methods=["GET", "POST"])
@manage_budget
@link_budget
def reissue(token: str) -> Response | str:
    """GET: explains a new ticket (the current one stops working). POST: re-issue it.

    For a ticket that was shared or lost: the old QR code is revoked at every station.
    """
    reg = _registration(token)
    if reg.status is not RegistrationStatus.CONFIRMED:
        return to_manage(reg)
    if request.method == "GET":
        return render_template("registration/reissue.html", reg=reg, event=reg.event)
    seen = request.form.get("serial", type=int)
    if seen is None:
        return to_manage(reg)  # a form without the serial (an old page): do nothing
    reissued = commit_action(
        lambda: registration.reissue_ticket(db.session, reg, now=utcnow(), actor=Actor.attendee(reg), serial=seen)
    )
    if reissued and reg.ticket_serial > seen and reg.mode is Mode.ONLINE:
        flash(
            _("Here is your new join link. The previous one no longer works; we have also sent it by email."), "success"
        )
    elif reissued and reg.ticket_serial > seen:
        flash(_("Here is your new ticket. The previous one no longer works; we have also sent it by email."), "success")
    return to_manage(reg)


# --- QR ticket images ---------------------------------------------------------------


def _ticket_image(body: bytes, mimetype: str) -> Response:
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # An image needs nothing else: not even the page policy's same-origin loads.
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    return response


def _ticket_data(token: str) -> str:
    """The signed ticket token of a confirmed on-site seat; anything else is a 404.

    Online there is no door: the join link takes the QR code's place (DESIGN §5).
    """
    reg = _registration(token)
    if reg.status is not RegistrationStatus.CONFIRMED or not reg.ticket_id or reg.mode is not Mode.ON_SITE:
        abort(404)
    try:
        return ticket_token(current_keyring(), reg)
    except InvalidState:
        abort(404)


@bp.get("/r/<token>/ticket.png")
def ticket_png(token: str) -> Response:
    """The QR code of the ticket as PNG (the manage page and mails show it)."""
    return _ticket_image(qr_png(_ticket_data(token)), "image/png")


@bp.get("/r/<token>/ticket.svg")
def ticket_svg(token: str) -> Response:
    """The QR code of the ticket as SVG (sharp at any size, e.g. when printed)."""
    return _ticket_image(qr_svg(_ticket_data(token)), "image/svg+xml")
