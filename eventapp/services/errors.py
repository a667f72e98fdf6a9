"""Domain errors with stable codes that the web, API and CLI layers translate.

They carry no HTTP status: what a code means on the wire is the caller's business
(``blueprints.errors`` maps codes to statuses; the check-in API will answer a bad
ticket with ``200 {"result": "invalid"}``, the CLI with a one-line reason).
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``code`` is stable (API error code); ``message`` is English for logs."""

    code = "domain_error"

    def __init__(self, message: str = "", *, code: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        if code:
            self.code = code
        self.fields = fields or {}


class ValidationError(DomainError):
    """The submitted data is not valid."""

    code = "validation_error"


class NotFound(DomainError):
    """No such thing."""

    code = "not_found"


class RegistrationNotOpen(DomainError):
    """Registration has not opened yet."""

    code = "registration_not_open"


class RegistrationClosed(DomainError):
    """Registration is closed."""

    code = "registration_closed"


class EventCancelled(DomainError):
    """The event has been cancelled."""

    code = "event_cancelled"


class ModeNotOffered(DomainError):
    """The event does not offer this attendance mode."""

    code = "mode_not_offered"


class LinkExpired(DomainError):
    """The link has expired (the registration was not confirmed in time)."""

    code = "link_expired"


class AlreadyRegistered(DomainError):
    """The person already holds an active registration for this event."""

    code = "already_registered"


class NotAllowed(DomainError):
    """The acting user may not do this (the web layer answers 403)."""

    code = "forbidden"


class InvalidState(DomainError):
    """The registration is not in a state that allows this action."""

    code = "invalid_state"
