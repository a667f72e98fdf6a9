"""Rate limits (issue 6, Part 3 §7): a few shared budgets instead of one bucket per endpoint.

- ``registration_budget``: every registration POST — event and series, form and API, and passing
  a registration on to a colleague (it mails a new address too) — draws on one budget per client
  address (``RATELIMIT_REGISTRATION``), so five endpoints are not five times the allowance.
- ``manage_budget``: the POSTs behind a manage link (confirm, cancel, switch, stop waiting, new
  ticket, editing details, accepting a handover, renewing the feed address; the series' confirm,
  decline, re-join and leave) share one budget per client address (``RATELIMIT_MANAGE``) …
- ``link_budget``: … and one per manage link (``RATELIMIT_PER_LINK``), so one link cannot be
  used to flood its owner's inbox with ticket mails, whatever address it comes from.

Per-address budgets stay generous: a town hall behind one address registers and confirms its
50 colleagues within minutes. Opening pages (GET) is never limited: mail gateways prefetch
links. Only a 429 carries ``Retry-After`` (``errors.handle_http``).
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter.util import get_remote_address

from eventapp.extensions import limiter


def _setting(name: str):  # noqa: ANN202 (a limit provider for Flask-Limiter)
    return lambda: current_app.config[name]


def _link_key() -> str:
    """The manage token of the request's path: one budget per link, from wherever it is used."""
    return str((request.view_args or {}).get("token") or get_remote_address())


registration_budget = limiter.shared_limit(_setting("RATELIMIT_REGISTRATION"), scope="registration", methods=["POST"])
manage_budget = limiter.shared_limit(_setting("RATELIMIT_MANAGE"), scope="manage", methods=["POST"])
link_budget = limiter.shared_limit(_setting("RATELIMIT_PER_LINK"), scope="link", key_func=_link_key, methods=["POST"])
#: Drawing a certificate PDF costs real work, so its GET gets the manage pages' budget per client.
certificate_budget = limiter.shared_limit(_setting("RATELIMIT_MANAGE"), scope="certificate")


def _checkin_key() -> str:
    """One budget per device token or signed-in user — never per address: a venue's Wi-Fi is one."""
    from eventapp.security import signed_in_user

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return "device:" + hashlib.sha256(token.strip().encode("utf-8", "replace")).hexdigest()[:32]
    user = signed_in_user()
    return f"user:{user.id}" if user is not None else "anonymous"


#: Check-in scans, batches and actions per device token or user (``RATELIMIT_CHECKIN``).
checkin_budget = limiter.shared_limit(_setting("RATELIMIT_CHECKIN"), scope="checkin", key_func=_checkin_key)
