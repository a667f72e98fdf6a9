"""External URLs, built in one place from ``BASE_URL``.

``config.url_settings`` turns ``BASE_URL`` into ``SERVER_NAME``,
``PREFERRED_URL_SCHEME`` and ``APPLICATION_ROOT``. Outside a request (worker, CLI)
``url_for(..., _external=True)`` builds from exactly those; inside a request Flask
would take the scheme and path prefix of the request instead, which behind a proxy
is the proxy's plain-http hop. :func:`external_url` builds from the settings in
both cases, so a link in a mail, a calendar or an API answer is the same whoever
asks. Services never see a path: they get finished URLs or :data:`event_url`.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from eventapp.models import Event, Registration
from eventapp.services.certificates import verification_code


def external_url(endpoint: str, **values: Any) -> str:
    """The public, absolute URL of ``endpoint`` (needs an app context; a request is optional)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    adapter = app.create_url_adapter(None)
    if adapter is None:
        raise RuntimeError("BASE_URL is not set, so no external URL can be built.")
    app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def event_url(event: Event) -> str:
    """The event's public page; handed to the calendar services as their URL builder."""
    return external_url("public.event", slug=event.slug)


def certificate_url(registration: Registration) -> str:
    """The page that confirms a registration's certificate is genuine (its code comes from SECRET_KEY)."""
    code = verification_code(registration, secret=current_app.config["SECRET_KEY"])
    return external_url("registration.verify_certificate", code=code)


def join_url(registration: Registration | None) -> str | None:
    """The person's own join link (``/j/<token>``), only while it works: a confirmed seat online.

    A secret like the manage link: pages, mails, invitations and the personal feed show it
    to its owner only — never the meeting URL it leads to (DESIGN §3 "Privacy").
    """
    if registration is None or not registration.joins_online:
        return None
    return external_url("join.page", token=registration.join_token)


class PathPrefix:
    """WSGI middleware: the app lives under ``APPLICATION_ROOT`` (BASE_URL's path) on every request.

    A proxy that publishes the app at ``/veranstaltungen`` may pass the prefix on or
    strip it, and may or may not say so (``X-Forwarded-Prefix``, read by ProxyFix
    when ``PROXY_COUNT`` is set). Unless SCRIPT_NAME is already set, this moves a
    leading prefix from PATH_INFO to SCRIPT_NAME, or sets SCRIPT_NAME to it, so the
    pages' own links, the static files and the session cookie carry the prefix.
    """

    def __init__(self, wsgi_app: Any, root: str) -> None:
        self.wsgi_app = wsgi_app
        self.root = root.rstrip("/")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.root and not environ.get("SCRIPT_NAME"):
            path = environ.get("PATH_INFO", "")
            if path == self.root or path.startswith(self.root + "/"):
                environ["PATH_INFO"] = path[len(self.root) :]
            environ["SCRIPT_NAME"] = self.root
        return self.wsgi_app(environ, start_response)
