"""Erika registers online, opens her join link too early, and later joins the meeting (DESIGN §3, §5 /j/<token>);
the organizer's dashboard then counts one online join (issue 8, "Tests that must exist").

The "meeting" is a second local HTTP server (there is no internet here). Chromium applies the
join page's ``form-action`` to the 303 after the button's POST, so this proves the redirect
reaches another origin under the page's Content-Security-Policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from config import url_settings
from eventapp.blueprints.join import routes as join_routes
from eventapp.extensions import db
from eventapp.mail import build_message
from eventapp.models import Attendance, AttendanceSource, EventAttendance, Mode, OutboxMessage, utcnow
from tests.browser.conftest import serving
from tests.browser.labels import CONFIRM, EMAIL, FAMILY_NAME, GIVEN_NAME, PRIVACY, REGISTER
from tests.factories import PASSWORD, Factories


def meeting_room(environ: dict, start_response) -> list[bytes]:
    """A stand-in for the video conference (WSGI): one page that names the room it was asked for."""
    body = f"<!doctype html><title>Meeting</title><h1>Konferenzraum {environ['PATH_INFO']}</h1>".encode()
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def meeting() -> Iterator[str]:
    """The base URL of the stand-in meeting host (another origin than the app)."""
    with serving(meeting_room, name="meeting") as url:
        yield url


def _mail_link(app: Flask, kind: str, pattern: str) -> str:
    """A link as the person reads it in the rendered mail of ``kind``."""
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).one()
        body = build_message(db.session, message, now=utcnow()).get_body(preferencelist=("plain",)).get_content()
        db.session.remove()
    match = re.search(pattern, body)
    assert match, body
    return match.group(0)


def test_an_online_attendee_joins_the_meeting_through_her_link(app, page, shot, live_server, meeting, monkeypatch):
    from playwright.sync_api import expect

    for key, value in url_settings(live_server).items():  # links in mails point at the live server
        monkeypatch.setitem(app.config, key, value)
    room = f"{meeting}/smart-cities-austausch"
    starts = (utcnow() + timedelta(days=14)).replace(microsecond=0)
    with app.app_context():
        make = Factories(db.session)
        agency = make.organization(slug="suedwestfalen-agentur", name="Südwestfalen Agentur")
        make.user(email="orga@agentur.example", role="organizer", organizations=[agency])
        event = make.event(
            organization=agency,
            slug="smart-cities-austausch",
            title="Smart Cities: Austausch",
            format="austausch",
            attendance=EventAttendance.ONLINE,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            venue="",
            address="",
            capacity_on_site=None,
            capacity_online=60,
            join_url=room,
        )
        slug, event_id = event.slug, event.id
        db.session.commit()
        db.session.remove()

    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    page.goto(f"/events/{slug}/register")
    page.get_by_label(GIVEN_NAME).fill("Erika")
    page.get_by_label(FAMILY_NAME).fill("Mustermann")
    page.get_by_label(EMAIL).fill("erika.mustermann@example.org")
    page.get_by_label(PRIVACY).check()
    page.get_by_role("button", name=REGISTER).click()
    expect(page).to_have_url(re.compile(rf"/events/{slug}/registered$"))

    page.goto(_mail_link(app, "confirm_email", r"https?://\S+/r/[\w-]+/confirm"))
    page.get_by_role("button", name=CONFIRM).click()
    expect(page).to_have_url(re.compile(r"/r/[\w-]+$"))
    expect(page.locator("img.ticket-qr")).to_have_count(0)  # no QR code online: the join link instead
    shot("join-1-manage")

    # The join link from the ticket mail opens a page that says from when; there is no button yet.
    join_link = _mail_link(app, "ticket", r"https?://\S+/j/[\w-]+")
    page.get_by_role("link", name=re.compile("Teilnahme-Link öffnen")).click()
    expect(page).to_have_url(join_link)
    expect(page.get_by_text(re.compile(r"Sie können ab .+ teilnehmen\."))).to_be_visible()
    expect(page.get_by_role("button", name="Jetzt teilnehmen")).to_have_count(0)
    shot("join-2-too-early")

    # The clock moves to ten minutes before the start: the button appears and takes her in.
    monkeypatch.setattr(join_routes, "utcnow", lambda: starts - timedelta(minutes=10))
    page.reload()
    button = page.get_by_role("button", name="Jetzt teilnehmen")
    expect(button).to_be_visible()
    shot("join-3-open")
    button.click()
    expect(page).to_have_url(room)
    expect(page.get_by_role("heading", name="Konferenzraum /smart-cities-austausch")).to_be_visible()
    assert not [text for text in problems if "Content Security Policy" in text], problems

    with app.app_context():
        (record,) = db.session.scalars(select(Attendance)).all()
        assert (record.mode, record.source) == (Mode.ONLINE, AttendanceSource.JOIN_LINK)
        assert record.first_at == record.last_at == starts - timedelta(minutes=10)
        db.session.remove()

    # The organizer signs in (another browser session) and sees the join on the event's dashboard.
    organizer = page.context.browser.new_context(base_url=live_server, locale="de-DE")
    tab = organizer.new_page()
    tab.goto("/login")
    tab.get_by_label(re.compile("E-Mail-Adresse")).fill("orga@agentur.example")
    tab.get_by_label(re.compile("^Passwort")).fill(PASSWORD)
    tab.get_by_role("button", name="Anmelden").click()
    tab.wait_for_url(re.compile(r"/manage/$"))
    tab.goto(f"/manage/events/{event_id}/dashboard")
    expect(tab.locator('dd [data-figure="joined_online"]')).to_have_text("1")
    organizer.close()
