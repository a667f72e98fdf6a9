"""App-wide error handlers: the JSON error format under /api/, translated HTML pages elsewhere."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask.wrappers import Response
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from eventapp.extensions import limiter
from eventapp.services.errors import DomainError

#: HTTP status → stable API error code (DESIGN §5).
CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}

HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in."),
    403: _l("You are not allowed to do this."),
    404: _l("This page does not exist."),
    405: _l("This method is not allowed here."),
    410: _l("This link is no longer valid."),
    413: _l("The request is too large."),
    415: _l("Please send JSON (Content-Type: application/json)."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
    503: _l("The service is temporarily unavailable. Please try again shortly."),
}

#: Domain error code → HTTP status; the one place it is decided. Codes not listed are
#: refusals of the current state (409). Ticket verdicts (``invalid``, ``wrong_event``) are
#: not listed on purpose: the check-in API answers them as results, not as errors.
DOMAIN_STATUSES = {
    "validation_error": 400,
    "not_found": 404,
    "forbidden": 403,
    "unauthorized": 401,
    "link_expired": 410,
    "handover_expired": 410,
    "join_link_gone": 410,
}

#: The services report field problems as short codes; the API answers in words, like the
#: schema's own messages (which pass through unchanged).
FIELD_MESSAGES = {
    "required": "This field is required.",
    "invalid": "This value is not valid.",
    "too_long": "This value is too long.",
    "unknown": "There is no question with this key.",
    "not_offered": "The event does not offer this mode.",
    "control_characters": "This value contains control characters; only tabs and line breaks are allowed.",
}

#: Domain error code → message shown to people, in their language.
DOMAIN_MESSAGES = {
    "validation_error": _l("Please check your input."),
    "not_found": _l("This page does not exist."),
    "forbidden": _l("You are not allowed to do this."),
    "registration_not_open": _l("Registration for this event has not opened yet."),
    "registration_closed": _l("Registration for this event is closed."),
    "event_cancelled": _l("This event has been cancelled."),
    "mode_not_offered": _l("This event does not offer the chosen way of taking part."),
    "link_expired": _l("This link has expired: the registration was not confirmed in time. Please register again."),
    "invalid_state": _l("This is not possible for your registration in its current state."),
    "already_registered": _l(
        "You are already registered for this event with this email address, so this registration cannot be "
        "passed on to you."
    ),
    "handover_expired": _l(
        "This link is no longer valid: the registration was passed on to someone else, or the request has expired."
    ),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> Response:
    """The one JSON error shape: ``{"error": {"code", "message", "fields"}}``."""
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def domain_status(error: DomainError) -> int:
    """The HTTP status of a domain error (see DOMAIN_STATUSES)."""
    return DOMAIN_STATUSES.get(error.code, 409)


def domain_message(error: DomainError) -> str:
    """A person-facing, translated message for a domain error."""
    return str(DOMAIN_MESSAGES.get(error.code, error.message))


#: Paths that carry a personal token (manage, series manage, join links, personal feeds).
TOKEN_PATHS = ("/r/", "/s/", "/j/", "/calendar/")


def is_token_link() -> bool:
    """Whether the request came through a personal link (a 404 there means a lost or broken link)."""
    return request.path.startswith(TOKEN_PATHS)


def error_page(status: int, message: str) -> Response:
    """The HTML error page; a broken personal link gets a way to have its links sent again."""
    lost_link = status == 404 and is_token_link()
    if lost_link:
        message = _("We could not find a registration for this link. It may be incomplete or no longer valid.")
    return make_response(
        render_template("errors/error.html", status=status, message=message, lost_link=lost_link), status
    )


def handle_http(error: HTTPException) -> Response:
    status = error.code or 500
    if wants_json():
        # API messages are English like the domain errors' (clients act on the code).
        with force_locale("en"):
            message = str(HTTP_MESSAGES.get(status, error.name))
        response = api_error(status, CODES.get(status, "error"), message)
    else:
        response = error_page(status, str(HTTP_MESSAGES.get(status, error.name)))
    # Keep headers the exception carries (Allow on 405, Retry-After).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    # Retry-After on these two alone (the limiter's own headers are off: it would put one on
    # every limited answer, a 202 too).
    if status == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(_seconds_until_reset())
    if status == 503 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = "60"
    return response


def _seconds_until_reset() -> int:
    """Seconds until the breached rate limit lets this client in again."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.reset_at - time.time()))


def handle_csrf(error: CSRFError) -> Response:
    if wants_json():
        return api_error(400, "csrf_failed", "The security token is missing or expired. Please reload the page.")
    return error_page(400, _("The form has expired or was already sent. Please reload the page and try again."))


def handle_domain(error: DomainError) -> Response:
    if wants_json():
        fields = {name: FIELD_MESSAGES.get(code, code) for name, code in error.fields.items()}
        return api_error(domain_status(error), error.code, error.message, fields)
    return error_page(domain_status(error), domain_message(error))


def handle_500(error: Exception) -> Response:
    if wants_json():
        with force_locale("en"):
            return api_error(500, "internal_error", str(HTTP_MESSAGES[500]))
    return error_page(500, str(HTTP_MESSAGES[500]))


def handle_untrusted_host(_error: SecurityError) -> Response:
    """A Host (or X-Forwarded-Host) outside TRUSTED_HOSTS: a short plain 400.

    No page template: URLs cannot be built for such a request, and nothing in the
    answer may be derived from the host it named.
    """
    if wants_json():
        return api_error(400, "validation_error", "Unknown host.", {"Host": "unknown"})
    return Response("Bad request: unknown host.\n", status=400, mimetype="text/plain")


def init_app(app: Flask) -> None:
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DomainError, handle_domain)
    app.register_error_handler(500, handle_500)
