"""Who may manage what (issue 7 Part 2)."""

from __future__ import annotations

from eventapp.services import accounts, permissions
from eventapp.services.audit import CLI


def test_can_manage_by_role_and_organization(session, make, now):
    menden, olpe = make.organization(slug="menden"), make.organization(slug="olpe")
    event = make.event(organization=menden)
    series = make.series(organization=menden)
    admin = make.user(role="admin")
    organizer = make.user(role="organizer", organizations=[menden])
    other = make.user(role="organizer", organizations=[olpe])
    both = make.user(role="organizer", organizations=[olpe, menden])
    staff = make.user(role="staff", organizations=[menden])
    for target in (event, series, menden):
        assert permissions.can_manage(admin, target)
        assert permissions.can_manage(organizer, target)
        assert permissions.can_manage(both, target)
        assert not permissions.can_manage(other, target)
        assert not permissions.can_manage(staff, target)
        assert not permissions.can_manage(None, target)
    accounts.deactivate(session, organizer, now=now, actor=CLI)
    assert not permissions.can_manage(organizer, event)


def test_check_in_needs_management_or_an_assignment(session, make):
    menden = make.organization()
    event, other_event = make.event(organization=menden), make.event(organization=menden)
    staff = make.user(role="staff", organizations=[menden])
    staff.assigned_events.append(event)
    session.flush()
    assert permissions.can_check_in(staff, event)
    assert not permissions.can_check_in(staff, other_event)
    assert permissions.can_check_in(make.user(role="organizer", organizations=[menden]), other_event)
    assert not permissions.can_check_in(make.user(role="organizer", organizations=[make.organization()]), event)


def test_visible_events_follow_the_role(session, make):
    menden, olpe = make.organization(), make.organization()
    m1, m2, o1 = make.event(organization=menden), make.event(organization=menden), make.event(organization=olpe)
    staff = make.user(role="staff", organizations=[menden])
    staff.assigned_events.append(m2)
    session.flush()

    def ids(user):
        return {e.id for e in session.scalars(permissions.visible_events(user))}

    assert ids(make.user(role="admin")) == {m1.id, m2.id, o1.id}
    assert ids(make.user(role="organizer", organizations=[menden])) == {m1.id, m2.id}
    assert ids(make.user(role="organizer", organizations=[olpe])) == {o1.id}
    assert ids(staff) == {m2.id}
    assert permissions.can_administer(make.user(role="admin"))
    assert not permissions.can_administer(make.user(role="organizer", organizations=[menden]))
