"""From event to registration list in a real browser (issue 7 Part 4): an organizer creates and
publishes an event, a person finds it on the public list, registers and confirms through the
link in the mail, and the organizer finds them in the event's registrations by searching."""

from __future__ import annotations

import re

from flask import Flask

from config import url_settings
from eventapp.extensions import db
from eventapp.models import utcnow
from tests.browser.test_browser_registration import confirm_link
from tests.factories import PASSWORD, Factories

TITLE = "Smart Cities: Austausch Ressourcen"


def test_organizer_publishes_a_person_registers_and_the_organizer_finds_them(
    app: Flask, chromium, live_server, monkeypatch
):
    from playwright.sync_api import expect

    for key, value in url_settings(live_server).items():  # links in mails point at the live server
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        make = Factories(db.session)
        olpe = make.organization(slug="olpe", name="Stadt Olpe")
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        db.session.commit()
        db.session.remove()
    year = utcnow().year + 1
    organizer = chromium.new_context(base_url=live_server, locale="de-DE", viewport={"width": 1100, "height": 900})
    attendee = chromium.new_context(base_url=live_server, locale="de-DE", viewport={"width": 420, "height": 900})
    try:
        orga = organizer.new_page()
        orga.set_default_timeout(15_000)
        orga.goto("/login")
        orga.get_by_label(re.compile("E-Mail-Adresse")).fill("orga@olpe.de")
        orga.get_by_label(re.compile("^Passwort")).fill(PASSWORD)
        orga.get_by_role("button", name="Anmelden").click()
        orga.wait_for_url(re.compile(r"/manage/$"))

        orga.get_by_role("link", name="Neue Veranstaltung").click()
        orga.get_by_label(re.compile("^Titel")).fill(TITLE)
        orga.get_by_label("Format").select_option("austausch")
        orga.get_by_label("Online", exact=True).check()
        orga.get_by_label(re.compile("^Beginn")).fill(f"{year}-02-11T18:00")
        orga.get_by_label(re.compile("^Ende")).fill(f"{year}-02-11T19:30")
        orga.get_by_label(re.compile("^Plätze online")).fill("80")
        orga.get_by_label("Unbegrenzte Plätze vor Ort").check()
        orga.get_by_role("button", name="Als Entwurf speichern").click()
        orga.wait_for_url(re.compile(r"/manage/events/\d+$"))
        orga.get_by_role("button", name="Veröffentlichen").click()
        expect(orga.get_by_role("status")).to_contain_text("veröffentlicht")
        event_page = orga.url

        # The public finds it and registers.
        person = attendee.new_page()
        person.set_default_timeout(15_000)
        person.goto("/")
        person.get_by_role("link", name=re.compile(re.escape(TITLE))).first.click()
        person.get_by_role("link", name="Jetzt anmelden").first.click()
        person.get_by_label(re.compile("^Vorname")).fill("Jonas")
        person.get_by_label(re.compile("^Nachname")).fill("Weber")
        person.get_by_label(re.compile("^E-Mail-Adresse")).fill("jonas.weber@example.org")
        person.get_by_label(re.compile("^Organisation")).fill("Radverein Olpe")
        person.get_by_label(re.compile("Datenschutz")).check()
        person.get_by_role("button", name="Jetzt anmelden").click()
        expect(person).to_have_url(re.compile(r"/registered$"))
        person.goto(confirm_link(app))
        person.get_by_role("button", name="Anmeldung bestätigen").click()
        expect(person).to_have_url(re.compile(r"/r/[\w-]+$"))

        # The organizer finds the person by searching the event's registrations.
        orga.goto(event_page)
        orga.get_by_role("link", name="Anmeldungen").click()
        expect(orga).to_have_url(re.compile(r"/manage/events/\d+/registrations$"))
        orga.get_by_role("searchbox", name="Suchen").fill("radverein")
        orga.get_by_role("button", name="Suchen").click()
        expect(orga).to_have_url(re.compile(r"registrations\?q=radverein"))
        row = orga.get_by_role("row", name=re.compile("Weber, Jonas"))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("jonas.weber@example.org")
        expect(row).to_contain_text("Bestätigt")
        orga.get_by_role("searchbox", name="Suchen").fill("niemand")
        orga.get_by_role("button", name="Suchen").click()
        expect(orga.get_by_role("status")).to_contain_text("Keine Anmeldung passt")

        orga.get_by_role("searchbox", name="Suchen").fill("weber")
        orga.get_by_role("button", name="Suchen").click()
        orga.get_by_role("link", name="Weber, Jonas").click()
        expect(orga.get_by_role("heading", level=1)).to_have_text("Anmeldung von Jonas Weber")
        expect(orga.locator("table.history")).to_contain_text("Jonas Weber (die Person)")
    finally:
        organizer.close()
        attendee.close()
