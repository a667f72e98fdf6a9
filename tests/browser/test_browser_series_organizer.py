"""An organizer creates a series from a rhythm, gives a date a topic and publishes the dates in a real
browser, with the keyboard where it counts (issue 7 Part 3; headless Chromium)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask

from eventapp.extensions import db
from eventapp.models import utcnow
from tests.factories import PASSWORD, Factories


def test_an_organizer_creates_a_series_from_a_rhythm_and_publishes_it(app: Flask, page, shot):
    with app.app_context():
        make = Factories(db.session)
        agency = make.organization(slug="agentur", name="Südwestfalen Agentur")
        make.user(email="orga@agentur.de", role="organizer", organizations=[agency])
        db.session.commit()
        db.session.remove()
    first = date(utcnow().year + 1, 10, 15)  # Thursdays across the end of summer time
    first += timedelta(days=(3 - first.weekday()) % 7)

    page.goto("/login")
    page.get_by_label(re.compile("E-Mail-Adresse")).fill("orga@agentur.de")
    page.get_by_label(re.compile("^Passwort")).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/manage/$"))

    page.get_by_role("link", name="Ihre Reihen").click()
    page.get_by_role("link", name="Neue Reihe").click()
    page.get_by_label(re.compile("^Titel")).fill("Pausenhof")
    page.get_by_label("Format").select_option("pausenhof")
    page.get_by_label("Online", exact=True).check()
    page.get_by_label(re.compile("^Plätze online")).fill("20")
    page.get_by_label("Unbegrenzte Plätze vor Ort").check()
    page.get_by_label(re.compile("^Wöchentlich")).check()
    page.get_by_label(re.compile("^Alle wie viele")).fill("2")
    page.get_by_role("checkbox", name="Donnerstag").check()
    page.get_by_label(re.compile("^Erster Termin")).fill(first.isoformat())
    page.get_by_label(re.compile("^Beginn")).fill("12:30")
    page.get_by_label(re.compile("^Ende")).fill("13:00")
    page.get_by_label("nach einer Anzahl von Terminen").check()
    page.get_by_label(re.compile("^Anzahl der Termine")).fill("150")
    page.get_by_role("button", name="Reihe anlegen").click()
    assert "ganze Zahl von 1 bis 100" in page.get_by_role("alert").first.inner_text()
    shot("series-form-error")

    page.get_by_label(re.compile("^Anzahl der Termine")).fill("4")
    page.get_by_label("Themen der Termine").fill("Open Data\n\nKI im Rathaus")
    page.get_by_role("button", name="Reihe anlegen").press("Enter")
    page.wait_for_url(re.compile(r"/manage/series/\d+$"))
    main = page.locator("main").inner_text()
    assert "Jede zweite Woche am Donnerstag, 12:30–13:00 Uhr" in main
    assert main.count("12:30–13:00") >= 4 and "Open Data" in main and "KI im Rathaus" in main
    shot("series-page")

    page.get_by_role("button", name="Alle 4 kommenden Entwürfe veröffentlichen").click()
    assert "4 Termine wurden veröffentlicht" in page.get_by_role("status").inner_text()

    page.goto("/series/pausenhof")
    assert "Open Data" in page.locator("main").inner_text()
