"""Reminders (issue 8 Part 3): which reminder is due, exactly once, only before the start, only to
confirmed registrations that had it coming; queued ones that no longer apply are dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from eventapp.mail import deliver_outbox
from eventapp.models import (
    EventStatus,
    Mode,
    OutboxMessage,
    RegistrationStatus,
    ReminderSent,
)
from eventapp.services import registration as registrations
from eventapp.services import reminders
from eventapp.services.errors import ValidationError

DAY, HOUR = 1440, 60


def queued(session) -> list[tuple[int, int]]:
    """(registration id, offset) of every reminder mail in the outbox."""
    return sorted(
        (message.registration_id, message.context["offset"])
        for message in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == reminders.KIND))
    )


def only_reminder(session) -> OutboxMessage:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.kind == reminders.KIND)).one()


@pytest.fixture
def soon(make, now):
    """An event starting 50 minutes after ``now`` (both reminders' moments have passed)."""
    return make.event(starts_at=now + timedelta(minutes=50))


def test_the_latest_due_reminder_is_the_shortest_offset_whose_moment_has_passed(make, now):
    event = make.event(starts_at=now + timedelta(days=3))
    assert event.reminder_offsets == [DAY, HOUR]
    assert reminders.due_offset(event, now) is None
    assert reminders.due_offset(event, event.starts_at - timedelta(days=1)) == DAY
    assert reminders.due_offset(event, event.starts_at - timedelta(hours=2)) == DAY
    assert reminders.due_offset(event, event.starts_at - timedelta(hours=1)) == HOUR
    assert reminders.due_offset(event, event.starts_at - timedelta(minutes=1)) == HOUR
    assert reminders.due_offset(event, event.starts_at) is None  # started: nothing any more
    event.reminder_offsets = []
    assert reminders.due_offset(event, event.starts_at - timedelta(minutes=1)) is None


def test_each_confirmed_registration_gets_the_reminder_once_across_two_runs(session, make, now, soon):
    on_site = make.registration(soon, mode=Mode.ON_SITE)
    online = make.registration(soon, mode=Mode.ONLINE)
    make.registration(soon, status=RegistrationStatus.PENDING)
    make.registration(soon, status=RegistrationStatus.WAITLISTED)
    make.registration(soon, status=RegistrationStatus.CANCELLED)

    assert reminders.send_due_reminders(session, now=now) == 2
    assert reminders.send_due_reminders(session, now=now + timedelta(minutes=5)) == 0

    assert queued(session) == sorted([(on_site.id, HOUR), (online.id, HOUR)])
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.registration_id == online.id))
    assert (message.to_address, message.locale) == (online.person.email, online.locale)
    assert message.context == {"offset": HOUR, "starts_at": soon.starts_at.isoformat()}
    assert session.scalar(select(ReminderSent).where(ReminderSent.registration_id == online.id)).created_at == now


def test_after_an_outage_only_the_latest_due_reminder_goes_out(session, make, now):
    # The worker was down from two days before until 30 minutes before the start.
    event = make.event(starts_at=now + timedelta(minutes=30))
    registration = make.registration(event, confirmed_at=now - timedelta(days=5))

    assert reminders.send_due_reminders(session, now=now) == 1
    assert queued(session) == [(registration.id, HOUR)]  # the one-day reminder is skipped, not sent late


def test_the_day_reminder_goes_out_in_its_window_and_the_hour_reminder_later(session, make, now):
    event = make.event(starts_at=now + timedelta(days=1))
    registration = make.registration(event, confirmed_at=now - timedelta(days=5))

    assert reminders.send_due_reminders(session, now=now - timedelta(minutes=1)) == 0  # not yet
    assert reminders.send_due_reminders(session, now=now) == 1
    assert reminders.send_due_reminders(session, now=now + timedelta(hours=22)) == 0
    assert reminders.send_due_reminders(session, now=now + timedelta(hours=23)) == 1
    assert reminders.send_due_reminders(session, now=now + timedelta(hours=23, minutes=30)) == 0
    assert queued(session) == [(registration.id, HOUR), (registration.id, DAY)]


def test_someone_confirmed_after_a_reminders_moment_does_not_get_it_late(session, make, now):
    event = make.event(starts_at=now + timedelta(hours=3))
    early = make.registration(event, confirmed_at=now - timedelta(days=2))
    late = make.registration(event, confirmed_at=now - timedelta(minutes=5))  # 3 h before: after the 1-day moment

    assert reminders.send_due_reminders(session, now=now) == 1
    assert queued(session) == [(early.id, DAY)]

    # The hour reminder reaches both: each was confirmed before its moment.
    assert reminders.send_due_reminders(session, now=now + timedelta(hours=2)) == 2
    assert queued(session) == sorted([(early.id, DAY), (early.id, HOUR), (late.id, HOUR)])


def test_no_reminder_for_an_event_that_has_started_or_is_cancelled_or_a_draft(session, make, now):
    for starts_at, status in (
        (now - timedelta(minutes=1), EventStatus.PUBLISHED),
        (now, EventStatus.PUBLISHED),
        (now + timedelta(minutes=30), EventStatus.CANCELLED),
        (now + timedelta(minutes=30), EventStatus.DRAFT),
    ):
        make.registration(make.event(starts_at=starts_at, status=status))

    assert reminders.send_due_reminders(session, now=now) == 0
    assert queued(session) == []


def test_no_reminder_after_a_cancellation(session, make, now, soon):
    registration = make.registration(soon, confirmed_at=now - timedelta(days=1), ticket_id="t-cancelled")
    registrations.cancel(session, registration, now=now - timedelta(minutes=1), notify=False)

    assert reminders.send_due_reminders(session, now=now) == 0
    assert queued(session) == []


def test_a_queued_reminder_is_dropped_when_the_registration_is_cancelled_before_delivery(
    session, make, now, soon, smtp_server
):
    registration = make.registration(soon, ticket_id="t-1")
    reminders.remind(session, soon, HOUR, now=now)
    message = only_reminder(session)
    registrations.cancel(session, registration, now=now, notify=False)
    session.commit()

    report = deliver_outbox(session, now=now + timedelta(minutes=1))

    assert report.dropped == [message.id]
    assert "cancelled" in session.get(OutboxMessage, message.id).last_error
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("delivered_after", "reason"),
    [
        (timedelta(hours=24), "the event has started"),  # the mail server was down past the start
        (timedelta(hours=23, minutes=30), "a later reminder is due"),  # the hour reminder replaces it
    ],
)
def test_a_queued_reminder_that_is_no_longer_useful_is_dropped_unsent(
    session, make, now, smtp_server, delivered_after, reason
):
    event = make.event(starts_at=now + timedelta(days=1))
    make.registration(event, ticket_id="t-2")
    reminders.remind(session, event, DAY, now=now)
    message = only_reminder(session)
    session.commit()

    report = deliver_outbox(session, now=now + delivered_after)

    assert report.dropped == [message.id]
    assert reason in session.get(OutboxMessage, message.id).last_error
    assert smtp_server.messages == []


def test_a_moved_event_is_reminded_again_for_its_new_start_and_the_old_mail_is_dropped(session, make, now, smtp_server):
    event = make.event(starts_at=now + timedelta(minutes=50))
    registration = make.registration(event, ticket_id="t-3")
    reminders.remind(session, event, HOUR, now=now)
    old = only_reminder(session)
    event.starts_at = now + timedelta(days=7, minutes=50)
    session.commit()

    assert deliver_outbox(session, now=now).dropped == [old.id]
    assert "moved" in session.get(OutboxMessage, old.id).last_error
    later = now + timedelta(days=7)
    assert reminders.send_due_reminders(session, now=later) == 1
    assert queued(session) == [(registration.id, HOUR), (registration.id, HOUR)]


def test_an_event_without_reminders_sends_none(session, make, now):
    event = make.event(starts_at=now + timedelta(minutes=50), reminder_offsets=[])
    make.registration(event)
    assert reminders.send_due_reminders(session, now=now) == 0


def test_one_statement_per_event_and_offset_however_many_registrations(session, make, now, soon):
    def statements_for(count: int) -> int:
        event = make.event(starts_at=now + timedelta(minutes=50))
        for _ in range(count):
            make.registration(event)
        session.flush()
        seen: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        engine = session.get_bind()
        sa_event.listen(engine, "before_cursor_execute", record)
        try:
            assert len(reminders.remind(session, event, HOUR, now=now)) == count
        finally:
            sa_event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    assert statements_for(3) == statements_for(40)


@pytest.mark.parametrize(
    "values",
    [[0], [-60], [reminders.MAX_OFFSET_MINUTES + 1], ["60"], [1.5], [True], list(range(1, 9))],
)
def test_offsets_are_checked(values):
    with pytest.raises(ValidationError) as raised:
        reminders.clean_offsets(values)
    assert raised.value.fields == {"reminder_offsets": "invalid"}


def test_offsets_are_kept_distinct_and_longest_first():
    assert reminders.clean_offsets([60, 1440, 60, 15]) == [1440, 60, 15]
    assert reminders.clean_offsets([]) == []
