"""Arrival records: a person came on site or joined online (DESIGN §3 "Attendance"; not a registration state)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.models.base import Base, utcnow
from eventapp.models.event import Mode, _enum
from eventapp.models.registration import Registration


class AttendanceSource(enum.StrEnum):
    """How the arrival was recorded."""

    #: A ticket scanned at the door.
    QR = "qr"
    #: Found by name at the door and checked in by hand.
    SEARCH = "search"
    #: The personal join link's button (mode online).
    JOIN_LINK = "join-link"
    #: A scan an offline station recorded and synced later.
    OFFLINE_SYNC = "offline-sync"
    #: Registered and checked in at once at the door.
    WALK_IN = "walk-in"


class Attendance(Base):
    """At most one record per registration and mode (a unique constraint, DESIGN §3).

    Two stations scanning the same ticket at the same moment race for the one row: one
    inserts, the other finds it ("already checked in"). A later join through the link
    only moves ``last_at``. Someone who joined online and later comes to the door gets a
    second record, in mode on_site. Undo deletes the row; the audit trail keeps both.
    """

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("registration_id", "mode", name="uq_attendance_registration_mode"),
        # A nonce is unique per device or per staff member, not across all of them (pretix);
        # NULLs never collide, so each constraint covers the rows recorded through its kind.
        UniqueConstraint("device_id", "nonce", name="uq_attendance_device_nonce"),
        UniqueConstraint("user_id", "nonce", name="uq_attendance_user_nonce"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    #: The registration's event, kept here so that per-event figures need no join.
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    mode: Mapped[Mode] = mapped_column(_enum(Mode, "mode"))
    source: Mapped[AttendanceSource] = mapped_column(_enum(AttendanceSource, "attendance_source"))
    #: Name of the door or station ("Eingang Nord"); empty for joins through the link.
    station: Mapped[str] = mapped_column(String(100), default="")
    #: The check-in device (token) that recorded it.
    device_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_device.id"), index=True)
    #: The staff member whose session recorded it.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A later join (or a repeated scan) moves this; ``first_at`` stays.
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Client-chosen id of the scan; unique per device or user, so a repeat changes nothing.
    nonce: Mapped[str | None] = mapped_column(String(100))

    registration: Mapped[Registration] = relationship()
