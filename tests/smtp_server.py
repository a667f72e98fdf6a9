"""A real SMTP server on loopback (aiosmtpd) for mail tests; see the ``smtp_server`` fixture.

The handler accepts everything unless a test scripts a failure for an address:
``fail_temporarily(address, times)`` answers RCPT with 451 that many times,
``reject(address)`` answers 550 for good. ``stop()`` / ``start()`` simulate an
outage on the same port. ``SMTPServer(smtputf8=True)`` offers SMTPUTF8; by default
it does not, like many relays.
"""

from __future__ import annotations

import socket
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """aiosmtpd handler that keeps what it receives and answers as the test scripted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        #: RCPT commands seen per address (accepted or not): proves "no more attempts".
        self.rcpt_attempts: Counter[str] = Counter()
        self._temporary: dict[str, tuple[int, str]] = {}
        self._permanent: dict[str, str] = {}

    def fail_temporarily(self, address: str, times: int = 1, reply: str = "451 4.3.0 Please try again later") -> None:
        self._temporary[address.lower()] = (times, reply)

    def reject(self, address: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        self._permanent[address.lower()] = reply

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        key = address.lower()
        self.rcpt_attempts[key] += 1
        if key in self._permanent:
            return self._permanent[key]
        times, reply = self._temporary.get(key, (0, ""))
        if times > 0:
            self._temporary[key] = (times - 1, reply)
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.messages.append(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SMTPServer:
    """An aiosmtpd ``Controller`` that can be stopped and started again on the same port."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, *, smtputf8: bool = False) -> None:
        self.host = host
        self.port = port or free_port(host)
        #: Whether EHLO offers SMTPUTF8 (internationalised addresses); aiosmtpd's default is not to.
        self.smtputf8 = smtputf8
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    def fail_temporarily(self, address: str, times: int = 1, reply: str = "451 4.3.0 Please try again later") -> None:
        self.handler.fail_temporarily(address, times, reply)

    def reject(self, address: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        self.handler.reject(address, reply)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(
                self.handler, hostname=self.host, port=self.port, enable_SMTPUTF8=self.smtputf8
            )
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
