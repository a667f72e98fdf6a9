"""Arrival records: a person came on site or joined online (not a registration state)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.models.base import Base, utcnow
from eventapp.models.event import Mode, _enum
from eventapp.models.registration import Registration


class AttendanceSource(enum.StrEnum):
    QR = "qr"
    SEARCH = "search"
    JOIN_LINK = "join-link"
    OFFLINE_SYNC = "offline-sync"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class Attendance(Base):
    """At most one ``in`` record per registration and event (partial unique index)."""

    __tablename__ = "attendance"
    __table_args__ = (
        Index(
            "uq_attendance_in",
            "registration_id",
            "event_id",
            unique=True,
            sqlite_where=text("direction = 'in'"),
            postgresql_where=text("direction = 'in'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    mode: Mapped[Mode] = mapped_column(_enum(Mode, "mode"))
    source: Mapped[AttendanceSource] = mapped_column(_enum(AttendanceSource, "attendance_source"))
    station: Mapped[str] = mapped_column(String(100), default="")
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "direction"), default=Direction.IN)
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Client-chosen id of the scan; a repeated nonce changes nothing.
    nonce: Mapped[str | None] = mapped_column(String(100), unique=True)

    registration: Mapped[Registration] = relationship()
