"""Words for the app's keys (formats, modes, states) in the current locale.

One table for pages, forms and mails, so a mode reads the same everywhere.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from eventapp.models import EventAttendance, EventStatus, Mode

#: Display names of the format keys; unknown keys are shown capitalised.
FORMAT_LABELS = {
    "konferenz": _l("Conference"),
    "austausch": _l("Exchange"),
    "pausenhof": _l("Pausenhof (virtual break)"),
    "workshop": _l("Workshop"),
    "marktplatz": _l("Marketplace"),
}

ATTENDANCE_LABELS = {
    EventAttendance.ON_SITE: _l("On site"),
    EventAttendance.ONLINE: _l("Online"),
    EventAttendance.HYBRID: _l("Hybrid"),
}

#: Modes as labels ("On site") and inside sentences ("you take part on site").
MODE_LABELS = {Mode.ON_SITE: _l("On site"), Mode.ONLINE: _l("Online")}
MODE_PHRASES = {Mode.ON_SITE: _l("on site"), Mode.ONLINE: _l("online")}

#: Availability states (registration.Availability.state) as people read them.
STATE_LABELS = {
    "open": _l("Registration open"),
    "waitlist": _l("Waiting list"),
    "not_yet_open": _l("Registration not open yet"),
    "closed": _l("Registration closed"),
    "cancelled": _l("Cancelled"),
}


def format_label(key: str) -> str:
    """'konferenz' → 'Konferenz' / 'Conference'."""
    label = FORMAT_LABELS.get(key)
    return str(label) if label is not None else key.replace("-", " ").capitalize()


def attendance_label(attendance: EventAttendance | str) -> str:
    return str(ATTENDANCE_LABELS[EventAttendance(attendance)])


def mode_label(mode: Mode | str | None) -> str:
    """'On site' / 'Online' for badges and detail lists."""
    return "" if mode is None else str(MODE_LABELS[Mode(mode)])


def mode_phrase(mode: Mode | str | None) -> str:
    """'on site' / 'online' for use inside sentences."""
    return "" if mode is None else str(MODE_PHRASES[Mode(mode)])


#: A date's state on the series manage page and in the overview mail (series.DateEntry.state).
SERIES_STATE_LABELS = {
    "confirmed": _l("Confirmed – your seat is held"),
    "pending": _l("Awaiting your confirmation"),
    "waitlisted": _l("On the waiting list"),
    "declined": _l("Skipped (not this time)"),
    "cancelled": _l("Cancelled"),
    "event_cancelled": _l("Date cancelled by the organizer"),
    "not_registered": _l("Not registered yet (registration not open)"),
    "past": _l("Past"),
}
#: Badge class per series date state (static/css/app.css).
SERIES_STATE_BADGES = {
    "confirmed": "confirmed",
    "pending": "pending",
    "waitlisted": "waitlisted",
    "declined": "neutral",
    "cancelled": "neutral",
    "event_cancelled": "cancelled",
    "not_registered": "info",
    "past": "neutral",
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def series_state_label(state: str) -> str:
    return str(SERIES_STATE_LABELS.get(state, state))


def series_state_badge(state: str) -> str:
    return SERIES_STATE_BADGES.get(state, "neutral")


#: An event's own status, as the organizer area shows it.
EVENT_STATUS_LABELS = {
    EventStatus.DRAFT: _l("Draft"),
    EventStatus.PUBLISHED: _l("Published"),
    EventStatus.CANCELLED: _l("Cancelled"),
}


def event_status_label(status: EventStatus | str) -> str:
    return str(EVENT_STATUS_LABELS.get(EventStatus(status), status))


def offset_label(minutes: int) -> str:
    """A reminder offset as people say it: '1 day before', '3 hours before', '15 minutes before'."""
    if minutes % 1440 == 0:
        return ngettext("%(num)d day before", "%(num)d days before", minutes // 1440)
    if minutes % 60 == 0:
        return ngettext("%(num)d hour before", "%(num)d hours before", minutes // 60)
    return ngettext("%(num)d minute before", "%(num)d minutes before", minutes)
