"""Organizer area routes. Every route is behind :func:`eventapp.security.guard` (admins and
organizers); views that load an event or a series call :func:`eventapp.security.authorize`
on it before they change or show anything."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from eventapp.extensions import db
from eventapp.models import RegistrationStatus, Role, utcnow
from eventapp.security import ORGANIZERS, guard, roles, signed_in_user
from eventapp.services import organizer

bp = Blueprint("manage", __name__, url_prefix="/manage")
guard(bp, *ORGANIZERS)


@bp.get("/")
@roles(Role.ADMIN, Role.ORGANIZER, Role.STAFF)
def index() -> str:
    """The events the user sees (staff: the ones they are assigned to), upcoming or past."""
    user = signed_in_user()
    assert user is not None  # the guard let only signed-in users through
    past = request.args.get("past") == "1"
    rows = organizer.event_overview(db.session, user, now=utcnow(), past=past)
    return render_template("manage/index.html", rows=rows, past=past, user=user, Status=RegistrationStatus)
