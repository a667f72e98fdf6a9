"""Who did what (DESIGN §2 "Verlauf"): the acting party and the one way to record a change.

Every service that changes a registration or an event takes an :class:`Actor` and
calls :func:`record` in the caller's transaction — as pretix's ``log_action`` and
Indico's registration log do — so a change and its entry commit or roll back together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import (
    ActorKind,
    AuditEntry,
    Event,
    Organization,
    PersonalData,
    Registration,
    Series,
    SeriesRegistration,
    User,
)

#: Upper bound of an entry's JSON detail: facts about a change, not a copy of the data.
MAX_DETAIL = 2000
MAX_LABEL = 200
#: Detail keys that may hold personal data (a corrected name, say); the anonymiser drops them.
PERSONAL_DETAIL_KEYS = frozenset({"given_name", "family_name", "organization", "name", "email", "answers"})


@dataclass(frozen=True)
class Actor:
    """The acting party of a change.

    ``id`` names the person (attendee), user or device without a foreign key; the
    ``label`` is what a history shows. An attendee's label is their name — personal
    data, which :func:`eventapp.services.privacy.anonymise` clears from the history.
    """

    kind: ActorKind
    id: int | None = None
    label: str = ""

    @classmethod
    def attendee(cls, record: PersonalData) -> Actor:
        """The person behind a manage link (of a registration or a series registration)."""
        return cls(ActorKind.ATTENDEE, record.person_id, record.full_name[:MAX_LABEL])

    @classmethod
    def user(cls, user: User) -> Actor:
        """A signed-in admin, organizer or staff member (the web) acting in person."""
        return cls(ActorKind.USER, user.id, user.label[:MAX_LABEL])

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The application itself: the worker (expiry, promotion) or an operator's CLI command."""
        return cls(ActorKind.SYSTEM, None, label[:MAX_LABEL])


#: The worker's and the promotion rules' actor.
SYSTEM = Actor.system("system")
#: An operator at the shell (``flask update-event`` & co.).
CLI = Actor.system("cli")

#: What an entry can be about; accounts and organizations (the admin area) are audited too.
Subject = Registration | SeriesRegistration | Event | Series | User | Organization


def _event_id(subject: Subject) -> int | None:
    if isinstance(subject, Event):
        return subject.id
    if isinstance(subject, Registration):
        return subject.event_id
    return None


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject: Subject,
    *,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add the audit entry of ``action`` on ``subject`` to the caller's transaction.

    ``action`` is a stable dotted code (``registration.cancelled``); ``detail`` a small
    JSON object of facts (old and new mode, a serial) — never a whole record.
    """
    values = dict(detail or {})
    if len(json.dumps(values, default=str)) > MAX_DETAIL:
        raise ValueError(f"audit detail of {action} is too large")
    if subject.id is None:
        session.flush()
    entry = AuditEntry(
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        object_type=subject.__tablename__,
        object_id=subject.id,
        event_id=_event_id(subject),
        detail=values,
    )
    session.add(entry)
    return entry


def history(session: Session, subject: Subject) -> list[AuditEntry]:
    """The entries about one object, oldest first (a registration's "Verlauf")."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == subject.__tablename__, AuditEntry.object_id == subject.id)
            .order_by(AuditEntry.id)
        )
    )


def event_history(session: Session, event: Event) -> list[AuditEntry]:
    """Everything recorded about an event and its registrations, oldest first."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.event_id == event.id).order_by(AuditEntry.id)))
