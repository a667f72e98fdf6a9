"""Personal join links (DESIGN §3 "Attendance", "Privacy"; §5 ``/j/<token>``): who joined online.

A confirmed registration in mode online reaches the meeting through its own link,
never through the meeting URL itself, so the URL stays with the organizers and every
join is counted. Opening the link only shows a page (:func:`join_status`); the page's
button records the join (:func:`join`) and the web layer then redirects to the
meeting. The window opens ``window`` (JOIN_WINDOW_MINUTES) before the start and
closes at the end.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import (
    Attendance,
    AttendanceSource,
    CancelReason,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    Registration,
    RegistrationStatus,
)
from eventapp.services import audit
from eventapp.services.audit import Actor
from eventapp.services.calendar import event_end
from eventapp.services.errors import DomainError, NotFound
from eventapp.services.registration import lock_registration

#: How long before the start the join button appears (DESIGN: 30 minutes unless configured).
JOIN_WINDOW = timedelta(minutes=30)
#: Tokens are 32 characters (``new_token``); anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 64


class JoinLinkGone(DomainError):
    """This join link no longer works: the registration was cancelled or now takes part on site."""

    code = "join_link_gone"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The join link no longer works ({reason}).")
        #: ``cancelled``, ``event_cancelled`` or ``on_site`` — the page explains each.
        self.reason = reason


class NotJoinable(DomainError):
    """The join button was pressed outside the window, or before the meeting link was set."""

    code = "not_joinable"


class JoinState(enum.StrEnum):
    """What the join page shows."""

    #: Before the window: "Sie können ab … teilnehmen".
    EARLY = "early"
    #: Inside the window, with a meeting link: one button.
    OPEN = "open"
    #: Inside the window, but the organizer has not set the link yet: "Der Link folgt".
    LINK_FOLLOWS = "link_follows"
    #: After the end: "Die Veranstaltung ist beendet" (with the recording, if any).
    ENDED = "ended"


@dataclass(frozen=True)
class JoinStatus:
    """A join link's registration and what its page shows at ``now``."""

    registration: Registration
    state: JoinState
    opens_at: datetime
    closes_at: datetime

    @property
    def event(self) -> Event:
        return self.registration.event


def meeting_url(event: Event) -> str | None:
    """Where the join button leads: an online event's meeting, a hybrid event's livestream.

    Each falls back to the other link when only that one is set: a hybrid event may hold
    its online part as a meeting, an online event may be a stream.
    """
    if event.attendance is EventAttendance.HYBRID:
        return event.livestream_url or event.join_url or None
    return event.join_url or event.livestream_url or None


def registration_by_join_token(session: Session, token: str, *, usable: bool = True) -> Registration:
    """The registration whose current join link this is.

    Unknown tokens — forged, mistyped, or replaced by a new ticket — are NotFound and reveal
    nothing; a link whose registration ended or moved on site is JoinLinkGone (unless
    ``usable`` is False: then it is returned all the same, for the page that says so).
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound()
    registration = session.scalar(select(Registration).where(Registration.join_token == token))
    if registration is None:
        raise NotFound()
    if usable:
        _check_usable(registration)
    return registration


def _check_usable(registration: Registration) -> None:
    if registration.event.status is EventStatus.CANCELLED or registration.cancel_reason is CancelReason.EVENT_CANCELLED:
        raise JoinLinkGone("event_cancelled")
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise JoinLinkGone("cancelled")
    if registration.mode is not Mode.ONLINE:
        raise JoinLinkGone("on_site")


def join_window(event: Event, *, window: timedelta = JOIN_WINDOW) -> tuple[datetime, datetime]:
    """When the join button is offered: from ``window`` before the start until the end."""
    return event.starts_at - window, event_end(event)


def join_status(registration: Registration, *, now: datetime, window: timedelta = JOIN_WINDOW) -> JoinStatus:
    """What the join page of ``registration`` shows at ``now`` (the window is [opens, closes))."""
    event = registration.event
    opens_at, closes_at = join_window(event, window=window)
    if now >= closes_at:
        state = JoinState.ENDED
    elif now < opens_at:
        state = JoinState.EARLY
    elif meeting_url(event) is None:
        state = JoinState.LINK_FOLLOWS
    else:
        state = JoinState.OPEN
    return JoinStatus(registration, state, opens_at, closes_at)


def join(
    session: Session,
    registration: Registration,
    *,
    now: datetime,
    window: timedelta = JOIN_WINDOW,
    actor: Actor | None = None,
) -> str:
    """Record that the person joined online and return where to send them (the meeting URL).

    The first join creates the registration's one online Attendance (source join-link,
    first and last time); every later join moves its last time only. Raises JoinLinkGone
    when the registration changed meanwhile and NotJoinable outside the window or while
    the meeting link is missing — then nothing is recorded.
    """
    # Locked: two clicks at once record one attendance and see each other's time.
    registration = lock_registration(session, registration)
    _check_usable(registration)
    status = join_status(registration, now=now, window=window)
    target = meeting_url(registration.event)
    if status.state is not JoinState.OPEN or target is None:
        raise NotJoinable(code=f"join_{status.state.value}")
    attendance = session.scalar(
        select(Attendance).where(Attendance.registration_id == registration.id, Attendance.mode == Mode.ONLINE)
    )
    first = attendance is None
    if attendance is None:
        attendance = Attendance(
            registration_id=registration.id,
            event_id=registration.event_id,
            mode=Mode.ONLINE,
            source=AttendanceSource.JOIN_LINK,
            first_at=now,
            last_at=now,
        )
        session.add(attendance)
    else:
        attendance.last_at = max(attendance.last_at, now)
    session.flush()
    audit.record(
        session,
        actor or Actor.attendee(registration),
        "attendance.joined" if first else "attendance.rejoined",
        registration,
        now=now,
        detail={"mode": Mode.ONLINE.value, "source": AttendanceSource.JOIN_LINK.value},
    )
    return target
