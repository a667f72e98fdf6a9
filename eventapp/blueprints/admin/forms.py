"""Forms of the admin area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

KIND_LABELS = {
    "agency": _l("Agency"),
    "pioneer": _l("Pioneer municipality"),
    "network": _l("Network member (Smart Cities: Schule)"),
}


#: For a multiple choice naming an entry the page did not offer (WTForms' own German for it is
#: marked fuzzy in its catalog and so never shown).
NOT_OFFERED = _l("Please choose only entries from the list.")


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=200)])
    slug = StringField(
        _l("Short name in addresses"),
        validators=[DataRequired(_l("Please enter a short name.")), Length(max=80)],
        render_kw={"spellcheck": "false", "autocapitalize": "none", "pattern": "[a-z0-9-]+"},
    )
    contact_email = EmailField(
        _l("Contact address"),
        validators=[
            DataRequired(_l("Please enter an email address.")),
            Email(_l("Please enter a valid email address.")),
        ],
        render_kw={"spellcheck": "false", "autocapitalize": "none"},
    )
    kind = SelectField(_l("Kind"), choices=[SelectChoice(key, label) for key, label in KIND_LABELS.items()])
    #: Checked by its bytes in services/logos.py (PNG or JPEG only); ``accept`` only helps the file picker.
    logo = FileField(_l("Logo (optional)"), render_kw={"accept": "image/png,image/jpeg"})
    remove_logo = BooleanField(_l("Remove the logo"))


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    organizations = SelectMultipleField(
        _l("Organizations"), coerce=int, validators=[Optional()], invalid_choice_message=NOT_OFFERED
    )
    events = SelectMultipleField(
        _l("Check-in of these events"), coerce=int, validators=[Optional()], invalid_choice_message=NOT_OFFERED
    )


class NewUserForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Please enter an email address.")),
            Email(_l("Please enter a valid email address.")),
        ],
        render_kw={"spellcheck": "false", "autocapitalize": "none", "autocomplete": "off"},
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)], render_kw={"autocomplete": "off"})
    role = SelectField(_l("Role"), validators=[DataRequired()])
    organizations = SelectMultipleField(
        _l("Organizations"), coerce=int, validators=[Optional()], invalid_choice_message=NOT_OFFERED
    )
