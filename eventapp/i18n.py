"""Language negotiation: ?lang (remembered in a cookie) → person's language → Accept-Language → German."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from flask_babel import refresh

from eventapp.models import TZID

LANG_COOKIE = "lang"


def _supported() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Pick the locale of the current request (DESIGN §5)."""
    supported = _supported()
    asked = request.args.get("lang")
    if asked in supported:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in supported:
        return cookie
    person_language = g.get("person_language")
    if person_language in supported:
        return person_language
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Every page and mail shows Europe/Berlin (DESIGN §3), whoever reads it."""
    return TZID


def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang")
    if asked in _supported() and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def _fresh_choice() -> None:
    """Decide the locale anew for every request.

    Flask-Babel caches the locale on the application context; when a request runs in
    an application context that outlived an earlier request (tests, CLI-driven
    clients), the earlier choice must not stick.
    """
    g.pop("person_language", None)
    refresh()


def init_app(app: Flask) -> None:
    app.before_request(_fresh_choice)
    app.after_request(_remember_language)
