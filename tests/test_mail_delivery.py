"""Delivery under hostile relays (issue 6, Part 3 §1–2), against real aiosmtpd servers.

- A relay without SMTPUTF8: an internationalised address is that message's failure
  (or goes out with its domain in punycode), never the batch's.
- A relay answering 451 for a long time: retried for MAIL_RETRY_HOURS from the first
  rejection (clock driven across the horizon), then failed; ``requeue-mail`` puts it back.
- A "please confirm" mail whose registration no longer awaits confirmation is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from eventapp import mail
from eventapp.models import Mode, OutboxMessage, OutboxStatus, RegistrationStatus, SeriesRegistrationStatus
from eventapp.services import events, outbox
from eventapp.services.audit import CLI
from eventapp.services.submission import normalize_email
from tests.smtp_server import SMTPServer

HORIZON = timedelta(hours=48)


@pytest.fixture
def relay(app: Flask) -> Iterator[SMTPServer]:
    """A relay that does NOT offer SMTPUTF8 (like many), the app's mail settings pointing at it."""
    yield from _serve(app, SMTPServer(smtputf8=False))


@pytest.fixture
def utf8_relay(app: Flask) -> Iterator[SMTPServer]:
    yield from _serve(app, SMTPServer(smtputf8=True))


def _serve(app: Flask, server: SMTPServer) -> Iterator[SMTPServer]:
    server.start()
    saved = {key: app.config.get(key) for key in ("MAIL_TRANSPORT", "MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_TRANSPORT="smtp", MAIL_SERVER=server.host, MAIL_PORT=server.port, MAIL_TIMEOUT=5)
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved)


def _queue_for(session, make, now, addresses: list[str]) -> list[OutboxMessage]:
    event = make.event()
    messages = []
    for address in addresses:
        registration = make.registration(event, person=make.person(email=address))
        messages.append(outbox.mail_registrant(session, registration, "manage_link", now=now, waitlisted=False))
    session.commit()
    return messages


# --- Part 3 §1: internationalised addresses through a relay without SMTPUTF8 ----------------


def test_normalisation_turns_punycode_into_unicode():
    """The premise: whatever was typed, the stored address is Unicode."""
    assert normalize_email("Berta@xn--bcher-kva.example") == "berta@bücher.example"


def test_one_address_the_relay_cannot_take_never_holds_up_the_batch(session, make, relay, now):
    plain = [f"person{index}@example.org" for index in range(27)]
    local_unicode = "jörg@example.org"
    domain_unicode = "anna@bücher.example"
    typed_in_punycode = normalize_email("berta@xn--bcher-kva.example")
    addresses = plain[:10] + [local_unicode] + plain[10:20] + [domain_unicode, typed_in_punycode] + plain[20:]
    messages = _queue_for(session, make, now, addresses)
    by_address = {message.to_address: message.id for message in messages}

    report = mail.deliver_outbox(session, now=now, limit=30)

    assert report.failed == [by_address[local_unicode]]
    assert report.released == [] and report.retried == []
    assert len(report.sent) == 29
    failed = session.get(OutboxMessage, by_address[local_unicode])
    assert failed.status is OutboxStatus.FAILED and failed.failed_at == now
    assert "SMTPUTF8" in failed.last_error
    # Only the domain was non-ASCII: the same mailbox, spelled in punycode, envelope and header.
    pairs = zip(relay.handler.envelopes, relay.messages, strict=True)
    envelopes = {rcpts[0]: message for (_sender, rcpts), message in pairs}
    assert envelopes["anna@xn--bcher-kva.example"]["To"] == "anna@xn--bcher-kva.example"
    assert "berta@xn--bcher-kva.example" in envelopes
    assert local_unicode not in relay.handler.rcpt_attempts
    # Nothing is left waiting: a second pass finds no due mail.
    assert mail.deliver_outbox(session, now=now + timedelta(hours=1)).handled == 0


def test_a_relay_with_smtputf8_gets_the_address_as_it_is(session, make, utf8_relay, now):
    (message,) = _queue_for(session, make, now, ["jörg@bücher.example"])
    report = mail.deliver_outbox(session, now=now)
    assert report.sent == [message.id]
    assert utf8_relay.handler.envelopes[0][1] == ["jörg@bücher.example"]
    assert utf8_relay.messages[0]["To"] == "jörg@bücher.example"


def test_ascii_address_spells_only_the_domain_in_punycode():
    assert mail.ascii_address("anna@bücher.example") == "anna@xn--bcher-kva.example"
    assert mail.ascii_address("anna@example.org") == "anna@example.org"
    with pytest.raises(mail.UnsupportedMessage, match="SMTPUTF8"):
        mail.ascii_address("jörg@example.org")


# --- Part 3 §2: a relay answering 451 for a long time -------------------------------------


def _drive(session, message_id: int, start, *, until, horizon=HORIZON) -> list:
    """Run the worker at each moment the message is due (a frozen clock stepped by hand)."""
    clock, seen = start, []
    while clock <= until:
        mail.deliver_outbox(session, now=clock, retry_horizon=horizon)
        message = session.get(OutboxMessage, message_id)
        seen.append((clock, message.status))
        if message.status in (OutboxStatus.SENT, OutboxStatus.FAILED):
            break
        clock = message.next_attempt_at
        session.commit()
    return seen


def test_451_for_an_hour_loses_nothing(session, make, relay, now):
    """The probe's case: eight 4xx answers (about 63 minutes of backoff) used to fail the message for good."""
    (message,) = _queue_for(session, make, now, ["busy@example.org"])
    relay.fail_temporarily("busy@example.org", times=8)
    seen = _drive(session, message.id, now, until=now + timedelta(hours=3))
    assert seen[-1][1] is OutboxStatus.SENT
    assert seen[-1][0] - now > timedelta(hours=1)
    assert len(relay.messages) == 1


def test_451_is_retried_across_the_horizon_then_fails_and_requeue_mail_sends_it(app, session, make, relay, now, runner):
    busy, fine = _queue_for(session, make, now, ["busy@example.org", "fine@example.org"])
    relay.fail_temporarily("busy@example.org", times=10_000)

    first = mail.deliver_outbox(session, now=now)
    assert (first.retried, first.sent) == ([busy.id], [fine.id])  # the other mail is not held back

    seen = _drive(session, busy.id, session.get(OutboxMessage, busy.id).next_attempt_at, until=now + timedelta(days=4))
    retries = [moment for moment, status in seen if status is OutboxStatus.RETRY]
    failed_at, status = seen[-1]
    assert status is OutboxStatus.FAILED
    assert max(retries) < now + HORIZON <= failed_at < now + HORIZON + timedelta(hours=1)
    message = session.get(OutboxMessage, busy.id)
    assert "451" in message.last_error and message.failed_at == failed_at
    attempts = relay.handler.rcpt_attempts["busy@example.org"]
    assert attempts == message.attempts and 50 <= attempts <= 70  # pauses grow to an hour, not beyond
    session.commit()

    # Later the relay is well again: the operator puts the failed mail back.
    relay.handler.fail_temporarily("busy@example.org", times=0)
    result = runner.invoke(args=["requeue-mail", "--failed-since", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [
        "Requeued 1 failed message(s) that failed since 2026-11-24 00:00 CET; the worker sends them on its next pass."
    ]
    session.expire_all()
    requeued = session.get(OutboxMessage, busy.id)
    assert (requeued.status, requeued.retry_since) == (OutboxStatus.QUEUED, None)
    report = mail.deliver_outbox(session, now=requeued.next_attempt_at)
    assert report.sent == [busy.id]
    assert [m["To"] for m in relay.messages] == ["fine@example.org", "busy@example.org"]


def test_a_permanent_rejection_still_fails_at_once(session, make, relay, now):
    (message,) = _queue_for(session, make, now, ["gone@example.org"])
    relay.reject("gone@example.org")
    assert mail.deliver_outbox(session, now=now).failed == [message.id]
    assert session.get(OutboxMessage, message.id).failed_at == now


def test_requeue_mail_answers_in_one_line(runner, session, make, now):
    (message,) = _queue_for(session, make, now, ["x@example.org"])
    outbox.mark_failed(message, "550 no", now=now)
    session.commit()

    later = runner.invoke(args=["requeue-mail", "--failed-since", "2026-11-22T10:30+01:00"])
    assert (later.exit_code, later.output) == (0, "No failed mail that failed since 2026-11-22 10:30 CET to requeue.\n")
    for bad in ("yesterday", "2026-13-01", "2026-11-22T25:00"):
        result = runner.invoke(args=["requeue-mail", "--failed-since", bad])
        assert result.exit_code != 0
        assert len(result.output.strip().splitlines()) == 1 and "--failed-since" in result.output
    everything = runner.invoke(args=["requeue-mail"])
    assert (everything.exit_code, everything.output.count("\n")) == (0, 1)
    assert "Requeued 1 failed message(s);" in everything.output


# --- Part 3 §2: "please confirm" mails that no longer apply -------------------------------


def test_confirm_mails_are_dropped_once_the_registration_no_longer_awaits_confirmation(session, make, relay, now):
    event = make.event(starts_at=now + timedelta(days=10))
    other = make.event(starts_at=now + timedelta(days=10))

    def pending(target, **values):
        registration = make.registration(
            target, status=RegistrationStatus.PENDING, email_confirmed_at=None, expires_at=now + timedelta(hours=24)
        )
        for key, value in values.items():
            setattr(registration, key, value)
        session.flush()
        return registration, outbox.mail_registrant(session, registration, "confirm_email", now=now, waitlisted=False)

    still_pending, mail_pending = pending(other)
    _waiter, mail_waiter = pending(other, status=RegistrationStatus.WAITLISTED)
    _expired, mail_expired = pending(other, status=RegistrationStatus.EXPIRED)
    _late, mail_overdue = pending(other, expires_at=now - timedelta(minutes=1))
    _confirmed, mail_confirmed = pending(other, status=RegistrationStatus.CONFIRMED, email_confirmed_at=now)
    _cancelled_with_event, mail_event = pending(event)
    session.commit()
    events.cancel_event(session, event, now=now, actor=CLI, message="Die Halle ist gesperrt.")
    session.commit()

    report = mail.deliver_outbox(session, now=now + timedelta(minutes=1), limit=50)

    dropped = {mail_expired.id, mail_overdue.id, mail_confirmed.id, mail_event.id}
    assert set(report.dropped) == dropped
    assert {mail_pending.id, mail_waiter.id} <= set(report.sent)
    for message_id in dropped:
        message = session.get(OutboxMessage, message_id)
        assert message.status is OutboxStatus.DROPPED and message.attempts == 0
        assert message.last_error.startswith("Not sent")
    sent_ids = {int(str(m["Message-ID"]).split(".")[1]) for m in relay.messages}
    assert sent_ids.isdisjoint(dropped)
    assert {mail_pending.id, mail_waiter.id} <= sent_ids
    assert still_pending.status is RegistrationStatus.PENDING


def test_a_series_confirm_mail_is_dropped_when_the_series_registration_ended(session, make, relay, now):
    from eventapp.models import SeriesRegistration

    series = make.series()
    person = make.person(email="serie@example.org")
    found = SeriesRegistration(
        series=series,
        person=person,
        given_name="Erika",
        family_name="Mustermann",
        organization="Stadt Olpe",
        status=SeriesRegistrationStatus.CANCELLED,
        mode=Mode.ONLINE,
        locale="de",
    )
    session.add(found)
    session.flush()
    message = outbox.enqueue(
        session,
        "series_confirm_email",
        to_address=person.email,
        now=now,
        series_registration_id=found.id,
    )
    session.commit()
    report = mail.deliver_outbox(session, now=now)
    assert report.dropped == [message.id]
    assert relay.messages == []
