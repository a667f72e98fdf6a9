"""Rendering: one outbox message into a complete email, in the message's language.

Rendering happens at delivery time (not at enqueue time), from
``templates/emails/<kind>.txt`` (whose ``subject`` block is the subject line) and
``templates/emails/<kind>.html``. Mails that carry a calendar invitation follow
DESIGN §5::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST (or CANCEL); charset=utf-8
      image/png      ticket.png        (ticket mails for an on-site seat only; online the
                                        text and the invitation carry the personal join link)
      application/ics  invite.ics      (cancel.ics for cancellations)

A reminder (``kind`` "reminder") carries no invitation — the calendar entry is already
there — and is ``multipart/mixed`` with the same ``ticket.png`` for an on-site seat.

The one mail of a confirmed series registration attaches the person's confirmed
dates as ``series.ics`` (``text/calendar; method=PUBLISH``, several UIDs, to
import at once; README "Series in calendars"). The certificate mail attaches the
attendance certificate (``application/pdf``), drawn at delivery. Other mails are a plain
``multipart/alternative`` of text and HTML.

Everything a template needs is in the context built here (from the session and the
clock the caller hands in) or registered app-wide by :mod:`eventapp.templating`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.keys import current_keyring
from eventapp.models import (
    CancelReason,
    Event,
    EventMessage,
    Mode,
    OutboxMessage,
    Person,
    Registration,
    RegistrationStatus,
    SeriesRegistration,
    SeriesRegistrationStatus,
)
from eventapp.services import certificates, reminders
from eventapp.services.calendar import invitation, published_dates, webcal
from eventapp.services.series import date_overview
from eventapp.services.tickets import qr_png, ticket_token
from eventapp.templating import event_when
from eventapp.urls import certificate_url, event_url, external_url, join_url

#: Kinds whose mail carries ``METHOD:REQUEST`` when the registration holds a confirmed seat.
INVITATION_KINDS = frozenset({"ticket", "event_updated"})
#: Kinds whose mail carries ``METHOD:CANCEL`` when the person had a ticket.
CANCELLATION_KINDS = frozenset({"cancelled", "event_cancelled"})
#: Kinds that attach the QR ticket (with a confirmed on-site seat; online there is no door): the
#: ticket, and an update of the event, which replaces the calendar entry and the ticket mail's content.
QR_KINDS = frozenset({"ticket", "event_updated"})
#: Kinds that attach the person's confirmed series dates as one METHOD:PUBLISH file.
SERIES_CALENDAR_KINDS = frozenset({"series_confirmed"})

_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")


class RenderError(Exception):
    """A message cannot be rendered (unknown kind, missing data); it is marked failed."""


@dataclass(frozen=True)
class Links:
    """Absolute links for a mail, built by :func:`eventapp.urls.external_url` from ``BASE_URL``."""

    home: str
    manage: str | None = None
    confirm: str | None = None
    cancel: str | None = None
    event: str | None = None
    series_manage: str | None = None
    series_confirm: str | None = None
    #: The person's own join link (``/j/<token>``): only while the registration is confirmed online.
    join: str | None = None
    #: The person's own calendar feed (https and webcal://), for series mails.
    personal_feed: str | None = None
    personal_webcal: str | None = None


def _links(registration: Registration | None, event: Event | None, series: SeriesRegistration | None) -> Links:
    values: dict[str, str | None] = {"home": external_url("public.index")}
    if registration is not None:
        token = registration.manage_token
        values.update(
            manage=external_url("registration.manage", token=token),
            confirm=external_url("registration.confirm", token=token),
            cancel=external_url("registration.cancel", token=token),
            join=join_url(registration),
        )
    if event is not None:
        values["event"] = event_url(event)
    if series is not None:
        values.update(
            series_manage=external_url("series.manage", token=series.manage_token),
            series_confirm=external_url("series.confirm", token=series.manage_token),
        )
        values["personal_feed"] = external_url("calendar.personal_feed", token=series.person.feed_token)
        values["personal_webcal"] = webcal(values["personal_feed"])
    return Links(**values)  # type: ignore[arg-type]


#: "Please confirm" mails: sent only while what they ask to confirm still awaits it.
CONFIRM_KINDS = frozenset({"confirm_email", "series_confirm_email"})


def obsolete_reason(session: Session, message: OutboxMessage, *, now: datetime) -> str | None:
    """Why this message no longer applies and must not be sent, or None.

        A "please confirm" mail whose registration is no longer awaiting confirmation
        (confirmed meanwhile, cancelled with its event, expired) would only send a link
        that leads nowhere; it is dropped at delivery. So is a reminder that no longer applies
    (:func:`eventapp.services.reminders.obsolete_reason`), and any mail about a registration
        that has since been passed on to another address: its links and ticket are no
        longer the addressee's.
    """
    if message.registration_id:
        registration = session.get(Registration, message.registration_id)
        if registration is not None and registration.person.email != message.to_address:
            return "Not sent: the registration has been passed on to another address."
    if message.kind == reminders.KIND and message.registration_id:
        reason = reminders.obsolete_reason(
            session.get(Registration, message.registration_id), message.context or {}, now=now
        )
        if reason:
            return reason
    if message.kind == "confirm_email" and message.registration_id:
        registration = session.get(Registration, message.registration_id)
        if registration is None:
            return None  # rendering reports the missing registration
        awaiting = registration.status is RegistrationStatus.PENDING or (
            registration.status is RegistrationStatus.WAITLISTED and registration.email_confirmed_at is None
        )
        if not awaiting:
            return f"Not sent: the registration is {registration.status.value} and no longer awaits confirmation."
        if registration.expires_at is not None and registration.expires_at <= now:
            return "Not sent: the confirmation deadline has passed."
    if message.kind == certificates.MAIL_KIND and message.registration_id:
        registration = session.get(Registration, message.registration_id)
        if registration is not None and not certificates.is_eligible(session, registration, now=now):
            return "Not sent: the registration no longer has a certificate of attendance."
    if message.kind == "series_confirm_email" and message.series_registration_id:
        series_registration = session.get(SeriesRegistration, message.series_registration_id)
        if series_registration is not None and series_registration.status is not SeriesRegistrationStatus.PENDING:
            status = series_registration.status.value
            return f"Not sent: the series registration is {status} and no longer awaits confirmation."
    return None


@dataclass(frozen=True)
class Listed:
    """Registrations a mail lists with their manage links (the lost-links mail)."""

    registrations: list[tuple[Registration, str]]
    series_registrations: list[tuple[SeriesRegistration, str]]


def _listed(session: Session, context: dict[str, Any]) -> Listed:
    """The registrations named in ``context`` that are still active, each with its manage link."""
    registrations = [session.get(Registration, id_) for id_ in context.get("registrations") or []]
    series = [session.get(SeriesRegistration, id_) for id_ in context.get("series_registrations") or []]
    return Listed(
        [
            (found, external_url("registration.manage", token=found.manage_token))
            for found in registrations
            if found and found.is_active
        ],
        [
            (found, external_url("series.manage", token=found.manage_token))
            for found in series
            if found and found.status in (SeriesRegistrationStatus.PENDING, SeriesRegistrationStatus.ACTIVE)
        ],
    )


def _had_ticket(message: OutboxMessage, registration: Registration | None) -> bool:
    if "had_ticket" in (message.context or {}):
        return bool(message.context["had_ticket"])
    return registration is not None and registration.ticket_id is not None


def invitation_method(message: OutboxMessage, registration: Registration | None) -> str | None:
    """'REQUEST', 'CANCEL' or None: whether (and how) this mail carries a calendar object.

    Decided at delivery from the registration's current state, so a ticket mail that
    is delivered after its registration was cancelled carries no stale invitation.
    """
    if registration is None:
        return None
    if message.kind in INVITATION_KINDS and registration.status is RegistrationStatus.CONFIRMED:
        return "REQUEST"
    if message.kind in CANCELLATION_KINDS and _had_ticket(message, registration):
        return "CANCEL"
    return None


def _tidy_text(text: str) -> str:
    """Templates may leave blank runs and trailing spaces; mail clients show them all."""
    # "-- " (with its space) is the signature separator mail clients recognise.
    lines = [line if line == "-- " else line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _render(kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of a kind in the current (forced) locale."""
    # No context processors: those may expect a request, and mails are rendered in the worker.
    env = current_app.jinja_env
    values = dict(context)
    text_template = env.get_template(f"emails/{kind}.txt")
    if "subject" not in text_template.blocks:
        raise RenderError(f"templates/emails/{kind}.txt has no subject block")
    subject_parts = text_template.blocks["subject"](text_template.new_context(values))
    subject = " ".join("".join(subject_parts).split())
    values["subject"] = subject
    text = _tidy_text(text_template.render(values))
    html = env.get_template(f"emails/{kind}.html").render(values)
    return subject, text, html


def _sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def message_id(message: OutboxMessage, sender: str) -> str:
    """A Message-ID that stays the same on every try, so a resend after a crash is a duplicate to the receiver."""
    created = int(message.created_at.timestamp()) if message.created_at else 0
    return f"<outbox.{message.id}.{created}@{_sender_domain(sender)}>"


@dataclass
class _Data:
    registration: Registration | None
    event: Event | None
    person: Person | None
    series_registration: SeriesRegistration | None
    #: The organizer's message this mail delivers (kind ``event_message``).
    organizer_message: EventMessage | None = None


def _load(session: Session, message: OutboxMessage) -> _Data:
    registration = session.get(Registration, message.registration_id) if message.registration_id else None
    if registration is not None:
        event: Event | None = registration.event
        person: Person | None = registration.person
    else:
        event = session.get(Event, message.event_id) if message.event_id else None
        person = session.scalar(select(Person).where(Person.email == message.to_address))
    series_registration = (
        session.get(SeriesRegistration, message.series_registration_id) if message.series_registration_id else None
    )
    if message.registration_id and registration is None:
        raise RenderError(f"registration {message.registration_id} no longer exists")
    organizer_message = session.get(EventMessage, message.event_message_id) if message.event_message_id else None
    if message.kind == "event_message" and organizer_message is None:
        raise RenderError("the organizer's message no longer exists")
    return _Data(registration, event, person, series_registration, organizer_message)


def _locale(message: OutboxMessage) -> str:
    languages = current_app.config["LANGUAGES"]
    return message.locale if message.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def build_message(session: Session, message: OutboxMessage, *, now: datetime) -> EmailMessage:
    """Render one outbox message into a complete email (needs an app context).

    ``now`` is the caller's clock (the worker's): it dates the mail and decides what
    is upcoming. Raises RenderError (or a template/database error) when the message
    cannot be rendered; delivery marks such a message failed and goes on.
    """
    if not _KIND.fullmatch(message.kind or ""):
        raise RenderError(f"invalid mail kind {message.kind!r}")
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    data = _load(session, message)
    registration, event, series_registration = data.registration, data.event, data.series_registration
    if registration is not None and registration.person.email != message.to_address:
        # Passed on to someone else since it was queued: its links and ticket now belong to them.
        raise RenderError("the registration has been passed on to another address")
    method = invitation_method(message, registration)
    locale = _locale(message)
    series_dates = date_overview(session, series_registration, now=now) if series_registration else []
    # The person's confirmed upcoming dates, for the series mail's one calendar file.
    published = (
        [e.registration for e in series_dates if e.state == "confirmed" and e.registration and e.event.starts_at > now]
        if message.kind in SERIES_CALENDAR_KINDS
        else []
    )

    with force_locale(locale):
        values: dict[str, Any] = {
            "kind": message.kind,
            "locale": locale,
            "now": now,
            "registration": registration,
            "event": event,
            "person": data.person,
            "series_registration": series_registration,
            "organizer_message": data.organizer_message,
            "series_dates": series_dates,
            "series_calendar": bool(published),
            "context": dict(message.context or {}),
            "links": _links(registration, event, series_registration),
            "listed": _listed(session, message.context or {}),
            "when": event_when(event.starts_at, event.ends_at) if event is not None else "",
            "invitation": method,
            "has_qr": _has_qr(message, registration, method),
            "had_ticket": _had_ticket(message, registration),
            "CancelReason": CancelReason,
            "RegistrationStatus": RegistrationStatus,
        }
        subject, text, html = _render(message.kind, values)

    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = sender
    email["To"] = message.to_address
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id(message, sender)
    email["Auto-Submitted"] = "auto-generated"
    if data.organizer_message is not None and event is not None:
        # An organizer's message invites answers: they go to the event's contact, not to the sender.
        email["Reply-To"] = event.organizer_email
    email.set_content(text, cte="quoted-printable")
    email.add_alternative(html, subtype="html", cte="quoted-printable")
    if method is not None:
        assert registration is not None
        _add_invitation(
            email, registration, method=method, now=now, with_qr=values["has_qr"], join=values["links"].join
        )
    elif values["has_qr"]:
        assert registration is not None
        _attach_qr(email, registration)
    if message.kind == certificates.MAIL_KIND and registration is not None:
        _add_certificate(session, email, registration, locale=locale, now=now)
    if published:
        assert series_registration is not None
        ics = published_dates(
            published, now=now, event_url=event_url, name=series_registration.series.title, join_url=join_url
        )
        email.add_attachment(
            ics,
            maintype="text",
            subtype="calendar",
            filename="series.ics",
            params={"method": "PUBLISH", "charset": "utf-8", "name": "series.ics"},
        )
    for part in email.iter_parts():
        _drop_inner_mime_version(part)
    # Last: the email package moves Content-* headers into sub-parts when it nests them.
    email["Content-Language"] = locale
    return email


def _drop_inner_mime_version(part: EmailMessage) -> None:
    """The email package repeats MIME-Version on every part; only the top level needs it."""
    del part["MIME-Version"]
    if part.is_multipart():
        for inner in part.iter_parts():
            _drop_inner_mime_version(inner)  # type: ignore[arg-type]


def _add_certificate(
    session: Session, email: EmailMessage, registration: Registration, *, locale: str, now: datetime
) -> None:
    """The certificate of attendance as a PDF attachment, drawn at delivery in the mail's language."""
    pdf = certificates.build_pdf(
        session,
        registration,
        now=now,
        secret=current_app.config["SECRET_KEY"],
        verify_url=certificate_url(registration),
        locale=locale,
    )
    name = certificates.filename(registration, locale=locale)
    email.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)


def _add_invitation(
    email: EmailMessage, registration: Registration, *, method: str, now: datetime, with_qr: bool, join: str | None
) -> None:
    ics = invitation(registration, method=method, now=now, event_url=event_url, join_url=join)
    # base64 keeps the CRLF line ends of iCalendar intact on every transport.
    email.add_alternative(ics, maintype="text", subtype="calendar", params={"method": method, "charset": "utf-8"})
    if with_qr:
        _attach_qr(email, registration)
    filename = "invite.ics" if method == "REQUEST" else "cancel.ics"
    email.add_attachment(ics, maintype="application", subtype="ics", filename=filename, params={"name": filename})


def _has_qr(message: OutboxMessage, registration: Registration | None, method: str | None) -> bool:
    """Whether the mail attaches the QR ticket: a confirmed on-site seat, in a ticket mail with its
    invitation (:data:`QR_KINDS`) or a reminder (which carries no invitation)."""
    if registration is None or registration.mode is not Mode.ON_SITE:
        return False
    if message.kind == reminders.KIND:
        return registration.status is RegistrationStatus.CONFIRMED and bool(registration.ticket_id)
    return method == "REQUEST" and message.kind in QR_KINDS


def _attach_qr(email: EmailMessage, registration: Registration) -> None:
    """The ticket as ``ticket.png``: the signed token of DESIGN §3, drawn as a QR code."""
    png = qr_png(ticket_token(current_keyring(), registration))
    email.add_attachment(png, maintype="image", subtype="png", filename="ticket.png")
