"""The series manage page on a 390 px phone: every date's actions in view, nothing wider than the
screen, declining a date and joining it again (issue 6 part 2 §5)."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import EventAttendance, Registration, RegistrationStatus, utcnow
from eventapp.services import series as series_service
from eventapp.services.registration import RegistrationInput
from tests.browser.conftest import SHOTS
from tests.factories import Factories

PHONE = {"width": 390, "height": 844}
TICKET = re.compile(r"^(Ticket und Details|Ticket and details)$")
NOT_THIS_TIME = re.compile(r"^(Diesmal nicht|Not this time)$")
SKIP = re.compile(r"^(Diesen Termin auslassen|Skip this date)$")
REJOIN = re.compile(r"^(Doch teilnehmen|Take part after all)$")
TOPICS = (
    "Die offene regionale Datenplattform",
    "Leitfäden als Wissenstransfer: der Katalog für alle Kommunen",
    "Datenstrategie und Datenhoheit – das Beispiel Soest",
)


@pytest.fixture
def series_token(app: Flask) -> str:
    """An active series registration (online, three upcoming dates with long topics)."""
    with app.app_context():
        make = Factories(db.session)
        agency = make.organization(name="Südwestfalen Agentur", slug="suedwestfalen-agentur")
        found = make.series(
            organization=agency, slug="pausenhof", title="Pausenhof", rhythm="Jeden zweiten Donnerstag, 12:30–13:00 Uhr"
        )
        start = (utcnow() + timedelta(days=7)).replace(hour=11, minute=30, second=0, microsecond=0)
        for number, topic in enumerate(TOPICS):
            make.event(
                organization=agency,
                series=found,
                slug=f"pausenhof-{number}",
                title=f"Pausenhof: {topic}",
                format="pausenhof",
                attendance=EventAttendance.ONLINE,
                capacity_online=25,
                capacity_on_site=None,
                starts_at=start + timedelta(days=14 * number),
                ends_at=start + timedelta(days=14 * number, minutes=30),
            )
        data = RegistrationInput(
            given_name="Maximiliane",
            family_name="Mustermann-Lüdenscheider",
            email="maximiliane.mustermann-luedenscheider@stadt-wendener-land.example.org",
            organization="Gemeinde Wendener Land, Fachbereich Digitalisierung",
            privacy_consent=True,
        )
        outcome = series_service.submit_series(db.session, found, data, now=utcnow(), confirm_email=False)
        token = outcome.series_registration.manage_token
        db.session.commit()
        db.session.remove()
    return token


def shot(page, name: str) -> None:
    """A full-page screenshot of this phone tab when EVENTAPP_SHOTS is set."""
    if os.environ.get("EVENTAPP_SHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_horizontal_overflow(page) -> None:
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"page is {width}px wide on a {inner}px screen"


def _within_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def test_declining_and_rejoining_a_series_date_on_a_390px_phone(app, chromium, live_server, series_token):
    from playwright.sync_api import expect

    context = chromium.new_context(base_url=live_server, locale="de-DE", viewport=PHONE, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/s/{series_token}")
        shot(page, "series-1-manage-390")
        _no_horizontal_overflow(page)
        for topic in TOPICS:
            expect(page.get_by_text(topic)).to_be_visible()
        first = page.locator("#date-pausenhof-0")
        for name in (TICKET, NOT_THIS_TIME):
            action = first.get_by_role("link", name=name)
            expect(action).to_be_visible()
            _within_screen(action)

        first.get_by_role("link", name=NOT_THIS_TIME).click()
        expect(page).to_have_url(re.compile(rf"/s/{series_token}/decline/pausenhof-0$"))
        _no_horizontal_overflow(page)
        page.get_by_role("button", name=SKIP).click()

        expect(page).to_have_url(re.compile(rf"/s/{series_token}$"))
        shot(page, "series-2-declined-390")
        _no_horizontal_overflow(page)
        first = page.locator("#date-pausenhof-0")
        expect(first.get_by_role("link", name=NOT_THIS_TIME)).to_have_count(0)
        rejoin = first.get_by_role("button", name=REJOIN)
        expect(rejoin).to_be_visible()
        _within_screen(rejoin)
        with app.app_context():
            states = db.session.scalars(select(Registration.status).order_by(Registration.id)).all()
            db.session.remove()
        assert states == [RegistrationStatus.CANCELLED, RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED]

        rejoin.click()
        expect(page).to_have_url(re.compile(rf"/s/{series_token}$"))
        shot(page, "series-3-rejoined-390")
        _no_horizontal_overflow(page)
        expect(page.locator("#date-pausenhof-0").get_by_role("link", name=NOT_THIS_TIME)).to_be_visible()
        with app.app_context():
            rows = db.session.scalars(select(Registration).where(Registration.event.has(slug="pausenhof-0"))).all()
            assert sorted(row.status.value for row in rows) == ["cancelled", "confirmed"]
            db.session.remove()
    finally:
        context.close()


def test_series_page_and_start_page_fit_a_390px_phone(app, chromium, live_server, series_token):
    from playwright.sync_api import expect

    context = chromium.new_context(base_url=live_server, locale="de-DE", viewport=PHONE, is_mobile=True)
    page = context.new_page()
    try:
        page.goto("/series/pausenhof")
        _no_horizontal_overflow(page)
        expect(page.get_by_text(TOPICS[1])).to_be_visible()
        page.goto("/")
        _no_horizontal_overflow(page)
        link = page.locator('a[href="/series/pausenhof"]').first
        expect(link).to_be_visible()
        link.click()
        expect(page).to_have_url(re.compile(r"/series/pausenhof$"))
    finally:
        context.close()
