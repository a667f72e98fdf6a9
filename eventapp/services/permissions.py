"""Who may do what (issue 7 Part 2): the one set of rules the web guard and the services ask.

admin: everything. organizer: the events and series of their organization(s).
staff: nothing to manage; the check-in of the events they are assigned to. An inactive
user may do nothing. Plain functions of the user and the object, no flask.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from eventapp.models import Event, Organization, Role, Series, User, staff_assignment

Manageable = Event | Series | Organization


def _organization_id(target: Manageable) -> int:
    if isinstance(target, Organization):
        return target.id
    return target.organization_id


def can_manage(user: User | None, target: Manageable) -> bool:
    """May ``user`` change ``target`` (an event, a series, or an organization's events)?"""
    if user is None or not user.active:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.ORGANIZER:
        return _organization_id(target) in user.organization_ids
    return False


def can_check_in(user: User | None, event: Event) -> bool:
    """May ``user`` run the check-in of ``event``? Its managers, and staff assigned to it."""
    if user is None or not user.active:
        return False
    if can_manage(user, event):
        return True
    return user.role is Role.STAFF and any(assigned.id == event.id for assigned in user.assigned_events)


def visible_series(user: User) -> Select[tuple[Series]]:
    """The series ``user`` manages: all (admin), their organizations' (organizer), none (staff)."""
    query = select(Series)
    if user.active and user.role is Role.ADMIN:
        return query
    if user.active and user.role is Role.ORGANIZER:
        return query.where(Series.organization_id.in_(user.organization_ids or {-1}))
    return query.where(Series.id.is_(None))


def can_administer(user: User | None) -> bool:
    """Organizations, users and roles: admins only."""
    return user is not None and user.active and user.role is Role.ADMIN


def visible_events(user: User) -> Select[tuple[Event]]:
    """The events ``user`` sees in the organizer area: all (admin), their organizations' (organizer),
    the ones assigned to them (staff)."""
    query = select(Event)
    if not user.active:
        return query.where(Event.id.is_(None))
    if user.role is Role.ADMIN:
        return query
    if user.role is Role.ORGANIZER:
        return query.where(Event.organization_id.in_(user.organization_ids or {-1}))
    return query.join(staff_assignment, staff_assignment.c.event_id == Event.id).where(
        staff_assignment.c.user_id == user.id
    )
