"""Reminders through ``flask worker`` to a real SMTP server: each one exactly once — across two
runs, several worker threads at once and two worker processes at once — with the ticket on
site, and not after a cancellation, the start or an outage's missed moment."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from eventapp.commands.worker import Worker
from eventapp.keys import current_keyring
from eventapp.models import Event, Mode, OutboxMessage, OutboxStatus, Registration, ReminderSent, utcnow
from eventapp.services import reminders
from eventapp.services.tickets import qr_png, ticket_token, verify_ticket
from eventapp.templating import moment

ROOT = Path(__file__).resolve().parent.parent


def reminder_mails(smtp_server):
    return [mail for mail in smtp_server.messages if "Erinnerung" in mail["Subject"] or "Reminder" in mail["Subject"]]


def attachments(mail) -> list[str]:
    return [str(part.get_filename()) for part in mail.iter_attachments()]


def text_of(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def html_of(mail) -> str:
    return mail.get_body(preferencelist=("html",)).get_content()


def moment_in_english(value) -> str:
    """How mails write a time in English (Berlin time), as the join block does."""
    with force_locale("en"):
        return moment(value)


def event_in_50_minutes(make, now, **overrides) -> Event:
    values = {
        "title": "Smart Cities: Austausch",
        "starts_at": now + timedelta(minutes=50),
        "venue": "Sauerlandhalle",
        "address": "Hauptstraße 1, 59821 Arnsberg",
        "join_url": "https://meet.example.org/geheimer-raum",
    }
    return make.event(**{**values, **overrides})


def test_worker_once_delivers_the_reminder_once_across_two_runs(runner, session, make, smtp_server):
    now = utcnow()
    event = event_in_50_minutes(make, now)
    on_site = make.registration(event, mode=Mode.ON_SITE, ticket_id="remind-on-site", ticket_serial=1)
    online = make.registration(event, mode=Mode.ONLINE, ticket_id="remind-online", ticket_serial=1, locale="en")
    addresses = sorted([on_site.person.email, online.person.email])
    session.commit()
    session.close()

    first = runner.invoke(args=["worker", "--once"])
    second = runner.invoke(args=["worker", "--once"])

    assert first.exit_code == 0, first.output
    assert "reminders: 2" in first.output and "mail sent 2" in first.output
    assert second.exit_code == 0, second.output
    assert "reminders: 0" in second.output and "mail sent 0" in second.output
    mails = reminder_mails(smtp_server)
    assert sorted(mail["To"] for mail in mails) == addresses
    statuses = set(session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == reminders.KIND)))
    assert statuses == {OutboxStatus.SENT}


def test_the_on_site_reminder_carries_the_ticket_in_german_with_time_place_and_manage_link(
    app, session, make, smtp_server
):
    now = utcnow().replace(month=1, day=5, hour=8, minute=0, second=0, microsecond=0) + timedelta(days=366)
    event = event_in_50_minutes(make, now)  # 08:50 UTC in winter: 09:50 in Berlin
    registration = make.registration(event, mode=Mode.ON_SITE, ticket_id="remind-qr", ticket_serial=1)
    token = ticket_token(current_keyring(), registration)
    manage, event_id = f"http://localhost/r/{registration.manage_token}", event.id
    session.commit()

    Worker(app, clock=lambda: now).run_once()

    [mail] = reminder_mails(smtp_server)
    assert str(mail["Subject"]).strip().startswith("Erinnerung: Smart Cities: Austausch beginnt am ")
    assert mail["Content-Language"] == "de"
    body = text_of(mail)
    assert "09:50" in body and "08:50" not in body  # Europe/Berlin
    assert "Sauerlandhalle, Hauptstraße 1, 59821 Arnsberg" in body
    assert manage in body.splitlines() and manage in html_of(mail)
    assert "ticket.png" in body
    assert attachments(mail) == ["ticket.png"]
    [png] = list(mail.iter_attachments())
    assert png.get_content() == qr_png(token)  # the ticket mail's QR, drawn by the same code
    verify_ticket(current_keyring(), token, event_id=event_id)
    assert "geheimer-raum" not in body and "geheimer-raum" not in html_of(mail)
    assert mail.get_content_type() == "multipart/mixed"
    assert not [part for part in mail.walk() if part.get_content_type() == "text/calendar"]


def test_the_online_reminder_has_no_qr_and_no_meeting_url(app, session, make, smtp_server):
    now = utcnow()
    event = event_in_50_minutes(make, now)
    make.registration(
        event, mode=Mode.ONLINE, ticket_id="remind-online-2", ticket_serial=1, locale="en", join_token="own-join-token"
    )
    session.commit()

    Worker(app, clock=lambda: now).run_once()

    [mail] = reminder_mails(smtp_server)
    assert str(mail["Subject"]).strip().startswith("Reminder: Smart Cities: Austausch starts on ")
    assert attachments(mail) == []
    opens = moment_in_english(now + timedelta(minutes=50 - 30))  # JOIN_WINDOW_MINUTES before the start
    assert "http://localhost/j/own-join-token" in text_of(mail).splitlines()
    assert 'href="http://localhost/j/own-join-token"' in html_of(mail)
    assert f"From {opens}" in " ".join(text_of(mail).split())
    for body in (text_of(mail), html_of(mail)):
        assert "geheimer-raum" not in body and "meet.example.org" not in body
        assert "QR" not in body and "ticket.png" not in body
        assert "Sauerlandhalle" not in body  # they take part online


def test_after_an_outage_the_worker_sends_only_the_latest_due_reminder(app, session, make, smtp_server):
    now = utcnow()
    event = event_in_50_minutes(make, now)
    registration = make.registration(event, confirmed_at=now - timedelta(days=3))
    registration_id = registration.id
    session.commit()

    # Down since two days before the start: now both moments have passed.
    Worker(app, clock=lambda: now).run_once()
    Worker(app, clock=lambda: now + timedelta(minutes=10)).run_once()

    assert len(reminder_mails(smtp_server)) == 1
    sent = session.scalars(select(ReminderSent.offset_minutes).where(ReminderSent.registration_id == registration_id))
    assert list(sent) == [60]


def test_no_reminders_for_an_event_that_has_started(app, session, make, smtp_server):
    now = utcnow()
    make.registration(event_in_50_minutes(make, now, starts_at=now - timedelta(minutes=1)))
    session.commit()
    Worker(app, clock=lambda: now).run_once()
    assert reminder_mails(smtp_server) == []


def _people(session, make, now, count: int) -> list[int]:
    event = event_in_50_minutes(make, now)
    ids = [
        make.registration(event, mode=Mode.ONLINE if n % 2 else Mode.ON_SITE, ticket_id=f"par-{n}", ticket_serial=1).id
        for n in range(count)
    ]
    session.commit()
    session.close()
    return ids


def _exactly_one_each(session, smtp_server, ids: list[int]) -> None:
    mails = reminder_mails(smtp_server)
    emails = {session.get(Registration, id_).person.email for id_ in ids}
    assert Counter(mail["To"] for mail in mails) == dict.fromkeys(emails, 1)
    assert session.scalar(select(ReminderSent.id).where(ReminderSent.registration_id.not_in(ids))) is None
    assert len(list(session.scalars(select(ReminderSent.id)))) == len(ids)


def test_concurrent_workers_send_each_reminder_exactly_once(app, session, make, smtp_server):
    """Four workers at once with the same clock: the unique record decides (INSERT … ON CONFLICT
    DO NOTHING; on PostgreSQL the losers wait for the winner's commit and insert nothing)."""
    now = utcnow()
    ids = _people(session, make, now, 12)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with app.app_context():
                worker = Worker(app, clock=lambda: now)
                barrier.wait()
                report = worker.run_once()
                assert not report.failed_jobs, report.failed_jobs
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    _exactly_one_each(session, smtp_server, ids)


def test_two_worker_processes_at_once_send_each_reminder_exactly_once(app, database_url, session, make, smtp_server):
    now = utcnow()
    ids = _people(session, make, now, 10)
    env = {
        **os.environ,
        "EVENTAPP_CONFIG": "testing",
        "DATABASE_URL": database_url,
        "MAIL_SERVER": smtp_server.host,
        "MAIL_PORT": str(smtp_server.port),
        "TICKET_SIGNING_KEY_FILE": app.config["TICKET_SIGNING_KEY_FILE"],
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]

    assert [process.returncode for process in processes] == [0, 0], outputs
    assert sorted(int(out.split("reminders: ")[1].split(";")[0].split()[0]) for out in outputs)[-1] <= len(ids)
    assert sum(int(out.split("reminders: ")[1].split(";")[0].split()[0]) for out in outputs) == len(ids)
    _exactly_one_each(session, smtp_server, ids)
