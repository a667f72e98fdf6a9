"""Reminders already sent (issue 8 Part 3): one row per registration, reminder and start time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.models.base import Base


class ReminderSent(Base):
    """That the reminder ``offset_minutes`` before ``starts_at`` was queued for a registration.

    The unique constraint is what makes reminders idempotent: every worker inserts with
    ON CONFLICT DO NOTHING and mails only the rows it inserted, so two passes or two
    worker processes at once never send one reminder twice. The start time is part of the
    key: when an organizer moves the event, the reminders for the new date are due again.
    """

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("registration_id", "offset_minutes", "starts_at", name="uq_reminder_sent_registration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    #: Minutes before the start (one of the event's ``reminder_offsets``).
    offset_minutes: Mapped[int] = mapped_column(Integer)
    #: The event's start the reminder was for.
    starts_at: Mapped[datetime]
    #: When the worker queued it (the mail itself is in the outbox, kind ``reminder``).
    created_at: Mapped[datetime]
