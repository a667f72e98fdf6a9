"""iCalendar output (RFC 5545) and invitations (iTIP, RFC 5546): one builder for every calendar we hand out.

Everything that leaves eventapp as iCalendar — mailed invitations, the public,
series and personal feeds, the single-event download — is built by
:func:`event_vevent` and :func:`build_calendar`, so the rules of DESIGN §5 live
in one place:

* UIDs come from the event row (never from the host name); each series date is
  its own VEVENT, no RRULE.
* SEQUENCE is the event's sequence, plus in a person's own invitation and feed
  the registration's change count (a mode switch) and what earlier registrations
  of the same person for the same event already used (see :func:`personal_sequence`).
* Feeds carry no METHOD and take DTSTAMP/LAST-MODIFIED from the data, so the
  same data always gives the same bytes; mailed invitations say METHOD:REQUEST
  or METHOD:CANCEL and stamp the build time.
* Times are written as Europe/Berlin local times with a VTIMEZONE of the
  RRULE form every client understands (Outlook mishandles long RDATE lists).
* Public output never contains join or stream links or personal data.

The feeds' HTTP validators (:func:`public_feed_version` and friends) come from
one aggregate query each, so a conditional GET is answered without building.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, object_session, selectinload

from eventapp.models import (
    ACTIVE_STATUSES,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    Organization,
    Person,
    Registration,
    RegistrationStatus,
    Series,
)
from eventapp.models.registration import new_token
from eventapp.services.catalog import KNOWN_FORMATS, PUBLIC_STATUSES
from eventapp.services.errors import NotFound, ValidationError
from eventapp.services.translations import gettext_for

TZID = "Europe/Berlin"
BERLIN = ZoneInfo(TZID)
PRODID = "-//Suedwestfalen Agentur//eventapp//DE"
#: Used when an event has no (or no sensible) end time.
DEFAULT_DURATION = timedelta(hours=1)
#: How far back feeds reach: upcoming events plus the recent past.
FEED_PAST_DAYS = 90
#: Suggested polling interval for subscribed feeds (REFRESH-INTERVAL, X-PUBLISHED-TTL).
FEED_REFRESH = timedelta(hours=1)
#: Bumped when the output format changes, so cached feeds are rebuilt (part of every ETag).
FORMAT_VERSION = "1"

METHODS = ("REQUEST", "CANCEL")

# RFC 5545 TEXT may hold any character except CONTROL (HTAB and the line breaks we escape are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A URI or address we put in a property: no whitespace or controls at all.
_UNSAFE_URI = re.compile(r"[\s\x00-\x1f\x7f\"<>\\^`{|}]")


def clean_text(value: str | None) -> str:
    """Text safe for a TEXT value: CRLF and CR become LF (icalendar escapes it), other controls go."""
    if not value:
        return ""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _one_line(value: str | None) -> str:
    return " ".join(clean_text(value).split())


def safe_uri(value: str | None) -> str | None:
    """``value`` if it is a plain http(s)/mailto URI without whitespace or controls, else None."""
    if not value or _UNSAFE_URI.search(value):
        return None
    if not value.lower().startswith(("https://", "http://", "mailto:")):
        return None
    return value


def event_url(event: Event, base_url: str) -> str:
    """The event's public page."""
    return f"{base_url.rstrip('/')}/events/{event.slug}"


def event_end(event: Event) -> datetime:
    """The end used in calendars: the stored end, else start + DEFAULT_DURATION (missing or not after the start)."""
    if event.ends_at is not None and event.ends_at > event.starts_at:
        return event.ends_at
    return event.starts_at + DEFAULT_DURATION


def _berlin(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def calendar_time(moment: datetime) -> datetime:
    """How a start or end is written: Berlin local time with TZID, except in the hour that
    occurs twice when summer time ends. RFC 5545 reads an ambiguous local time as its
    first occurrence, so the second one (fold=1) is written in UTC to stay exact."""
    local = _berlin(moment)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return _utc(moment)
    return local


def berlin_vtimezone() -> icalendar.Timezone:
    """Europe/Berlin as a VTIMEZONE in the RRULE form (EU rules since 1996).

    Transitions: the last Sunday of March at 02:00 CET to CEST, the last Sunday
    of October at 03:00 CEST back to CET — each DTSTART is the local time before
    the change, as RFC 5545 §3.6.5 asks.
    """
    timezone = icalendar.Timezone()
    timezone.add("tzid", TZID)
    timezone.add("x-lic-location", TZID)
    daylight = icalendar.TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    standard = icalendar.TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    timezone.add_component(daylight)
    timezone.add_component(standard)
    return timezone


def _mode_phrase(_: Callable[[str], str], mode: Mode) -> str:
    return _("on site") if mode is Mode.ON_SITE else _("online")


def location(event: Event, mode: Mode | None = None, *, locale: str = "de", join_url: str | None = None) -> str:
    """LOCATION: venue and address; for someone taking part online their join link or "Online"."""
    _ = gettext_for(locale)
    online_only = event.attendance is EventAttendance.ONLINE
    if mode is Mode.ONLINE or (mode is None and online_only):
        return safe_uri(join_url) or _("Online")
    parts = [_one_line(event.venue), _one_line(event.address)]
    place = ", ".join(part for part in parts if part)
    return place or (_("Online") if online_only else "")


def personal_sequence(registration: Registration, earlier: Sequence[Registration] | None = None) -> int:
    """SEQUENCE of a person's own entry: event sequence + change count, plus what each earlier
    registration of this person for this event used (its changes and its CANCEL, plus one).

    Without the last term, someone who cancels (CANCEL, SEQUENCE n+1) and registers
    again would receive a REQUEST with SEQUENCE n, which Google and Outlook discard
    as outdated. ``earlier`` defaults to a query through the registration's session.
    """
    if earlier is None:
        session = object_session(registration)
        earlier = []
        if session is not None and registration.id is not None:
            earlier = list(
                session.scalars(
                    select(Registration).where(
                        Registration.event_id == registration.event_id,
                        Registration.person_id == registration.person_id,
                        Registration.id < registration.id,
                    )
                )
            )
    # Each earlier registration used its change count, and its CANCEL one more; one above that is new.
    used = sum((other.change_count or 0) + 2 for other in earlier if other.id != registration.id)
    return (registration.event.sequence or 0) + (registration.change_count or 0) + used


@dataclass
class Personal:
    """What makes an entry someone's own: their registration and (later) their join link."""

    registration: Registration
    sequence: int
    #: The person's own join link; rendered only into their own invitation or feed.
    join_url: str | None = None


def event_vevent(
    event: Event,
    *,
    base_url: str,
    dtstamp: datetime,
    personal: Personal | None = None,
    attendee: bool = False,
    cancelled: bool = False,
    locale: str = "de",
) -> icalendar.Event:
    """One VEVENT for ``event``.

    ``personal`` makes it the person's own entry (their mode, waiting state, join
    link, and personal SEQUENCE); ``attendee`` adds ORGANIZER's counterpart ATTENDEE
    (invitations only); ``cancelled`` forces STATUS:CANCELLED (a CANCEL for one person).
    """
    _ = gettext_for(locale)
    registration = personal.registration if personal else None
    mode = registration.mode if registration else None
    is_cancelled = cancelled or event.status is EventStatus.CANCELLED
    join_url = safe_uri(personal.join_url) if personal else None

    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", _utc(dtstamp))
    vevent.add("sequence", personal.sequence if personal else (event.sequence or 0))
    vevent.add("created", _utc(event.created_at))
    vevent.add("last-modified", _utc(event.updated_at))
    vevent.add("dtstart", calendar_time(event.starts_at))
    vevent.add("dtend", calendar_time(event_end(event)))

    title = _one_line(event.title)
    if event.status is EventStatus.CANCELLED:
        title = _("Cancelled: {title}").format(title=title)
    vevent.add("summary", title)

    url = event_url(event, base_url)
    lines: list[str] = []
    if registration is not None:
        if registration.status is RegistrationStatus.PENDING:
            lines.append(_("Please confirm your registration with the link in your email."))
        elif registration.status is RegistrationStatus.WAITLISTED:
            lines.append(_("You are on the waiting list."))
        lines.append(_("Your participation: {mode}").format(mode=_mode_phrase(_, registration.mode)))
        if registration.waiting_for is not None and registration.status is RegistrationStatus.CONFIRMED:
            lines.append(
                _("You are on the waiting list for: {mode}").format(mode=_mode_phrase(_, registration.waiting_for))
            )
        if join_url and mode is Mode.ONLINE:
            lines.append(_("Join online: {url}").format(url=join_url))
        lines.append("")
    for block in (event.summary, event.description, event.cancel_message if is_cancelled else ""):
        block = clean_text(block).strip()
        if block:
            lines.extend([block, ""])
    lines.append(_("Details: {url}").format(url=url))
    vevent.add("description", "\n".join(lines))

    place = location(event, mode, locale=locale, join_url=join_url if mode is Mode.ONLINE else None)
    if place:
        vevent.add("location", place)
    vevent.add("url", url)
    if event.format:
        vevent.add("categories", [_one_line(event.format)])

    organizer_email = safe_uri(f"mailto:{event.organizer_email}")
    if organizer_email:
        organizer = icalendar.vCalAddress(organizer_email)
        organizer.params["CN"] = _one_line(event.organization.name)
        vevent.add("organizer", organizer)
    if attendee and registration is not None:
        address = safe_uri(f"mailto:{registration.person.email}")
        if address:
            person = icalendar.vCalAddress(address)
            person.params["CN"] = _one_line(registration.full_name)
            person.params["CUTYPE"] = "INDIVIDUAL"
            person.params["ROLE"] = "REQ-PARTICIPANT"
            person.params["PARTSTAT"] = "ACCEPTED"
            person.params["RSVP"] = "FALSE"
            vevent.add("attendee", person)

    if is_cancelled:
        vevent.add("status", "CANCELLED")
        vevent.add("transp", "TRANSPARENT")
    elif registration is not None and registration.status is not RegistrationStatus.CONFIRMED:
        vevent.add("status", "TENTATIVE")
        vevent.add("transp", "OPAQUE")
    else:
        vevent.add("status", "CONFIRMED")
        vevent.add("transp", "OPAQUE")
    return vevent


def build_calendar(
    vevents: Iterable[icalendar.Event],
    *,
    method: str | None = None,
    name: str | None = None,
    description: str | None = None,
    refresh: timedelta | None = None,
) -> bytes:
    """A VCALENDAR (CRLF lines, folded at 75 octets, UTF-8) with the Berlin VTIMEZONE first.

    ``method`` only for iTIP mails ("REQUEST"/"CANCEL"); feeds pass none.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        if method not in METHODS:
            raise ValueError(f"unsupported METHOD {method!r}")
        calendar.add("method", method)
    if name:
        calendar.add("name", _one_line(name))
        calendar.add("x-wr-calname", _one_line(name))
    if description:
        calendar.add("x-wr-caldesc", clean_text(description))
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", refresh)
    calendar.add("x-wr-timezone", TZID)
    calendar.add_component(berlin_vtimezone())
    for vevent in vevents:
        calendar.add_component(vevent)
    return calendar.to_ical()


def invitation(
    registration: Registration,
    *,
    method: str,
    now: datetime,
    base_url: str,
    join_url: str | None = None,
) -> bytes:
    """The iTIP invitation mailed to a registrant: METHOD:REQUEST (ticket, update, mode switch)
    or METHOD:CANCEL (their cancellation, a declined date, the event cancelled).

    A CANCEL carries the same UID and a SEQUENCE one above the last REQUEST, with
    STATUS:CANCELLED, so every client removes the entry instead of keeping it.
    """
    if method not in METHODS:
        raise ValueError(f"unsupported METHOD {method!r}")
    sequence = personal_sequence(registration)
    if method == "CANCEL":
        sequence += 1
    personal = Personal(registration, sequence=sequence, join_url=join_url)
    vevent = event_vevent(
        registration.event,
        base_url=base_url,
        dtstamp=now,
        personal=personal,
        attendee=True,
        cancelled=method == "CANCEL",
        locale=registration.locale or "de",
    )
    return build_calendar([vevent], method=method)


def event_etag(event: Event) -> str:
    """ETag of the single-event download: changes whenever the event row does."""
    return _etag("event", event.id, event.uid, event.sequence, event.status, _as_utc(event.updated_at))


def event_calendar(event: Event, *, base_url: str) -> bytes:
    """The single-event download (``/events/<slug>.ics``): public content, no METHOD."""
    return build_calendar([event_vevent(event, base_url=base_url, dtstamp=event.updated_at)], name=event.title)


# --- Feeds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedVersion:
    """HTTP validators of a feed, computed without building it."""

    #: Opaque entity tag (unquoted).
    etag: str
    last_modified: datetime | None


@dataclass(frozen=True)
class FeedScope:
    """Which events a public or series feed covers; unpublished ones count for its version too."""

    window_start: date
    format: str | None = None
    #: Organization slug.
    organization: str | None = None
    #: Series slug.
    series: str | None = None
    locale: str = "de"

    @property
    def starts_from(self) -> datetime:
        """Midnight (Berlin) of the window's first day, in UTC."""
        return datetime.combine(self.window_start, time(0), tzinfo=BERLIN).astimezone(UTC)


def feed_window_start(now: datetime) -> date:
    """First day (Berlin) a feed reaches back to."""
    return (_berlin(now) - timedelta(days=FEED_PAST_DAYS)).date()


def _etag(*parts: object) -> str:
    return hashlib.sha256("|".join(str(part) for part in (FORMAT_VERSION, *parts)).encode()).hexdigest()[:32]


def _last_modified(latest: datetime | None, window_start: date) -> datetime | None:
    """The later of the newest change and the midnight the window last moved (an event may
    have dropped out then), in whole seconds as HTTP dates are."""
    if latest is None:
        return None
    window_moved = datetime.combine(window_start + timedelta(days=FEED_PAST_DAYS), time(0), tzinfo=BERLIN)
    return max(latest, window_moved.astimezone(UTC)).replace(microsecond=0)


def _scope_filter(scope: FeedScope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Event.starts_at >= scope.starts_from]
    if scope.format:
        conditions.append(Event.format == scope.format)
    if scope.organization:
        organization_id = select(Organization.id).where(Organization.slug == scope.organization).scalar_subquery()
        conditions.append(Event.organization_id == organization_id)
    if scope.series is not None:
        series_id = select(Series.id).where(Series.slug == scope.series).scalar_subquery()
        conditions.append(Event.series_id == series_id)
    return conditions


def public_feed_version(session: Session, scope: FeedScope) -> FeedVersion:
    """ETag and Last-Modified of a public or series feed, from one aggregate query.

    The hash covers the latest change over *all* events in scope (drafts and
    cancelled ones too, so publishing or unpublishing changes it), their count
    (a deletion changes it), the window's start date and the filters. Renaming an
    organization (ORGANIZER's CN) shows with the next event change; FORMAT_VERSION
    covers changes of the output format itself. The same
    query tells whether the filter values name anything: unknown ones raise
    ValidationError (fields ``format`` / ``organization``), an unknown series NotFound.
    """
    columns: list[Any] = [func.max(Event.updated_at), func.count(Event.id)]
    check_format = bool(scope.format) and scope.format not in KNOWN_FORMATS
    if check_format:
        columns.append(
            select(func.count(Event.id))
            .where(Event.format == scope.format, Event.status.in_(PUBLIC_STATUSES))
            .scalar_subquery()
        )
    if scope.organization:
        columns.append(
            select(func.count(Organization.id)).where(Organization.slug == scope.organization).scalar_subquery()
        )
    if scope.series is not None:
        columns.append(select(func.count(Series.id)).where(Series.slug == scope.series).scalar_subquery())
    row = list(session.execute(select(*columns).where(*_scope_filter(scope))).one())
    latest, count, checks = _as_utc(row[0]), row[1], row[2:]
    fields: dict[str, str] = {}
    if check_format and not checks.pop(0):
        fields["format"] = f"Unknown format {scope.format!r}."
    if scope.organization and not checks.pop(0):
        fields["organization"] = f"Unknown organization {scope.organization!r}."
    if fields:
        raise ValidationError("Unknown filter value.", fields=fields)
    if scope.series is not None and not checks.pop(0):
        raise NotFound("No such series.")
    etag = _etag(
        "public", scope.window_start, scope.format, scope.organization, scope.series, scope.locale, latest, count
    )
    return FeedVersion(etag=etag, last_modified=_last_modified(latest, scope.window_start))


def public_feed_events(session: Session, scope: FeedScope) -> list[Event]:
    """The public (published or cancelled) events of a feed, in start order."""
    query = (
        select(Event)
        .where(*_scope_filter(scope), Event.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Event.organization))
        .order_by(Event.starts_at, Event.id)
    )
    return list(session.scalars(query))


def public_feed(
    session: Session, scope: FeedScope, *, base_url: str, name: str, description: str | None = None
) -> bytes:
    """A public or series feed: no METHOD, no personal data, no join links."""
    events = public_feed_events(session, scope)
    vevents = [
        event_vevent(event, base_url=base_url, dtstamp=event.updated_at, locale=scope.locale) for event in events
    ]
    return build_calendar(vevents, name=name, description=description, refresh=FEED_REFRESH)


def personal_feed_version(session: Session, token: str, *, now: datetime) -> FeedVersion:
    """Validators of a personal feed from one query; NotFound for unknown or revoked tokens.

    Covers every registration of the person (any status: a cancellation must
    change it) and the events they belong to.
    """
    if not token or len(token) > 64:
        raise NotFound("No such feed.")
    window_start = feed_window_start(now)
    row = session.execute(
        select(
            Person.id,
            Person.language,
            func.count(Registration.id),
            func.max(Registration.updated_at),
            func.max(Event.updated_at),
        )
        .select_from(Person)
        .outerjoin(Registration, Registration.person_id == Person.id)
        .outerjoin(Event, Event.id == Registration.event_id)
        .where(Person.feed_token == token)
        .group_by(Person.id, Person.language)
    ).first()
    if row is None:
        raise NotFound("No such feed.")
    person_id, language, count, latest_registration, latest_event = row
    latest_registration, latest_event = _as_utc(latest_registration), _as_utc(latest_event)
    latest = max((m for m in (latest_registration, latest_event) if m is not None), default=None)
    etag = _etag("personal", person_id, token, language, window_start, count, latest_registration, latest_event)
    return FeedVersion(etag=etag, last_modified=_last_modified(latest, window_start))


def person_by_feed_token(session: Session, token: str) -> Person:
    """The person whose current feed token this is; NotFound for anything else."""
    person = session.scalar(select(Person).where(Person.feed_token == token)) if token else None
    if person is None:
        raise NotFound("No such feed.")
    return person


def personal_feed(
    session: Session,
    person: Person,
    *,
    now: datetime,
    base_url: str,
    name: str,
    join_urls: dict[int, str] | None = None,
) -> bytes:
    """The person's own feed: their active registrations (with mode and waiting state) of
    events in the window, public or cancelled. ``join_urls`` maps registration id to the
    person's join link (a later issue fills it)."""
    scope_start = FeedScope(window_start=feed_window_start(now)).starts_from
    registrations = list(
        session.scalars(
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.person_id == person.id)
            .options(selectinload(Registration.event).selectinload(Event.organization))
            .order_by(Event.starts_at, Registration.id)
        )
    )
    by_event: dict[int, list[Registration]] = {}
    for registration in registrations:
        by_event.setdefault(registration.event_id, []).append(registration)
    vevents = []
    for registration in registrations:
        event = registration.event
        if registration.status not in ACTIVE_STATUSES or event.starts_at < scope_start:
            continue
        if event.status not in PUBLIC_STATUSES:
            continue
        earlier = [other for other in by_event[event.id] if other.id < registration.id]
        personal = Personal(
            registration,
            sequence=personal_sequence(registration, earlier),
            join_url=(join_urls or {}).get(registration.id),
        )
        stamp = max(event.updated_at, registration.updated_at)
        vevents.append(
            event_vevent(event, base_url=base_url, dtstamp=stamp, personal=personal, locale=person.language or "de")
        )
    return build_calendar(vevents, name=name, refresh=FEED_REFRESH)


def revoke_feed_token(session: Session, person: Person) -> str:
    """Give the person a new feed token; the old feed URL answers 404 from now on."""
    person.feed_token = new_token()
    session.flush()
    return person.feed_token


def _as_utc(moment: datetime | None) -> datetime | None:
    """Aggregates bypass the column type on some backends; make them aware UTC."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- Links for "add to calendar" ------------------------------------------------------------------


def _compact_utc(moment: datetime) -> str:
    return _utc(moment).strftime("%Y%m%dT%H%M%SZ")


def web_calendar_links(event: Event, *, base_url: str) -> dict[str, str]:
    """Links a person clicks to add the event in Google Calendar or Outlook on the web.

    Built from public data only (no join links); the page makes no request to these hosts.
    """
    url = event_url(event, base_url)
    details = "\n\n".join(part for part in (clean_text(event.summary).strip(), url) if part)
    place = location(event)
    start, end = event.starts_at, event_end(event)
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": _one_line(event.title),
            "dates": f"{_compact_utc(start)}/{_compact_utc(end)}",
            "ctz": TZID,
            "details": details,
            "location": place,
        }
    )
    outlook_params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": _one_line(event.title),
        "startdt": _utc(start).isoformat().replace("+00:00", "Z"),
        "enddt": _utc(end).isoformat().replace("+00:00", "Z"),
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


__all__ = [
    "BERLIN",
    "DEFAULT_DURATION",
    "FEED_PAST_DAYS",
    "FeedScope",
    "FeedVersion",
    "Personal",
    "berlin_vtimezone",
    "build_calendar",
    "event_calendar",
    "event_etag",
    "event_vevent",
    "feed_window_start",
    "invitation",
    "person_by_feed_token",
    "personal_feed",
    "personal_feed_version",
    "personal_sequence",
    "public_feed",
    "public_feed_events",
    "public_feed_version",
    "revoke_feed_token",
    "web_calendar_links",
    "webcal",
]
