"""Transports (SMTP, console) and what their errors mean for a message.

The classification decides what delivery does next: a permanent rejection fails
the message, a temporary one schedules a retry, an outage (server unreachable or
refusing us as a whole) ends the pass so the rest of the batch waits untried.
"""

from __future__ import annotations

import re
import smtplib
import socket
import sys
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

import idna


class UnsupportedMessage(Exception):
    """This relay cannot take this message (say, an internationalised address and no SMTPUTF8).

    The message's own failure, never the batch's: it is marked failed at once and the
    pass goes on; ``requeue-mail`` puts it back once the relay can take it.
    """


def ascii_address(address: str) -> str:
    """``address`` for a relay without SMTPUTF8: a non-ASCII domain in punycode (IDNA).

    Raises UnsupportedMessage when the local part is not ASCII: no spelling of it
    passes such a relay.
    """
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        raise UnsupportedMessage(
            f"{address}: the mail server does not offer SMTPUTF8, which this address needs (non-ASCII local part)"
        )
    if domain.isascii():
        return address
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError as error:
        raise UnsupportedMessage(f"{address}: the domain cannot be written in ASCII ({error})") from None


class Transport(Protocol):
    """What delivery needs from a transport: send one email, close at the end of a pass."""

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
        """The transport the ``MAIL_*`` settings describe."""
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
            # EHLO now: whether the server offers SMTPUTF8 decides how each message is addressed.
            smtp.ehlo_or_helo_if_needed()
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
        if not self._smtp.has_extn("smtputf8") and not "".join(recipients).isascii():
            # Only the domain is non-ASCII: punycode reaches the same mailbox (a local part can't be helped).
            recipients = [ascii_address(address) for address in recipients]
            email.replace_header("To", ", ".join(recipients))
        try:
            refused = self._smtp.send_message(email, from_addr=envelope_from, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused:
            raise
        except smtplib.SMTPNotSupportedError as error:
            # Raised before MAIL FROM, so the connection stays usable for the next message.
            raise UnsupportedMessage(f"The mail server cannot take this message: {error}") from error
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

    def _path(self, email: EmailMessage) -> Path:
        """A file named by the mail's own Date and Message-ID (the worker's clock), never overwritten."""
        date = parsedate_to_datetime(str(email["Date"])) if email["Date"] else None
        stamp = date.strftime("%Y%m%dT%H%M%S") if date else "undated"
        name = re.sub(r"[^A-Za-z0-9.]+", "-", str(email["Message-ID"] or "mail")).strip("-")
        path = self.directory / f"{stamp}-{name}.eml"
        counter = 1
        while path.exists():
            counter += 1
            path = self.directory / f"{stamp}-{name}-{counter}.eml"
        return path

    def send(self, email: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(email)
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

    Only rejections of this recipient or this message count (and a message this relay
    cannot take at all, see UnsupportedMessage): a refused login or
    sender is a configuration problem that an administrator fixes, after which the
    queued mail must still go out.
    """
    if isinstance(error, UnsupportedMessage):
        return True
    if isinstance(error, smtplib.SMTPSenderRefused) and _code(error.smtp_code) == 552:
        return True  # MAIL FROM ... SIZE=n refused: this message is too large for the relay
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
    if isinstance(error, UnsupportedMessage | smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
        return False
    if is_permanent(error):
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
