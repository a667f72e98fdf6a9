"""An event's dashboard updates by itself in a real browser (issue 8 Part 4; headless Chromium):
an arrival recorded meanwhile shows up without a reload, in the figures, the chart and its table."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from playwright.sync_api import expect

from eventapp.extensions import db
from eventapp.models import EventAttendance, Mode, Registration, utcnow
from tests.factories import PASSWORD, Factories
from tests.services.test_dashboard import attend


def test_the_dashboard_shows_an_arrival_without_a_reload(app: Flask, page, shot):
    starts = (utcnow() - timedelta(minutes=20)).replace(second=0, microsecond=0)
    with app.app_context():
        make = Factories(db.session)
        menden = make.organization(slug="menden", name="Stadt Menden")
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        event = make.event(
            organization=menden,
            title="Eröffnung der Zukunfts.Werk.Stadt",
            attendance=EventAttendance.HYBRID,
            starts_at=starts,
            join_url="https://meet.example/werkstadt",
        )
        registration = make.registration(event, mode=Mode.ON_SITE)
        event_id, registration_id = event.id, registration.id
        db.session.commit()
        db.session.remove()

    page.goto("/login")
    page.get_by_label(re.compile("E-Mail-Adresse")).fill("orga@menden.de")
    page.get_by_label(re.compile("^Passwort")).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/manage/$"))
    page.goto(f"/manage/events/{event_id}")
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile(rf"/manage/events/{event_id}/dashboard$"))

    arrived = page.locator('dd [data-figure="arrived_on_site"]')
    assert arrived.inner_text() == "0"
    assert page.locator("rect.chart-bar-on_site").count() == 0
    # The script took over: it says that the page updates itself.
    page.get_by_text("Aktualisiert sich alle paar Sekunden von selbst.").wait_for()

    with app.app_context():
        attend(db.session, db.session.get(Registration, registration_id), Mode.ON_SITE, utcnow())
        db.session.commit()
        db.session.remove()

    expect(arrived).to_have_text("1", timeout=15_000)  # the script polls every 5 seconds
    assert page.locator("rect.chart-bar-on_site").count() == 1
    assert page.locator('[data-chart-part="rows"] tr').count() == 1
    shot("dashboard-live")
