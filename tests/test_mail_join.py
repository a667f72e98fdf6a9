"""Online registrations get their join link instead of the QR code (DESIGN §5 "Mail with an invitation").

Delivered through a real SMTP server on loopback; the received mails are read part by part.
"""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest

from eventapp import mail
from eventapp.models import EventAttendance, Mode, RegistrationStatus
from eventapp.services import registration
from tests.helpers import without_links

BASE = "http://localhost"


def parts(message, content_type):
    return [part for part in message.walk() if part.get_content_type() == content_type]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def invitation_of(message) -> icalendar.Event:
    (attachment,) = parts(message, "application/ics")
    (vevent,) = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    return vevent


@pytest.fixture
def hybrid(make, now):
    return make.event(
        title="Smart Cities: Konferenz",
        slug="konferenz",
        attendance=EventAttendance.HYBRID,
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=6),
        capacity_on_site=10,
        join_url="https://meet.example/konferenz-raum",
        livestream_url="https://stream.example/konferenz",
    )


def submit(session, event, email, mode, now):
    data = registration.RegistrationInput(
        given_name="Erika", family_name="Mustermann", email=email, organization="", mode=mode, privacy_consent=True
    )
    reg = registration.submit(session, event, data, now=now, confirm_email=False).registration
    assert reg.status is RegistrationStatus.CONFIRMED
    return reg


def deliver(session, smtp_server, now):
    session.commit()
    mail.deliver_outbox(session, now=now)
    received = list(smtp_server.messages)
    smtp_server.messages.clear()
    return received


def test_an_online_ticket_leads_with_the_join_link_and_has_no_qr(session, hybrid, smtp_server, now):
    reg = submit(session, hybrid, "online@example.org", "online", now)
    (received,) = deliver(session, smtp_server, now)
    link = f"{BASE}/j/{reg.join_token}"

    assert parts(received, "image/png") == []
    assert received["Subject"] == "Ihr Teilnahme-Link: Smart Cities: Konferenz"
    text, html = text_of(received), html_of(received)
    assert link in text and f'href="{link}"' in html
    # It leads: the join link comes before the event details and the manage link.
    assert text.index(link) < text.index("Wann:") < text.index(f"/r/{reg.manage_token}")
    # From when the link's button works: 30 minutes before 10:00 in Berlin.
    assert "Ab Freitag, 27. November 2026, 09:30 zeigt er die Schaltfläche" in " ".join(text.split())
    for body in (without_links(text), without_links(html)):
        assert "QR" not in body and "ticket.png" not in body
    vevent = invitation_of(received)
    assert str(vevent["URL"]) == link and str(vevent["LOCATION"]) == link
    assert link in str(vevent["DESCRIPTION"])
    for secret in ("meet.example", "stream.example"):
        assert secret not in str(received) and secret not in text and secret not in html


def test_an_on_site_ticket_has_the_qr_and_no_join_link(session, hybrid, smtp_server, now):
    reg = submit(session, hybrid, "vorort@example.org", "on_site", now)
    (received,) = deliver(session, smtp_server, now)
    assert reg.join_token  # given with the seat, shown nowhere while on site
    assert len(parts(received, "image/png")) == 1
    assert received["Subject"] == "Ihr Ticket: Smart Cities: Konferenz"
    for body in (text_of(received), html_of(received), str(invitation_of(received))):
        assert "/j/" not in body
    assert str(invitation_of(received)["URL"]) == f"{BASE}/events/konferenz"


def test_switching_the_mode_switches_what_the_mail_carries(session, hybrid, smtp_server, now):
    reg = submit(session, hybrid, "wechsel@example.org", "on_site", now)
    deliver(session, smtp_server, now)

    registration.switch_mode(session, reg, now=now, target=Mode.ONLINE)
    (online,) = deliver(session, smtp_server, now)
    assert parts(online, "image/png") == []
    assert f"/j/{reg.join_token}" in text_of(online)
    assert "Teilnahme-Link" in without_links(text_of(online)) and "Ticket bleibt" not in text_of(online)

    registration.switch_mode(session, reg, now=now, target=Mode.ON_SITE)
    (on_site,) = deliver(session, smtp_server, now)
    assert len(parts(on_site, "image/png")) == 1
    assert "/j/" not in text_of(on_site)


def test_a_reissue_online_sends_the_new_join_link(session, hybrid, smtp_server, now):
    reg = submit(session, hybrid, "neu@example.org", "online", now)
    old = reg.join_token
    deliver(session, smtp_server, now)
    registration.reissue_ticket(session, reg, now=now, serial=reg.ticket_serial)
    (received,) = deliver(session, smtp_server, now)
    assert received["Subject"] == "Ihr neuer Teilnahme-Link: Smart Cities: Konferenz"
    assert f"/j/{reg.join_token}" in text_of(received) and f"/j/{old}" not in text_of(received)
    assert parts(received, "image/png") == []


def test_an_event_update_carries_the_join_link_online(session, hybrid, smtp_server, now):
    from eventapp.services import events
    from eventapp.services.audit import CLI

    online = submit(session, hybrid, "a@example.org", "online", now)
    on_site = submit(session, hybrid, "b@example.org", "on_site", now)
    deliver(session, smtp_server, now)
    events.update_event(session, hybrid, now=now, actor=CLI, starts_at=hybrid.starts_at + timedelta(hours=1))
    by_address = {m["To"]: m for m in deliver(session, smtp_server, now)}
    assert f"/j/{online.join_token}" in text_of(by_address["a@example.org"])
    assert parts(by_address["a@example.org"], "image/png") == []
    assert "/j/" not in text_of(by_address["b@example.org"])
    assert len(parts(by_address["b@example.org"], "image/png")) == 1
    assert on_site.join_token not in str(by_address["b@example.org"])


def test_the_series_calendar_file_carries_each_dates_own_join_link(session, make, smtp_server, now):
    """The one mail after confirming a series attaches series.ics (METHOD:PUBLISH): each online
    date there is the person's own entry, with that date's join link, like an invitation."""
    from eventapp.services import series
    from eventapp.services.registration import RegistrationInput

    pausenhof = make.series(slug="pausenhof", title="Pausenhof")
    for days in (7, 21):
        make.event(
            series=pausenhof,
            organization=pausenhof.organization,
            slug=f"pausenhof-{days}",
            format="pausenhof",
            attendance=EventAttendance.ONLINE,
            capacity_on_site=None,
            starts_at=now + timedelta(days=days),
            join_url="https://meet.example/pausenhof",
        )
    data = RegistrationInput(
        given_name="Erika", family_name="Mustermann", email="erika@example.org", organization="", privacy_consent=True
    )
    found = series.submit_series(session, pausenhof, data, now=now).series_registration
    series.confirm_series(session, found, now=now)
    received = {m["Subject"]: m for m in deliver(session, smtp_server, now)}
    (confirmed,) = [m for m in received.values() if parts(m, "text/calendar")]
    (ics,) = parts(confirmed, "text/calendar")
    vevents = icalendar.Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
    tokens = {reg.event.uid: reg.join_token for reg in found.registrations}
    assert len(vevents) == 2 and all(tokens.values())
    for vevent in vevents:
        link = f"{BASE}/j/{tokens[str(vevent['UID'])]}"
        assert str(vevent["URL"]) == link and link in str(vevent["DESCRIPTION"])
    assert "meet.example" not in str(confirmed)
