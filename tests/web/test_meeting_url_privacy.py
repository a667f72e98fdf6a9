"""The meeting and stream URLs stay with the organizers (DESIGN §3 "Privacy").

People registered through the public form and confirmed by the button; then every public
page, feed and API answer, every registrant's pages and feed, and every mail in the outbox
are read: the meeting URL appears in none of them, an online registrant's own pages, feed
and mails carry their ``/j/`` link, and nobody else's carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail import build_message
from eventapp.models import EventAttendance, OutboxMessage, Person, Registration, utcnow
from tests.helpers import DB, form_values, post_form

MEETING_HOST = "meet.example"
STREAM_HOST = "stream.example"
SECRETS = (MEETING_HOST, STREAM_HOST, "geheim-raum-42", "pwd=")


@dataclass(frozen=True)
class Someone:
    """What a test needs of a registration, read while its session was open."""

    manage_token: str
    join_token: str | None
    feed_token: str
    email: str
    joins_online: bool


@pytest.fixture
def registered(client: FlaskClient, data: DB) -> dict[str, Someone]:
    """A hybrid conference (meeting and livestream links) and an online series date; Erika online
    and Otto on site at the conference, Paula online at the series date."""
    starts = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    with data() as (_session, make):
        series = make.series(slug="pausenhof", title="Pausenhof")
        make.event(
            slug="konferenz",
            title="Smart Cities: Konferenz",
            attendance=EventAttendance.HYBRID,
            starts_at=starts,
            join_url="https://meet.example/geheim-raum-42?pwd=1234",
            livestream_url="https://stream.example/geheim-raum-42",
            dial_in="+49 30 1234567, PIN 4242",
        )
        make.event(
            slug="pausenhof-1",
            title="Pausenhof",
            series=series,
            format="pausenhof",
            attendance=EventAttendance.ONLINE,
            starts_at=starts + timedelta(days=1),
            venue="",
            address="",
            capacity_on_site=None,
            join_url="https://meet.example/geheim-raum-42-pausenhof?pwd=5678",
        )
    for slug, email, mode in (
        ("konferenz", "erika@example.org", "online"),
        ("konferenz", "otto@example.org", "on_site"),
        ("pausenhof-1", "paula@example.org", "online"),
    ):
        response = post_form(client, f"/events/{slug}/register", form_values(email=email, mode=mode))
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    people = {}
    with data() as (session, _make):
        for reg in session.scalars(select(Registration).join(Person)):
            people[reg.person.email.split("@")[0]] = reg.manage_token
    for token in people.values():
        assert post_form(client, f"/r/{token}/confirm").status_code == 303
    with data() as (session, _make):
        return {
            reg.person.email.split("@")[0]: Someone(
                reg.manage_token, reg.join_token, reg.person.feed_token, reg.person.email, reg.joins_online
            )
            for reg in session.scalars(select(Registration).join(Person))
        }


def assert_private(body: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in body, f"{secret!r} appears in {where}"


def join_path(reg: Someone) -> str:
    assert reg.join_token
    return f"/j/{reg.join_token}"


def test_no_public_page_feed_or_api_answer_carries_a_meeting_url(client: FlaskClient, registered):
    for url in (
        "/",
        "/archive",
        "/events/konferenz",
        "/events/konferenz/register",
        "/events/pausenhof-1",
        "/series/pausenhof",
        "/calendar.ics",
        "/calendar.ics?format=pausenhof",
        "/series/pausenhof/calendar.ics",
        "/events/konferenz.ics",
        "/events/pausenhof-1.ics",
        "/api/v1/events",
        "/api/v1/events/konferenz",
        "/api/v1/events/pausenhof-1",
        "/api/v1/openapi.json",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert_private(body, url)
        assert "/j/" not in body, url


def test_a_registrants_pages_and_feed_carry_their_join_link_only(client: FlaskClient, registered):
    erika, otto, paula = registered["erika"], registered["otto"], registered["paula"]
    assert erika.joins_online and paula.joins_online and not otto.joins_online

    pages = {name: client.get(f"/r/{reg.manage_token}").get_data(as_text=True) for name, reg in registered.items()}
    feeds = {
        name: client.get(f"/calendar/{reg.feed_token}.ics").get_data(as_text=True) for name, reg in registered.items()
    }
    for name in registered:
        assert_private(pages[name], f"{name}'s manage page")
        assert_private(feeds[name], f"{name}'s feed")
    assert join_path(erika) in pages["erika"] and join_path(erika) in feeds["erika"].replace("\r\n ", "")
    assert join_path(paula) in pages["paula"]
    # Otto (on site) sees no join link, neither his own (it does not work on site) nor anyone else's.
    assert "/j/" not in pages["otto"] and "/j/" not in feeds["otto"]
    assert join_path(erika) not in pages["paula"] and join_path(paula) not in pages["erika"]
    # On site the QR ticket; online no ticket image at all.
    assert "ticket.svg" in pages["otto"] and "ticket.svg" not in pages["erika"]
    assert client.get(f"/r/{erika.manage_token}/ticket.png").status_code == 404
    assert client.get(f"/r/{otto.manage_token}/ticket.png").status_code == 200


def decoded(message: EmailMessage) -> str:
    """Every part of a mail as text (transfer encodings undone), headers included."""
    chunks = [str(message)]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if payload:
            chunks.append(payload.decode("utf-8", errors="replace"))
    return "\n".join(chunks).replace("\r\n ", "")  # iCalendar folds long lines


def test_no_mail_in_the_outbox_carries_a_meeting_url(app: Flask, registered):
    erika, otto = registered["erika"], registered["otto"]
    with app.app_context():
        mails = [
            (message.to_address, message.kind, decoded(build_message(db.session, message, now=utcnow())))
            for message in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
        db.session.remove()
    assert {kind for _to, kind, _body in mails} == {"confirm_email", "ticket"}
    for to, kind, body in mails:
        assert_private(body, f"the {kind} mail to {to}")
    tickets = {to: body for to, kind, body in mails if kind == "ticket"}
    assert join_path(erika) in tickets[erika.email]
    assert "/j/" not in tickets[otto.email]
    assert join_path(erika) not in tickets[registered["paula"].email]
