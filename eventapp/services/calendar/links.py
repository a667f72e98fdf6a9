"""Links a person clicks to put an event into a web calendar, and the webcal:// form of feed URLs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from eventapp.models import Event
from eventapp.services.calendar.builder import TZID, EventUrl, clean_text, event_end, location, one_line


def _compact_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def web_calendar_links(event: Event, *, event_url: EventUrl) -> dict[str, str]:
    """Links a person clicks to add the event in Google Calendar or Outlook on the web.

    Built from public data only (no join links); the page makes no request to these hosts.
    """
    url = event_url(event)
    details = "\n\n".join(part for part in (clean_text(event.summary).strip(), url) if part)
    place = location(event)
    start, end = event.starts_at, event_end(event)
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": one_line(event.title),
            "dates": f"{_compact_utc(start)}/{_compact_utc(end)}",
            "ctz": TZID,
            "details": details,
            "location": place,
        }
    )
    outlook_params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": one_line(event.title),
        "startdt": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "enddt": end.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "body": details,
        "location": place,
    }
    return {
        "google": google,
        "outlook": "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(outlook_params),
        "office365": "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode(outlook_params),
    }


def webcal(url: str) -> str:
    """The webcal:// form of an http(s) feed URL (opens the subscription dialog)."""
    return re.sub(r"^https?://", "webcal://", url)
