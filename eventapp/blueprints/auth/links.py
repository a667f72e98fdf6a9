"""Password reset and invitation links: ``/password/forgot``, ``/password/reset/<token>``,
``/invitation/<token>``.

Opening a link changes nothing (mail gateways prefetch links, DESIGN §3): it shows a form;
the POST sets the password, which uses the link up. A forged, used or expired link gets a
page that says which and what to do.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template
from flask.wrappers import Response
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_user

from eventapp.blueprints.auth.forms import AcceptInvitationForm, ForgotPasswordForm, SetPasswordForm
from eventapp.blueprints.auth.routes import bp
from eventapp.extensions import db, limiter
from eventapp.models import utcnow
from eventapp.security import landing_url
from eventapp.services import account_links
from eventapp.services.account_links import AccountLinkExpired, LinkInvalid
from eventapp.services.errors import ValidationError
from eventapp.urls import external_url


def reset_max_age() -> timedelta:
    return timedelta(hours=current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"])


def invitation_max_age() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"])


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_PASSWORD_RESET"]


def _bad_link(error: LinkInvalid | AccountLinkExpired, purpose: str) -> tuple[str, int]:
    expired = isinstance(error, AccountLinkExpired)
    return (
        render_template("auth/bad_link.html", expired=expired, purpose=purpose),
        410 if expired else 404,
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password() -> Response | str | tuple[str, int]:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        account_links.request_password_reset(
            db.session,
            form.email.data or "",
            now=utcnow(),
            secret=_secret(),
            link=lambda token: external_url("auth.reset_password", token=token),
            max_age=reset_max_age(),
            locale=_locale(),
        )
        db.session.commit()
        # The same answer whether or not the address has an account.
        return render_template("auth/reset_sent.html", hours=current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"])
    status = 400 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | str | tuple[str, int]:
    return _set_password(token, account_links.RESET, SetPasswordForm(), reset_max_age())


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response | str | tuple[str, int]:
    return _set_password(token, account_links.INVITATION, AcceptInvitationForm(), invitation_max_age())


def _set_password(
    token: str, purpose: str, form: SetPasswordForm, max_age: timedelta
) -> Response | str | tuple[str, int]:
    now = utcnow()
    try:
        user = account_links.user_for_token(
            db.session, token, purpose=purpose, secret=_secret(), now=now, max_age=max_age
        )
    except (LinkInvalid, AccountLinkExpired) as error:
        return _bad_link(error, purpose)
    if form.validate_on_submit():
        name = form.name.data if isinstance(form, AcceptInvitationForm) else None
        try:
            account_links.set_password_from_link(
                db.session,
                token,
                form.password.data or "",
                purpose=purpose,
                now=now,
                secret=_secret(),
                max_age=max_age,
                name=name,
            )
        except ValidationError:
            db.session.rollback()
            form.password.errors = [_("Please choose another password.")]
        except (LinkInvalid, AccountLinkExpired) as error:
            db.session.rollback()
            return _bad_link(error, purpose)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your password is set. Welcome!"), "success")
            return redirect(landing_url(user), 303)
    status = 400 if form.is_submitted() else 200
    template = "auth/accept_invitation.html" if purpose == account_links.INVITATION else "auth/reset.html"
    return render_template(template, form=form, user=user), status
