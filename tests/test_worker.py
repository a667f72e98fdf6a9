"""``flask worker``: one pass delivers the outbox and runs the scheduled jobs; the loop stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.commands import worker as worker_module
from eventapp.commands.worker import Job, Worker
from eventapp.models import OutboxMessage, OutboxStatus, Registration, RegistrationStatus, utcnow
from eventapp.services import outbox


def enqueue_for(session, registration, kind="manage_link", *, now, **context):
    return outbox.enqueue(
        session,
        kind,
        to_address=registration.person.email,
        now=now,
        locale="en",
        registration=registration,
        context=context,
    )


def statuses(session):
    session.expire_all()
    return {message.id: message.status for message in session.scalars(select(OutboxMessage))}


def test_worker_once_delivers_due_mail_and_exits_zero(runner, session, make, smtp_server):
    now = utcnow()
    event = make.event(title="Pausenhof")
    registrations = [make.registration(event, ticket_id=None) for _ in range(2)]
    ids = [enqueue_for(session, registration, now=now).id for registration in registrations]
    later = enqueue_for(session, registrations[0], now=now + timedelta(hours=1)).id
    addresses = sorted(registration.person.email for registration in registrations)
    session.commit()
    session.close()  # on SQLite an open transaction here would hold the write lock

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "mail sent 2, deferred 0, failed 0" in result.output
    assert sorted(message["To"] for message in smtp_server.messages) == addresses
    assert statuses(session) == {ids[0]: OutboxStatus.SENT, ids[1]: OutboxStatus.SENT, later: OutboxStatus.QUEUED}


def test_worker_once_expires_and_mails_the_promoted_in_the_same_pass(runner, session, make, smtp_server):
    now = utcnow()
    event = make.event(capacity_on_site=1)
    overdue = make.registration(
        event,
        status=RegistrationStatus.PENDING,
        email_confirmed_at=None,
        expires_at=now - timedelta(minutes=1),
        ticket_id=None,
    )
    waiting = make.registration(
        event, status=RegistrationStatus.WAITLISTED, waiting_since=now - timedelta(hours=1), ticket_id=None
    )
    overdue_id, waiting_id = overdue.id, waiting.id
    overdue_email, waiting_email = overdue.person.email, waiting.person.email
    session.commit()
    session.close()

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "sweep-expired: 1" in result.output
    assert session.get(Registration, overdue_id).status is RegistrationStatus.EXPIRED
    assert session.get(Registration, waiting_id).status is RegistrationStatus.CONFIRMED
    kinds = {message["To"]: message for message in smtp_server.messages}
    # The expired address was never confirmed: it gets nothing; the promoted person gets the ticket.
    assert set(kinds) == {waiting_email}
    assert overdue_email not in kinds
    assert "ticket.png" in [part.get_filename() for part in kinds[waiting_email].iter_attachments()]


def test_worker_once_recovers_a_message_stuck_in_sending(runner, session, make, smtp_server):
    now = utcnow()
    registration = make.registration(make.event(), ticket_id=None)
    message = enqueue_for(session, registration, now=now - timedelta(minutes=20))
    outbox.claim_due(session, now=now - timedelta(minutes=11), limit=10)  # that worker died
    message_id = message.id
    session.commit()
    session.close()

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert statuses(session) == {message_id: OutboxStatus.SENT}
    assert len(smtp_server.messages) == 1


def test_worker_once_during_an_outage_keeps_the_mail_and_exits_zero(runner, session, make, smtp_server):
    registration = make.registration(make.event(), ticket_id=None)
    message_id = enqueue_for(session, registration, now=utcnow()).id
    session.commit()
    session.close()
    smtp_server.stop()

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "deferred 1" in result.output
    message = session.get(OutboxMessage, message_id)
    assert message.status is OutboxStatus.RETRY
    assert message.next_attempt_at > utcnow()


def test_a_failing_job_is_reported_but_mail_still_goes_out(runner, session, make, smtp_server, monkeypatch):
    def broken(session, now):
        raise RuntimeError("boom")

    monkeypatch.setattr(worker_module, "JOBS", [Job("broken", broken)])
    registration = make.registration(make.event(), ticket_id=None)
    enqueue_for(session, registration, now=utcnow())
    session.commit()
    session.close()

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 1
    assert "job broken failed: RuntimeError: boom" in result.output
    assert len(smtp_server.messages) == 1


def test_worker_refuses_to_start_without_a_mail_server(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_TRANSPORT", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code != 0
    assert "MAIL_SERVER is not set" in result.output


def test_jobs_run_at_most_as_often_as_they_ask(app_ctx, smtp_server):
    clock = [utcnow()]
    calls = []
    job = Job("hourly", lambda session, now: calls.append(now), every=timedelta(hours=1))
    worker = Worker(app_ctx, jobs=[job], clock=lambda: clock[0])

    worker.run_once()
    worker.run_once()
    assert len(calls) == 1
    clock[0] += timedelta(hours=1)
    worker.run_once()
    assert len(calls) == 2


def test_the_loop_stops_cleanly_on_sigterm(app_ctx, session, make, smtp_server):
    registration = make.registration(make.event(), ticket_id=None)
    enqueue_for(session, registration, now=utcnow())
    session.commit()
    session.close()
    worker = Worker(app_ctx)
    original = signal.getsignal(signal.SIGTERM)
    signalled = threading.Event()

    def stop_when_delivered() -> None:
        deadline = time.monotonic() + 10
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.02)
        signalled.set()
        os.kill(os.getpid(), signal.SIGTERM)

    restore = worker.install_signal_handlers()
    stopper = threading.Thread(target=stop_when_delivered)
    stopper.start()
    try:
        worker.run_forever(interval=0.05)
    finally:
        restore()
        stopper.join()

    assert signalled.is_set()
    assert worker.stopping.is_set()
    assert len(smtp_server.messages) == 1
    assert signal.getsignal(signal.SIGTERM) == original


def test_a_second_signal_aborts_at_once(app_ctx):
    worker = Worker(app_ctx, jobs=[])
    restore = worker.install_signal_handlers()
    try:
        os.kill(os.getpid(), signal.SIGINT)
        assert worker.stopping.wait(1)
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)  # the handler runs between bytecodes of the main thread
    finally:
        restore()
