"""The outbox state machine: claim, retry with backoff, give up, recover abandoned sends."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from eventapp.extensions import db
from eventapp.models import OutboxMessage, OutboxStatus
from eventapp.services import outbox

HORIZON = timedelta(hours=48)


def _queue(session, now, count=1, **overrides):
    messages = [
        outbox.enqueue(session, "manage_link", to_address=f"person{index}@example.org", now=now, **overrides)
        for index in range(count)
    ]
    session.commit()
    return messages


def test_enqueue_writes_a_queued_message_due_now(session, make, now):
    event = make.event()
    registration = make.registration(event, locale="en")
    message = outbox.enqueue(
        session, "ticket", to_address="a@example.org", now=now, locale="en", registration=registration
    )
    assert message.status is OutboxStatus.QUEUED
    assert message.next_attempt_at == now
    assert message.event_id == event.id
    assert message.attempts == 0


def test_claim_takes_due_messages_oldest_first_and_marks_them_sending(session, now):
    later = outbox.enqueue(session, "waitlisted", to_address="later@example.org", now=now + timedelta(minutes=1))
    first, second = _queue(session, now, count=2)

    claimed = outbox.claim_due(session, now=now, limit=10)

    assert [message.id for message in claimed] == [first.id, second.id]
    assert all(message.status is OutboxStatus.SENDING for message in claimed)
    assert later.status is OutboxStatus.QUEUED


def test_claim_respects_the_limit(session, now):
    _queue(session, now, count=3)
    assert len(outbox.claim_due(session, now=now, limit=2)) == 2
    assert len(outbox.claim_due(session, now=now, limit=2)) == 1


def test_a_claimed_message_is_not_claimed_again(session, now):
    _queue(session, now)
    assert len(outbox.claim_due(session, now=now, limit=10)) == 1
    session.commit()
    assert outbox.claim_due(session, now=now + timedelta(minutes=5), limit=10) == []


def test_sent_and_failed_messages_are_never_claimed(session, now):
    sent, failed = _queue(session, now, count=2)
    outbox.mark_sent(sent, now=now)
    outbox.mark_failed(failed, "550 no such user", now=now)
    assert outbox.claim_due(session, now=now + timedelta(days=1), limit=10) == []


def test_mark_sent_records_time_and_attempt(session, now):
    (message,) = _queue(session, now)
    message.last_error = "451 earlier"
    outbox.mark_sent(message, now=now)
    assert (message.status, message.sent_at, message.attempts, message.last_error) == (
        OutboxStatus.SENT,
        now,
        1,
        "",
    )


def test_mark_retry_schedules_the_next_try_with_growing_backoff(session, now):
    (message,) = _queue(session, now)
    outbox.mark_retry(message, "451 try later", now=now, horizon=HORIZON)
    assert message.status is OutboxStatus.RETRY
    assert message.next_attempt_at == now + timedelta(seconds=30)
    assert message.last_error == "451 try later"

    outbox.mark_retry(message, "451 try later", now=now, horizon=HORIZON)
    assert message.next_attempt_at == now + timedelta(seconds=60)
    assert message.attempts == 2


def test_a_retried_message_is_claimed_once_its_backoff_has_passed(session, now):
    (message,) = _queue(session, now)
    outbox.claim_due(session, now=now, limit=10)
    outbox.mark_retry(message, "451", now=now, horizon=HORIZON)
    session.commit()
    assert outbox.claim_due(session, now=now + timedelta(seconds=29), limit=10) == []
    assert [m.id for m in outbox.claim_due(session, now=now + timedelta(seconds=30), limit=10)] == [message.id]


def test_backoff_doubles_and_is_capped_at_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(20) == timedelta(hours=1)


def test_mark_retry_gives_up_only_once_the_horizon_has_passed_since_the_first_rejection(session, now):
    (message,) = _queue(session, now)
    start = now + timedelta(hours=5)  # queued earlier (say, during an outage): the horizon starts at the first 4xx
    for hours in (0, 1, 24, 47.9):
        outbox.mark_retry(message, "451 still busy", now=start + timedelta(hours=hours), horizon=HORIZON)
        assert message.status is OutboxStatus.RETRY
    assert message.retry_since == start
    outbox.mark_retry(message, "451 still busy", now=start + HORIZON, horizon=HORIZON)
    assert (message.status, message.attempts, message.failed_at) == (OutboxStatus.FAILED, 5, start + HORIZON)
    assert message.last_error == "451 still busy"


def test_an_outage_does_not_start_the_horizon(session, now):
    (message,) = _queue(session, now)
    outbox.mark_retry(message, "Connection refused", now=now, horizon=None)
    outbox.mark_retry(message, "451 busy", now=now + timedelta(hours=100), horizon=HORIZON)
    assert (message.status, message.retry_since) == (OutboxStatus.RETRY, now + timedelta(hours=100))


def test_mark_retry_without_a_limit_never_gives_up(session, now):
    (message,) = _queue(session, now)
    for _ in range(30):
        outbox.mark_retry(message, "Connection refused", now=now + timedelta(days=30), horizon=None)
    assert message.status is OutboxStatus.RETRY


def test_mark_failed_keeps_the_reason_for_organizers(session, now):
    (message,) = _queue(session, now)
    outbox.mark_failed(message, "Recipient refused: 550 5.1.1 unknown   user\n", now=now)
    assert message.status is OutboxStatus.FAILED
    assert message.last_error == "Recipient refused: 550 5.1.1 unknown user"
    assert message.attempts == 1


def test_mark_failed_without_an_attempt_does_not_count_one(session, now):
    (message,) = _queue(session, now)
    outbox.mark_failed(message, "Rendering failed", now=now, attempted=False)
    assert message.attempts == 0


def test_overlong_errors_are_trimmed(session, now):
    (message,) = _queue(session, now)
    outbox.mark_failed(message, "x" * 10_000, now=now)
    assert len(message.last_error) == outbox.MAX_ERROR_LENGTH


def test_release_puts_a_message_back_without_counting_an_attempt(session, now):
    (message,) = _queue(session, now)
    outbox.claim_due(session, now=now, limit=1)
    outbox.release(message, next_attempt_at=now + timedelta(seconds=30))
    assert (message.status, message.attempts, message.next_attempt_at) == (
        OutboxStatus.QUEUED,
        0,
        now + timedelta(seconds=30),
    )


def test_messages_stuck_in_sending_are_recovered_after_ten_minutes(session, now):
    (message,) = _queue(session, now)
    outbox.claim_due(session, now=now, limit=10)  # this worker then dies
    session.commit()

    assert outbox.claim_due(session, now=now + timedelta(minutes=9), limit=10) == []
    assert message.status is OutboxStatus.SENDING

    claimed = outbox.claim_due(session, now=now + timedelta(minutes=10), limit=10)
    assert [m.id for m in claimed] == [message.id]
    assert message.attempts == 1
    assert "stopped while sending" in message.last_error


def test_recover_stuck_leaves_live_claims_alone(session, now):
    stuck, live = _queue(session, now, count=2)
    outbox.claim_due(session, now=now, limit=1)
    outbox.claim_due(session, now=now + timedelta(minutes=5), limit=1)
    recovered = outbox.recover_stuck(session, now=now + timedelta(minutes=11))
    assert [m.id for m in recovered] == [stuck.id]
    assert stuck.status is OutboxStatus.RETRY
    assert live.status is OutboxStatus.SENDING


def test_recently_mailed_limits_per_address_and_event(session, make, now):
    event = make.event()
    registration = make.registration(event)
    outbox.enqueue(session, "manage_link", to_address="a@example.org", now=now, registration=registration)
    assert outbox.recently_mailed(session, to_address="a@example.org", event_id=event.id, since=now)
    assert not outbox.recently_mailed(
        session, to_address="a@example.org", event_id=event.id, since=now + timedelta(seconds=1)
    )
    assert not outbox.recently_mailed(session, to_address="b@example.org", event_id=event.id, since=now)


def test_parallel_workers_never_claim_the_same_message(app, session, now):
    """Several worker processes at once: every message is claimed exactly once
    (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite)."""
    _queue(session, now, count=40)
    session.close()
    claims: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        with app.app_context():
            own = OrmSession(db.engine)
            try:
                barrier.wait()
                mine: list[int] = []
                while batch := outbox.claim_due(own, now=now, limit=3):
                    mine += [message.id for message in batch]
                    own.commit()
                claims.append(mine)
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                own.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    claimed = [message_id for mine in claims for message_id in mine]
    assert len(claimed) == len(set(claimed)) == 40
    statuses = set(session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.SENDING}


def test_requeue_puts_failed_mail_back_with_a_fresh_horizon(session, now):
    early, late, sent = _queue(session, now, count=3)
    outbox.mark_retry(early, "451 busy", now=now, horizon=HORIZON)
    outbox.mark_retry(early, "451 busy", now=now + HORIZON, horizon=HORIZON)
    outbox.mark_failed(late, "550 unknown user", now=now + timedelta(days=3))
    outbox.mark_sent(sent, now=now)
    session.flush()

    later = now + timedelta(days=4)
    assert outbox.requeue_failed(session, now=later, failed_since=now + timedelta(days=2, hours=1)) == 1
    assert (late.status, late.next_attempt_at, late.failed_at) == (OutboxStatus.QUEUED, later, None)
    assert early.status is OutboxStatus.FAILED

    assert outbox.requeue_failed(session, now=later) == 1
    assert (early.status, early.retry_since, early.attempts) == (OutboxStatus.QUEUED, None, 2)
    assert early.last_error == "451 busy"  # kept until it is sent
    assert sent.status is OutboxStatus.SENT
    assert outbox.requeue_failed(session, now=later) == 0
    assert {m.id for m in outbox.claim_due(session, now=later, limit=10)} == {early.id, late.id}
