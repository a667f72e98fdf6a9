"""Words for the organizer's registration pages: statuses as organizers read them, history
entries, mails and arrivals. (The attendee's own pages say "your"; these say "the person".)
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventapp.labels import mode_label
from eventapp.models import ActorKind, AuditEntry, Registration, RegistrationStatus


def organizer_status_label(registration: Registration) -> str:
    """The registration's state for the organizer ("Waiting list – email not confirmed")."""
    status = registration.status
    unconfirmed = registration.email_confirmed_at is None
    if status is RegistrationStatus.CONFIRMED:
        return _("Confirmed")
    if status is RegistrationStatus.PENDING:
        return _("Unconfirmed (seat held)")
    if status is RegistrationStatus.WAITLISTED:
        return _("Waiting list – email not confirmed") if unconfirmed else _("Waiting list")
    if status is RegistrationStatus.EXPIRED:
        return _("Expired")
    return _("Cancelled")


#: Audit actions on a registration (and the event's capacity) as the history names them.
ACTION_LABELS = {
    "registration.submitted": _l("Registered"),
    "registration.resubmitted": _l("Registered again (link re-sent)"),
    "registration.added": _l("Registered by the organizer"),
    "registration.confirmed": _l("Email address confirmed"),
    "registration.promoted": _l("Moved up from the waiting list"),
    "registration.moved": _l("Moved to the mode waited for"),
    "registration.mode_switched": _l("Switched the way of taking part"),
    "registration.waiting_for": _l("Waiting for the other way of taking part"),
    "registration.stopped_waiting": _l("Stopped waiting for the other way of taking part"),
    "registration.cancelled": _l("Cancelled"),
    "registration.declined": _l("Declined this date"),
    "registration.expired": _l("Expired (not confirmed in time)"),
    "registration.ticket_reissued": _l("New ticket issued"),
    "registration.details_changed": _l("Details corrected"),
    "registration.handover_offered": _l("Offered to a colleague"),
    "registration.handed_over": _l("Passed on to a colleague"),
    "registration.links_mailed": _l("Links sent on request"),
    "registration.rejoined": _l("Registered again through the series"),
    "registration.mail_resent": _l("Email sent again by the organizer"),
    "registration.checked_in": _l("Checked in"),
    "registration.check_in_undone": _l("Check-in undone"),
    "registration.certificate_sent": _l("Certificate of attendance sent"),
}

MAIL_KIND_LABELS = {
    "confirm_email": _l("Please confirm"),
    "ticket": _l("Ticket"),
    "waitlisted": _l("Waiting list"),
    "waiting_for": _l("Waiting for the other mode"),
    "manage_link": _l("Link to the registration"),
    "cancelled": _l("Cancellation"),
    "event_updated": _l("Event changed"),
    "event_cancelled": _l("Event cancelled"),
    "handover_offer": _l("Offer to a colleague"),
    "handed_over": _l("Passed on"),
    "certificate": _l("Certificate of attendance"),
    "confirmed": _l("Confirmation"),
    "switched": _l("Mode switched"),
    "reissued": _l("New ticket"),
    "details_changed": _l("Details corrected"),
}

MAIL_STATUS_LABELS = {
    "queued": _l("queued"),
    "sending": _l("being sent"),
    "retry": _l("will be retried"),
    "sent": _l("sent"),
    "failed": _l("failed"),
    "dropped": _l("not sent (no longer applied)"),
}

#: Where an arrival was recorded (Attendance.source values).
SOURCE_LABELS = {
    "qr": _l("QR code"),
    "search": _l("search at the door"),
    "join-link": _l("join link"),
    "offline-sync": _l("offline station"),
    "walk-in": _l("walk-in"),
}

REASON_LABELS = {
    "cancelled": _l("cancelled"),
    "declined": _l("declined"),
    "event_cancelled": _l("event cancelled"),
}


def actor_name(entry: AuditEntry) -> str:
    """Who acted, as the history shows it: the user's or person's name, or "System"."""
    if entry.actor_kind is ActorKind.SYSTEM:
        return _("System") if entry.actor_label != "cli" else _("System (command line)")
    if entry.actor_kind is ActorKind.DEVICE:
        return _("Check-in device %(name)s", name=entry.actor_label)
    if entry.actor_kind is ActorKind.ATTENDEE:
        return _("%(name)s (the person)", name=entry.actor_label) if entry.actor_label else _("The person")
    return entry.actor_label or _("Unknown user")


def action_detail(entry: AuditEntry) -> str:
    """The facts of an entry in a few words (modes, capacity, mail), or ""."""
    detail: dict[str, Any] = entry.detail or {}
    parts: list[str] = []
    if "from" in detail and "to" in detail and entry.action == "registration.mode_switched":
        parts.append(_("from %(old)s to %(new)s", old=mode_label(detail["from"]), new=mode_label(detail["to"])))
    elif "mode" in detail and isinstance(detail["mode"], str):
        parts.append(mode_label(detail["mode"]))
    if detail.get("waiting_for"):
        parts.append(_("waiting for: %(mode)s", mode=mode_label(detail["waiting_for"])))
    capacity = detail.get("capacity")
    if isinstance(capacity, dict):
        parts.append(_("capacity raised from %(old)s to %(new)s", old=capacity.get("from"), new=capacity.get("to")))
    if detail.get("email_confirmed"):
        parts.append(_("email address counted as confirmed"))
    if "mail" in detail:
        mail = detail["mail"]
        if mail is False:
            parts.append(_("no email"))
        elif isinstance(mail, str) and mail in MAIL_KIND_LABELS:
            parts.append(str(MAIL_KIND_LABELS[mail]))
    if detail.get("reason") in REASON_LABELS:
        parts.append(str(REASON_LABELS[detail["reason"]]))
    if detail.get("source") in SOURCE_LABELS:
        parts.append(str(SOURCE_LABELS[detail["source"]]))
    if "serial" in detail:
        parts.append(_("ticket no. %(serial)s", serial=detail["serial"]))
    return " · ".join(parts)
