"""An organizer creates and publishes an event in a real browser, and the public finds it
(issue 7 Part 3; headless Chromium)."""

from __future__ import annotations

import re

from flask import Flask

from eventapp.extensions import db
from eventapp.models import utcnow
from tests.factories import PASSWORD, Factories


def test_an_organizer_creates_and_publishes_an_event_that_appears_on_the_public_list(app: Flask, page, shot):
    with app.app_context():
        make = Factories(db.session)
        menden = make.organization(slug="menden", name="Stadt Menden")
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        db.session.commit()
        db.session.remove()
    year = utcnow().year + 1

    page.goto("/login")
    page.get_by_label(re.compile("E-Mail-Adresse")).fill("orga@menden.de")
    page.get_by_label(re.compile("^Passwort")).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/manage/$"))

    page.get_by_role("link", name="Neue Veranstaltung").click()
    page.wait_for_url(re.compile(r"/manage/events/new$"))
    page.get_by_label(re.compile("^Titel")).fill("Eröffnung der Zukunfts.Werk.Stadt Menden")
    page.get_by_label("Kurzbeschreibung").fill("Zukunfts-Marktplatz mit zehn Ständen")
    page.get_by_label("Format").select_option("marktplatz")
    page.get_by_label("Vor Ort", exact=True).check()
    # The end comes first by mistake: the form says so and keeps what was typed.
    page.get_by_label(re.compile("^Beginn")).fill(f"{year}-03-18T14:00")
    page.get_by_label(re.compile("^Ende")).fill(f"{year}-03-18T10:00")
    page.get_by_label(re.compile("^Veranstaltungsort")).fill("Zukunfts.Werk.Stadt")
    page.get_by_label("Adresse", exact=True).fill("Unnaer Straße 1, 58706 Menden")
    page.get_by_label(re.compile("^Plätze vor Ort")).fill("500")
    page.get_by_label("Unbegrenzte Plätze online").check()
    page.get_by_role("button", name="Als Entwurf speichern").click()
    assert "Die Veranstaltung muss nach ihrem Beginn enden." in page.get_by_role("alert").first.inner_text()
    shot("event-form-error")

    page.get_by_label(re.compile("^Beginn")).fill(f"{year}-03-18T10:00")
    page.get_by_label(re.compile("^Ende")).fill(f"{year}-03-18T14:00")
    page.get_by_role("button", name="Als Entwurf speichern").click()
    page.wait_for_url(re.compile(r"/manage/events/\d+$"))
    assert "Entwurf" in page.get_by_role("status").inner_text()
    shot("event-draft")

    page.get_by_role("button", name="Veröffentlichen").click()
    page.wait_for_url(re.compile(r"/manage/events/\d+$"))
    assert "veröffentlicht" in page.get_by_role("status").inner_text()

    page.goto("/")
    card = page.get_by_role("link", name=re.compile("Eröffnung der Zukunfts.Werk.Stadt Menden"))
    assert card.count() == 1
    card.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Eröffnung der Zukunfts.Werk.Stadt Menden"
    assert "500" in page.locator("main").inner_text()
    shot("event-public")
