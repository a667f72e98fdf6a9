"""Check-in devices of an event (issue 9 Part 2): organizers create a token per station and revoke it.

The token is shown once, on the page that answers its creation, together with the
check-in page's device link (the token travels in the URL's fragment, which browsers
never send to a server, so it stays out of logs). Only its hash is stored.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.wrappers import Response
from flask_babel import gettext as _

from eventapp.blueprints.manage.events import load_event, render_event_page
from eventapp.blueprints.manage.forms import CheckinDeviceForm
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.models import CheckinDevice, utcnow
from eventapp.security import current_actor, signed_in_user
from eventapp.services import checkin_devices
from eventapp.services.checkin_devices import EventOver
from eventapp.services.errors import EventCancelled, ValidationError
from eventapp.urls import external_url


@bp.post("/events/<int:event_id>/checkin-devices")
def create_checkin_device(event_id: int) -> tuple[str, int]:
    """Create a device token for the named station and show it once (201); 400 with the reason."""
    event = load_event(event_id)
    form = CheckinDeviceForm()
    if form.validate_on_submit():
        try:
            device, token = checkin_devices.create_device(
                db.session,
                event,
                form.station.data or "",
                now=utcnow(),
                actor=current_actor(),
                created_by=signed_in_user(),
            )
        except ValidationError:
            db.session.rollback()
            form.station.errors = [_("Please enter the station's name (at most 100 characters).")]
        except (EventOver, EventCancelled):
            db.session.rollback()
            form.station.errors = [_("The event is over or cancelled: a device token would not work.")]
        else:
            db.session.commit()
            link = external_url("checkin_page.page", slug=event.slug) + f"#device={token}"
            return render_event_page(event, new_device=(device, token, link)), 201
    return render_event_page(event, device_form=form), 400


@bp.post("/events/<int:event_id>/checkin-devices/<int:device_id>/revoke")
def revoke_checkin_device(event_id: int, device_id: int) -> Response:
    """Stop a device at once (a lost phone); its check-ins stay."""
    event = load_event(event_id)
    device = db.session.get(CheckinDevice, device_id)
    if device is None or device.event_id != event.id:
        flash(_("There is no such device for this event."), "info")
    else:
        checkin_devices.revoke_device(db.session, device, now=utcnow(), actor=current_actor())
        db.session.commit()
        flash(_("The device “%(station)s” can no longer check anybody in.", station=device.station), "success")
    return redirect(url_for("manage.event", event_id=event.id, _anchor="devices-title"), 303)
