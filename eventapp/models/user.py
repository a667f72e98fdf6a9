"""Accounts of the organizer side: admins, organizers and check-in staff.

Attendees have no account (they are a :class:`~eventapp.models.Person`). The model
answers Flask-Login's questions (``is_authenticated``, ``get_id`` …) with plain
properties, so the models layer stays free of flask.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.models.base import Base, utcnow
from eventapp.models.event import _enum

if TYPE_CHECKING:
    from eventapp.models.event import Event, Organization


class Role(enum.StrEnum):
    """admin: everything; organizer: the events of their organization(s); staff: check-in of assigned events."""

    ADMIN = "admin"
    ORGANIZER = "organizer"
    STAFF = "staff"


#: Which organizations a user belongs to (an organizer manages their events; staff work for them).
user_organization = Table(
    "user_organization",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True, index=True),
)

#: Check-in staff assigned to an event (the check-in page admits them to these events only).
staff_assignment = Table(
    "staff_assignment",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(Base):
    """One person who signs in at ``/login``."""

    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalised (lower-case, IDNA-checked) by ``services.accounts.normalize_email``; unique.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    #: argon2id hash; None until an invited user has set their password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Part of every session and remember-me cookie (``get_id``); raised on deactivation and on a
    #: password change, which ends every existing session at once.
    auth_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    organizations: Mapped[list[Organization]] = relationship(secondary=user_organization, order_by="Organization.name")
    assigned_events: Mapped[list[Event]] = relationship(secondary=staff_assignment, order_by="Event.starts_at")

    # --- what Flask-Login asks -------------------------------------------------------------

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """``<id>.<auth_version>``: a session or cookie of an older version no longer loads the user."""
        return f"{self.id}.{self.auth_version}"

    # --- small helpers ----------------------------------------------------------------------

    @property
    def label(self) -> str:
        """How histories and lists show the user."""
        return self.name or self.email

    @property
    def organization_ids(self) -> set[int]:
        return {organization.id for organization in self.organizations}

    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
