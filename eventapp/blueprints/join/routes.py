"""``/j/<token>``: the online attendee's way into the meeting (DESIGN §3 "Attendance", "Privacy").

GET only shows a page (mail gateways prefetch links): from when one can join, the one
button "Jetzt teilnehmen", "the link follows", or that the event is over. The button's
POST (with CSRF) records the join and answers 303 to the meeting; the meeting URL
itself appears nowhere but in that redirect. The page policy lets the form's redirect
reach the meeting's origin (``form-action``) on the open page only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, make_response, redirect, render_template, url_for
from flask.wrappers import Response

from eventapp.blueprints.hardening import content_security_policy
from eventapp.blueprints.limits import link_budget
from eventapp.blueprints.registration.common import in_their_language, keep_private
from eventapp.extensions import db
from eventapp.models import Registration, utcnow
from eventapp.services import join
from eventapp.services.audit import Actor
from eventapp.services.errors import NotFound
from eventapp.services.join import JoinLinkGone, JoinState, NotJoinable

bp = Blueprint("join", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    """Personal pages: not cached, not indexed, and no Referer carries the token to the meeting host."""
    return keep_private(response)


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["JOIN_WINDOW_MINUTES"])


def _not_found() -> tuple[str, int]:
    """Forged, mistyped and replaced links look alike: nothing is revealed about any registration."""
    return render_template("join/not_found.html"), 404


def _gone(error: JoinLinkGone, registration: Registration | None) -> tuple[str, int]:
    return render_template("join/gone.html", reason=error.reason, reg=registration), 410


def _lookup(token: str) -> Registration:
    """The registration of a usable join link; NotFound or JoinLinkGone otherwise."""
    return in_their_language(join.registration_by_join_token(db.session, token))


def _gone_registration(token: str) -> Registration | None:
    """The registration behind a link that no longer works, for its page (language, manage link)."""
    try:
        return in_their_language(join.registration_by_join_token(db.session, token, usable=False))
    except NotFound:
        return None


@bp.get("/j/<token>")
def page(token: str) -> Response | tuple[str, int]:
    """The join page; opening it records nothing."""
    try:
        registration = _lookup(token)
    except NotFound:
        return _not_found()
    except JoinLinkGone as error:
        return _gone(error, _gone_registration(token))
    status = join.join_status(registration, now=utcnow(), window=_window())
    response = make_response(render_template("join/page.html", status=status, reg=registration, event=status.event))
    target = join.meeting_url(status.event) if status.state is JoinState.OPEN else None
    if target:
        response.headers["Content-Security-Policy"] = content_security_policy([target])
    return response


@bp.post("/j/<token>")
@link_budget
def join_now(token: str) -> Response | tuple[str, int]:
    """Record the join and send the person on to the meeting (303).

    Outside the window, or while the meeting link is missing, nothing is recorded and
    the person is sent back to the page, which says why.
    """
    try:
        registration = _lookup(token)
        target = join.join(db.session, registration, now=utcnow(), window=_window(), actor=Actor.attendee(registration))
        db.session.commit()
    except NotFound:
        db.session.rollback()
        return _not_found()
    except JoinLinkGone as error:
        db.session.rollback()
        return _gone(error, _gone_registration(token))
    except NotJoinable:
        db.session.rollback()
        return redirect(url_for(".page", token=token), 303)
    return redirect(target, 303)
