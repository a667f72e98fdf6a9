"""Certificates of attendance from the organizer's event page (issue 8 Part 5).

After the event the page shows how many attendees have a certificate and how many were sent
theirs; one confirmed POST queues a mail with the PDF to each attendee not sent one before
(services.certificates: idempotent under the event's lock, audited). Load → authorise (403,
nothing sent) → one service call → commit.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import ngettext

from eventapp.blueprints.manage.events import load_event, render_event_page
from eventapp.blueprints.manage.forms import SendCertificatesForm
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.models import utcnow
from eventapp.security import current_actor
from eventapp.services import certificates
from eventapp.services.certificates import EventNotEnded

ANCHOR = "certificates-title"


@bp.post("/events/<int:event_id>/certificates")
def send_certificates(event_id: int) -> Response | tuple[str, int]:
    """Queue the certificate mails; the event page again (400) when the box was not ticked."""
    event = load_event(event_id)
    form = SendCertificatesForm()
    if not form.validate_on_submit():
        return render_event_page(event, certificate_form=form), 400
    try:
        queued = certificates.send_all(db.session, event, now=utcnow(), actor=current_actor())
    except EventNotEnded:
        db.session.rollback()
        flash(_("Certificates of attendance can be sent once the event has ended."), "error")
        return redirect(url_for("manage.event", event_id=event_id, _anchor=ANCHOR), 303)
    db.session.commit()
    if queued:
        flash(
            ngettext(
                "%(num)d certificate of attendance is on its way.",
                "%(num)d certificates of attendance are on their way.",
                queued,
            ),
            "success",
        )
    else:
        flash(_("Every attendee has already been sent their certificate; nothing was sent again."), "info")
    return redirect(url_for("manage.event", event_id=event_id, _anchor=ANCHOR), 303)
