"""Every model, imported here so that Alembic autogenerate sees them all."""

from eventapp.models.attendance import Attendance, AttendanceSource
from eventapp.models.audit import ActorKind, AuditEntry
from eventapp.models.base import BERLIN, TZID, Base, utcnow
from eventapp.models.checkin_device import CheckinDevice
from eventapp.models.event import (
    DEFAULT_REMINDER_OFFSETS,
    PUBLIC_STATUSES,
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
from eventapp.models.handover import Handover
from eventapp.models.link_request import LinkRequest
from eventapp.models.message import EventMessage
from eventapp.models.outbox import OutboxMessage, OutboxStatus
from eventapp.models.registration import (
    ACTIVE_STATUSES,
    PERSONAL_FIELDS,
    SEAT_STATUSES,
    CancelReason,
    Person,
    PersonalData,
    Registration,
    RegistrationStatus,
    SeriesRegistration,
    SeriesRegistrationStatus,
)
from eventapp.models.reminder import ReminderSent
from eventapp.models.user import Role, User, staff_assignment, user_organization

__all__ = [
    "ACTIVE_STATUSES",
    "BERLIN",
    "DEFAULT_REMINDER_OFFSETS",
    "PERSONAL_FIELDS",
    "PUBLIC_STATUSES",
    "SEAT_STATUSES",
    "TZID",
    "ActorKind",
    "AgendaItem",
    "Attendance",
    "AttendanceSource",
    "AuditEntry",
    "Base",
    "CancelReason",
    "CheckinDevice",
    "Event",
    "EventAttendance",
    "EventMessage",
    "EventStatus",
    "Handover",
    "LinkRequest",
    "Mode",
    "Organization",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PersonalData",
    "Question",
    "QuestionKind",
    "Registration",
    "RegistrationStatus",
    "ReminderSent",
    "Role",
    "Series",
    "SeriesRegistration",
    "SeriesRegistrationStatus",
    "User",
    "staff_assignment",
    "user_organization",
    "utcnow",
]
