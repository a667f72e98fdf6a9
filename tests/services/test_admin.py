"""Admin changes (issue 7 Part 7): organizations, users, staff assignments — with audit entries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventapp.models import AuditEntry, Role
from eventapp.services import admin
from eventapp.services.admin import NotAssignable, SelfLockout
from eventapp.services.audit import Actor
from eventapp.services.errors import ValidationError


@pytest.fixture
def boss(make):
    return make.user(role="admin", name="Anna Admin")


def test_organizations_are_created_and_changed_with_their_history(session, make, now, boss):
    actor = Actor.user(boss)
    org = admin.create_organization(
        session, now=now, actor=actor, name=" Stadt Soest ", slug="soest", contact_email="Info@Soest.de", kind="pioneer"
    )
    assert (org.name, org.contact_email) == ("Stadt Soest", "info@soest.de")
    same = {"name": "Stadt Soest", "slug": "soest", "contact_email": "info@soest.de", "kind": "pioneer"}
    assert admin.update_organization(session, org, now=now, actor=actor, **same) == []
    assert admin.update_organization(session, org, now=now, actor=actor, **{**same, "slug": "stadt-soest"}) == ["slug"]
    entries = session.query(AuditEntry).filter_by(object_type="organization").order_by(AuditEntry.id).all()
    assert [(e.action, e.actor_label) for e in entries] == [
        ("organization.created", "Anna Admin"),
        ("organization.updated", "Anna Admin"),
    ]


def test_organization_input_is_checked(session, make, now, boss):
    make.organization(slug="menden")
    with pytest.raises(ValidationError) as caught:
        admin.create_organization(
            session, now=now, actor=Actor.user(boss), name="", slug="menden", contact_email="x", kind="city"
        )
    assert caught.value.fields == {"name": "required", "slug": "taken", "contact_email": "invalid", "kind": "invalid"}


def test_staff_are_assigned_only_to_upcoming_events_of_their_organizations(session, make, now, boss):
    actor = Actor.user(boss)
    menden, olpe = make.organization(), make.organization()
    soon = make.event(organization=menden, starts_at=now + timedelta(days=3))
    past = make.event(organization=menden, starts_at=now - timedelta(days=3))
    foreign = make.event(organization=olpe, starts_at=now + timedelta(days=3))
    staff = make.user(role="staff", organizations=[menden])
    staff.assigned_events.append(past)
    assert admin.assignable_events(session, staff, now=now) == [soon]
    added, removed = admin.set_staff_assignments(session, staff, [soon], now=now, actor=actor)
    assert (added, removed) == ([soon], [])
    assert {e.id for e in staff.assigned_events} == {soon.id, past.id}  # the past door stays on record
    with pytest.raises(NotAssignable):
        admin.set_staff_assignments(session, staff, [foreign], now=now, actor=actor)
    organizer = make.user(role="organizer", organizations=[menden])
    with pytest.raises(NotAssignable):
        admin.set_staff_assignments(session, organizer, [soon], now=now, actor=actor)
    assert admin.set_staff_assignments(session, staff, [], now=now, actor=actor) == ([], [soon])
    actions = [e.action for e in session.query(AuditEntry).filter_by(event_id=soon.id).order_by(AuditEntry.id)]
    assert actions == ["event.staff_assigned", "event.staff_unassigned"]


def test_an_admin_cannot_lock_themselves_out(session, make, now, boss):
    actor = Actor.user(boss)
    with pytest.raises(SelfLockout):
        admin.update_user(
            session, boss, role=Role.ORGANIZER, organizations=[make.organization()], name="", now=now, actor=actor
        )
    with pytest.raises(SelfLockout):
        admin.deactivate_user(session, boss, now=now, actor=actor)
    other = make.user(role="admin")
    admin.deactivate_user(session, other, now=now, actor=actor)
    assert not other.active


def test_an_event_gets_and_loses_check_in_staff_of_its_organization(session, make, now):
    menden, olpe = make.organization(), make.organization()
    organizer = make.user(role="organizer", organizations=[menden], name="Olga Orga")
    actor = Actor.user(organizer)
    event = make.event(organization=menden, starts_at=now + timedelta(days=3))
    emil = make.user(role="staff", organizations=[menden], name="Emil Einlass")
    ida = make.user(role="staff", organizations=[menden], name="Ida Idle")
    stranger = make.user(role="staff", organizations=[olpe])
    gone = make.user(role="staff", organizations=[menden])
    gone.active = False
    assert admin.staff_candidates(session, event) == [emil, ida]

    assert admin.assign_staff(session, event, emil, now=now, actor=actor) is True
    assert admin.assign_staff(session, event, emil, now=now, actor=actor) is False  # already there
    assert admin.event_staff(session, event) == [emil]
    assert admin.staff_candidates(session, event) == [ida]
    for refused in (stranger, gone, organizer):
        with pytest.raises(NotAssignable):
            admin.assign_staff(session, event, refused, now=now, actor=actor)
    assert admin.unassign_staff(session, event, ida, now=now, actor=actor) is False
    assert admin.unassign_staff(session, event, emil, now=now, actor=actor) is True
    assert admin.event_staff(session, event) == []
    entries = session.query(AuditEntry).filter_by(event_id=event.id).order_by(AuditEntry.id).all()
    assert [(e.action, e.actor_label, e.detail) for e in entries] == [
        ("event.staff_assigned", "Olga Orga", {"user_id": emil.id}),
        ("event.staff_unassigned", "Olga Orga", {"user_id": emil.id}),
    ]
