"""An event's dashboard figures (issue 8 Part 4) against a hand-counted event, and the number
of statements, which must not grow with the registrations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eventapp.extensions import db
from eventapp.models import (
    Attendance,
    AttendanceSource,
    Event,
    EventAttendance,
    Mode,
    OutboxMessage,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from eventapp.services.dashboard import event_dashboard
from tests.factories import Factories
from tests.helpers import recorded_selects

S = RegistrationStatus
STARTS = datetime(2027, 3, 18, 9, 0, tzinfo=UTC)  # 10:00 in Berlin (CET)
AFTER = STARTS + timedelta(days=1)
DURING = STARTS + timedelta(hours=1)


def attend(session, registration: Registration, mode: Mode, at: datetime) -> Attendance:
    source = AttendanceSource.JOIN_LINK if mode is Mode.ONLINE else AttendanceSource.QR
    record = Attendance(
        registration=registration, event_id=registration.event_id, mode=mode, source=source, first_at=at, last_at=at
    )
    session.add(record)
    session.flush()
    return record


def mail(session, event: Event, status: OutboxStatus, error: str = "", kind: str = "ticket") -> None:
    session.add(
        OutboxMessage(
            kind=kind, to_address="erika@example.org", event_id=event.id, status=status, last_error=error, attempts=1
        )
    )
    session.flush()


@dataclass
class Counted:
    event: Event
    other: Event


def hand_counted(session, make: Factories) -> Counted:
    """A hybrid event (10 places on site, 5 online) with registrations in every state and mode.

    On site: 4 confirmed (#1 arrived and also joined online, #2 and #3 arrived, #4 did not come),
    2 pending, 1 waiting (confirmed address), 2 cancelled, 1 expired.
    Online: 4 confirmed (#1 and #2 joined, #3 came to the door instead, #4 did not come),
    1 pending, 1 cancelled.
    """
    event = make.event(
        attendance=EventAttendance.HYBRID,
        starts_at=STARTS,
        capacity_on_site=10,
        capacity_online=5,
        join_url="https://meet.example/austausch",
    )
    other = make.event(starts_at=STARTS)
    on = [make.registration(event, mode=Mode.ON_SITE, status=S.CONFIRMED) for _ in range(4)]
    for _ in range(2):
        make.registration(event, mode=Mode.ON_SITE, status=S.PENDING, email_confirmed_at=None)
    make.registration(event, mode=Mode.ON_SITE, status=S.WAITLISTED)
    for _ in range(2):
        make.registration(event, mode=Mode.ON_SITE, status=S.CANCELLED)
    make.registration(event, mode=Mode.ON_SITE, status=S.EXPIRED, email_confirmed_at=None)
    online = [make.registration(event, mode=Mode.ONLINE, status=S.CONFIRMED) for _ in range(4)]
    make.registration(event, mode=Mode.ONLINE, status=S.PENDING, email_confirmed_at=None)
    make.registration(event, mode=Mode.ONLINE, status=S.CANCELLED)

    minute = timedelta(minutes=1)
    attend(session, on[0], Mode.ON_SITE, STARTS - 10 * minute)  # 09:45 Berlin bucket
    attend(session, on[1], Mode.ON_SITE, STARTS - 5 * minute)  # 09:45
    attend(session, on[2], Mode.ON_SITE, STARTS + 5 * minute)  # 10:00
    attend(session, online[2], Mode.ON_SITE, STARTS + 20 * minute)  # 10:15
    attend(session, on[0], Mode.ONLINE, STARTS + 14 * minute)  # 10:00
    attend(session, online[0], Mode.ONLINE, STARTS)  # 10:00
    attend(session, online[1], Mode.ONLINE, STARTS + 29 * minute)  # 10:15

    # Another event's registrations, arrivals and mail count nowhere here.
    stranger = make.registration(other, mode=Mode.ON_SITE)
    attend(session, stranger, Mode.ON_SITE, STARTS)
    mail(session, other, OutboxStatus.FAILED, "550 elsewhere")

    for status in (OutboxStatus.QUEUED, OutboxStatus.QUEUED, OutboxStatus.SENDING):
        mail(session, event, status)
    for _ in range(3):
        mail(session, event, OutboxStatus.SENT)
    mail(session, event, OutboxStatus.FAILED, "550 5.1.1 mailbox unavailable")
    mail(session, event, OutboxStatus.RETRY, "451 4.7.1 try again later", kind="confirm_email")
    mail(session, event, OutboxStatus.DROPPED)
    return Counted(event, other)


def test_figures_per_mode_match_the_hand_count(session, make):
    world = hand_counted(session, make)
    board = event_dashboard(session, world.event, now=AFTER)

    on, online = board.modes[Mode.ON_SITE], board.modes[Mode.ONLINE]
    assert (on.registered, on.counts[S.CONFIRMED], on.counts[S.PENDING], on.counts[S.WAITLISTED]) == (7, 4, 2, 1)
    assert (on.counts[S.CANCELLED], on.counts[S.EXPIRED]) == (2, 1)
    assert (online.registered, online.counts[S.CONFIRMED], online.counts[S.PENDING]) == (5, 4, 1)
    assert (online.counts[S.WAITLISTED], online.counts[S.CANCELLED], online.counts[S.EXPIRED]) == (0, 1, 0)
    # Seats: confirmed and pending hold one; the waiter waits.
    assert (on.capacity, on.taken, on.seats_left, on.percent_taken, on.waiting) == (10, 6, 4, 60, 1)
    assert (online.capacity, online.taken, online.seats_left, online.percent_taken, online.waiting) == (5, 5, 0, 100, 0)


def test_arrivals_joins_and_no_shows_come_from_the_attendance_records(session, make):
    world = hand_counted(session, make)
    board = event_dashboard(session, world.event, now=AFTER)

    assert board.arrived_on_site == 4  # three on-site seats and the online registrant at the door
    assert board.joined_online == 3
    assert board.finished
    # On site #4 and online #4; online #3 came to the door and is no no-show.
    assert board.no_shows == 2
    assert (board.modes[Mode.ON_SITE].confirmed_absent, board.modes[Mode.ONLINE].confirmed_absent) == (1, 1)


def test_no_shows_are_only_counted_once_the_event_is_over(session, make):
    world = hand_counted(session, make)
    board = event_dashboard(session, world.event, now=DURING)
    assert not board.finished
    assert board.no_shows is None
    assert board.arrived_on_site == 4


def test_arrivals_over_time_in_quarter_hours_of_berlin_time(session, make):
    world = hand_counted(session, make)
    board = event_dashboard(session, world.event, now=AFTER)

    assert board.bucket_minutes == 15
    filled = {
        bucket.starts_at.astimezone(STARTS.tzinfo): (bucket.on_site, bucket.online)
        for bucket in board.timeline
        if bucket.total
    }
    assert filled == {
        STARTS - timedelta(minutes=15): (2, 0),
        STARTS: (1, 2),
        STARTS + timedelta(minutes=15): (1, 1),
    }
    # The chart runs from half an hour before the start to the end, in steps of 15 minutes.
    assert board.timeline[0].starts_at == STARTS - timedelta(minutes=30)
    assert board.timeline[-1].starts_at == world.event.ends_at - timedelta(minutes=15)
    steps = {b.starts_at - a.starts_at for a, b in zip(board.timeline, board.timeline[1:], strict=False)}
    assert steps == {timedelta(minutes=15)}


def test_a_long_time_span_merges_buckets_so_the_chart_stays_readable(session, make):
    event = make.event(starts_at=STARTS, ends_at=STARTS + timedelta(hours=6))
    early = make.registration(event)
    attend(session, early, Mode.ON_SITE, STARTS - timedelta(days=2))  # e.g. a test scan two days before
    board = event_dashboard(session, event, now=AFTER)

    assert len(board.timeline) <= 48
    assert board.bucket_minutes in (30, 60, 120, 240, 480, 960, 1920)
    assert sum(bucket.on_site for bucket in board.timeline) == 1


def test_outbox_state_of_the_event_with_the_reasons_of_failures(session, make):
    world = hand_counted(session, make)
    board = event_dashboard(session, world.event, now=AFTER)

    assert board.outbox == {
        OutboxStatus.QUEUED: 3,  # a mail a worker is sending right now is still on its way
        OutboxStatus.RETRY: 1,
        OutboxStatus.SENT: 3,
        OutboxStatus.FAILED: 1,
    }
    problems = {(p.status, p.kind, p.error) for p in board.outbox_problems}
    assert problems == {
        (OutboxStatus.FAILED, "ticket", "550 5.1.1 mailbox unavailable"),
        (OutboxStatus.RETRY, "confirm_email", "451 4.7.1 try again later"),
    }


def test_an_online_part_without_a_meeting_link_is_flagged(session, make):
    without = make.event(attendance=EventAttendance.ONLINE, join_url=None, livestream_url=None)
    stream_only = make.event(attendance=EventAttendance.HYBRID, join_url=None, livestream_url="https://stream.example/")
    on_site = make.event(attendance=EventAttendance.ON_SITE, join_url=None)
    assert event_dashboard(session, without, now=AFTER).missing_join_link
    assert not event_dashboard(session, stream_only, now=AFTER).missing_join_link
    assert not event_dashboard(session, on_site, now=AFTER).missing_join_link


def _fill(make: Factories, event: Event, count: int) -> None:
    for index in range(count):
        mode = Mode.ON_SITE if index % 2 else Mode.ONLINE
        status = (S.CONFIRMED, S.PENDING, S.WAITLISTED, S.CANCELLED)[index % 4]
        registration = make.registration(event, mode=mode, status=status)
        if status is S.CONFIRMED and index % 3 == 0:
            attend(make.session, registration, mode, STARTS + timedelta(minutes=index))
        make.session.add(OutboxMessage(kind="ticket", to_address=f"p{index}@example.org", event_id=event.id))


def test_the_number_of_statements_does_not_grow_with_the_registrations(session, make):
    small = make.event(starts_at=STARTS, capacity_on_site=None)
    large = make.event(starts_at=STARTS, capacity_on_site=None)
    _fill(make, small, 10)
    _fill(make, large, 100)
    session.flush()

    with recorded_selects(db.engine) as few:
        small_board = event_dashboard(session, small, now=AFTER)
    with recorded_selects(db.engine) as many:
        large_board = event_dashboard(session, large, now=AFTER)

    assert sum(m.registered + m.counts[S.CANCELLED] for m in large_board.modes.values()) == 100
    assert sum(m.registered + m.counts[S.CANCELLED] for m in small_board.modes.values()) == 10
    assert len(many) == len(few) <= 6
