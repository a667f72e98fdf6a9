"""An organizer signs in with a real browser and finds their events (issue 7 Part 1)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask

from eventapp.extensions import db
from eventapp.models import EventAttendance, EventStatus, RegistrationStatus, utcnow
from tests.factories import PASSWORD, Factories


def test_an_organizer_signs_in_and_sees_the_event_list(app: Flask, page, shot):
    with app.app_context():
        make = Factories(db.session)
        menden = make.organization(slug="menden", name="Stadt Menden")
        event = make.event(
            organization=menden,
            title="Eröffnung der Zukunfts.Werk.Stadt Menden",
            attendance=EventAttendance.ON_SITE,
            capacity_on_site=500,
            status=EventStatus.PUBLISHED,
            starts_at=(utcnow() + timedelta(days=14)).replace(hour=9, minute=0, second=0, microsecond=0),
        )
        for _ in range(2):
            make.registration(event, status=RegistrationStatus.CONFIRMED)
        make.event(organization=make.organization(name="Stadt Olpe"), title="Olper Abend")
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        db.session.commit()
        db.session.remove()

    page.goto("/manage/")
    page.wait_for_url(re.compile(r"/login\?next=/manage/"))
    page.get_by_label(re.compile("E-Mail-Adresse")).fill("orga@menden.de")
    page.get_by_label(re.compile("^Passwort")).fill("falsches-passwort")
    page.get_by_role("button", name="Anmelden").click()
    assert page.get_by_role("alert").inner_text() == "Die E-Mail-Adresse oder das Passwort ist nicht korrekt."
    shot("login-wrong-password")

    page.get_by_label(re.compile("^Passwort")).fill(PASSWORD)
    page.get_by_label("Auf diesem Gerät angemeldet bleiben").check()
    page.get_by_label(re.compile("^Passwort")).press("Enter")  # submits like the button
    page.wait_for_url(lambda url: urlsplit(url).path == "/manage/" and not urlsplit(url).query)
    shot("manage-event-list")
    assert page.get_by_role("heading", level=1).inner_text() == "Ihre Veranstaltungen"
    row = page.get_by_role("row", name=re.compile("Eröffnung der Zukunfts.Werk.Stadt Menden"))
    assert re.search(r"Veröffentlicht\s+2\s+0\s+0\s+500", row.inner_text())
    assert page.get_by_text("Olper Abend").count() == 0

    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/login" and not urlsplit(url).query)
    assert "Sie haben sich abgemeldet." in page.get_by_role("status").inner_text()
