"""Admin area: the blueprint, its guard (admins only) and the organizations' pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from eventapp.blueprints.admin.forms import OrganizationForm
from eventapp.blueprints.hardening import accepts_upload
from eventapp.extensions import db
from eventapp.models import Organization, Role, utcnow
from eventapp.security import current_actor, guard
from eventapp.services import admin, logos
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
#: services/logos.py codes → what the logo field says.
LOGO_MESSAGES = {
    "empty": _l("The file is empty. Please choose a PNG or JPEG image."),
    "too_large": _l("The file is larger than 2 MB. Please choose a smaller PNG or JPEG image."),
    "not_png_or_jpeg": _l(
        "This file is not a PNG or JPEG image. Other formats such as SVG, GIF or PDF are not accepted."
    ),
    "too_many_pixels": _l("The image is too large (too many pixels). Please choose a smaller PNG or JPEG image."),
    "unreadable": _l("The image is damaged or incomplete. Please choose another file."),
}
#: What an organization form may carry (beyond it 413): room for a file a little too large to get its own message.
UPLOAD_LIMIT = 2 * logos.MAX_BYTES


def show_field_errors(form: OrganizationForm, error: ValidationError) -> None:
    for name, code in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            if name == "logo":
                message = LOGO_MESSAGES.get(code, LOGO_MESSAGES["not_png_or_jpeg"])
            elif (name, code) == ("slug", "invalid"):
                message = SLUG_INVALID
            else:
                message = FIELD_MESSAGES.get(code, code)
            field.errors = [str(message)]


@bp.get("/")
def index() -> Response:
    return redirect(url_for("admin.users"), 303)


@bp.get("/organizations")
def organizations() -> str:
    return render_template("admin/organizations.html", organizations=admin.organizations(db.session))


@bp.route("/organizations/new", methods=["GET", "POST"])
@accepts_upload(UPLOAD_LIMIT)
def new_organization() -> Response | tuple[str, int]:
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = admin.create_organization(db.session, now=utcnow(), actor=current_actor(), **_values(form))
            _change_logo(form, organization)
        except ValidationError as error:
            db.session.rollback()
            show_field_errors(form, error)
        else:
            db.session.commit()
            flash(_("The organization %(name)s has been created.", name=organization.name), "success")
            return redirect(url_for("admin.organizations"), 303)
    return render_template("admin/organization_form.html", form=form, organization=None), _status(form)


@bp.route("/organizations/<int:organization_id>", methods=["GET", "POST"])
@accepts_upload(UPLOAD_LIMIT)
def edit_organization(organization_id: int) -> Response | tuple[str, int]:
    organization = admin.organization_by_id(db.session, organization_id)
    form = OrganizationForm(obj=organization)
    if form.validate_on_submit():
        try:
            admin.update_organization(db.session, organization, now=utcnow(), actor=current_actor(), **_values(form))
            _change_logo(form, organization)
        except ValidationError as error:
            db.session.rollback()
            show_field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your changes have been saved."), "success")
            return redirect(url_for("admin.organizations"), 303)
    return render_template("admin/organization_form.html", form=form, organization=organization), _status(form)


def _change_logo(form: OrganizationForm, organization: Organization) -> None:
    """A chosen file replaces the logo (the service judges its bytes); the tick box removes it."""
    upload = form.logo.data
    if isinstance(upload, FileStorage) and upload.filename:
        logos.set_logo(db.session, organization, upload.read(logos.MAX_BYTES + 1), now=utcnow(), actor=current_actor())
    elif form.remove_logo.data:
        logos.remove_logo(db.session, organization, now=utcnow(), actor=current_actor())


def _values(form: OrganizationForm) -> dict[str, str]:
    return {
        "name": form.name.data or "",
        "slug": (form.slug.data or "").strip().lower(),
        "contact_email": form.contact_email.data or "",
        "kind": form.kind.data or "network",
    }


def _status(form: OrganizationForm) -> int:
    return 400 if form.is_submitted() else 200
