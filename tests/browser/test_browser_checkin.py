"""A volunteer at the door opens the device link on a phone and a handheld scanner types tickets
(issue 9 Part 3, basic page): green welcome, amber "bereits eingecheckt", red for a forgery,
a person found by name and checked in by hand, the counter counting along."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.keys import current_keyring
from eventapp.models import Attendance, utcnow
from eventapp.services import checkin_devices, seats
from eventapp.services.audit import Actor
from eventapp.services.tickets import ticket_token
from tests.factories import Factories


def test_a_device_link_checks_people_in_with_a_handheld_scanner(app, page, shot):
    from playwright.sync_api import expect

    with app.app_context():
        make = Factories(db.session)
        event = make.event(
            slug="eroeffnung", title="Eröffnung der Zukunfts.Werk.Stadt", starts_at=utcnow() + timedelta(hours=1)
        )
        anna = make.registration(event, given_name="Anna", family_name="Beispiel")
        bernd = make.registration(event, given_name="Bernd", family_name="Muster")
        for registration in (anna, bernd):
            seats.issue_ticket(registration)
        db.session.flush()
        code = ticket_token(current_keyring(), anna)
        _device, token = checkin_devices.create_device(
            db.session, event, "Eingang Nord", now=utcnow(), actor=Actor.system()
        )
        db.session.commit()
        db.session.remove()

    page.goto(f"/checkin/eroeffnung#device={token}")
    assert "device=" not in page.url  # the token leaves the address bar at once
    expect(page.locator("#checkin-station-name")).to_have_text("Eingang Nord")
    expect(page.locator("#checkin-counter")).to_have_text("0")
    scanner = page.get_by_label("Ticket-Code (Scanner oder Tastatur, dann Eingabetaste)")
    expect(scanner).to_be_focused()
    scanner.type(code + "\n")  # what a handheld scanner does
    result = page.locator("#checkin-result")
    expect(result).to_have_class("checkin-result result-ok")
    expect(result).to_contain_text("Willkommen, Anna Beispiel")
    expect(page.locator("#checkin-counter")).to_have_text("1")
    shot("checkin-ok")
    scanner.type(code + "\n")
    expect(result).to_have_class("checkin-result result-already")
    expect(result).to_contain_text("Bereits eingecheckt um")
    expect(result).to_contain_text("Eingang Nord")
    scanner.type("v1.forged.ticket.code\n")
    expect(result).to_have_class("checkin-result result-error")
    expect(result).to_contain_text("kein gültiges Ticket")

    page.get_by_label("Name, E-Mail oder Organisation").fill("Muster")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("button", name="Einchecken Bernd Muster").click()
    expect(result).to_contain_text("Willkommen, Bernd Muster")
    expect(page.locator("#checkin-counter")).to_have_text("2")
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 2
        db.session.remove()
