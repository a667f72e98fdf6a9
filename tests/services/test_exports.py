"""The export service (issue 7 Part 6): the filtered rows, the chosen columns, sensitive answers
only on request, and an audit entry for every export."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eventapp.models import AuditEntry, Mode, QuestionKind, RegistrationStatus
from eventapp.services import exports
from eventapp.services.audit import Actor
from eventapp.services.errors import ValidationError
from eventapp.services.roster import RosterFilter


@pytest.fixture
def event(make):
    event = make.event()
    make.question(event, key="diaet", label="Ernährung", sensitive=True, position=1)
    make.question(
        event,
        key="workshop",
        label="Workshop",
        kind=QuestionKind.CHOICE,
        choices=[{"value": "a", "label": "3D-Druck"}, {"value": "b", "label": "Synagoge"}],
        position=2,
    )
    make.registration(event, given_name="Jürgen", family_name="Größe", answers={"diaet": "vegan", "workshop": "a"})
    make.registration(event, given_name="Anna", family_name="Abend", mode=Mode.ONLINE)
    make.registration(event, given_name="Carl", family_name="Cancel", status=RegistrationStatus.CANCELLED)
    return event


@pytest.fixture
def actor(make, event):
    return Actor.user(make.user(email="orga@menden.de", organizations=[event.organization]))


def run(session, event, actor, now, flt=None, **values):
    values.setdefault("columns", ["family_name", "answer:workshop"])
    values.setdefault("include_sensitive", False)
    values.setdefault("file_format", "csv")
    return exports.export_registrations(session, event, flt or RosterFilter(), now=now, actor=actor, **values)


def entries(session):
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "event.exported")))


def test_rows_follow_the_filter_and_columns_the_choice(session, event, actor, now):
    export = run(session, event, actor, now, RosterFilter(statuses=(RegistrationStatus.CONFIRMED,)))

    assert [column.key for column in export.columns] == ["family_name", "answer:workshop"]
    values = [[export.value(r, c) for c in export.columns] for r in export.registrations]
    assert values == [["Abend", None], ["Größe", "a"]]


def test_every_export_is_audited_with_who_what_and_how_many(session, event, actor, now):
    run(session, event, actor, now, RosterFilter(mode=Mode.ON_SITE), file_format="xlsx")

    (entry,) = entries(session)
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.at) == (actor.id, "event", event.id, now)
    assert entry.detail == {
        "format": "xlsx",
        "rows": 2,
        "sensitive": False,
        "columns": ["family_name", "answer:workshop"],
        "filter": {"mode": "on_site"},
    }


def test_sensitive_answers_only_when_asked_for_and_then_the_entry_says_so(session, event, actor, now):
    quiet = run(session, event, actor, now, columns=["family_name", "answer:diaet"])
    assert [column.key for column in quiet.columns] == ["family_name"], "a sensitive column needs the explicit choice"

    told = run(session, event, actor, now, columns=["family_name"], include_sensitive=True)

    assert [column.key for column in told.columns] == ["family_name", "answer:diaet"]
    jürgen = next(r for r in told.registrations if r.given_name == "Jürgen")
    assert told.value(jürgen, told.columns[1]) == "vegan"
    assert [entry.detail["sensitive"] for entry in entries(session)] == [False, True]
    assert entries(session)[1].detail["columns"] == ["family_name", "answer:diaet"]


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"columns": ["family_name", "password"]}, {"columns": "invalid"}),
        ({"columns": []}, {"columns": "required"}),
        ({"columns": ["answer:diaet"]}, {"columns": "required"}),  # only a sensitive one, not asked for
        ({"file_format": "pdf"}, {"format": "invalid"}),
    ],
)
def test_bad_choices_are_refused_and_not_audited(session, event, actor, now, values, fields):
    with pytest.raises(ValidationError) as refused:
        run(session, event, actor, now, **values)
    assert refused.value.fields == fields
    assert session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "event.exported")) == 0


def test_a_long_column_list_is_cut_in_the_entry_but_counted(session, make, actor, now):
    event = make.event()
    for n in range(60):
        make.question(event, key=f"frage-mit-einem-langen-schluessel-{n:02d}", label=f"Frage {n}")
    keys = [column.key for column in exports.columns_of(event)]

    run(session, event, actor, now, columns=keys)

    (entry,) = entries(session)
    assert entry.detail["columns_total"] == len(keys)
    assert entry.detail["columns"] == keys[: len(entry.detail["columns"])]
