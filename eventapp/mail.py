"""Email: the one place outbox messages are rendered, and the transports that deliver them.

Rendering happens at delivery time (not at enqueue time), in the language of the
message, from ``templates/emails/<kind>.txt`` (whose ``subject`` block is the
subject line) and ``templates/emails/<kind>.html``. Mails that carry a calendar
invitation follow DESIGN §5::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST (or CANCEL); charset=utf-8
      image/png      ticket.png        (ticket mails only)
      application/ics  invite.ics      (cancel.ics for cancellations)

Other mails are a plain ``multipart/alternative`` of text and HTML.

:func:`deliver_outbox` is what the worker runs: claim due messages, render and
send each, and record the outcome (commit after each message) so that a crash or
an SMTP outage never loses mail.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from flask import current_app
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.extensions import db
from eventapp.keys import current_keyring
from eventapp.labels import mode_label, mode_phrase
from eventapp.models import (
    CancelReason,
    Event,
    OutboxMessage,
    OutboxStatus,
    Person,
    Registration,
    RegistrationStatus,
    SeriesRegistration,
    utcnow,
)
from eventapp.services import outbox
from eventapp.services.calendar import invitation
from eventapp.services.tickets import qr_png, ticket_token
from eventapp.templating import event_when

log = logging.getLogger("eventapp.mail")

#: Kinds whose mail carries ``METHOD:REQUEST`` when the registration holds a confirmed seat.
INVITATION_KINDS = frozenset({"ticket", "event_updated"})
#: Kinds whose mail carries ``METHOD:CANCEL`` when the person had a ticket.
CANCELLATION_KINDS = frozenset({"cancelled", "event_cancelled"})
#: Kinds that attach the QR ticket (with a confirmed registration).
QR_KINDS = frozenset({"ticket"})

_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")


class RenderError(Exception):
    """A message cannot be rendered (unknown kind, missing data); it is marked failed."""


# --- rendering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Absolute links for a mail, from ``BASE_URL`` and the paths fixed in TEAM.md."""

    base: str
    manage: str | None = None
    confirm: str | None = None
    cancel: str | None = None
    event: str | None = None
    series_manage: str | None = None


def _links(
    base_url: str, registration: Registration | None, event: Event | None, series: SeriesRegistration | None
) -> Links:
    base = base_url.rstrip("/")
    values: dict[str, str | None] = {"base": base}
    if registration is not None:
        token = quote(registration.manage_token, safe="")
        values.update(
            manage=f"{base}/r/{token}", confirm=f"{base}/r/{token}/confirm", cancel=f"{base}/r/{token}/cancel"
        )
    if event is not None:
        values["event"] = f"{base}/events/{quote(event.slug, safe='')}"
    if series is not None:
        values["series_manage"] = f"{base}/s/{quote(series.manage_token, safe='')}"
    return Links(**values)  # type: ignore[arg-type]


def moment(value: datetime | None) -> str:
    """'Montag, 23. November 2026, 10:00' in the current locale, Berlin time."""
    if value is None:
        return ""
    return f"{format_date(value, 'full')}, {format_time(value, 'short')}"


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
    return _Data(registration, event, person, series_registration)


def _locale(message: OutboxMessage) -> str:
    languages = current_app.config["LANGUAGES"]
    return message.locale if message.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def build_message(message: OutboxMessage, *, now: datetime | None = None) -> EmailMessage:
    """Render one outbox message into a complete email (needs an app context).

    Raises RenderError (or a template/database error) when the message cannot be
    rendered; :func:`deliver_outbox` marks such a message failed and goes on.
    """
    if not _KIND.fullmatch(message.kind or ""):
        raise RenderError(f"invalid mail kind {message.kind!r}")
    now = now or utcnow()
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    base_url = config["BASE_URL"]
    data = _load(db.session, message)
    registration, event = data.registration, data.event
    method = invitation_method(message, registration)
    context = dict(message.context or {})
    locale = _locale(message)

    with force_locale(locale):
        values: dict[str, Any] = {
            "kind": message.kind,
            "locale": locale,
            "registration": registration,
            "event": event,
            "person": data.person,
            "series_registration": data.series_registration,
            "context": context,
            "links": _links(base_url, registration, event, data.series_registration),
            "when": event_when(event.starts_at, event.ends_at) if event is not None else "",
            "invitation": method,
            "has_qr": method == "REQUEST" and message.kind in QR_KINDS,
            "had_ticket": _had_ticket(message, registration),
            "mode_label": mode_label,
            "mode_phrase": mode_phrase,
            "status_label": status_label,
            "moment": moment,
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
    email.set_content(text, cte="quoted-printable")
    email.add_alternative(html, subtype="html", cte="quoted-printable")
    if method is not None:
        assert registration is not None
        _add_invitation(email, registration, method=method, now=now, base_url=base_url, with_qr=values["has_qr"])
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


def _add_invitation(
    email: EmailMessage, registration: Registration, *, method: str, now: datetime, base_url: str, with_qr: bool
) -> None:
    ics = invitation(registration, method=method, now=now, base_url=base_url)
    # base64 keeps the CRLF line ends of iCalendar intact on every transport.
    email.add_alternative(ics, maintype="text", subtype="calendar", params={"method": method, "charset": "utf-8"})
    if with_qr:
        png = qr_png(ticket_token(current_keyring(), registration))
        email.add_attachment(png, maintype="image", subtype="png", filename="ticket.png")
    filename = "invite.ics" if method == "REQUEST" else "cancel.ics"
    email.add_attachment(ics, maintype="application", subtype="ics", filename=filename, params={"name": filename})


# --- transports -------------------------------------------------------------------------


class Transport(Protocol):
    def send(self, email: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SMTPTransport:
    """Delivers over SMTP; one connection per worker pass, reopened when the server drops it."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        use_ssl: bool = False,
        timeout: float = 30,
        local_hostname: str | None = None,
    ) -> None:
        if not host:
            raise RuntimeError("MAIL_SERVER is not set; the SMTP transport needs it.")
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.use_tls, self.use_ssl = use_tls, use_ssl
        self.timeout = timeout
        self.local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SMTPTransport:
        return cls(
            config.get("MAIL_SERVER") or "",
            int(config.get("MAIL_PORT") or (465 if config.get("MAIL_USE_SSL") else 25)),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            timeout=float(config.get("MAIL_TIMEOUT") or 30),
        )

    def _connect(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, local_hostname=self.local_hostname)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout, local_hostname=self.local_hostname)
        try:
            if self.use_tls and not self.use_ssl:
                smtp.starttls()
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, email: EmailMessage) -> None:
        recipients = [address.addr_spec for address in email["To"].addresses]
        envelope_from = parseaddr(email["From"])[1]
        if self._smtp is not None:
            try:
                self._smtp.noop()
            except (smtplib.SMTPException, OSError):
                self.close()
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(email, from_addr=envelope_from, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused:
            raise
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise
        if refused:  # some, not all, recipients refused; we send to one address, but stay correct
            raise smtplib.SMTPRecipientsRefused(refused)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class ConsoleTransport:
    """Development: print the headers and the text part, and keep the .eml under MAIL_OUTBOX_DIR."""

    def __init__(self, directory: str | Path, stream: Any = None) -> None:
        self.directory = Path(directory)
        self.stream = stream

    def send(self, email: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        name = re.sub(r"[^A-Za-z0-9.]+", "-", str(email["Message-ID"] or "mail")).strip("-")
        path = self.directory / f"{stamp}-{name}.eml"
        path.write_bytes(email.as_bytes())
        body = email.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        attachments = [part.get_filename() for part in email.iter_attachments()]
        lines = [
            "=" * 72,
            f"From: {email['From']}",
            f"To: {email['To']}",
            f"Subject: {email['Subject']}",
            f"Date: {email['Date']}",
        ]
        if attachments:
            lines.append("Attachments: " + ", ".join(str(name) for name in attachments))
        lines += [f"Saved: {path}", "-" * 72, text.rstrip(), "=" * 72]
        stream = self.stream or sys.stdout
        print("\n".join(lines), file=stream, flush=True)

    def close(self) -> None:
        pass


def transport_from_config(config: dict[str, Any]) -> Transport:
    """SMTP or console, as ``MAIL_TRANSPORT`` says (config.finalize picks console without MAIL_SERVER)."""
    kind = (config.get("MAIL_TRANSPORT") or "smtp").lower()
    if kind == "console":
        return ConsoleTransport(config["MAIL_OUTBOX_DIR"])
    if kind == "smtp":
        return SMTPTransport.from_config(config)
    raise RuntimeError(f"Unknown MAIL_TRANSPORT {kind!r}; use smtp or console")


# --- failure classification ---------------------------------------------------------------


def _code(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def is_permanent(error: BaseException) -> bool:
    """Whether the server rejected the message for good (5xx), so retrying cannot help.

    Only rejections of this recipient or this message count: a refused login or
    sender is a configuration problem that an administrator fixes, after which the
    queued mail must still go out.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [_code(reply[0]) for reply in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return _code(error.smtp_code) >= 500
    return False


def is_outage(error: BaseException) -> bool:
    """Whether the server is unreachable (or refuses us as a whole), not just this message.

    The pass then stops, the rest of the batch is put back untried, and the
    message is retried with backoff for as long as the outage lasts.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
        return False
    return isinstance(error, smtplib.SMTPException | OSError | socket.timeout)


def describe(error: BaseException) -> str:
    """A one-line reason for ``last_error``."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = []
        for address, (code, reply) in error.recipients.items():
            text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
            parts.append(f"{address}: {code} {text}")
        return "Recipient refused: " + "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return f"{type(error).__name__}: {error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


# --- delivery -----------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one pass did, by outbox message id."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.failed) + len(self.released)


def deliver_outbox(
    session: Session,
    *,
    transport: Transport | None = None,
    now: Callable[[], datetime] | datetime | None = None,
    limit: int = 20,
    max_attempts: int | None = None,
) -> DeliveryReport:
    """Deliver up to ``limit`` due messages, committing after each (needs an app context).

    The claim is committed before anything is sent, and no transaction stays open
    while talking to the server (on SQLite every transaction holds the write lock).
    A message that cannot be rendered is marked failed and the pass goes on; a
    permanent rejection marks it failed; a temporary one schedules a retry; an
    unreachable server ends the pass and puts the untried rest back.
    """
    config = current_app.config
    clock = now if callable(now) else (lambda: now) if now is not None else utcnow
    max_attempts = max_attempts if max_attempts is not None else int(config.get("MAIL_MAX_ATTEMPTS") or 8)
    own_transport = transport is None
    transport = transport or transport_from_config(config)
    report = DeliveryReport()
    try:
        claimed = outbox.claim_due(session, now=clock(), limit=limit)
        ids = [message.id for message in claimed]
        session.commit()
        for index, message_id_ in enumerate(ids):
            message = session.get(OutboxMessage, message_id_)
            if message is None:  # deleted meanwhile (e.g. personal data purged)
                continue
            outcome, next_at = _deliver_one(session, transport, message, clock=clock, max_attempts=max_attempts)
            if outcome == "outage":
                # The server is unreachable: the rest of the batch waits as long as this message does.
                report.retried.append(message_id_)
                _release(session, ids[index + 1 :], until=next_at or clock(), report=report)
                break
            getattr(report, outcome).append(message_id_)
    finally:
        if own_transport:
            transport.close()
    return report


def _deliver_one(
    session: Session, transport: Transport, message: OutboxMessage, *, clock: Callable[[], datetime], max_attempts: int
) -> tuple[str, datetime | None]:
    """Render and send one claimed message; returns the outcome and, for retries, when the next try is due."""
    label = f"outbox #{message.id} ({message.kind})"
    try:
        email = build_message(message, now=clock())
    except Exception as error:  # one broken message must not stop the others
        session.rollback()
        message = session.get_one(OutboxMessage, message.id)
        outbox.mark_failed(message, f"Rendering failed: {describe(error)}", attempted=False)
        session.commit()
        log.error("mail %s failed: cannot render: %s", label, describe(error))
        return "failed", None
    # End the read transaction before talking to the server (SQLite: it holds the write lock).
    session.commit()
    try:
        transport.send(email)
    except Exception as error:
        reason = describe(error)
        message = session.get_one(OutboxMessage, message.id)
        if is_permanent(error):
            outbox.mark_failed(message, reason)
            session.commit()
            log.warning("mail %s failed permanently: %s", label, reason)
            return "failed", None
        outage = is_outage(error)
        outbox.mark_retry(message, reason, now=clock(), max_attempts=None if outage else max_attempts)
        # Read before commit: touching expired attributes afterwards would open a new transaction.
        gave_up, attempts, next_at = message.status is OutboxStatus.FAILED, message.attempts, message.next_attempt_at
        session.commit()
        if gave_up:
            log.warning("mail %s failed after %d attempts: %s", label, attempts, reason)
            return "failed", None
        log.info("mail %s deferred (attempt %d, next try %s): %s", label, attempts, f"{next_at:%H:%M:%S} UTC", reason)
        return ("outage" if outage else "retried"), next_at
    message = session.get_one(OutboxMessage, message.id)
    outbox.mark_sent(message, now=clock())
    session.commit()
    log.info("mail %s sent", label)
    return "sent", None


def _release(session: Session, ids: list[int], *, until: datetime, report: DeliveryReport) -> None:
    for message_id_ in ids:
        message = session.get(OutboxMessage, message_id_)
        if message is not None:
            outbox.release(message, next_attempt_at=until)
            report.released.append(message_id_)
    session.commit()


__all__ = [
    "ConsoleTransport",
    "DeliveryReport",
    "Links",
    "RenderError",
    "SMTPTransport",
    "Transport",
    "build_message",
    "deliver_outbox",
    "describe",
    "invitation_method",
    "is_outage",
    "is_permanent",
    "transport_from_config",
]
