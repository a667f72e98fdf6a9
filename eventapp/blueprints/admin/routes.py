"""Admin area: the blueprint, its guard (admins only) and the organizations' pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventapp.blueprints.admin.forms import OrganizationForm
from eventapp.extensions import db
from eventapp.models import Role, utcnow
from eventapp.security import current_actor, guard
from eventapp.services import admin
from eventapp.services.errors import ValidationError

bp = Blueprint("admin", __name__, url_prefix="/admin")
guard(bp, Role.ADMIN)

#: Service field codes → what the form says.
FIELD_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This is too long."),
    "invalid": _l("Please check this value."),
    "taken": _l("This is already taken."),
}
SLUG_INVALID = _l("Use lower-case letters, digits and hyphens only, e.g. stadt-menden.")


def show_field_errors(form: OrganizationForm, error: ValidationError) -> None:
    for name, code in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            message = SLUG_INVALID if (name, code) == ("slug", "invalid") else FIELD_MESSAGES.get(code, code)
            field.errors = [str(message)]


@bp.get("/")
def index() -> Response:
    return redirect(url_for("admin.users"), 303)


@bp.get("/organizations")
def organizations() -> str:
    return render_template("admin/organizations.html", organizations=admin.organizations(db.session))


@bp.route("/organizations/new", methods=["GET", "POST"])
def new_organization() -> Response | tuple[str, int]:
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = admin.create_organization(db.session, now=utcnow(), actor=current_actor(), **_values(form))
        except ValidationError as error:
            db.session.rollback()
            show_field_errors(form, error)
        else:
            db.session.commit()
            flash(_("The organization %(name)s has been created.", name=organization.name), "success")
            return redirect(url_for("admin.organizations"), 303)
    return render_template("admin/organization_form.html", form=form, organization=None), _status(form)


@bp.route("/organizations/<int:organization_id>", methods=["GET", "POST"])
def edit_organization(organization_id: int) -> Response | tuple[str, int]:
    organization = admin.organization_by_id(db.session, organization_id)
    form = OrganizationForm(obj=organization)
    if form.validate_on_submit():
        try:
            admin.update_organization(db.session, organization, now=utcnow(), actor=current_actor(), **_values(form))
        except ValidationError as error:
            db.session.rollback()
            show_field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your changes have been saved."), "success")
            return redirect(url_for("admin.organizations"), 303)
    return render_template("admin/organization_form.html", form=form, organization=organization), _status(form)


def _values(form: OrganizationForm) -> dict[str, str]:
    return {
        "name": form.name.data or "",
        "slug": (form.slug.data or "").strip().lower(),
        "contact_email": form.contact_email.data or "",
        "kind": form.kind.data or "network",
    }


def _status(form: OrganizationForm) -> int:
    return 400 if form.is_submitted() else 200
