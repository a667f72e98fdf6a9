"""Calendar: iCalendar feeds (public, series, personal), the single-event download and the
"add to calendar" links on event pages."""

from eventapp.blueprints.calendar.routes import bp

__all__ = ["bp"]
