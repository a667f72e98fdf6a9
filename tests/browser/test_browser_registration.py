"""A person registers for the hybrid conference and confirms by mail, in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from config import url_settings
from eventapp.extensions import db
from eventapp.mail import build_message
from eventapp.models import OutboxMessage, Registration, RegistrationStatus, utcnow
from tests.browser.labels import (
    CONFIRM,
    EMAIL,
    GIVEN_NAME,
    ON_SITE,
    ORGANIZATION,
    PRIVACY,
    REGISTER,
)
from tests.factories import Factories


@pytest.fixture
def conference(app: Flask) -> str:
    with app.app_context():
        make = Factories(db.session)
        agency = make.organization(name="Südwestfalen Agentur", slug="suedwestfalen-agentur")
        make.organization(name="Stadt Arnsberg", slug="arnsberg")
        event = make.event(
            organization=agency,
            slug="smart-cities-konferenz",
            title="Smart Cities: Konferenz",
            starts_at=(utcnow() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0),
            capacity_on_site=120,
            capacity_online=None,
        )
        slug = event.slug
        db.session.commit()
        db.session.remove()
    return slug


def confirm_link(app: Flask) -> str:
    """The confirm link as the person reads it in the rendered confirmation mail."""
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "confirm_email")).one()
        body = build_message(db.session, message, now=utcnow()).get_body(preferencelist=("plain",)).get_content()
        db.session.remove()
    match = re.search(r"https?://\S+/r/[\w-]+/confirm", body)
    assert match, body
    return match.group(0)


def test_a_person_registers_and_confirms_in_the_browser(app, page, shot, live_server, conference, monkeypatch):
    from playwright.sync_api import expect

    for key, value in url_settings(live_server).items():  # links in mails point at the live server
        monkeypatch.setitem(app.config, key, value)

    page.goto(f"/events/{conference}")
    shot("1-event")
    page.get_by_role("link", name=REGISTER).first.click()
    expect(page).to_have_url(re.compile(rf"/events/{conference}/register$"))

    # Fill the form the way a person does: by label, with the keyboard.
    page.get_by_label(GIVEN_NAME).click()
    page.keyboard.type("Erika")
    page.keyboard.press("Tab")
    page.keyboard.type("Mustermann")
    page.get_by_label(EMAIL).press_sequentially("erika.mustermann@example.org")
    page.get_by_label(ORGANIZATION).press_sequentially("Stadt Arns")
    page.get_by_label(ORGANIZATION).fill("Stadt Arnsberg")
    page.get_by_label(ON_SITE).check()
    page.get_by_label(PRIVACY).check()
    shot("2-form")
    page.get_by_role("button", name=REGISTER).click()

    expect(page).to_have_url(re.compile(rf"/events/{conference}/registered$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shot("3-check-inbox")

    # The link from the mail opens a page with one button; opening it changes nothing.
    page.goto(confirm_link(app))
    with app.app_context():
        assert db.session.scalars(select(Registration.status)).one() is RegistrationStatus.PENDING
        db.session.remove()
    shot("4-confirm")
    page.get_by_role("button", name=CONFIRM).click()

    expect(page).to_have_url(re.compile(r"/r/[\w-]+$"))
    qr = page.locator("img.ticket-qr")
    expect(qr).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert re.search(r"QR", qr.get_attribute("alt") or "")
    shot("5-manage")
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert registration.status is RegistrationStatus.CONFIRMED
        assert registration.organization == "Stadt Arnsberg"
        kinds = list(db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))
        assert kinds == ["confirm_email", "ticket"]
        db.session.remove()
