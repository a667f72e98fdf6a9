"""Every model, imported here so that Alembic autogenerate sees them all."""

from eventapp.models.attendance import Attendance, AttendanceSource, Direction
from eventapp.models.base import Base, utcnow
from eventapp.models.event import (
    AgendaItem,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    Organization,
    Question,
    QuestionKind,
    Series,
)
from eventapp.models.outbox import OutboxMessage, OutboxStatus
from eventapp.models.registration import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    CancelReason,
    Person,
    Registration,
    RegistrationStatus,
    SeriesRegistration,
    SeriesRegistrationStatus,
)

__all__ = [
    "ACTIVE_STATUSES",
    "SEAT_STATUSES",
    "AgendaItem",
    "Attendance",
    "AttendanceSource",
    "Base",
    "CancelReason",
    "Direction",
    "Event",
    "EventAttendance",
    "EventStatus",
    "Mode",
    "Organization",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "Question",
    "QuestionKind",
    "Registration",
    "RegistrationStatus",
    "Series",
    "SeriesRegistration",
    "SeriesRegistrationStatus",
    "utcnow",
]
