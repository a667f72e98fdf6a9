"""Per-event questions on the registration form (issue 7 Part 3): text, choice, yes/no;
required; sensitive (Art. 9 DSGVO — its own consent, deleted after the event, DESIGN §3).

A question's ``key`` names its answers in the API and in exports, so it is made once from
the label and never changes. A question is removed only while nobody has registered:
answers given to it would otherwise lose their meaning (and a sensitive one its flag,
which the purge after the event relies on).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventapp.models import Event, EventStatus, Question, QuestionKind, Registration
from eventapp.services import audit
from eventapp.services.audit import Actor
from eventapp.services.errors import DomainError, EventCancelled, ValidationError
from eventapp.services.event_editor import slugify

MAX_LABEL = 300
MAX_CHOICE = 200
MAX_CHOICES = 30
MAX_KEY = 60
MAX_QUESTIONS = 30


class QuestionAnswered(DomainError):
    """People have registered with this question; it stays."""

    code = "question_answered"


def _text(name: str, value: str | None, limit: int, *, required: bool) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise ValidationError(f"{name} is required.", fields={name: "required"})
    if len(value) > limit:
        raise ValidationError(f"{name} is too long.", fields={name: "too_long"})
    return value


def _unique_key(existing: set[str], label: str) -> str:
    base = slugify(label)[:MAX_KEY].strip("-") or "frage"
    key, n = base, 2
    while key in existing:
        suffix = f"-{n}"
        key, n = base[: MAX_KEY - len(suffix)] + suffix, n + 1
    return key


def add_question(
    session: Session,
    event: Event,
    *,
    label: str,
    kind: QuestionKind | str,
    now: datetime,
    actor: Actor,
    label_en: str = "",
    choices: list[str] | None = None,
    required: bool = False,
    sensitive: bool = False,
) -> Question:
    """Add a question at the end of ``event``'s form."""
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    kind = QuestionKind(kind)
    label = _text("label", label, MAX_LABEL, required=True)
    label_en = _text("label_en", label_en, MAX_LABEL, required=False)
    options: list[str] = []
    if kind is QuestionKind.CHOICE:
        options = [_text("choices", choice, MAX_CHOICE, required=False) for choice in choices or []]
        options = list(dict.fromkeys(option for option in options if option))
        if not 2 <= len(options) <= MAX_CHOICES:
            raise ValidationError("A choice needs 2 to 30 options.", fields={"choices": "count"})
    if kind is QuestionKind.CHECKBOX and required:
        # An unticked box is the answer "no"; requiring it would force "yes".
        raise ValidationError("A yes/no question cannot be required.", fields={"required": "yes_no"})
    if len(event.questions) >= MAX_QUESTIONS:
        raise ValidationError("Too many questions.", fields={"label": "too_many"})
    key = _unique_key({question.key for question in event.questions}, label)
    values = _dedupe([slugify(option)[:MAX_KEY] for option in options])
    question = Question(
        key=key,
        label=label,
        label_translations={"en": label_en} if label_en else {},
        kind=kind,
        choices=[{"value": value, "label": option} for value, option in zip(values, options, strict=True)],
        required=required,
        sensitive=sensitive,
        position=max((q.position for q in event.questions), default=0) + 1,
    )
    event.questions.append(question)
    event.updated_at = now
    session.flush()
    audit.record(
        session,
        actor,
        "event.question_added",
        event,
        now=now,
        detail={"key": key, "kind": kind.value, "required": required, "sensitive": sensitive},
    )
    return question


def _dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for value in values:
        result.append(_unique_key(seen, value))
        seen.add(result[-1])
    return result


def remove_question(session: Session, event: Event, question: Question, *, now: datetime, actor: Actor) -> None:
    """Remove a question while nobody has registered for the event."""
    if question.event_id != event.id:
        raise ValidationError("Not a question of this event.", fields={"question": "invalid"})
    registered = session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event.id))
    if registered:
        raise QuestionAnswered()
    event.questions.remove(question)
    event.updated_at = now
    session.flush()
    audit.record(session, actor, "event.question_removed", event, now=now, detail={"key": question.key})
