"""The questions of an event's registration form, in the organizer area (issue 7 Part 3)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.wrappers import Response
from flask_babel import gettext as _

from eventapp.blueprints.manage.event_forms import QUESTION_KINDS, QuestionForm
from eventapp.blueprints.manage.events import load_event
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.models import EventStatus, Question, utcnow
from eventapp.security import current_actor
from eventapp.services import questions
from eventapp.services.errors import EventCancelled, ValidationError


@bp.route("/events/<int:event_id>/questions", methods=["GET", "POST"])
def event_questions(event_id: int) -> Response | str | tuple[str, int]:
    """The event's questions and a form for one more."""
    event = load_event(event_id)
    form = QuestionForm()
    if event.status is not EventStatus.CANCELLED and form.validate_on_submit():
        try:
            questions.add_question(
                db.session,
                event,
                label=form.label.data or "",
                label_en=form.label_en.data or "",
                kind=form.kind.data,
                choices=form.options(),
                required=bool(form.required.data),
                sensitive=bool(form.sensitive.data),
                now=utcnow(),
                actor=current_actor(),
            )
        except (ValidationError, EventCancelled) as error:
            db.session.rollback()
            event = load_event(event_id)
            form.add_service_errors(getattr(error, "fields", {}) or {"label": "invalid"})
        else:
            db.session.commit()
            flash(_("The question has been added to the registration form."), "success")
            return redirect(url_for("manage.event_questions", event_id=event_id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/questions.html", event=event, form=form, kinds=QUESTION_KINDS), status


@bp.post("/events/<int:event_id>/questions/<int:question_id>/remove")
def remove_question(event_id: int, question_id: int) -> Response:
    event = load_event(event_id)
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        abort(404)
    try:
        questions.remove_question(db.session, event, question, now=utcnow(), actor=current_actor())
    except questions.QuestionAnswered:
        db.session.rollback()
        flash(_("People have already registered with this question, so it stays."), "error")
    else:
        db.session.commit()
        flash(_("The question has been removed."), "success")
    return redirect(url_for("manage.event_questions", event_id=event_id), 303)
