"""Messages an organizer writes to the registrants of an event (issue 7 Part 5).

One :class:`EventMessage` holds what was written and to whom; each recipient's mail is an
:class:`~eventapp.models.OutboxMessage` pointing back at it (``event_message_id``), so the
message's progress (queued, sent, failed with the server's reason) is read from the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.models.base import Base, utcnow
from eventapp.models.event import Event


class EventMessage(Base):
    """One message (subject and text) sent to a filtered group of an event's registrants."""

    __tablename__ = "event_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: The group it went to, as the organizer chose it (statuses, mode, search, checked in).
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: How many mails were queued (one per recipient).
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    #: The writing user, as in the audit trail: an id without a foreign key and a label.
    author_id: Mapped[int | None] = mapped_column(Integer)
    author_label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()
