"""Attendance certificates (issue 8 Part 5): who may have a Teilnahmebescheinigung and sending
them (:mod:`.rules`), and the certificate's content and PDF (:mod:`.document`)."""

from eventapp.services.certificates.document import Certificate, build_pdf, certificate, filename, render_pdf
from eventapp.services.certificates.rules import (
    MAIL_KIND,
    SENT_ACTION,
    CertificateUnavailable,
    EventNotEnded,
    Overview,
    attended_modes,
    attendees,
    event_end,
    has_ended,
    is_eligible,
    overview,
    refusal,
    send_all,
    verification_code,
    verify,
)

__all__ = [
    "MAIL_KIND",
    "SENT_ACTION",
    "Certificate",
    "CertificateUnavailable",
    "EventNotEnded",
    "Overview",
    "attended_modes",
    "attendees",
    "build_pdf",
    "certificate",
    "event_end",
    "filename",
    "has_ended",
    "is_eligible",
    "overview",
    "refusal",
    "render_pdf",
    "send_all",
    "verification_code",
    "verify",
]
