"""Per-event questions on the registration form (issue 7 Part 3): text, choice, yes/no;
required; sensitive (Art. 9 DSGVO — its own consent, deleted after the event, DESIGN §3).

A question's ``key`` names its answers in the API and in exports, so it is made once from
the label and never changes. A question is removed only while nobody has registered:
answers given to it would otherwise lose their meaning (and a sensitive one its flag,
which the purge after the event relies on). For the same reason an answered question keeps
its kind, its sensitive flag and every option someone chose (:func:`update_question`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventapp.models import Event, EventStatus, Question, QuestionKind, Registration
from eventapp.services import audit, ordering
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


def _options(choices: list[str] | None) -> list[str]:
    """The options of a choice question: cleaned, without empty ones and repeats, 2 to 30."""
    options = [_text("choices", choice, MAX_CHOICE, required=False) for choice in choices or []]
    options = list(dict.fromkeys(option for option in options if option))
    if not 2 <= len(options) <= MAX_CHOICES:
        raise ValidationError("A choice needs 2 to 30 options.", fields={"choices": "count"})
    return options


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
    options = _options(choices) if kind is QuestionKind.CHOICE else []
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


def answered(session: Session, question: Question) -> bool:
    """Whether anyone has answered ``question`` (a non-empty answer under its key)."""
    rows = session.scalars(select(Registration.answers).where(Registration.event_id == question.event_id))
    return any((answers or {}).get(question.key) not in (None, "", False, []) for answers in rows)


def _chosen_values(session: Session, question: Question) -> set[str]:
    rows = session.scalars(select(Registration.answers).where(Registration.event_id == question.event_id))
    return {str((answers or {}).get(question.key)) for answers in rows if (answers or {}).get(question.key)}


def update_question(
    session: Session,
    event: Event,
    question: Question,
    *,
    label: str,
    kind: QuestionKind | str,
    now: datetime,
    actor: Actor,
    label_en: str = "",
    choices: list[str] | None = None,
    required: bool = False,
    sensitive: bool = False,
) -> list[str]:
    """Change a question; returns the names of what changed. The key stays (it names the answers).

    Once someone has answered it, its kind and its sensitive flag stay (answers of another
    kind would lose their meaning; the flag decides consent and the purge after the event),
    and an option somebody chose stays among the choices (kept by its exact label, so it can
    be reordered but not renamed). Labels, the English label and "required" may change.
    """
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    if question.event_id != event.id:
        raise ValidationError("Not a question of this event.", fields={"question": "invalid"})
    kind = QuestionKind(kind)
    label = _text("label", label, MAX_LABEL, required=True)
    label_en = _text("label_en", label_en, MAX_LABEL, required=False)
    if kind is QuestionKind.CHECKBOX and required:
        raise ValidationError("A yes/no question cannot be required.", fields={"required": "yes_no"})
    has_answers = answered(session, question)
    if has_answers and kind is not question.kind:
        raise QuestionAnswered("Answered: its kind stays.", fields={"kind": "answered"})
    if has_answers and sensitive != question.sensitive:
        raise QuestionAnswered("Answered: its sensitive flag stays.", fields={"sensitive": "answered"})
    new_choices: list[dict[str, Any]] = []
    if kind is QuestionKind.CHOICE:
        options = _options(choices)
        old = {choice["label"]: choice for choice in question.choices or []} if question.kind is kind else {}
        if has_answers:
            kept = {old[option]["value"] for option in options if option in old}
            if _chosen_values(session, question) - kept:
                raise QuestionAnswered("A chosen option must stay.", fields={"choices": "chosen"})
        taken = {old[option]["value"] for option in options if option in old}
        for option in options:
            if option in old:
                new_choices.append(dict(old[option]))
            else:
                value = _unique_key(taken, slugify(option)[:MAX_KEY])
                taken.add(value)
                new_choices.append({"value": value, "label": option})
    translations = dict(question.label_translations or {})
    if label_en:
        translations["en"] = label_en
    else:
        translations.pop("en", None)
    wanted = {
        "label": label,
        "label_translations": translations,
        "kind": kind,
        "choices": new_choices,
        "required": required,
        "sensitive": sensitive,
    }
    changed = [name for name, value in wanted.items() if getattr(question, name) != value]
    for name in changed:
        setattr(question, name, wanted[name])
    if changed:
        event.updated_at = now
        session.flush()
        audit.record(
            session, actor, "event.question_edited", event, now=now, detail={"key": question.key, "changed": changed}
        )
    return changed


def move_question(
    session: Session, event: Event, question: Question, step: int, *, now: datetime, actor: Actor
) -> bool:
    """Move a question one place up (``step`` -1) or down (+1) on the form; False at either end."""
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    if question.event_id != event.id or step not in (-1, 1):
        raise ValidationError("Move a question of this event one place.", fields={"question": "invalid"})
    if not ordering.move(list(event.questions), question, step):
        return False
    event.updated_at = now
    session.flush()
    session.expire(event, ["questions"])
    audit.record(session, actor, "event.question_moved", event, now=now, detail={"key": question.key, "step": step})
    return True
