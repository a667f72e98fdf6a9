"""Messages to registrants (issue 7 Part 5): who gets one, what is stored, how far delivery got."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventapp import mail
from eventapp.models import AuditEntry, EventMessage, Mode, OutboxMessage, OutboxStatus, RegistrationStatus
from eventapp.services import messages, outbox
from eventapp.services.audit import Actor
from eventapp.services.errors import ValidationError
from eventapp.services.roster import RosterFilter

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED


@pytest.fixture
def crowd(make, now):
    """A hybrid event with registrants in every state that matters to a message."""
    event = make.event(contact_email="team@menden.de")

    def person(name, **values):
        values.setdefault("email_confirmed_at", now - timedelta(days=2))
        return make.registration(event, person=make.person(email=f"{name}@example.org"), given_name=name, **values)

    people = {
        "anna": person("anna", mode=Mode.ONLINE, locale="en"),
        "bernd": person("bernd", mode=Mode.ONLINE),
        "clara": person("clara", mode=Mode.ON_SITE),
        "dora": person("dora", mode=Mode.ONLINE, status=WAITLISTED, waiting_since=now),
        # Not reachable: address unconfirmed, or no longer registered.
        "emil": person("emil", mode=Mode.ONLINE, status=RegistrationStatus.PENDING, email_confirmed_at=None),
        "fritz": person("fritz", mode=Mode.ONLINE, status=WAITLISTED, waiting_since=now, email_confirmed_at=None),
        "gabi": person("gabi", mode=Mode.ONLINE, status=RegistrationStatus.CANCELLED),
    }
    return event, people


@pytest.fixture
def organizer(make, crowd):
    return make.user(email="orga@menden.de", role="organizer", organizations=[crowd[0].organization])


def send(session, event, organizer, now, flt=None, **values):
    values.setdefault("subject", "Raumänderung")
    values.setdefault("body", "Wir treffen uns im Saal 2.\nBis bald!")
    flt = flt or RosterFilter()
    return messages.send_message(session, event, audience=flt, now=now, actor=Actor.user(organizer), **values)


def addresses(session, message):
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_message_id == message.id))
    return sorted(row.to_address for row in rows)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (RosterFilter(), ["anna", "bernd", "clara", "dora"]),
        (RosterFilter(statuses=(CONFIRMED,), mode=Mode.ONLINE), ["anna", "bernd"]),
        (RosterFilter(statuses=(WAITLISTED,)), ["dora"]),
        (RosterFilter(mode=Mode.ON_SITE), ["clara"]),
        (RosterFilter(search="BERND"), ["bernd"]),
    ],
)
def test_a_message_reaches_exactly_the_filtered_registrants_with_a_confirmed_address(
    session, crowd, organizer, now, flt, expected
):
    event, _people = crowd

    message = send(session, event, organizer, now, flt)

    assert addresses(session, message) == [f"{name}@example.org" for name in expected]
    assert message.recipients == len(expected)
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_message_id == message.id)).all()
    assert {row.kind for row in rows} == {"event_message"}
    assert {row.status for row in rows} == {OutboxStatus.QUEUED}
    assert all(row.event_id == event.id and row.registration_id for row in rows)


def test_each_mail_is_in_the_recipients_language(session, crowd, organizer, now):
    event, people = crowd
    message = send(session, event, organizer, now, RosterFilter(mode=Mode.ONLINE, statuses=(CONFIRMED,)))
    locales = {
        row.to_address: row.locale
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.event_message_id == message.id))
    }
    assert locales == {"anna@example.org": "en", "bernd@example.org": "de"}


def test_the_message_is_stored_with_its_author_and_group_and_audited(session, crowd, organizer, now):
    event, _people = crowd

    message = send(session, event, organizer, now, RosterFilter(statuses=(CONFIRMED,), mode=Mode.ONLINE))

    stored = session.get(EventMessage, message.id)
    assert (stored.subject, stored.body) == ("Raumänderung", "Wir treffen uns im Saal 2.\nBis bald!")
    assert stored.audience == {"statuses": ["confirmed"], "mode": "online"}
    assert (stored.author_id, stored.author_label, stored.created_at) == (organizer.id, organizer.label, now)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "event.message_sent"))
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("event", event.id, organizer.id)
    assert entry.detail == {
        "message": message.id,
        "subject": "Raumänderung",
        "recipients": 2,
        "statuses": ["confirmed"],
        "mode": "online",
    }


@pytest.mark.parametrize(
    "flt",
    [
        RosterFilter(statuses=(RegistrationStatus.CANCELLED,)),
        RosterFilter(statuses=(RegistrationStatus.PENDING,)),  # only an unconfirmed address
        RosterFilter(search="niemand"),
        RosterFilter(email_confirmed=False),
    ],
)
def test_a_message_to_nobody_is_refused_and_nothing_is_stored(session, crowd, organizer, now, flt):
    event, _people = crowd

    with pytest.raises(messages.NoRecipients):
        send(session, event, organizer, now, flt)

    assert session.scalar(select(func.count(EventMessage.id))) == 0
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "event.message_sent")) == 0


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"subject": "  ", "body": ""}, {"subject": "required", "body": "required"}),
        ({"subject": "x" * 201}, {"subject": "too_long"}),
        ({"body": "x" * 10_001}, {"body": "too_long"}),
        ({"body": "Hallo\x1b[31m"}, {"body": "control_characters"}),
    ],
)
def test_subject_and_text_are_checked(session, crowd, organizer, now, values, fields):
    event, _people = crowd
    with pytest.raises(ValidationError) as refused:
        send(session, event, organizer, now, **values)
    assert refused.value.fields == fields


def test_a_subject_is_one_line(session, crowd, organizer, now):
    event, _people = crowd
    message = send(session, event, organizer, now, subject="Neue\r\nZeit:  10 Uhr", body=" Text \r\nzwei ")
    assert (message.subject, message.body) == ("Neue Zeit: 10 Uhr", "Text \nzwei")


def test_progress_after_delivery_counts_sent_and_failed_with_the_servers_reason(
    session, crowd, organizer, now, smtp_server
):
    event, _people = crowd
    message = send(session, event, organizer, now)
    message_id = message.id
    session.commit()
    assert messages.progress(session, message) == messages.Progress(message, queued=4, sent=0, failed=0, dropped=0)
    smtp_server.reject("clara@example.org")  # 550 5.1.1 Mailbox unavailable: permanent

    mail.deliver_outbox(session, now=now)

    session.expire_all()
    message = session.get(EventMessage, message_id)
    assert messages.progress(session, message) == messages.Progress(message, queued=0, sent=3, failed=1, dropped=0)
    (failed,) = messages.undelivered(session, message)
    assert failed.to_address == "clara@example.org"
    assert "550" in failed.last_error and "Mailbox unavailable" in failed.last_error
    assert smtp_server.handler.rcpt_attempts["clara@example.org"] == 1, "a permanent rejection is not retried"
    assert [p.message.id for p in messages.event_messages(session, event)] == [message_id]


def test_a_temporary_rejection_is_queued_for_a_retry_with_its_reason(session, crowd, organizer, now, smtp_server):
    event, _people = crowd
    message = send(session, event, organizer, now, RosterFilter(search="dora"))
    session.commit()
    smtp_server.fail_temporarily("dora@example.org")

    mail.deliver_outbox(session, now=now)

    session.expire_all()
    message = session.get(EventMessage, message.id)
    assert messages.progress(session, message).queued == 1
    (waiting,) = messages.retrying(session, message)
    assert "451" in waiting.last_error


def test_the_mail_carries_the_text_in_the_layout_and_replies_go_to_the_event_contact(
    session, crowd, organizer, now, smtp_server
):
    event, _people = crowd
    send(session, event, organizer, now, RosterFilter(search="anna"), body="Bitte <b>nicht</b> vergessen: Ausweis.")
    session.commit()

    mail.deliver_outbox(session, now=now)

    (received,) = smtp_server.messages
    assert received["Subject"] == "Raumänderung"
    assert received["Reply-To"] == "team@menden.de"
    assert received["Content-Language"] == "en"
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert "Hello anna Mustermann," in text
    assert "Bitte <b>nicht</b> vergessen: Ausweis." in text
    assert "Bitte &lt;b&gt;nicht&lt;/b&gt; vergessen: Ausweis." in html, "the organizer's text is escaped in HTML"
    assert "Replies to this email reach the organizer: team@menden.de" in text
    assert "replies are not read" not in text


def test_a_message_does_not_hold_back_a_link_the_registrant_asks_for(session, crowd, organizer, now):
    event, _people = crowd
    send(session, event, organizer, now, RosterFilter(search="anna"))
    assert not outbox.recently_mailed(session, to_address="anna@example.org", event_id=event.id, since=now)
