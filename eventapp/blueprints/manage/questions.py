"""The questions of an event's registration form, in the organizer area (issue 7 Part 3)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _

from eventapp.blueprints.manage.content_forms import QUESTION_KINDS, QuestionForm
from eventapp.blueprints.manage.events import load_event
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.models import Event, EventStatus, Question, utcnow
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
                now=utcnow(),
                actor=current_actor(),
                **form.values(),
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


def _question(event_id: int, question_id: int) -> tuple[Event, Question]:
    event = load_event(event_id)
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        abort(404)
    return event, question


@bp.route("/events/<int:event_id>/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(event_id: int, question_id: int) -> Response | str | tuple[str, int]:
    """Change a question; once answered, its kind, sensitive flag and chosen options stay."""
    event, question = _question(event_id, question_id)
    if event.status is EventStatus.CANCELLED:
        flash(_("This event has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("manage.event_questions", event_id=event_id), 303)
    form = QuestionForm()
    if not form.is_submitted():
        form.fill(question)
    elif form.validate():
        try:
            changed = questions.update_question(
                db.session,
                event,
                question,
                now=utcnow(),
                actor=current_actor(),
                **form.values(),
            )
        except (ValidationError, questions.QuestionAnswered) as error:
            db.session.rollback()
            event, question = _question(event_id, question_id)
            form.add_service_errors(error.fields or {"label": "invalid"})
        else:
            db.session.commit()
            flash(_("The question has been saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("manage.event_questions", event_id=event_id), 303)
    status = 400 if form.is_submitted() else 200
    answered = questions.answered(db.session, question)
    return render_template(
        "manage/question_edit.html", event=event, question=question, form=form, answered=answered
    ), status


@bp.post("/events/<int:event_id>/questions/<int:question_id>/move")
def move_question(event_id: int, question_id: int) -> Response | tuple[str, int]:
    """One place up or down on the registration form."""
    event, question = _question(event_id, question_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        return _("Please move the question up or down."), 400
    try:
        questions.move_question(db.session, event, question, step, now=utcnow(), actor=current_actor())
    except EventCancelled:
        db.session.rollback()
        flash(_("This event has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("manage.event_questions", event_id=event_id), 303)
    db.session.commit()
    return redirect(url_for("manage.event_questions", event_id=event_id, _anchor=f"question-{question_id}"), 303)
