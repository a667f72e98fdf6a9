"""The audit trail: one function records an entry in the caller's transaction."""

from __future__ import annotations

import pytest

from eventapp.models import ActorKind, AuditEntry, Registration
from eventapp.services import audit
from eventapp.services.audit import Actor


def test_record_writes_an_entry_in_the_callers_transaction(session, make, now):
    event = make.event()
    registration = make.registration(event, given_name="Erika", family_name="Mustermann")
    actor = Actor.attendee(registration)
    entry = audit.record(session, actor, "registration.cancelled", registration, now=now, detail={"mode": "on_site"})
    session.flush()
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == (
        ActorKind.ATTENDEE,
        registration.person_id,
        "Erika Mustermann",
    )
    assert (entry.object_type, entry.object_id, entry.event_id) == ("registration", registration.id, event.id)
    assert entry.at == now
    assert entry.detail == {"mode": "on_site"}
    # Not committed by the service: a rollback takes the entry with the change.
    session.rollback()
    assert session.query(AuditEntry).count() == 0


def test_system_actor_has_no_id(session, make, now):
    event = make.event()
    entry = audit.record(session, audit.CLI, "event.cancelled", event, now=now)
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == (ActorKind.SYSTEM, None, "cli")
    assert (entry.object_type, entry.object_id, entry.event_id) == ("event", event.id, event.id)
    assert audit.SYSTEM.label == "system"


def test_history_of_a_registration_and_of_an_event(session, make, now):
    event = make.event()
    other_event = make.event()
    first = make.registration(event)
    second = make.registration(event)
    elsewhere = make.registration(other_event)
    audit.record(session, Actor.attendee(first), "registration.submitted", first, now=now)
    audit.record(session, Actor.attendee(second), "registration.submitted", second, now=now)
    audit.record(session, Actor.attendee(first), "registration.confirmed", first, now=now)
    audit.record(session, audit.CLI, "event.updated", event, now=now)
    audit.record(session, Actor.attendee(elsewhere), "registration.submitted", elsewhere, now=now)
    session.flush()
    assert [e.action for e in audit.history(session, first)] == ["registration.submitted", "registration.confirmed"]
    assert [(e.object_type, e.action) for e in audit.event_history(session, event)] == [
        ("registration", "registration.submitted"),
        ("registration", "registration.submitted"),
        ("registration", "registration.confirmed"),
        ("event", "event.updated"),
    ]


def test_detail_stays_small(session, make, now):
    event = make.event()
    with pytest.raises(ValueError, match="too large"):
        audit.record(session, audit.SYSTEM, "event.updated", event, now=now, detail={"x": "y" * 3000})


def test_an_unflushed_subject_gets_its_id_first(session, make, now):
    event = make.event()
    person = make.person()
    registration = Registration(
        event=event, person=person, given_name="A", family_name="B", mode=event.modes[0], locale="de"
    )
    session.add(registration)
    entry = audit.record(session, audit.SYSTEM, "registration.submitted", registration, now=now)
    assert entry.object_id == registration.id is not None
