"""Check-in devices (issue 9 Part 2): a station's Bearer token for one event's door."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.models.base import Base, utcnow
from eventapp.models.event import Event


class CheckinDevice(Base):
    """One station of one event ("Eingang Nord"), authorised by a token only its holder knows.

    The token itself is never stored: only its SHA-256, so a copy of the database lets
    nobody scan. It works until it is revoked or 12 hours after the event's end
    (``services.checkin_devices``).
    """

    __tablename__ = "checkin_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    station: Mapped[str] = mapped_column(String(100))
    #: Hex SHA-256 of the token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()

    event: Mapped[Event] = relationship()
