"""Sign-in and the one permission mechanism of the organizer side (issue 7 Parts 1 and 2).

- Flask-Login keeps the user in the session. Session protection is "strong" — a signed-in
  session used from another client address or browser is dropped, remember-me cookie
  included — done by :func:`_protect_session` rather than Flask-Login's own "strong" mode,
  which also fires on every anonymous session that holds a CSRF token (deleting the
  remember-me cookie on any public page) and on the request after a remember-me sign-in
  (its cookie login records no client identifier).
  The user loader accepts a session or remember-me cookie only while it names the user's
  current ``auth_version``: deactivation and a password change end them at once.
- :func:`guard` puts every route of a blueprint behind a sign-in and a set of roles, in one
  ``before_request`` hook; :func:`roles` widens or narrows that set for one view; inside a
  view :func:`authorize` checks the object (``permissions.can_manage``) — 403, nothing changed.
  tests/web/test_role_matrix.py holds every guarded route to a decision.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_loaded_from_cookie

from eventapp.blueprints.errors import api_error, wants_json
from eventapp.extensions import db, login_manager
from eventapp.models import Role, User
from eventapp.services import accounts, permissions
from eventapp.services.audit import Actor
from eventapp.services.permissions import Manageable

F = TypeVar("F", bound=Callable[..., Any])

#: Roles of the organizer area (``/manage``); staff have only the check-in.
ORGANIZERS = frozenset({Role.ADMIN, Role.ORGANIZER})
EVERYONE = frozenset(Role)


def signed_in_user() -> User | None:
    """The signed-in user of this request, or None."""
    return current_user._get_current_object() if current_user.is_authenticated else None  # type: ignore[attr-defined]


def current_actor() -> Actor:
    """The audit actor of the signed-in user (a guarded view always has one)."""
    user = signed_in_user()
    if user is None:
        abort(401)
    return Actor.user(user)


def safe_next(target: str | None) -> str | None:
    """``next=`` only as a path on this site: no scheme, no host, no ``//`` or ``\\`` tricks."""
    if not target or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def roles(*allowed: Role) -> Callable[[F], F]:
    """Let exactly ``allowed`` roles use this view of a guarded blueprint (instead of its default)."""

    def mark(view: F) -> F:
        view.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return view

    return mark


def allowed_roles(endpoint: str, default: frozenset[Role]) -> frozenset[Role]:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", default)


def guard(bp: Blueprint, *default: Role) -> None:
    """Every route of ``bp`` needs a signed-in, active user with one of the ``default`` roles
    (or the roles its view names with :func:`roles`); others get the sign-in page or 403."""
    default_roles = frozenset(default)
    bp.guard_roles = default_roles  # type: ignore[attr-defined]

    @bp.before_request
    def check_role() -> Response | None:
        user = signed_in_user()
        if user is None:
            return login_manager.unauthorized()
        if user.role not in allowed_roles(request.endpoint or "", default_roles):
            abort(403)
        return None


def authorize(target: Manageable) -> None:
    """403 unless the signed-in user may manage ``target`` (an event, a series, an organization)."""
    if not permissions.can_manage(signed_in_user(), target):
        abort(403)


def landing_url(user: User) -> str:
    """Where a user arrives after signing in: the organizer area's event list."""
    return url_for("manage.index")


def _load_user(user_id: str) -> User | None:
    return accounts.load_session_user(db.session, user_id)


def _unauthorized() -> Response:
    if wants_json():
        return api_error(401, "unauthorized", "Please sign in.")
    target = safe_next(request.full_path.rstrip("?") if request.method == "GET" else request.path)
    return redirect(url_for("auth.login", next=target), 303)


def _protect_session() -> None:
    """Strong session protection: a signed-in session must come from the client it was made for."""
    if "_user_id" not in session:
        return
    if session.get("_id") != login_manager._session_identifier_generator():
        for key in ("_user_id", "_fresh", "_id"):
            session.pop(key, None)
        session["_remember"] = "clear"


def _bind_cookie_session(_app: Flask, user: User) -> None:
    """A session restored from the remember-me cookie is bound to this client from now on."""
    session["_id"] = login_manager._session_identifier_generator()


def init_app(app: Flask) -> None:
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=14))
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", bool(app.config.get("SESSION_COOKIE_SECURE")))
    login_manager.init_app(app)
    login_manager.session_protection = None  # see _protect_session: "strong", done here
    app.before_request(_protect_session)
    user_loaded_from_cookie.connect(_bind_cookie_session, app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in.")
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
