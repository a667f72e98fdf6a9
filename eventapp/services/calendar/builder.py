"""The iCalendar builder (RFC 5545) and invitations (iTIP, RFC 5546): one VEVENT for every calendar we hand out.

Everything that leaves eventapp as iCalendar — mailed invitations, the public,
series and personal feeds (:mod:`.feeds`), the single-event download — is built by
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
* Public output never contains join or stream links or personal data; a person's own
  invitation and feed carry their personal join link (``/j/<token>``), never the meeting URL.
* Only mailed invitations (METHOD:REQUEST) carry a VALARM; no feed does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import object_session

from eventapp.models import (
    BERLIN,
    TZID,
    AgendaItem,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    Registration,
    RegistrationStatus,
)
from eventapp.services.reminders import alarm_offset
from eventapp.services.translations import gettext_for

PRODID = "-//Suedwestfalen Agentur//eventapp//DE"
#: Used when an event has no (or no sensible) end time.
DEFAULT_DURATION = timedelta(hours=1)

#: iTIP methods we send: REQUEST/CANCEL for one event (one UID per message), PUBLISH for a
#: person's several dates at once (a series registration's one mail).
METHODS = ("REQUEST", "CANCEL", "PUBLISH")

# RFC 5545 TEXT may hold any character except CONTROL (HTAB and the line breaks we escape are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A URI or address we put in a property: no whitespace or controls at all.
_UNSAFE_URI = re.compile(r"[\s\x00-\x1f\x7f\"<>\\^`{|}]")


def clean_text(value: str | None) -> str:
    """Text safe for a TEXT value: CRLF and CR become LF (icalendar escapes it), other controls go."""
    if not value:
        return ""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(value: str | None) -> str:
    """One line of clean text: controls dropped, runs of whitespace (line breaks too) made one space."""
    return " ".join(clean_text(value).split())


def safe_uri(value: str | None) -> str | None:
    """``value`` if it is a plain http(s)/mailto URI without whitespace or controls, else None."""
    if not value or _UNSAFE_URI.search(value):
        return None
    if not value.lower().startswith(("https://", "http://", "mailto:")):
        return None
    return value


#: Builds the absolute URL of an event's public page; the web layer passes one in
#: (eventapp.urls.event_url), so services never spell a path.
EventUrl = Callable[[Event], str]
#: Gives a registration's personal join link (or None); the web layer passes eventapp.urls.join_url.
JoinUrl = Callable[[Registration], str | None]


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
    parts = [one_line(event.venue), one_line(event.address)]
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
    """What makes an entry someone's own: their registration and their personal join link."""

    registration: Registration
    sequence: int
    #: The person's own join link; rendered only into their own invitation or feed.
    join_url: str | None = None


def agenda_line(item: AgendaItem) -> str:
    """One agenda item in DESCRIPTION: "10:00–10:30 Begrüßung – Dr. Muster" (Berlin times)."""
    when = ""
    if item.starts_at is not None:
        when = _berlin(item.starts_at).strftime("%H:%M")
        if item.ends_at is not None:
            when += "–" + _berlin(item.ends_at).strftime("%H:%M")
        when += " "
    speaker = one_line(item.speaker)
    return f"{when}{one_line(item.title)}" + (f" – {speaker}" if speaker else "")


def event_vevent(
    event: Event,
    *,
    event_url: EventUrl,
    dtstamp: datetime,
    personal: Personal | None = None,
    attendee: bool = False,
    cancelled: bool = False,
    locale: str = "de",
    alarm: timedelta | None = None,
) -> icalendar.Event:
    """One VEVENT for ``event``.

    ``personal`` makes it the person's own entry (their mode, waiting state, join
    link, and personal SEQUENCE); ``attendee`` adds ORGANIZER's counterpart ATTENDEE
    (invitations only); ``cancelled`` forces STATUS:CANCELLED (a CANCEL for one person);
    ``alarm`` adds a VALARM that long before the start (mailed invitations only, see
    :func:`invitation`).
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

    title = one_line(event.heading)
    if event.status is EventStatus.CANCELLED:
        title = _("Cancelled: {title}").format(title=title)
    vevent.add("summary", title)

    url = event_url(event)
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
    if event.agenda_items:
        lines.extend([_("Agenda") + ":", *(agenda_line(item) for item in event.agenda_items), ""])
    lines.append(_("Details: {url}").format(url=url))
    vevent.add("description", "\n".join(lines))

    place = location(event, mode, locale=locale, join_url=join_url if mode is Mode.ONLINE else None)
    if place:
        vevent.add("location", place)
    # Someone taking part online opens the entry to join: URL is their own join link then.
    vevent.add("url", join_url if join_url and mode is Mode.ONLINE else url)
    if event.format:
        vevent.add("categories", [one_line(event.format)])

    organizer_email = safe_uri(f"mailto:{event.organizer_email}")
    if organizer_email:
        organizer = icalendar.vCalAddress(organizer_email)
        organizer.params["CN"] = one_line(event.organization.name)
        vevent.add("organizer", organizer)
    if attendee and registration is not None:
        address = safe_uri(f"mailto:{registration.person.email}")
        if address:
            person = icalendar.vCalAddress(address)
            person.params["CN"] = one_line(registration.full_name)
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
    if alarm is not None and not is_cancelled:
        vevent.add_component(display_alarm(title, alarm))
    return vevent


def display_alarm(title: str, before: timedelta) -> icalendar.Alarm:
    """A VALARM that shows ``title`` ``before`` the start (ACTION:DISPLAY needs a DESCRIPTION)."""
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", -before)
    return alarm


def build_calendar(
    vevents: Iterable[icalendar.Event],
    *,
    method: str | None = None,
    name: str | None = None,
    description: str | None = None,
    refresh: timedelta | None = None,
) -> bytes:
    """A VCALENDAR (CRLF lines, folded at 75 octets, UTF-8) with the Berlin VTIMEZONE first.

    ``method`` only for mails ("REQUEST"/"CANCEL"/"PUBLISH"); feeds pass none.
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
        calendar.add("name", one_line(name))
        calendar.add("x-wr-calname", one_line(name))
    if description:
        calendar.add("x-wr-caldesc", clean_text(description))
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        # A DURATION like REFRESH-INTERVAL (PT1H); added bare, icalendar would write str(timedelta) "1:00:00".
        calendar.add("x-published-ttl", icalendar.vDuration(refresh))
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
    event_url: EventUrl,
    join_url: str | None = None,
) -> bytes:
    """The iTIP invitation mailed to a registrant: METHOD:REQUEST (ticket, update, mode switch)
    or METHOD:CANCEL (their cancellation, a declined date, the event cancelled).

    A CANCEL carries the same UID and a SEQUENCE one above the last REQUEST, with
    STATUS:CANCELLED, so every client removes the entry instead of keeping it.

    A REQUEST carries a VALARM at the event's shortest reminder offset (none when the
    organizer turned reminders off): the invitation becomes the person's own entry, and
    an alarm there is what they expect. Feeds carry none — subscribed calendars ignore or
    strip alarms (Google, Outlook; Apple by default), and an entry from the personal feed
    beside the accepted invitation would ring twice.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported METHOD {method!r}")
    sequence = personal_sequence(registration)
    if method == "CANCEL":
        sequence += 1
    personal = Personal(registration, sequence=sequence, join_url=join_url)
    vevent = event_vevent(
        registration.event,
        event_url=event_url,
        dtstamp=now,
        personal=personal,
        attendee=True,
        cancelled=method == "CANCEL",
        locale=registration.locale or "de",
        alarm=_alarm(registration.event) if method == "REQUEST" else None,
    )
    return build_calendar([vevent], method=method)


def _alarm(event: Event) -> timedelta | None:
    offset = alarm_offset(event)
    return None if offset is None else timedelta(minutes=offset)


def published_dates(
    registrations: Sequence[Registration],
    *,
    now: datetime,
    event_url: EventUrl,
    name: str | None = None,
    join_url: JoinUrl | None = None,
) -> bytes:
    """A person's own entries for several dates as one METHOD:PUBLISH calendar (a file to import).

    iTIP allows one UID per REQUEST, so the dates of a series cannot travel as one
    invitation; PUBLISH carries any number, each with its own UID and the same
    personal SEQUENCE a later REQUEST or CANCEL for that date builds on, so clients
    that imported the file apply those per-date mails to the imported entry. PUBLISH
    has an ORGANIZER but no ATTENDEE (RFC 5546 §3.2.1). Online dates carry the person's
    join link (``join_url``), as their invitations do.
    """
    vevents = [
        event_vevent(
            registration.event,
            event_url=event_url,
            dtstamp=now,
            personal=Personal(
                registration,
                sequence=personal_sequence(registration),
                join_url=join_url(registration) if join_url else None,
            ),
            locale=registration.locale or "de",
        )
        for registration in registrations
    ]
    return build_calendar(vevents, method="PUBLISH", name=name)
