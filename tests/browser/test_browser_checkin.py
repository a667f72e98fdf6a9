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


def y4m_of(png: bytes, path, *, width: int = 640, height: int = 480) -> None:
    """A one-frame Y4M video (what Chromium's fake camera plays in a loop) showing ``png`` centred."""
    from io import BytesIO

    from PIL import Image

    picture = Image.open(BytesIO(png)).convert("RGB")
    side = min(width, height) - 40
    picture = picture.resize((side, side), Image.NEAREST)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(picture, ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + planes)


def test_the_camera_reads_a_ticket_shown_to_it(app, chromium, live_server, tmp_path):
    """Chromium's fake camera shows the ticket PNG of the manage page. Chromium on Linux has no
    BarcodeDetector, so this proves the vendored jsQR fallback decoder."""
    from playwright.sync_api import expect

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with app.app_context():
        make = Factories(db.session)
        event = make.event(slug="eroeffnung", starts_at=utcnow() + timedelta(hours=1))
        anna = make.registration(event, given_name="Anna", family_name="Beispiel")
        seats.issue_ticket(anna)
        db.session.flush()
        manage_token = anna.manage_token
        _device, token = checkin_devices.create_device(db.session, event, "Tor 2", now=utcnow(), actor=Actor.system())
        db.session.commit()
        db.session.remove()
    png = app.test_client().get(f"/r/{manage_token}/ticket.png").data
    video = tmp_path / "ticket.y4m"
    y4m_of(png, video)
    camera_args = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = chromium.browser_type.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *camera_args])
    try:
        context = browser.new_context(base_url=live_server, locale="de-DE", permissions=["camera"])
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(f"/checkin/eroeffnung#device={token}")
        assert page.evaluate("'BarcodeDetector' in window") is False
        page.get_by_role("button", name="Mit der Kamera scannen").click()
        result = page.locator("#checkin-result")
        expect(result).to_have_class("checkin-result result-ok")
        expect(result).to_contain_text("Willkommen, Anna Beispiel")
        page.wait_for_timeout(1500)  # the ticket stays in view: not a second scan
        expect(result).to_have_class("checkin-result result-ok")
        expect(page.locator("#checkin-counter")).to_have_text("1")
    finally:
        browser.close()
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 1
        db.session.remove()
