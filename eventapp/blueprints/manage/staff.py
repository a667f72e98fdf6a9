"""Check-in staff of an event (issue 7 Part 2): organizers assign their organization's staff.

The event page lists who runs its check-in and offers the organization's other staff; the
rule of who may be assigned lives in :mod:`eventapp.services.admin`, shared with the admin
area's user page. Load → authorise (403, nothing changed) → one service call → commit.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.wrappers import Response
from flask_babel import gettext as _

from eventapp.blueprints.manage.events import load_event, render_event_page
from eventapp.blueprints.manage.forms import AssignStaffForm
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.models import User, utcnow
from eventapp.security import current_actor
from eventapp.services import admin
from eventapp.services.admin import NotAssignable


@bp.post("/events/<int:event_id>/staff")
def assign_staff(event_id: int) -> Response | tuple[str, int]:
    """Assign the chosen staff member; the event page again with the reason when refused (400)."""
    event = load_event(event_id)
    form = AssignStaffForm()
    if form.validate_on_submit():
        user = db.session.get(User, form.user.data)
        try:
            if user is None:
                raise NotAssignable("No such user.")
            added = admin.assign_staff(db.session, event, user, now=utcnow(), actor=current_actor())
        except NotAssignable:
            db.session.rollback()
            form.user.errors = [_("Only active check-in staff of the event's organization can be assigned.")]
        else:
            db.session.commit()
            if added:
                flash(_("%(name)s can now run the check-in of this event.", name=user.label), "success")
            else:
                flash(_("%(name)s was already assigned to this event.", name=user.label), "info")
            return redirect(url_for("manage.event", event_id=event.id, _anchor="staff-title"), 303)
    return render_event_page(event, staff_form=form), 400


@bp.post("/events/<int:event_id>/staff/<int:user_id>/remove")
def unassign_staff(event_id: int, user_id: int) -> Response:
    """Take a staff member off the event's check-in (their account stays)."""
    event = load_event(event_id)
    user = db.session.get(User, user_id)
    if user is not None and admin.unassign_staff(db.session, event, user, now=utcnow(), actor=current_actor()):
        db.session.commit()
        flash(_("%(name)s no longer runs the check-in of this event.", name=user.label), "success")
    else:
        flash(_("This person was not assigned to this event."), "info")
    return redirect(url_for("manage.event", event_id=event.id, _anchor="staff-title"), 303)
