"""Pages behind the manage link for correcting details and passing a registration on.

``/r/<token>/details`` corrects names, organization and answers; ``/r/<token>/handover``
asks for a colleague's details and mails them a link to ``/h/<token>``, whose page has
one button (DESIGN §3: opening a mailed link changes nothing). Registered on the
registration blueprint, so ``url_for('registration.…')`` names them all.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _

from eventapp.blueprints.errors import domain_message, error_page
from eventapp.blueprints.limits import link_budget, manage_budget, registration_budget
from eventapp.blueprints.registration.common import (
    form_locale,
    in_their_language,
    keep_private,
    to_manage,
)
from eventapp.blueprints.registration.details_forms import AcceptHandoverForm, HandoverForm, build_details_form
from eventapp.blueprints.registration.routes import _registration, bp
from eventapp.extensions import db
from eventapp.models import Registration, utcnow
from eventapp.services import handover as handover_service
from eventapp.services.audit import Actor
from eventapp.services.errors import DomainError, InvalidState, LinkExpired, ValidationError
from eventapp.urls import external_url


def _active(token: str) -> Registration | None:
    reg = _registration(token)
    return reg if reg.is_active else None


@bp.route("/r/<token>/details", methods=["GET", "POST"])
@manage_budget
@link_budget
def details(token: str) -> Response | tuple[str, int]:
    """GET: the details form, filled in. POST: save; a changed name on a ticket re-sends the ticket."""
    reg = _active(token)
    if reg is None:
        return to_manage(_registration(token))
    form = build_details_form(reg, form_locale())
    status = 200
    if form.validate_on_submit():
        data = handover_service.DetailsInput(
            given_name=form["given_name"].data or "",
            family_name=form["family_name"].data or "",
            organization=form["organization"].data or "",
            answers=form.answers(),
            sensitive_consent=bool(form.sensitive_consent.data) and form.sensitive_answered(),
        )
        try:
            changed = handover_service.update_details(db.session, reg, data, now=utcnow(), actor=Actor.attendee(reg))
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            form.add_service_errors(error.fields)
            status = 400
        except DomainError as error:
            db.session.rollback()
            flash(domain_message(error), "error")
            return to_manage(reg)
        else:
            if changed:
                flash(_("Your details have been saved."), "success")
            return to_manage(reg)
    elif request.method == "POST":
        status = 400
    return render_template("registration/details.html", reg=reg, event=reg.event, form=form), status


@bp.route("/r/<token>/handover", methods=["GET", "POST"])
@registration_budget  # it mails an address of the sender's choosing, like a registration
@link_budget
def handover(token: str) -> Response | tuple[str, int]:
    """GET: who attends instead? POST: mail them the link; nothing else changes yet."""
    reg = _active(token)
    if reg is None or reg.email_confirmed_at is None:
        return to_manage(_registration(token))
    form = HandoverForm()
    form.event = reg.event
    status = 200
    if form.validate_on_submit():
        data = handover_service.HandoverInput(
            given_name=form.given_name.data or "",
            family_name=form.family_name.data or "",
            email=form.email.data or "",
            organization=form.organization.data or "",
            locale=form_locale(),
        )
        try:
            handover_service.offer_handover(
                db.session,
                reg,
                data,
                now=utcnow(),
                actor=Actor.attendee(reg),
                accept_url=lambda secret: external_url("registration.accept_handover", token=secret),
            )
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            if error.fields.get("email") == "same_address":
                form.email.errors = [_("That is your own address. Please enter your colleague's address.")]
            else:
                form.add_service_errors(error.fields)
            status = 400
        except DomainError as error:
            db.session.rollback()
            flash(domain_message(error), "error")
            return to_manage(reg)
        else:
            flash(
                _(
                    "We have sent %(name)s an email. Once they confirm, the registration is theirs; until then "
                    "nothing changes for you.",
                    name=data.given_name + " " + data.family_name,
                ),
                "success",
            )
            return to_manage(reg)
    elif request.method == "POST":
        status = 400
    pending = handover_service.open_handover(db.session, reg)
    return render_template("registration/handover.html", reg=reg, event=reg.event, form=form, pending=pending), status


@bp.route("/h/<token>", methods=["GET", "POST"])
@manage_budget
@link_budget
def accept_handover(token: str) -> Response | tuple[str, int]:
    """GET: what is passed on, with one button. POST (with the privacy consent): take it over."""
    found = handover_service.handover_by_token(db.session, token)
    now = utcnow()
    if found.accepted_at is not None:
        if request.method == "POST" and found.registration.person_id == found.person_id:
            return _taken_over(found.registration)  # a second press: where the first one led
        return error_page(
            410, _("This registration has already been taken over. Your ticket and personal link are in your email.")
        )
    try:
        handover_service.check_handover(found, now=now)
    except (LinkExpired, InvalidState) as error:
        return error_page(410, domain_message(error))
    reg = found.registration
    form = AcceptHandoverForm()
    status = 200
    if form.validate_on_submit():
        try:
            handover_service.accept_handover(
                db.session, found, now=now, consent_version=current_app.config["PRIVACY_CONSENT_VERSION"]
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            return error_page(409 if error.code == "already_registered" else 410, domain_message(error))
        flash(_("The registration is now yours. We have sent your ticket and your personal link by email."), "success")
        return _taken_over(reg)
    if request.method == "POST":
        status = 400
    return render_template(
        "registration/handover_accept.html", handover=found, reg=reg, event=reg.event, form=form
    ), status


def _taken_over(reg: Registration) -> Response:
    """After the takeover: the new person's manage page (in their language)."""
    in_their_language(reg)
    return redirect(url_for("registration.manage", token=reg.manage_token), 303)


@bp.after_request
def _private_handover(response: Response) -> Response:
    """A handover page is personal like a manage page."""
    if request.path.startswith("/h/"):
        return keep_private(response)
    return response
