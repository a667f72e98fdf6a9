"""The check-in page ``/checkin/<slug>`` (issue 9 Part 3, basic form): one input for handheld
scanners (code + Enter), search by name with a check-in button, a large colour-coded result,
a running counter and the station's name.

It works with a staff session (the page checks the right to check in) or with a device
link ``/checkin/<slug>#device=<token>``: the token stays in the URL's fragment, which the
browser never sends, so the page is served without knowing it and the script talks to
the check-in API with ``Authorization: Bearer``. Without either it only asks to sign in.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.wrappers import Response

from eventapp.extensions import db
from eventapp.security import signed_in_user
from eventapp.services import events as event_service
from eventapp.services import permissions
from eventapp.services.errors import NotFound

bp = Blueprint("checkin_page", __name__)


@bp.get("/checkin/<slug>")
def page(slug: str) -> Response | str:
    """The page; a signed-in user without the right to check in at this event gets 403."""
    user = signed_in_user()
    event = None
    if user is not None:
        try:
            event = event_service.event_by_slug(db.session, slug)
        except NotFound:
            abort(404)
        if not permissions.can_check_in(user, event):
            abort(403)
    response = Response(render_template("checkin/page.html", slug=slug, event=event, user=user))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
