"""``/find-registration`` ("Anmeldung wiederfinden"): ask for the manage links of an address.

The page answers the same for every address – the same redirect, the same page, and
the same work, since the request only records the address (services.lost_links) and the
worker looks it up and mails the links. Per client the POST is rate-limited
(``RATELIMIT_LOST_LINKS``); per address at most one request counts every
``RESEND_INTERVAL_MINUTES``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, redirect, render_template, url_for
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field
from wtforms.validators import DataRequired, Email, Length

from eventapp.blueprints.registration.common import form_locale
from eventapp.blueprints.registration.forms import SERVICE_FIELD_MESSAGES, TOO_LONG
from eventapp.blueprints.registration.routes import bp
from eventapp.extensions import db, limiter
from eventapp.models import utcnow
from eventapp.services import lost_links
from eventapp.services.errors import ValidationError
from eventapp.services.submission import MAX_EMAIL


class FindRegistrationForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=MAX_EMAIL, message=TOO_LONG),
            Email(_l("Please enter a valid email address, for example name@example.org.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )

    def fields_in_page_order(self) -> list[Field]:
        """For the error summary (registration/_macros.html)."""
        return [self.email]


def lost_links_limit() -> str:
    return current_app.config["RATELIMIT_LOST_LINKS"]


@bp.route("/find-registration", methods=["GET", "POST"])
@limiter.limit(lost_links_limit, methods=["POST"])
def find() -> Response | tuple[str, int]:
    """The form; a valid POST records the request and redirects to the same answer for every address."""
    form = FindRegistrationForm()
    if form.validate_on_submit():
        interval = timedelta(minutes=current_app.config["RESEND_INTERVAL_MINUTES"])
        try:
            lost_links.request_links(db.session, form.email.data, locale=form_locale(), now=utcnow(), interval=interval)
            db.session.commit()
        except ValidationError:
            db.session.rollback()
            form.email.errors = [str(SERVICE_FIELD_MESSAGES["email"])]
        else:
            return redirect(url_for(".find_sent"), 303)
    status = 400 if form.errors else 200
    return render_template("registration/find.html", form=form), status


@bp.get("/find-registration/sent")
def find_sent() -> str:
    """ "If this address has registrations, the links are on their way" – said to everyone alike."""
    return render_template("registration/find_sent.html")
