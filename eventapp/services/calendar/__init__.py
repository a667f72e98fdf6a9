"""iCalendar output: the VEVENT and invitation builder, the feeds, and "add to calendar" links.

:mod:`.builder` writes every VEVENT and VCALENDAR (DESIGN §5: UIDs, SEQUENCE,
VTIMEZONE, METHOD); :mod:`.feeds` decides what the public, series and personal
feeds hold and their HTTP validators; :mod:`.links` builds web-calendar links.
Callers use the names re-exported here.
"""

from __future__ import annotations

from eventapp.services.calendar.builder import (
    BERLIN,
    DEFAULT_DURATION,
    EventUrl,
    JoinUrl,
    Personal,
    berlin_vtimezone,
    build_calendar,
    calendar_time,
    clean_text,
    event_end,
    event_vevent,
    invitation,
    location,
    personal_sequence,
    published_dates,
    safe_uri,
)
from eventapp.services.calendar.feeds import (
    FEED_PAST_DAYS,
    FEED_REFRESH,
    FeedScope,
    FeedVersion,
    event_calendar,
    event_etag,
    feed_window_start,
    person_by_feed_token,
    personal_feed,
    personal_feed_version,
    public_feed,
    public_feed_events,
    public_feed_version,
    revoke_feed_token,
)
from eventapp.services.calendar.links import web_calendar_links, webcal

__all__ = [
    "BERLIN",
    "DEFAULT_DURATION",
    "EventUrl",
    "JoinUrl",
    "FEED_PAST_DAYS",
    "FEED_REFRESH",
    "FeedScope",
    "FeedVersion",
    "Personal",
    "berlin_vtimezone",
    "build_calendar",
    "calendar_time",
    "clean_text",
    "event_calendar",
    "event_end",
    "event_etag",
    "event_vevent",
    "feed_window_start",
    "invitation",
    "location",
    "person_by_feed_token",
    "personal_feed",
    "personal_feed_version",
    "personal_sequence",
    "published_dates",
    "public_feed",
    "public_feed_events",
    "public_feed_version",
    "revoke_feed_token",
    "safe_uri",
    "web_calendar_links",
    "webcal",
]
