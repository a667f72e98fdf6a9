"""Every app-wide Jinja helper in one place, for pages and mails alike.

Dates in Europe/Berlin per locale, the words of :mod:`eventapp.labels`, text
filters and the calendar links. Blueprints register nothing app-wide: a mail
rendered by the worker sees exactly the helpers a page sees.

English pages and mails write dates the British way (``14 January 2027, 10:00``:
day before month, 24-hour clock) for an audience in Germany; the page language
stays ``en``. The date helpers here replace Flask-Babel's, which would use US
conventions for ``en``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import quote, urlencode

from babel import Locale, dates, numbers
from flask import Flask, current_app, request, url_for
from flask_babel import get_locale, get_timezone, to_user_timezone
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.orm import object_session

from eventapp import labels
from eventapp.models import Event, Organization, Person, Registration, RegistrationStatus, Series, utcnow
from eventapp.services import calendar, capacity, join, logos
from eventapp.services.series import date_topic
from eventapp.urls import event_url, external_url, join_url

# --- dates ------------------------------------------------------------------------

#: Locale whose date and time conventions a UI language uses, where it differs from the language.
DATE_LOCALES = {"en": "en_GB"}


def date_locale() -> Locale:
    """The locale for dates and times: the current language, with English as en-GB."""
    locale = get_locale() or Locale.parse("de")
    return Locale.parse(DATE_LOCALES.get(str(locale), str(locale)))


def format_date(value: date | datetime, format: str = "medium") -> str:
    """A date (of a moment in Berlin time), e.g. ``14 January 2027`` for ``long``."""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return dates.format_date(value, format, locale=date_locale())


def format_time(value: datetime, format: str = "medium") -> str:
    """A time of day in Berlin time, e.g. ``10:00`` for ``short`` (never ``10:00 AM``)."""
    return dates.format_time(value, format, tzinfo=get_timezone(), locale=date_locale())


def format_datetime(value: datetime, format: str = "medium") -> str:
    """Date and time in Berlin time, e.g. ``14/01/2027, 10:00`` for ``short``."""
    return dates.format_datetime(value, format, tzinfo=get_timezone(), locale=date_locale())


def moment(value: datetime | None) -> str:
    """'Montag, 23. November 2026, 10:00' / 'Monday, 23 November 2026, 10:00' in Berlin time."""
    if value is None:
        return ""
    return f"{format_date(value, 'full')}, {format_time(value, 'short')}"


def event_when(starts_at: datetime, ends_at: datetime | None) -> str:
    """'Donnerstag, 18. November 2027, 10:00–16:00' in the current locale and Berlin time."""
    day = format_date(starts_at, "full")
    start = format_time(starts_at, "short")
    if ends_at is None:
        return f"{day}, {start}"
    if format_date(ends_at, "short") == format_date(starts_at, "short"):
        return f"{day}, {start}–{format_time(ends_at, 'short')}"
    return f"{day}, {start} – {format_date(ends_at, 'full')}, {format_time(ends_at, 'short')}"


def iso(value: datetime | None) -> str:
    """Machine-readable time for ``<time datetime>``."""
    return value.isoformat() if value else ""


def timetag(value: datetime) -> Markup:
    """``<time datetime="…">14. Januar 2027, 10:00</time>``: a moment in Berlin time, for sentences."""
    label = f"{format_date(value, 'long')}, {format_time(value, 'short')}"
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), label)


def number(value: int | float) -> str:
    """A count in the reader's convention: ``20.000`` in German, ``20,000`` in English."""
    return numbers.format_decimal(value, locale=date_locale())


# --- text -------------------------------------------------------------------------


def paragraphs(text: str | None) -> Markup:
    """Plain text → escaped ``<p>`` paragraphs; blank lines split paragraphs, single newlines break lines."""
    if not text:
        return Markup("")
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    html = [
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in block.split("\n")))
        for block in blocks
        if block
    ]
    return Markup("\n").join(html)


def status_label(registration: Registration) -> str:
    """The registration's state in words, as the manage page says it."""
    status = registration.status
    if status is RegistrationStatus.CONFIRMED:
        return _("Confirmed")
    if status is RegistrationStatus.PENDING:
        return _("Awaiting your confirmation")
    if status is RegistrationStatus.WAITLISTED:
        if registration.email_confirmed_at is None:
            return _("Waiting list – awaiting your confirmation")
        return _("On the waiting list")
    if status is RegistrationStatus.EXPIRED:
        return _("Expired")
    return _("Cancelled")


def holding(registration: Registration) -> list[str]:
    """What an active registration holds, in sentences: pages and mails say it alike.

    A seat held until the confirmation deadline, a place on a waiting list (no seat
    yet), or a seat in one mode while waiting for the other (the hybrid fallback).
    Empty for registrations that hold nothing any more (cancelled, expired).
    """
    status = registration.status
    mode = labels.mode_phrase(registration.mode)
    wanted = labels.mode_phrase(registration.waiting_for)
    deadline = moment(registration.expires_at)
    if status is RegistrationStatus.PENDING and registration.waiting_for is not None:
        return [
            _(
                "No seat for taking part %(wanted)s is free at the moment, so we are holding a seat for taking "
                "part %(mode)s for you until %(deadline)s.",
                wanted=wanted,
                mode=mode,
                deadline=deadline,
            ),
            _(
                "When you confirm your email address by then, that seat is yours with your ticket, and you are "
                "on the waiting list for taking part %(wanted)s: if a seat becomes free there, we move you over "
                "automatically. Until then you take part %(mode)s.",
                wanted=wanted,
                mode=mode,
            ),
        ]
    if status is RegistrationStatus.PENDING:
        return [
            _(
                "We are holding a seat for taking part %(mode)s for you until %(deadline)s. When you confirm your "
                "email address by then, the seat is yours and we send you your ticket; otherwise it is released.",
                mode=mode,
                deadline=deadline,
            )
        ]
    if status is RegistrationStatus.WAITLISTED and registration.email_confirmed_at is None and _seat_free(registration):
        # Held back by the cap on unconfirmed holds (PENDING_HOLD_SHARE): a seat waits for them.
        return [
            _(
                "Seats for taking part %(mode)s are still free, but only a limited number can be held for "
                "registrations whose email address is not confirmed yet, so you are on the waiting list for now.",
                mode=mode,
            ),
            _(
                "Please confirm your email address by %(deadline)s: the moment you confirm, a seat is yours with "
                "your ticket, as long as seats are still free; otherwise you keep your place in the queue.",
                deadline=deadline,
            ),
        ]
    if status is RegistrationStatus.WAITLISTED and registration.email_confirmed_at is None:
        return [
            _(
                "You are on the waiting list for taking part %(mode)s and do not hold a seat yet. Please confirm "
                "your email address by %(deadline)s to take your place in the queue.",
                mode=mode,
                deadline=deadline,
            ),
            _("As soon as a seat is free for you, it is yours: we confirm it automatically and send you your ticket."),
        ]
    if status is RegistrationStatus.WAITLISTED:
        return [
            _("You are on the waiting list for taking part %(mode)s and do not hold a seat yet.", mode=mode),
            _(
                "As soon as a seat becomes free for you, it is yours: we confirm it automatically and send you "
                "your ticket. You do not need to do anything."
            ),
        ]
    if status is RegistrationStatus.CONFIRMED and registration.waiting_for is not None:
        return [
            _(
                "You have a confirmed seat for taking part %(mode)s and are on the waiting list for taking part "
                "%(wanted)s.",
                mode=mode,
                wanted=wanted,
            ),
            _(
                "If a seat becomes free there, we move you over automatically, release your seat and send you a "
                "confirmation; until then you take part %(mode)s. Your ticket stays valid.",
                mode=mode,
            ),
        ]
    if status is RegistrationStatus.CONFIRMED:
        return [_("You have a confirmed seat for taking part %(mode)s.", mode=mode)]
    return []


def _seat_free(registration: Registration) -> bool:
    """Whether the registration's mode has a seat nobody waits for, read now in its own session."""
    session = object_session(registration)
    if session is None:
        return False
    seats = capacity.availability(session, registration.event, now=utcnow()).modes.get(registration.mode)
    return seats is not None and not seats.full


# --- links ------------------------------------------------------------------------


def url_with_lang(lang: str) -> str:
    """The current page with ``?lang=`` replaced, for the language switch.

    Built from the decoded path, so it is re-encoded and kept a path: a raw
    ``/\\evil.example`` or ``//evil.example`` in an href would lead browsers to another host.
    """
    args = request.args.to_dict()
    args["lang"] = lang
    path = "/" + quote(request.path.lstrip("/"), safe="/:@!$&'()*+,;=~")
    return f"{request.script_root}{path}?{urlencode(args)}"


def calendar_links(event: Event) -> dict[str, str]:
    """ "Add to calendar" links of a public event: .ics download, webcal subscription of the
    event's series or format, Google Calendar and Outlook on the web."""
    links = {"ics": external_url("calendar.event_ics", slug=event.slug)}
    links.update(calendar.web_calendar_links(event, event_url=event_url))
    if event.series is not None:
        feed_url = external_url("calendar.series_feed", slug=event.series.slug)
    else:
        feed_url = external_url("calendar.feed", format=event.format)
    links["feed"] = feed_url
    links["webcal"] = calendar.webcal(feed_url)
    return links


def feed_links(**filters: str | None) -> dict[str, str]:
    """https and webcal:// addresses of the public feed with the given filters."""
    url = external_url("calendar.feed", **{key: value for key, value in filters.items() if value})
    return {"https": url, "webcal": calendar.webcal(url)}


def series_feed_links(series: Series) -> dict[str, str]:
    """https and webcal:// addresses of a series feed."""
    url = external_url("calendar.series_feed", slug=series.slug)
    return {"https": url, "webcal": calendar.webcal(url)}


def personal_feed_links(person: Person) -> dict[str, str]:
    """The person's own feed address (a secret: shown only behind their manage link)."""
    url = external_url("calendar.personal_feed", token=person.feed_token)
    return {"https": url, "webcal": calendar.webcal(url)}


def logo_url(organization: Organization | None) -> str | None:
    """The URL of an organization's logo, versioned by its content (cacheable for good); None without one."""
    if organization is None or not organization.logo_digest:
        return None
    version = organization.logo_digest[: logos.VERSION_LENGTH]
    return url_for("public.logo", organization_id=organization.id, v=version)


def join_opens_at(event: Event) -> datetime:
    """From when the join link's button leads to the meeting (``JOIN_WINDOW_MINUTES`` before the start)."""
    window = timedelta(minutes=current_app.config["JOIN_WINDOW_MINUTES"])
    return join.join_window(event, window=window)[0]


def init_app(app: Flask) -> None:
    """Register every app-wide global and filter."""
    app.jinja_env.globals.update(
        get_locale=get_locale,
        event_when=event_when,
        moment=moment,
        status_label=status_label,
        holding=holding,
        url_with_lang=url_with_lang,
        calendar_links=calendar_links,
        feed_links=feed_links,
        series_feed_links=series_feed_links,
        personal_feed_links=personal_feed_links,
        join_link=join_url,
        join_opens_at=join_opens_at,
        format_label=labels.format_label,
        event_status_label=labels.event_status_label,
        attendance_label=labels.attendance_label,
        mode_label=labels.mode_label,
        mode_phrase=labels.mode_phrase,
        state_label=labels.state_label,
        series_state_label=labels.series_state_label,
        series_state_badge=labels.series_state_badge,
        date_topic=date_topic,
        logo_url=logo_url,
    )
    app.jinja_env.filters.update(
        date=format_date,
        datetime=format_datetime,
        time=format_time,
        iso=iso,
        timetag=timetag,
        paragraphs=paragraphs,
        number=number,
    )
