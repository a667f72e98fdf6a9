"""The organizer area (``/manage/``): an organization's events, their registrations and messages."""

from eventapp.blueprints.manage import (
    agenda,  # noqa: F401 - registers the agenda pages on bp
    certificates,  # noqa: F401 - registers sending the certificates of attendance
    dashboard,  # noqa: F401 - registers the event dashboard and its JSON on bp
    devices,  # noqa: F401 - registers the check-in devices of an event
    events,  # noqa: F401 - registers the event management pages on bp
    exports,  # noqa: F401 - registers the export and printable list pages on bp
    messages,  # noqa: F401 - registers the message pages on bp
    questions,  # noqa: F401 - registers the question pages on bp
    registrations,  # noqa: F401 - registers the registration list and its actions on bp
    reports,  # noqa: F401 - registers the programme report and its export on bp
    series,  # noqa: F401 - registers the series pages on bp
    staff,  # noqa: F401 - registers the check-in staff assignment on bp
)
from eventapp.blueprints.manage.routes import bp

__all__ = ["bp"]
