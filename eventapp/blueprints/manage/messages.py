"""Messages to an event's registrants in the organizer area (issue 7 Part 5).

Write → preview with the number of recipients → send. The preview is the same POST
without ``confirmed``: nothing is stored until the organizer presses "send" on it, and
a group without anyone to reach is refused on the form. The message's page shows its
progress as the worker delivers it, and every mail that failed with the server's reason.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import ngettext

from eventapp.blueprints.manage.events import load_event
from eventapp.blueprints.manage.outreach_forms import MessageForm, describe_group, group_from
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.models import EventMessage, utcnow
from eventapp.security import current_actor
from eventapp.services import messages
from eventapp.services.errors import ValidationError
from eventapp.services.exports import filter_detail


def _nobody(form: MessageForm) -> None:
    form.form_errors.append(
        _(
            "Nobody in this group can receive the message: it goes only to registrations that are "
            "active and whose email address is confirmed. Please choose another group."
        )
    )


@bp.get("/events/<int:event_id>/messages")
def event_messages(event_id: int) -> str:
    """The messages sent for this event, newest first, with how far each got."""
    event = load_event(event_id)
    sent = messages.event_messages(db.session, event)
    return render_template("manage/messages.html", event=event, sent=sent, describe=describe_group)


@bp.route("/events/<int:event_id>/messages/new", methods=["GET", "POST"])
def new_message(event_id: int) -> Response | str | tuple[str, int]:
    """Write to the group in the URL (the registration list's filter); a preview comes before sending."""
    event = load_event(event_id)
    group, audience, valid = group_from(event, request.args)
    count = len(messages.recipients(db.session, event, audience)) if valid else 0
    form = MessageForm()
    page = {
        "event": event,
        "form": form,
        "group": group,
        "args": group.args(),
        "count": count,
        "described": describe_group(filter_detail(audience), _("Everyone registered")),
    }
    if form.is_submitted() and request.form.get("edit"):
        # "Change" on the preview: the form again, filled in.
        return render_template("manage/message_form.html", **page)
    if valid and form.validate_on_submit():
        if form.confirmed.data == "1":
            try:
                message = messages.send_message(
                    db.session,
                    event,
                    subject=form.subject.data or "",
                    body=form.body.data or "",
                    audience=audience,
                    now=utcnow(),
                    actor=current_actor(),
                )
            except messages.NoRecipients:
                db.session.rollback()
                _nobody(form)
            except ValidationError as error:
                db.session.rollback()
                form.add_service_errors(error.fields)
            else:
                db.session.commit()
                flash(
                    ngettext(
                        "The message is on its way to %(num)d recipient.",
                        "The message is on its way to %(num)d recipients.",
                        message.recipients,
                    ),
                    "success",
                )
                return redirect(url_for("manage.event_message", event_id=event.id, message_id=message.id), 303)
        elif count:
            return render_template("manage/message_preview.html", **page)
        else:
            _nobody(form)
    status = 400 if form.is_submitted() or not valid else 200
    return render_template("manage/message_form.html", **page), status


@bp.get("/events/<int:event_id>/messages/<int:message_id>")
def event_message(event_id: int, message_id: int) -> str:
    """One message: what was written to whom, how many mails are sent, queued or failed, and why."""
    event = load_event(event_id)
    message = db.session.get(EventMessage, message_id)
    if message is None or message.event_id != event.id:
        abort(404)
    return render_template(
        "manage/message.html",
        event=event,
        message=message,
        progress=messages.progress(db.session, message),
        undelivered=messages.undelivered(db.session, message),
        retrying=messages.retrying(db.session, message),
        describe=describe_group,
    )
