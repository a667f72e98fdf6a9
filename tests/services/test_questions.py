"""Per-event questions (issue 7 Part 3): text, choice, yes/no; required; sensitive."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventapp.models import AuditEntry, EventStatus, QuestionKind, RegistrationStatus
from eventapp.services import questions
from eventapp.services.audit import CLI
from eventapp.services.errors import EventCancelled, ValidationError
from eventapp.services.submission import clean_answers


def test_questions_get_stable_keys_choices_and_flags(session, make, now):
    event = make.event()

    access = questions.add_question(
        session,
        event,
        label="Benötigen Sie barrierefreien Zugang?",
        label_en="Do you need step-free access?",
        kind=QuestionKind.CHECKBOX,
        sensitive=True,
        now=now,
        actor=CLI,
    )
    workshop = questions.add_question(
        session,
        event,
        label="Welcher Workshop?",
        kind="choice",
        choices=["3D-Druck", " Virtuelle Synagoge ", "", "3D-Druck", "3D Druck"],
        required=True,
        now=now,
        actor=CLI,
    )
    again = questions.add_question(session, event, label="Welcher Workshop?", kind="text", now=now, actor=CLI)

    assert (access.key, access.sensitive, access.label_for("en")) == (
        "benoetigen-sie-barrierefreien-zugang",
        True,
        "Do you need step-free access?",
    )
    assert workshop.choices == [
        {"value": "3d-druck", "label": "3D-Druck"},
        {"value": "virtuelle-synagoge", "label": "Virtuelle Synagoge"},
        {"value": "3d-druck-2", "label": "3D Druck"},
    ]
    assert again.key == "welcher-workshop-2"
    assert [q.position for q in event.questions] == [1, 2, 3]
    # The registration rules accept answers to them as they are.
    assert clean_answers(event.questions, {access.key: True, workshop.key: "virtuelle-synagoge"}) == (
        {access.key: True, workshop.key: "virtuelle-synagoge"},
        True,
    )
    details = [e.detail for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "event.question_added"))]
    assert details[0] == {"key": access.key, "kind": "checkbox", "required": False, "sensitive": True}


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"label": "  ", "kind": "text"}, "label", "required"),
        ({"label": "x" * 301, "kind": "text"}, "label", "too_long"),
        ({"label": "Welcher?", "kind": "choice", "choices": ["nur eine"]}, "choices", "count"),
        ({"label": "Ja?", "kind": "checkbox", "required": True}, "required", "yes_no"),
    ],
)
def test_bad_questions_are_refused(session, make, now, values, field, code):
    event = make.event()
    with pytest.raises(ValidationError) as raised:
        questions.add_question(session, event, now=now, actor=CLI, **values)
    assert raised.value.fields == {field: code}
    assert event.questions == []


def test_a_question_is_removed_only_while_nobody_registered(session, make, now):
    event = make.event()
    question = questions.add_question(session, event, label="Ernährung?", kind="text", now=now, actor=CLI)
    make.registration(event, status=RegistrationStatus.CANCELLED)

    with pytest.raises(questions.QuestionAnswered):
        questions.remove_question(session, event, question, now=now, actor=CLI)

    empty = make.event()
    other = questions.add_question(session, empty, label="Ernährung?", kind="text", now=now, actor=CLI)
    questions.remove_question(session, empty, other, now=now, actor=CLI)
    assert empty.questions == [] and len(event.questions) == 1


def test_a_cancelled_event_gets_no_questions(session, make, now):
    with pytest.raises(EventCancelled):
        questions.add_question(
            session, make.event(status=EventStatus.CANCELLED), label="x", kind="text", now=now, actor=CLI
        )


# --- editing and reordering ---------------------------------------------------------------


def _answered(make, event, **answers):
    return make.registration(event, answers=answers)


def test_an_unanswered_question_can_change_everything_but_its_key(session, make, now):
    event = make.event()
    question = questions.add_question(session, event, label="Ernährung?", kind="text", now=now, actor=CLI)

    changed = questions.update_question(
        session, event, question, label="Ihre Ernährung", kind="choice", choices=["vegan", "vegetarisch"],
        sensitive=True, label_en="Your diet", now=now, actor=CLI,
    )  # fmt: skip

    assert changed == ["label", "label_translations", "kind", "choices", "sensitive"]
    assert question.key == "ernaehrung" and question.kind is QuestionKind.CHOICE
    assert [c["value"] for c in question.choices] == ["vegan", "vegetarisch"]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "event.question_edited"))
    assert entry.detail["key"] == "ernaehrung"


def test_an_answered_question_keeps_its_kind_flag_and_chosen_options(session, make, now):
    event = make.event()
    question = questions.add_question(
        session, event, label="Workshop?", kind="choice", choices=["3D-Druck", "Synagoge"], now=now, actor=CLI
    )
    _answered(make, event, **{question.key: "synagoge"})
    keep = {"label": "Welcher Workshop?", "now": now, "actor": CLI}

    with pytest.raises(questions.QuestionAnswered) as kind:
        questions.update_question(session, event, question, kind="text", **keep)
    assert kind.value.fields == {"kind": "answered"}
    with pytest.raises(questions.QuestionAnswered) as flag:
        questions.update_question(
            session, event, question, kind="choice", choices=["3D-Druck", "Synagoge"], sensitive=True, **keep
        )
    assert flag.value.fields == {"sensitive": "answered"}
    with pytest.raises(questions.QuestionAnswered) as chosen:
        questions.update_question(session, event, question, kind="choice", choices=["3D-Druck", "Robotik"], **keep)
    assert chosen.value.fields == {"choices": "chosen"}

    changed = questions.update_question(
        session, event, question, kind="choice", choices=["Synagoge", "Robotik", "3D-Druck"], required=True, **keep
    )

    assert changed == ["label", "choices", "required"]
    assert [c["value"] for c in question.choices] == ["synagoge", "robotik", "3d-druck"]


def test_questions_move_up_and_down(session, make, now):
    event = make.event()
    first, second, third = (
        questions.add_question(session, event, label=label, kind="text", now=now, actor=CLI)
        for label in ("A", "B", "C")
    )

    assert questions.move_question(session, event, third, -1, now=now, actor=CLI) is True
    assert questions.move_question(session, event, first, -1, now=now, actor=CLI) is False
    assert [q.label for q in event.questions] == ["A", "C", "B"]
    assert questions.move_question(session, event, first, 1, now=now, actor=CLI) is True
    assert [q.label for q in event.questions] == ["C", "A", "B"]
    assert second.position == 3
