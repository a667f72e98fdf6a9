"""``/login`` and ``/logout``.

Sign-in attempts are limited per client address (``RATELIMIT_LOGIN``) and per account
(``RATELIMIT_LOGIN_ACCOUNT``, keyed on the address typed in, known or not); only failed
attempts count. Beyond a limit the page answers 429 and says when to try again.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import login_user, logout_user
from werkzeug.exceptions import HTTPException

from eventapp.blueprints.auth.forms import LoginForm
from eventapp.blueprints.errors import handle_http
from eventapp.extensions import db, limiter
from eventapp.models import User, utcnow
from eventapp.security import landing_url, safe_next, signed_in_user
from eventapp.services import accounts

bp = Blueprint("auth", __name__)


def _client_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _account_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT"]


def _account_key() -> str:
    """The account an attempt is for: the typed address, folded (unknown addresses count alike)."""
    typed = (request.form.get("email") or "").strip().lower()[:254]
    return f"login-account:{typed}" if typed else f"login-client:{get_remote_address()}"


def _failed(response: Response) -> bool:
    """Only failed attempts count: a successful sign-in answers with a redirect."""
    return response.status_code != 303


def _too_many(limit: RequestLimit) -> Response:
    """429 on the sign-in page itself, with the wait in words and in Retry-After."""
    seconds = max(1, math.ceil(limit.reset_at - time.time()))
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Too many sign-in attempts. Please wait %(num)d minute and try again.",
        "Too many sign-in attempts. Please wait %(num)d minutes and try again.",
        minutes,
    )
    page = render_template("auth/login.html", form=LoginForm(), error=message, next=_next())
    response = Response(page, status=429, mimetype="text/html")
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.errorhandler(429)
def _rate_limited(error: HTTPException) -> Response:
    """The page :func:`_too_many` built (the app-wide handler would show a generic one)."""
    if error.response is not None:
        return error.response  # type: ignore[return-value]
    return handle_http(error)


def _after_login(user: User) -> str:
    """``next`` (a path within the app, so below the app's path prefix) or the user's landing page."""
    target = _next()
    return request.script_root + target if target else landing_url(user)


def _next() -> str | None:
    return safe_next(request.values.get("next"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_client_limit, methods=["POST"], deduct_when=_failed, on_breach=_too_many)
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed, on_breach=_too_many)
def login() -> Response | str:
    user = signed_in_user()
    if user is not None and request.method == "GET":
        return redirect(_after_login(user), 303)
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        found = accounts.authenticate(db.session, form.email.data or "", form.password.data or "", now=utcnow())
        if found is not None:
            login_user(found, remember=bool(form.remember.data))
            db.session.commit()
            return redirect(_after_login(found), 303)
        # One message whatever was wrong: nothing tells whether the address has an account.
        error = _("The email address or the password is not correct.")
    elif request.method == "POST":
        error = _("Please enter your email address and your password.")
    status = 200 if request.method == "GET" else 400
    return render_template("auth/login.html", form=form, error=error, next=_next()), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"), 303)
