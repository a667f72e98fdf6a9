"""An event's agenda in the organizer area (issue 7 Part 3): add, edit, remove and reorder items.

Load → authorise → act, as for events. Agenda changes reach the public page and the feeds;
nobody is mailed (:mod:`eventapp.services.agenda`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _

from eventapp.blueprints.manage.content_forms import AgendaItemForm
from eventapp.blueprints.manage.events import load_event
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.models import AgendaItem, Event, EventStatus, utcnow
from eventapp.security import current_actor
from eventapp.services import agenda
from eventapp.services.errors import EventCancelled, ValidationError

#: The move buttons' values.
STEPS = {"up": -1, "down": 1}


def _item(event: Event, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return item


def _cancelled(event_id: int) -> Response:
    flash(_("This event has been cancelled and can no longer be changed."), "error")
    return redirect(url_for("manage.event", event_id=event_id), 303)


@bp.route("/events/<int:event_id>/agenda", methods=["GET", "POST"])
def event_agenda(event_id: int) -> Response | str | tuple[str, int]:
    """The agenda with buttons to reorder, and a form for one more item."""
    event = load_event(event_id)
    form = AgendaItemForm()
    if form.is_submitted() and event.status is EventStatus.CANCELLED:
        return _cancelled(event_id)
    if form.validate_on_submit():
        try:
            agenda.add_item(db.session, event, form.data_for_service(), now=utcnow(), actor=current_actor())
        except ValidationError as error:
            db.session.rollback()
            event = load_event(event_id)
            form.add_service_errors(error.fields)
        else:
            db.session.commit()
            flash(_("The item has been added to the agenda."), "success")
            return redirect(url_for("manage.event_agenda", event_id=event_id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/agenda.html", event=event, form=form, Status=EventStatus), status


@bp.route("/events/<int:event_id>/agenda/<int:item_id>", methods=["GET", "POST"])
def edit_agenda_item(event_id: int, item_id: int) -> Response | str | tuple[str, int]:
    event = load_event(event_id)
    item = _item(event, item_id)
    if event.status is EventStatus.CANCELLED:
        return _cancelled(event_id)
    form = AgendaItemForm()
    if not form.is_submitted():
        form.fill(item)
    elif form.validate():
        try:
            changed = agenda.update_item(
                db.session, event, item, form.data_for_service(), now=utcnow(), actor=current_actor()
            )
        except ValidationError as error:
            db.session.rollback()
            event = load_event(event_id)
            item = _item(event, item_id)
            form.add_service_errors(error.fields)
        else:
            db.session.commit()
            flash(_("The agenda item has been saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("manage.event_agenda", event_id=event_id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/agenda_item.html", event=event, item=item, form=form), status


@bp.post("/events/<int:event_id>/agenda/<int:item_id>/remove")
def remove_agenda_item(event_id: int, item_id: int) -> Response:
    event = load_event(event_id)
    item = _item(event, item_id)
    try:
        agenda.remove_item(db.session, event, item, now=utcnow(), actor=current_actor())
    except EventCancelled:
        db.session.rollback()
        return _cancelled(event_id)
    db.session.commit()
    flash(_("The item has been removed from the agenda."), "success")
    return redirect(url_for("manage.event_agenda", event_id=event_id), 303)


@bp.post("/events/<int:event_id>/agenda/<int:item_id>/move")
def move_agenda_item(event_id: int, item_id: int) -> Response | tuple[str, int]:
    """One place up or down (buttons, so the order can be changed with the keyboard alone)."""
    event = load_event(event_id)
    item = _item(event, item_id)
    step = STEPS.get(request.form.get("direction", ""))
    if step is None:
        return _("Please move the item up or down."), 400
    try:
        agenda.move_item(db.session, event, item, step, now=utcnow(), actor=current_actor())
    except EventCancelled:
        db.session.rollback()
        return _cancelled(event_id)
    db.session.commit()
    return redirect(url_for("manage.event_agenda", event_id=event_id, _anchor=f"agenda-item-{item_id}"), 303)
