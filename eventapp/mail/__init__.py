"""Email beside the services: services queue messages in the outbox; the worker delivers them.

Three modules, one idea each: :mod:`~eventapp.mail.render` turns an outbox message
into an email, :mod:`~eventapp.mail.transport` hands emails to SMTP (or the console)
and says what its errors mean, :mod:`~eventapp.mail.delivery` is the worker's loop.
Mail never reaches for ``db.session``: it is handed a session and a clock.
"""

from __future__ import annotations

from eventapp.mail.delivery import DeliveryReport, deliver_outbox
from eventapp.mail.render import Links, RenderError, build_message, invitation_method
from eventapp.mail.transport import (
    ConsoleTransport,
    SMTPTransport,
    Transport,
    UnsupportedMessage,
    ascii_address,
    describe,
    is_outage,
    is_permanent,
    transport_from_config,
)

__all__ = [
    "ConsoleTransport",
    "DeliveryReport",
    "Links",
    "RenderError",
    "SMTPTransport",
    "Transport",
    "UnsupportedMessage",
    "ascii_address",
    "build_message",
    "deliver_outbox",
    "describe",
    "invitation_method",
    "is_outage",
    "is_permanent",
    "transport_from_config",
]
