"""What every request and response passes, whatever view serves it.

- Security headers (issue 6 Part 1 §8): one ``after_request`` hook instead of an extension
  (Flask-Talisman would also force HTTPS and rewrite cookies, which ProxyFix and the config
  already decide here). Views may send a stricter policy of their own (the QR images do); the
  hook only fills in what a response lacks.
- No control characters in the path or the query (Part 3 §3): no slug, token or filter value
  holds one, and PostgreSQL refuses NUL in text outright, so such a request ends here — a path
  value as "not found", a query value as invalid (400; under /api/ with the field named) — before
  any view or database sees it. Form and JSON bodies are checked field by field where they are
  validated.
- Request bodies are capped by ``MAX_CONTENT_LENGTH`` (64 KiB: forms and JSON); a view that takes
  a file names its own cap with :func:`accepts_upload`. The cap must be known before the CSRF
  check reads the form, so :class:`Request` looks it up from the matched view.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import flask
from flask import Flask, abort, current_app, request
from flask.wrappers import Response

from eventapp.blueprints.errors import api_error, wants_json

#: C0 controls (NUL, ESC, tab, line breaks …) and DEL: none belongs in a URL's values.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

#: Same-origin everything, no inline script or style (templates keep them in static/), never
#: framed, forms submitted to ourselves only. Browsers apply ``form-action`` to the redirect
#: after a POST as well, so the join page (DESIGN §3: its button answers with a 303 to the
#: meeting on another host) adds the meeting's origin through :func:`content_security_policy`.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)

#: A host name as a CSP source may carry it (letters, digits, dots, hyphens; IDNs as punycode).
_CSP_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")


def form_target(url: str) -> str:
    """The CSP source that lets a form's redirect reach ``url``: its origin, or just its scheme
    when the host cannot be written as a source (nothing of the URL may break the header)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return "'none'"
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").lower()
    if not _CSP_HOST.fullmatch(host):
        return f"{scheme}:"
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def content_security_policy(form_targets: Sequence[str] = ()) -> str:
    """The page policy; ``form_targets`` are further URLs a form on the page may lead to."""
    sources = ["'self'", *(form_target(url) for url in form_targets)]
    return "; ".join([*CSP_DIRECTIVES, "form-action " + " ".join(dict.fromkeys(sources))])


CONTENT_SECURITY_POLICY = content_security_policy()

#: Header → value every response gets unless its view set the header itself.
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Other sites learn the origin at most; pages behind a manage token send no-referrer.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
}


F = TypeVar("F", bound=Callable[..., Any])


def accepts_upload(max_bytes: int) -> Callable[[F], F]:
    """Let this view's requests carry up to ``max_bytes`` (a file upload) instead of MAX_CONTENT_LENGTH."""

    def mark(view: F) -> F:
        view.max_content_length = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


class Request(flask.Request):
    """Flask's request, with the body cap of the matched view (:func:`accepts_upload`) if it names one."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app and self.url_rule is not None:
            view = current_app.view_functions.get(self.url_rule.endpoint)
            own = getattr(view, "max_content_length", None)
            if own is not None:
                return int(own)
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def add_security_headers(response: Response) -> Response:
    """Fill in the security headers a response lacks (runs after the blueprints' own hooks)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def reject_control_characters() -> Response | None:
    """404 for a control character in a path value, 400 for one in a query parameter (name or value)."""
    if any(isinstance(value, str) and has_control_characters(value) for value in (request.view_args or {}).values()):
        abort(404)
    names = sorted(
        {
            name
            for name, value in request.args.items(multi=True)
            if has_control_characters(name) or has_control_characters(value)
        }
    )
    if not names:
        return None
    if wants_json():
        message = "Query parameters must not contain control characters."
        return api_error(400, "validation_error", message, dict.fromkeys(names, "Contains a control character."))
    abort(400)


def init_app(app: Flask) -> None:
    app.request_class = Request
    app.before_request(reject_control_characters)
    app.after_request(add_security_headers)
