"""Mail rendering and delivery through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import io
import re
import smtplib
from datetime import timedelta
from email import message_from_bytes, policy

import icalendar
import pytest

from eventapp import mail
from eventapp.keys import current_keyring
from eventapp.models import CancelReason, EventAttendance, Mode, OutboxMessage, OutboxStatus, RegistrationStatus
from eventapp.services import outbox
from eventapp.services.tickets import new_ticket_id, qr_png, ticket_token
from tests.helpers import without_links

BASE = "http://localhost"

PLAIN = ("multipart/alternative", ["text/plain", "text/html"])
INVITE = "multipart/mixed", [("multipart/alternative", ["text/plain", "text/html", "text/calendar"]), "application/ics"]
TICKET = (
    "multipart/mixed",
    [("multipart/alternative", ["text/plain", "text/html", "text/calendar"]), "image/png", "application/ics"],
)

CONFIRMED = {"status": RegistrationStatus.CONFIRMED}
PENDING = {"status": RegistrationStatus.PENDING, "email_confirmed_at": None}

#: kind -> (registration state, context, layout, link that must be in the mail)
KINDS = {
    "confirm_email": (PENDING, {"waitlisted": False}, PLAIN, "confirm"),
    "ticket": (CONFIRMED, {"reason": "confirmed"}, TICKET, "manage"),
    "waitlisted": ({"status": RegistrationStatus.WAITLISTED}, {"mode": "on_site"}, PLAIN, "manage"),
    "waiting_for": ({**CONFIRMED, "waiting_for": Mode.ONLINE}, {"mode": "online"}, PLAIN, "manage"),
    "manage_link": (CONFIRMED, {"waitlisted": False}, PLAIN, "manage"),
    "cancelled": (
        {"status": RegistrationStatus.CANCELLED, "cancel_reason": CancelReason.CANCELLED},
        {"reason": "cancelled", "had_ticket": True},
        INVITE,
        "event",
    ),
    # The update replaces the calendar entry and carries the QR ticket like the ticket mail (issue 6, Part 2 §1).
    "event_updated": (CONFIRMED, {"changed": ["starts_at"]}, TICKET, "manage"),
    "event_cancelled": (
        {"status": RegistrationStatus.CANCELLED, "cancel_reason": CancelReason.EVENT_CANCELLED},
        {"message": "Die Halle ist gesperrt."},
        INVITE,
        "events",
    ),
}


def structure(message):
    if message.is_multipart():
        return (message.get_content_type(), [structure(part) for part in message.iter_parts()])
    return message.get_content_type()


def parts(message, content_type):
    return [part for part in message.walk() if part.get_content_type() == content_type]


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def event(make):
    return make.event(title="Smart Cities: Konferenz", slug="konferenz")


@pytest.fixture
def registration_for(make, event, now):
    def build(locale="de", **state):
        values = {
            "locale": locale,
            "ticket_id": new_ticket_id(),
            "ticket_serial": 1,
            "expires_at": now + timedelta(hours=24),
            "email_confirmed_at": now,
        }
        values.update(state)
        if values["status"] in (RegistrationStatus.PENDING, RegistrationStatus.EXPIRED):
            values["ticket_id"], values["ticket_serial"] = None, 0
        return make.registration(event, **values)

    return build


def send(session, registration, kind, now, **context):
    message = outbox.mail_registrant(session, registration, kind, now=now, **context)
    session.commit()
    return message


@pytest.mark.parametrize("locale", ["de", "en"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_delivered_in_the_persons_language(
    kind, locale, session, registration_for, event, smtp_server, now
):
    state, context, layout, link = KINDS[kind]
    registration = registration_for(locale, **state)
    message = send(session, registration, kind, now, **context)

    report = mail.deliver_outbox(session, now=now)

    assert report.sent == [message.id]
    (received,) = smtp_server.messages
    assert received["To"] == registration.person.email
    assert smtp_server.handler.envelopes[0] == ("noreply@localhost", [registration.person.email])
    assert structure(received) == layout
    assert "Smart Cities: Konferenz" in received["Subject"]
    assert received["Content-Language"] == locale
    assert f'<html lang="{locale}">' in html_of(received)
    month = "März" if locale == "de" else "March"
    assert month in text_of(received)

    expected_link = {
        "manage": f"{BASE}/r/{registration.manage_token}",
        "confirm": f"{BASE}/r/{registration.manage_token}/confirm",
        "event": f"{BASE}/events/konferenz",
        "events": f"{BASE}/",
    }[link]
    assert expected_link in text_of(received)
    assert f'href="{expected_link}"' in html_of(received)
    assert session.get(OutboxMessage, message.id).status is OutboxStatus.SENT


def test_english_subjects_name_the_event(session, registration_for, smtp_server, now):
    registration = registration_for("en", **CONFIRMED)
    send(session, registration, "ticket", now, reason="confirmed")
    send(session, registration, "ticket", now, reason="promoted")
    mail.deliver_outbox(session, now=now)
    assert [m["Subject"] for m in smtp_server.messages] == [
        "Your ticket: Smart Cities: Konferenz",
        "A seat has become free for you: Smart Cities: Konferenz",
    ]


def test_mails_name_a_series_date_with_its_topic_as_the_calendar_does(
    session, registration_for, event, smtp_server, now
):
    # Regression: the feeds' SUMMARY said "Pausenhof: Open Data" while the mails said "Pausenhof".
    event.topic = "Open Data"
    registration = registration_for("de", **CONFIRMED)
    send(session, registration, "ticket", now, reason="confirmed")
    mail.deliver_outbox(session, now=now)

    (received,) = smtp_server.messages
    assert received["Subject"] == "Ihr Ticket: Smart Cities: Konferenz: Open Data"
    assert "Smart Cities: Konferenz: Open Data" in text_of(received)
    assert "Smart Cities: Konferenz: Open Data" in html_of(received)


def test_english_mails_write_dates_the_british_way_with_the_24_hour_clock(session, registration_for, smtp_server, now):
    registration = registration_for("en", **PENDING)
    send(session, registration, "confirm_email", now, waitlisted=False)
    mail.deliver_outbox(session, now=now)

    (received,) = smtp_server.messages
    body = " ".join(text_of(received).split())
    assert "Thursday, 18 March 2027, 10:00–16:00" in body
    assert "Monday, 23 November 2026, 10:00" in body  # the confirmation deadline
    # A 12-hour time would read "10:00 AM"; the random tokens in the links may hold "AM" anywhere.
    assert re.search(r"\d\s?[AP]M\b", body) is None


def test_ticket_mail_carries_qr_and_invitation(session, registration_for, event, smtp_server, now):
    registration = registration_for("de", **CONFIRMED)
    send(session, registration, "ticket", now, reason="confirmed")
    mail.deliver_outbox(session, now=now)
    (received,) = smtp_server.messages

    (png,) = parts(received, "image/png")
    assert png.get_filename() == "ticket.png"
    assert png.get_content() == qr_png(ticket_token(current_keyring(), registration))

    (inline,) = parts(received, "text/calendar")
    assert inline.get_param("method") == "REQUEST"
    assert inline.get_param("charset") == "utf-8"
    (attachment,) = parts(received, "application/ics")
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == inline.get_payload(decode=True)

    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid
    assert registration.person.email in str(vevent["ATTENDEE"])


def test_an_online_ticket_has_no_qr_and_only_a_hybrid_event_offers_a_mode_switch(session, make, smtp_server, now):
    """Regression (issue 6 part 2 §4): online registrations got a QR code "to keep safe" (there is
    no door: DESIGN §5 attaches it to on-site seats only), and every ticket mail offered a mode switch."""
    online_only = make.event(
        title="Pausenhof", slug="pausenhof-1", attendance=EventAttendance.ONLINE, capacity_on_site=None
    )
    online = make.registration(
        online_only, mode=Mode.ONLINE, ticket_id=new_ticket_id(), ticket_serial=1, email_confirmed_at=now, **CONFIRMED
    )
    hybrid = make.event(title="Konferenz", slug="konferenz-h", attendance=EventAttendance.HYBRID)
    on_site = make.registration(
        hybrid, mode=Mode.ON_SITE, ticket_id=new_ticket_id(), ticket_serial=1, email_confirmed_at=now, **CONFIRMED
    )
    send(session, online, "ticket", now, reason="confirmed")
    send(session, on_site, "ticket", now, reason="confirmed")
    mail.deliver_outbox(session, now=now)
    online_mail, on_site_mail = smtp_server.messages
    assert parts(online_mail, "image/png") == []
    assert [p.get_param("method") for p in parts(online_mail, "text/calendar")] == ["REQUEST"]
    for body in (without_links(text_of(online_mail)), without_links(html_of(online_mail))):
        assert "QR" not in body and "wechseln" not in body and "switch" not in body
    assert len(parts(on_site_mail, "image/png")) == 1
    assert "QR" in text_of(on_site_mail) and "Teilnahmeart wechseln" in text_of(on_site_mail)


def test_cancellation_carries_cancel_ics_and_no_qr(session, registration_for, event, smtp_server, now):
    registration = registration_for(
        "en", status=RegistrationStatus.CANCELLED, cancel_reason=CancelReason.EVENT_CANCELLED
    )
    send(session, registration, "event_cancelled", now, message="")
    mail.deliver_outbox(session, now=now)
    (received,) = smtp_server.messages

    assert parts(received, "image/png") == []
    (inline,) = parts(received, "text/calendar")
    assert inline.get_param("method") == "CANCEL"
    (attachment,) = parts(received, "application/ics")
    assert attachment.get_filename() == "cancel.ics"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert str(calendar["METHOD"]) == "CANCEL"
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_cancelling_a_registration_without_ticket_sends_no_calendar(session, registration_for, smtp_server, now):
    registration = registration_for(
        "en", status=RegistrationStatus.CANCELLED, cancel_reason=CancelReason.CANCELLED, email_confirmed_at=None
    )
    send(session, registration, "cancelled", now, reason="cancelled", had_ticket=False)
    mail.deliver_outbox(session, now=now)
    (received,) = smtp_server.messages
    assert structure(received) == PLAIN
    assert "no longer valid" not in text_of(received)


def test_a_ticket_mail_delivered_after_cancellation_carries_no_stale_invitation(
    session, registration_for, smtp_server, now
):
    registration = registration_for("en", **CONFIRMED)
    send(session, registration, "ticket", now, reason="confirmed")
    registration.status = RegistrationStatus.CANCELLED
    session.commit()
    mail.deliver_outbox(session, now=now)
    (received,) = smtp_server.messages
    assert structure(received) == PLAIN


def test_event_updated_invites_only_confirmed_registrations(session, registration_for, smtp_server, now):
    confirmed = registration_for("en", **CONFIRMED)
    waiting = registration_for("en", status=RegistrationStatus.WAITLISTED, ticket_id=None)
    send(session, confirmed, "event_updated", now, changed=["venue"])
    send(session, waiting, "event_updated", now, changed=["venue"])
    mail.deliver_outbox(session, now=now)
    by_address = {m["To"]: m for m in smtp_server.messages}
    assert structure(by_address[confirmed.person.email]) == TICKET
    (png,) = parts(by_address[confirmed.person.email], "image/png")
    assert png.get_content() == qr_png(ticket_token(current_keyring(), confirmed))
    assert "ticket.png" in text_of(by_address[confirmed.person.email])
    assert structure(by_address[waiting.person.email]) == PLAIN
    assert "What has changed: place" in text_of(by_address[confirmed.person.email])
    waiter_text = " ".join(text_of(by_address[waiting.person.email]).split())
    assert "What has changed: place" in waiter_text
    assert "You are on the waiting list for taking part on site and do not hold a seat yet." in waiter_text
    assert "ticket.png" not in waiter_text


def test_organizer_text_is_escaped_in_html_and_kept_in_text(session, registration_for, smtp_server, now):
    registration = registration_for(
        "de", status=RegistrationStatus.CANCELLED, cancel_reason=CancelReason.EVENT_CANCELLED
    )
    send(session, registration, "event_cancelled", now, message="<script>alert(1)</script> & Co.")
    mail.deliver_outbox(session, now=now)
    (received,) = smtp_server.messages
    assert "<script>" not in html_of(received)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co." in html_of(received)
    assert "<script>alert(1)</script> & Co." in text_of(received)


def test_headers(app, session, registration_for, smtp_server, now):
    registration = registration_for("de", **CONFIRMED)
    message = send(session, registration, "manage_link", now)
    first = mail.build_message(session, message, now=now)
    again = mail.build_message(session, message, now=now + timedelta(minutes=5))
    mail.deliver_outbox(session, now=now)
    (received,) = smtp_server.messages

    assert received["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Date"] is not None
    assert received["Message-ID"].startswith(f"<outbox.{message.id}.")
    # The same message keeps its Message-ID on every try, so receivers can drop a resend.
    assert first["Message-ID"] == again["Message-ID"] == received["Message-ID"]
    assert "MIME-Version" not in received.get_body(preferencelist=("plain",))


def test_a_message_that_cannot_be_rendered_fails_alone(session, registration_for, smtp_server, now):
    registration = registration_for("en", **CONFIRMED)
    broken = send(session, registration, "no_such_kind", now)
    good = send(session, registration, "manage_link", now)

    report = mail.deliver_outbox(session, now=now)

    assert report.failed == [broken.id]
    assert report.sent == [good.id]
    broken = session.get(OutboxMessage, broken.id)
    assert broken.status is OutboxStatus.FAILED
    assert broken.last_error.startswith("Rendering failed")
    assert broken.attempts == 0
    assert len(smtp_server.messages) == 1


# --- failures -----------------------------------------------------------------------------


def test_outage_retries_with_backoff_and_delivers_once_later(session, registration_for, smtp_server, now):
    registrations = [registration_for("en", **CONFIRMED) for _ in range(3)]
    messages = [send(session, registration, "manage_link", now) for registration in registrations]
    smtp_server.stop()

    report = mail.deliver_outbox(session, now=now)

    assert report.sent == []
    first, *rest = (session.get(OutboxMessage, message.id) for message in messages)
    assert first.status is OutboxStatus.RETRY
    assert first.attempts == 1
    assert first.next_attempt_at == now + timedelta(seconds=30)
    assert "Connection refused" in first.last_error or "ConnectionRefused" in first.last_error
    # The rest of the batch was not even tried: it waits as long as the first one.
    assert [(m.status, m.attempts, m.next_attempt_at) for m in rest] == [
        (OutboxStatus.QUEUED, 0, now + timedelta(seconds=30))
    ] * 2

    assert mail.deliver_outbox(session, now=now + timedelta(seconds=10)).handled == 0

    smtp_server.start()
    report = mail.deliver_outbox(session, now=now + timedelta(seconds=30))
    assert sorted(report.sent) == sorted(message.id for message in messages)
    assert mail.deliver_outbox(session, now=now + timedelta(hours=1)).handled == 0
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(r.person.email for r in registrations)


def test_a_long_outage_never_loses_mail(app, session, registration_for, smtp_server, now):
    registration = registration_for("en", **CONFIRMED)
    message = send(session, registration, "manage_link", now)
    smtp_server.stop()
    clock = now
    for _ in range(int(app.config["MAIL_RETRY_HOURS"]) + 12):  # past the retry horizon: an outage never counts
        mail.deliver_outbox(session, now=clock)
        clock += timedelta(hours=1)
    message = session.get(OutboxMessage, message.id)
    assert message.status is OutboxStatus.RETRY

    smtp_server.start()
    mail.deliver_outbox(session, now=clock)
    assert session.get(OutboxMessage, message.id).status is OutboxStatus.SENT
    assert len(smtp_server.messages) == 1


def test_temporary_rejection_is_retried_and_then_delivered(session, registration_for, smtp_server, now):
    registration = registration_for("en", **CONFIRMED)
    message = send(session, registration, "manage_link", now)
    smtp_server.fail_temporarily(registration.person.email, times=1)

    report = mail.deliver_outbox(session, now=now)
    assert report.retried == [message.id]
    message = session.get(OutboxMessage, message.id)
    assert message.status is OutboxStatus.RETRY
    assert "451" in message.last_error
    assert message.next_attempt_at == now + timedelta(seconds=30)
    assert smtp_server.messages == []

    report = mail.deliver_outbox(session, now=now + timedelta(seconds=30))
    assert report.sent == [message.id]
    assert len(smtp_server.messages) == 1
    assert smtp_server.handler.rcpt_attempts[registration.person.email] == 2


def test_permanent_rejection_fails_at_once_and_is_not_retried(session, registration_for, smtp_server, now):
    rejected = registration_for("en", **CONFIRMED)
    fine = registration_for("en", **CONFIRMED)
    bad_message = send(session, rejected, "manage_link", now)
    good_message = send(session, fine, "manage_link", now)
    smtp_server.reject(rejected.person.email)

    report = mail.deliver_outbox(session, now=now)

    assert report.failed == [bad_message.id]
    assert report.sent == [good_message.id]
    bad_message = session.get(OutboxMessage, bad_message.id)
    assert bad_message.status is OutboxStatus.FAILED
    assert "550" in bad_message.last_error
    assert rejected.person.email in bad_message.last_error

    mail.deliver_outbox(session, now=now + timedelta(days=1))
    assert smtp_server.handler.rcpt_attempts[rejected.person.email] == 1
    assert [m["To"] for m in smtp_server.messages] == [fine.person.email]


@pytest.mark.parametrize(
    ("error", "permanent", "outage"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), True, False),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"greylisted")}), False, False),
        (smtplib.SMTPDataError(554, b"spam"), True, False),
        (smtplib.SMTPDataError(452, b"disk full"), False, False),
        (smtplib.SMTPSenderRefused(550, b"sender not allowed", "noreply@localhost"), False, True),
        (smtplib.SMTPAuthenticationError(535, b"bad password"), False, True),
        (ConnectionRefusedError(111, "Connection refused"), False, True),
        (TimeoutError("timed out"), False, True),
        (mail.UnsupportedMessage("jörg@example.org needs SMTPUTF8"), True, False),
        (smtplib.SMTPSenderRefused(552, b"5.3.4 message size exceeds limit", "noreply@localhost"), True, False),
    ],
)
def test_failure_classification(error, permanent, outage):
    assert mail.is_permanent(error) is permanent
    assert mail.is_outage(error) is outage


# --- console transport --------------------------------------------------------------------


def test_console_transport_prints_the_text_and_keeps_the_eml(
    app, session, registration_for, now, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(app.config, "MAIL_TRANSPORT", "console")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path / "mail"))
    registration = registration_for("en", **CONFIRMED)
    message = send(session, registration, "ticket", now, reason="confirmed")

    report = mail.deliver_outbox(session, now=now)

    assert report.sent == [message.id]
    printed = capsys.readouterr().out
    assert "Subject: Your ticket: Smart Cities: Konferenz" in printed
    assert f"To: {registration.person.email}" in printed
    assert f"{BASE}/r/{registration.manage_token}" in printed
    assert "Attachments: ticket.png, invite.ics" in printed
    (saved,) = (tmp_path / "mail").glob("*.eml")
    parsed = message_from_bytes(saved.read_bytes(), policy=policy.default)
    assert structure(parsed) == TICKET


def test_console_transport_writes_to_a_given_stream(tmp_path, app_ctx, session, registration_for, now):
    registration = registration_for("en", **CONFIRMED)
    message = send(session, registration, "manage_link", now)
    stream = io.StringIO()
    mail.ConsoleTransport(tmp_path, stream=stream).send(mail.build_message(session, message, now=now))
    assert "Your registration: Smart Cities: Konferenz" in stream.getvalue()
    assert len(list(tmp_path.glob("*.eml"))) == 1


def test_transport_follows_the_configuration(tmp_path):
    assert isinstance(
        mail.transport_from_config({"MAIL_TRANSPORT": "console", "MAIL_OUTBOX_DIR": tmp_path}), mail.ConsoleTransport
    )
    smtp = mail.transport_from_config(
        {"MAIL_TRANSPORT": "smtp", "MAIL_SERVER": "mail.example.org", "MAIL_USE_SSL": True}
    )
    assert isinstance(smtp, mail.SMTPTransport)
    assert (smtp.host, smtp.port, smtp.use_ssl) == ("mail.example.org", 465, True)
    with pytest.raises(RuntimeError, match="MAIL_SERVER"):
        mail.transport_from_config({"MAIL_TRANSPORT": "smtp", "MAIL_SERVER": None})
    with pytest.raises(RuntimeError, match="MAIL_TRANSPORT"):
        mail.transport_from_config({"MAIL_TRANSPORT": "pigeon"})
