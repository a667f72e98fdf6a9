"""Organizer area routes. Every route is behind :func:`eventapp.security.guard` (admins and
organizers); views that load an event or a series call :func:`eventapp.security.authorize`
on it before they change or show anything."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from eventapp.blueprints.auth.links import invitation_max_age
from eventapp.blueprints.manage.forms import ROLE_LABELS, InviteForm
from eventapp.extensions import db
from eventapp.models import Organization, RegistrationStatus, Role, User, utcnow
from eventapp.security import ORGANIZERS, guard, roles, signed_in_user
from eventapp.services import account_links, organizer, permissions
from eventapp.services.errors import DomainError, NotAllowed
from eventapp.urls import external_url

bp = Blueprint("manage", __name__, url_prefix="/manage")
guard(bp, *ORGANIZERS)


@bp.get("/")
@roles(Role.ADMIN, Role.ORGANIZER, Role.STAFF)
def index() -> str:
    """The events the user sees (staff: the ones they are assigned to), upcoming or past."""
    user = signed_in_user()
    assert user is not None  # the guard let only signed-in users through
    past = request.args.get("past") == "1"
    rows = organizer.event_overview(db.session, user, now=utcnow(), past=past)
    return render_template("manage/index.html", rows=rows, past=past, user=user, Status=RegistrationStatus)


def _organization_choices(user: User) -> list[Organization]:
    if permissions.can_administer(user):
        return list(db.session.scalars(select(Organization).order_by(Organization.name)))
    return list(user.organizations)


@bp.route("/invite", methods=["GET", "POST"])
def invite() -> Response | str | tuple[str, int]:
    """Invite a colleague: organizers invite organizers and staff of their organization(s)."""
    user = signed_in_user()
    assert user is not None
    organizations = _organization_choices(user)
    form = InviteForm()
    roles_offered = [Role.ORGANIZER, Role.STAFF] + ([Role.ADMIN] if permissions.can_administer(user) else [])
    form.role.choices = [SelectChoice(role.value, str(ROLE_LABELS[role.value])) for role in roles_offered]
    form.organization.choices = [SelectChoice(org.id, org.name) for org in organizations]
    if form.validate_on_submit():
        chosen = [org for org in organizations if org.id == form.organization.data]
        try:
            invited = account_links.invite_user(
                db.session,
                inviter=user,
                email=form.email.data or "",
                role=form.role.data,
                name=form.name.data or "",
                organizations=chosen if form.role.data != Role.ADMIN else [],
                now=utcnow(),
                secret=current_app.config["SECRET_KEY"],
                link=lambda token: external_url("auth.accept_invitation", token=token),
                max_age=invitation_max_age(),
                locale=str(get_locale() or "de"),
            )
        except NotAllowed:
            db.session.rollback()
            raise  # blueprints/errors.py answers 403
        except DomainError as error:
            db.session.rollback()
            if error.fields.get("email") == "taken":
                form.email.errors = [_("This address already has an account.")]
            else:
                form.email.errors = [_("Please check your input.")]
        else:
            db.session.commit()
            flash(_("The invitation to %(email)s is on its way.", email=invited.email), "success")
            return redirect(url_for("manage.invite"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/invite.html", form=form), status
