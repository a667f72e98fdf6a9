"""Forms of the organizer area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "organizer": _l("Event organizer"),
    "staff": _l("Check-in staff"),
}


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Please enter an email address.")),
            Email(_l("Please enter a valid email address.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)], render_kw={"autocomplete": "off"})
    role = SelectField(_l("Role"), validators=[DataRequired()])
    organization = SelectField(_l("Organization"), coerce=int, validators=[DataRequired()])


class CheckinDeviceForm(FlaskForm):
    """A check-in device for one station of an event (its token is shown once)."""

    station = StringField(
        _l("Station"),
        description=_l("For example “Eingang Nord” — shown with every check-in of this device."),
        validators=[DataRequired(_l("Please enter the station's name.")), Length(max=100)],
    )


class AssignStaffForm(FlaskForm):
    """Assign one of the organization's check-in staff to an event (the service checks the rule)."""

    user = SelectField(
        _l("Check-in staff member"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Please choose a check-in staff member."))],
    )


class SendCertificatesForm(FlaskForm):
    """Send the certificates of attendance of an ended event: one confirmation, then the outbox."""

    confirm = BooleanField(
        _l("Yes, send each attendee their certificate of attendance by email."),
        validators=[DataRequired(_l("Please confirm that the certificates should be sent."))],
    )
