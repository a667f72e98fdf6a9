"""Mail outbox: written in the transaction of its cause, delivered by the worker."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.models.base import Base, utcnow
from eventapp.models.event import _enum


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRY = "retry"
    SENT = "sent"
    FAILED = "failed"
    #: Not sent on purpose: it no longer applied at delivery (a "please confirm" mail for a
    #: registration that is no longer awaiting confirmation).
    DROPPED = "dropped"


class OutboxMessage(Base):
    """One mail to send. ``kind`` names the template; rendering happens at delivery."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_recipient", "to_address", "event_id", "created_at"),
        #: An event's mail by state (the event dashboard).
        Index("ix_outbox_message_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Template name under templates/emails/, e.g. "confirm_email", "ticket".
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="de")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id"), index=True)
    series_registration_id: Mapped[int | None] = mapped_column(ForeignKey("series_registration.id"))
    #: The organizer's message this mail delivers to one of its recipients (issue 7 Part 5).
    event_message_id: Mapped[int | None] = mapped_column(ForeignKey("event_message.id"), index=True)
    #: Extra values for the template (e.g. an organizer's message).
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    #: When the current run of temporary rejections (4xx) began; retries stop MAIL_RETRY_HOURS later.
    retry_since: Mapped[datetime | None]
    #: When the message was marked failed (``requeue-mail --failed-since`` selects by it).
    failed_at: Mapped[datetime | None]
