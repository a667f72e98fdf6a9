"""What every response carries, whatever view made it: the security headers of issue 6 §8.

One ``after_request`` hook instead of an extension (Flask-Talisman would also force HTTPS and
rewrite cookies, which ProxyFix and the config already decide here). Views may send a stricter
policy of their own (the QR images do); the hook only fills in what a response lacks.
"""

from __future__ import annotations

from flask import Flask
from flask.wrappers import Response

#: Same-origin everything, no inline script or style (templates keep them in static/), never
#: framed. No ``form-action``: browsers apply it to the redirect after a POST, and the join
#: button (DESIGN §3) answers with a 303 to the meeting on another host.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

#: Header → value every response gets unless its view set the header itself.
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Other sites learn the origin at most; pages behind a manage token send no-referrer.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
}


def add_security_headers(response: Response) -> Response:
    """Fill in the security headers a response lacks (runs after the blueprints' own hooks)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
