"""The admin area's changes (issue 7 Part 7): organizations, users and their roles, staff assignments.

Each function takes the acting admin's :class:`Actor`, checks its input, changes the rows
and records what changed in the audit trail — in the caller's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventapp.models import Event, Organization, Role, User, staff_assignment, user_organization
from eventapp.services import accounts
from eventapp.services.audit import Actor, record
from eventapp.services.errors import DomainError, NotFound, ValidationError

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")
KINDS = ("agency", "pioneer", "network")
MAX_NAME = 200


class SelfLockout(DomainError):
    """An admin cannot take away their own admin role or deactivate themselves."""

    code = "self_lockout"


class NotAssignable(DomainError):
    """Only staff of the event's organization can be assigned to its check-in."""

    code = "not_assignable"


def organizations(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.name)))


def organization_by_id(session: Session, organization_id: int) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("No such organization.")
    return organization


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.email)))


def _organization_values(session: Session, current: Organization | None, **values: Any) -> dict[str, Any]:
    problems: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    slug = (values.get("slug") or "").strip()
    kind = values.get("kind") or "network"
    if not name:
        problems["name"] = "required"
    elif len(name) > MAX_NAME:
        problems["name"] = "too_long"
    if not SLUG.fullmatch(slug):
        problems["slug"] = "invalid"
    else:
        taken = select(func.count(Organization.id)).where(Organization.slug == slug)
        if current is not None:
            taken = taken.where(Organization.id != current.id)
        if session.scalar(taken):
            problems["slug"] = "taken"
    if kind not in KINDS:
        problems["kind"] = "invalid"
    try:
        contact = accounts.normalize_email(values.get("contact_email") or "")
    except ValidationError as error:
        problems["contact_email"] = error.fields.get("email", "invalid")
        contact = ""
    if problems:
        raise ValidationError("The organization's details are not valid.", fields=problems)
    return {"name": name, "slug": slug, "kind": kind, "contact_email": contact}


def create_organization(session: Session, *, now: datetime, actor: Actor, **values: Any) -> Organization:
    """A new organization (name, slug, contact address, kind)."""
    organization = Organization(**_organization_values(session, None, **values), created_at=now)
    session.add(organization)
    session.flush()
    record(session, actor, "organization.created", organization, now=now, detail={"slug": organization.slug})
    return organization


def update_organization(
    session: Session, organization: Organization, *, now: datetime, actor: Actor, **values: Any
) -> list[str]:
    """Change an organization; returns the names of the fields that changed."""
    clean = _organization_values(session, organization, **values)
    changed = [key for key, value in clean.items() if getattr(organization, key) != value]
    for key in changed:
        setattr(organization, key, clean[key])
    if changed:
        session.flush()
        record(session, actor, "organization.updated", organization, now=now, detail={"fields": changed})
    return changed


def update_user(
    session: Session,
    user: User,
    *,
    role: Role | str,
    organizations: Iterable[Organization],
    name: str,
    now: datetime,
    actor: Actor,
) -> list[str]:
    """Change a user's role, organizations and name; returns what changed.

    An admin cannot demote themselves (the last way back in would be the shell).
    """
    role = Role(role)
    members = sorted(set(organizations), key=lambda o: o.id)
    if actor.id == user.id and user.role is Role.ADMIN and role is not Role.ADMIN:
        raise SelfLockout("You cannot take away your own admin role.")
    if role is not Role.ADMIN and not members:
        raise ValidationError(
            f"A user with the role {role} needs an organization.", fields={"organization": "required"}
        )
    if len(name) > MAX_NAME:
        raise ValidationError("The name is too long.", fields={"name": "too_long"})
    changed: list[str] = []
    if user.role is not role:
        user.role = role
        changed.append("role")
    if {o.id for o in user.organizations} != {o.id for o in members}:
        user.organizations = members
        changed.append("organizations")
    if user.name != name.strip():
        user.name = name.strip()
        changed.append("name")
    # Staff assignments outside the user's organizations (or of a user no longer staff) lapse.
    kept = [e for e in user.assigned_events if role is Role.STAFF and e.organization_id in {o.id for o in members}]
    if len(kept) != len(user.assigned_events):
        user.assigned_events = kept
        changed.append("assigned_events")
    if changed:
        session.flush()
        detail = {"fields": changed, "role": str(role), "organizations": [o.slug for o in members]}
        record(session, actor, "user.updated", user, now=now, detail=detail)
    return changed


def deactivate_user(session: Session, user: User, *, now: datetime, actor: Actor) -> None:
    """End the user's access and every session of theirs at once (not one's own account)."""
    if actor.id == user.id:
        raise SelfLockout("You cannot deactivate your own account.")
    accounts.deactivate(session, user, now=now, actor=actor)


def assignable_events(session: Session, user: User, *, now: datetime) -> list[Event]:
    """Events of the user's organizations that have not ended (for staff assignment)."""
    ids = [o.id for o in user.organizations]
    if not ids:
        return []
    end = func.coalesce(Event.ends_at, Event.starts_at)
    return list(
        session.scalars(
            select(Event).where(Event.organization_id.in_(ids), end >= now).order_by(Event.starts_at, Event.id)
        )
    )


def check_assignable(user: User, event: Event) -> None:
    """The one rule of staff assignment: check-in staff of the event's organization."""
    if user.role is not Role.STAFF:
        raise NotAssignable("Only check-in staff can be assigned to events.")
    if event.organization_id not in user.organization_ids:
        raise NotAssignable("Staff can only be assigned to events of their organizations.")


def _assign(session: Session, user: User, event: Event, *, now: datetime, actor: Actor) -> None:
    user.assigned_events.append(event)
    record(session, actor, "event.staff_assigned", event, now=now, detail={"user_id": user.id})


def _unassign(session: Session, user: User, event: Event, *, now: datetime, actor: Actor) -> None:
    user.assigned_events.remove(event)
    record(session, actor, "event.staff_unassigned", event, now=now, detail={"user_id": user.id})


def set_staff_assignments(
    session: Session, user: User, events: Iterable[Event], *, now: datetime, actor: Actor
) -> tuple[list[Event], list[Event]]:
    """Assign ``user`` (staff) to exactly ``events`` among the assignable ones; returns (added, removed).

    Past assignments stay as history of who worked which door. Each change is recorded on the event.
    """
    wanted = {e.id: e for e in events}
    for event in wanted.values():
        check_assignable(user, event)
    open_ids = {e.id for e in assignable_events(session, user, now=now)}
    current = {e.id: e for e in user.assigned_events}
    added = [e for eid, e in wanted.items() if eid not in current]
    removed = [e for eid, e in current.items() if eid not in wanted and eid in open_ids]
    for event in added:
        _assign(session, user, event, now=now, actor=actor)
    for event in removed:
        _unassign(session, user, event, now=now, actor=actor)
    session.flush()
    return added, removed


def event_staff(session: Session, event: Event) -> list[User]:
    """The check-in staff assigned to ``event``, by name."""
    query = (
        select(User)
        .join(staff_assignment, staff_assignment.c.user_id == User.id)
        .where(staff_assignment.c.event_id == event.id)
        .order_by(User.name, User.email)
    )
    return list(session.scalars(query))


def staff_candidates(session: Session, event: Event) -> list[User]:
    """Active check-in staff of the event's organization not yet assigned to it (what the form offers)."""
    assigned = select(staff_assignment.c.user_id).where(staff_assignment.c.event_id == event.id)
    query = (
        select(User)
        .join(user_organization, user_organization.c.user_id == User.id)
        .where(
            user_organization.c.organization_id == event.organization_id,
            User.role == Role.STAFF,
            User.active.is_(True),
            User.id.not_in(assigned),
        )
        .order_by(User.name, User.email)
    )
    return list(session.scalars(query))


def assign_staff(session: Session, event: Event, user: User, *, now: datetime, actor: Actor) -> bool:
    """Let ``user`` run the check-in of ``event`` (an organizer's page); False if already assigned."""
    check_assignable(user, event)
    if not user.active:
        raise NotAssignable("A deactivated account cannot be assigned.")
    if any(assigned.id == event.id for assigned in user.assigned_events):
        return False
    _assign(session, user, event, now=now, actor=actor)
    session.flush()
    return True


def unassign_staff(session: Session, event: Event, user: User, *, now: datetime, actor: Actor) -> bool:
    """End ``user``'s check-in of ``event``; False if they were not assigned."""
    if not any(assigned.id == event.id for assigned in user.assigned_events):
        return False
    _unassign(session, user, event, now=now, actor=actor)
    session.flush()
    return True
