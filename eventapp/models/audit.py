"""The audit trail (DESIGN §2 "Verlauf"): who did what to which object, and when.

An entry is written by the service that makes the change, in the same transaction
(as pretix's ``log_action`` and Indico's registration log), so the history can never
disagree with the data. Actor and object are plain columns without foreign keys:
users and devices arrive later, and a history must outlive what it talks about.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.models.base import Base, utcnow
from eventapp.models.event import _enum


class ActorKind(enum.StrEnum):
    """Who acts: an attendee through a manage link, a user, a check-in device, or the system (CLI, worker)."""

    ATTENDEE = "attendee"
    USER = "user"
    DEVICE = "device"
    SYSTEM = "system"


class AuditEntry(Base):
    """One change, as the organizer dashboard will show it in a registration's or an event's history."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id", "id"),
        Index("ix_audit_entry_event", "event_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[ActorKind] = mapped_column(_enum(ActorKind, "actor_kind"))
    #: The person (attendee), user or device; None for the system. No foreign key on purpose.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    #: How the actor is shown (a person's name is personal data: the anonymiser clears it).
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    #: Stable dotted code, e.g. ``registration.cancelled``.
    action: Mapped[str] = mapped_column(String(60))
    #: Table name of the changed object (``registration``, ``series_registration``, ``event``).
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    #: The event the change belongs to, for an event's history (None for a whole series).
    event_id: Mapped[int | None] = mapped_column(Integer)
    #: Small facts about the change (old and new mode, serial, changed fields).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
