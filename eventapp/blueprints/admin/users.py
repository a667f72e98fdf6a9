"""Admin area: users — list, create (by invitation), edit role/organizations/assignments, deactivate."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.wrappers import Response
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms import SelectChoice

from eventapp.blueprints.admin.forms import NewUserForm, UserForm
from eventapp.blueprints.admin.routes import FIELD_MESSAGES, bp
from eventapp.blueprints.auth.links import invitation_max_age
from eventapp.blueprints.manage.forms import ROLE_LABELS
from eventapp.extensions import db
from eventapp.models import Role, User, utcnow
from eventapp.security import current_actor, signed_in_user
from eventapp.services import account_links, accounts, admin
from eventapp.services.admin import NotAssignable, SelfLockout
from eventapp.services.errors import DomainError, ValidationError
from eventapp.urls import external_url


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, str(ROLE_LABELS[role.value])) for role in (Role.ORGANIZER, Role.STAFF, Role.ADMIN)]


def _user(user_id: int) -> User:
    try:
        return accounts.user_by_id(db.session, user_id)
    except DomainError:
        abort(404)


@bp.get("/users")
def users() -> str:
    return render_template("admin/users.html", users=admin.users(db.session), role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> Response | tuple[str, int]:
    """Create an account by invitation: the person sets their own password from the mail."""
    form = NewUserForm()
    organizations = admin.organizations(db.session)
    form.role.choices = _role_choices()
    form.organizations.choices = [SelectChoice(o.id, o.name) for o in organizations]
    if form.validate_on_submit():
        inviter = signed_in_user()
        assert inviter is not None
        chosen = [o for o in organizations if o.id in set(form.organizations.data or [])]
        try:
            user = account_links.invite_user(
                db.session,
                inviter=inviter,
                email=form.email.data or "",
                role=form.role.data,
                name=form.name.data or "",
                organizations=chosen,
                now=utcnow(),
                secret=current_app.config["SECRET_KEY"],
                link=lambda token: external_url("auth.accept_invitation", token=token),
                max_age=invitation_max_age(),
                locale=str(get_locale() or "de"),
            )
        except DomainError as error:
            db.session.rollback()
            if error.fields.get("email") == "taken":
                form.email.errors = [_("This address already has an account.")]
            elif "organization" in error.fields:
                form.organizations.errors = [_("Organizers and check-in staff need an organization.")]
            else:
                form.email.errors = [_("Please check your input.")]
        else:
            db.session.commit()
            flash(_("The invitation to %(email)s is on its way.", email=user.email), "success")
            return redirect(url_for("admin.users"), 303)
    return render_template("admin/new_user.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> Response | tuple[str, int]:
    user = _user(user_id)
    now = utcnow()
    form = UserForm(obj=user)
    organizations = admin.organizations(db.session)
    events = admin.assignable_events(db.session, user, now=now)
    form.role.choices = _role_choices()
    form.organizations.choices = [SelectChoice(o.id, o.name) for o in organizations]
    form.events.choices = [SelectChoice(e.id, f"{e.title} ({e.starts_at.date().isoformat()})") for e in events]
    if not form.is_submitted():
        form.role.data = user.role.value
        form.organizations.data = [o.id for o in user.organizations]
        form.events.data = [e.id for e in user.assigned_events]
    if form.validate_on_submit():
        chosen = [o for o in organizations if o.id in set(form.organizations.data or [])]
        actor = current_actor()
        try:
            admin.update_user(
                db.session,
                user,
                role=form.role.data,
                organizations=chosen,
                name=form.name.data or "",
                now=now,
                actor=actor,
            )
            if user.role is Role.STAFF:
                wanted = [e for e in events if e.id in set(form.events.data or [])]
                admin.set_staff_assignments(db.session, user, wanted, now=now, actor=actor)
        except SelfLockout:
            db.session.rollback()
            form.role.errors = [_("You cannot take away your own admin role.")]
        except NotAssignable:
            db.session.rollback()
            form.events.errors = [_("Only check-in staff of the event's organization can be assigned.")]
        except ValidationError as error:
            db.session.rollback()
            for name, code in error.fields.items():
                field = form.organizations if name == "organization" else getattr(form, name, None)
                if field is not None:
                    field.errors = [str(FIELD_MESSAGES.get(code, code))]
        else:
            db.session.commit()
            flash(_("Your changes have been saved."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=user, is_self=user.id == current_actor().id), status


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int) -> Response:
    """Deactivate: the user's sessions and remember-me cookies stop working at their next request."""
    user = _user(user_id)
    try:
        admin.deactivate_user(db.session, user, now=utcnow(), actor=current_actor())
    except SelfLockout:
        db.session.rollback()
        flash(_("You cannot deactivate your own account."), "error")
    else:
        db.session.commit()
        flash(_("%(email)s has been deactivated and signed out everywhere.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/activate")
def activate_user(user_id: int) -> Response:
    user = _user(user_id)
    accounts.reactivate(db.session, user, now=utcnow(), actor=current_actor())
    db.session.commit()
    flash(_("%(email)s can sign in again.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id), 303)
