"""Attendance certificates on the web (issue 8 Part 5): the attendee's download behind the manage
link, the verification page, and the organizer's one button that mails them all once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from eventapp.models import (
    Attendance,
    AttendanceSource,
    AuditEntry,
    Mode,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    utcnow,
)
from eventapp.services import certificates
from tests.helpers import csrf_token, text
from tests.web.test_auth_views import login


@dataclass(frozen=True)
class World:
    event: int
    upcoming: int
    #: Manage tokens: checked in on site (German), joined online (English), a no-show, an
    #: attendee of the upcoming event, and a cancelled registration that had been checked in.
    on_site: str
    online: str
    no_show: str
    early: str
    cancelled: str


def _arrive(session, registration: Registration, mode: Mode) -> None:
    source = AttendanceSource.QR if mode is Mode.ON_SITE else AttendanceSource.JOIN_LINK
    session.add(Attendance(registration=registration, event_id=registration.event_id, mode=mode, source=source))


@pytest.fixture
def world(data) -> World:
    with data() as (session, make):
        menden = make.organization(slug="menden", name="Stadt Menden")
        olpe = make.organization(slug="olpe", name="Stadt Olpe")
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        make.user(email="staff@menden.de", role="staff", organizations=[menden])
        start = (utcnow() - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
        event = make.event(
            organization=menden, title="Zukunfts.Werk.Stadt Menden", starts_at=start, ends_at=start + timedelta(hours=3)
        )
        upcoming = make.event(organization=menden, starts_at=utcnow() + timedelta(days=3))
        on_site = make.registration(event, given_name="Jürgen", family_name="Größmann", locale="de")
        online = make.registration(event, given_name="Erika", family_name="Mustermann", mode=Mode.ONLINE, locale="en")
        no_show = make.registration(event)
        cancelled = make.registration(event, status=RegistrationStatus.CANCELLED)
        early = make.registration(upcoming)
        for registration, mode in ((on_site, Mode.ON_SITE), (online, Mode.ONLINE), (cancelled, Mode.ON_SITE)):
            _arrive(session, registration, mode)
        _arrive(session, early, Mode.ON_SITE)
        session.flush()
        return World(
            event.id,
            upcoming.id,
            on_site.manage_token,
            online.manage_token,
            no_show.manage_token,
            early.manage_token,
            cancelled.manage_token,
        )


def _certificate_mails(data) -> list[tuple[int, str]]:
    with data() as (session, _make):
        rows = session.execute(
            select(OutboxMessage.registration_id, OutboxMessage.locale).where(OutboxMessage.kind == "certificate")
        ).all()
    return sorted((row[0], row[1]) for row in rows)


def _registration_id(data, token: str) -> int:
    with data() as (session, _make):
        return session.scalar(select(Registration.id).where(Registration.manage_token == token))


# --- the attendee -------------------------------------------------------------------------


def test_manage_page_links_the_certificate_only_when_there_is_one(client, world):
    for token in (world.on_site, world.online):
        page = client.get(f"/r/{token}").get_data(as_text=True)
        assert f"/r/{token}/certificate.pdf" in page
    for token in (world.no_show, world.early, world.cancelled):
        page = client.get(f"/r/{token}").get_data(as_text=True)
        assert "certificate.pdf" not in page


def test_download_is_a_pdf_attachment_in_the_registrations_language(client, world):
    response = client.get(f"/r/{world.on_site}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "Teilnahmebescheinigung-" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    pdf = "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert "Teilnahmebescheinigung" in pdf
    assert "Jürgen Größmann" in pdf
    assert "Zukunfts.Werk.Stadt Menden" in pdf
    assert "Stadt Menden" in pdf

    english = client.get(f"/r/{world.online}/certificate.pdf")
    assert english.status_code == 200
    assert "Certificate-of-attendance-" in english.headers["Content-Disposition"]
    assert "Certificate of attendance" in PdfReader(BytesIO(english.data)).pages[0].extract_text()


def test_download_changes_nothing(client, world, data):
    with data() as (session, _make):
        before = session.scalar(select(func.count(AuditEntry.id)))
    assert client.get(f"/r/{world.on_site}/certificate.pdf").status_code == 200
    with data() as (session, _make):
        assert session.scalar(select(func.count(AuditEntry.id))) == before
        assert session.scalar(select(func.count(OutboxMessage.id))) == 0


@pytest.mark.parametrize(
    ("who", "says"),
    [
        ("early", "steht nach dem Ende der Veranstaltung bereit"),
        ("no_show", "weder vor Ort eingelassen noch war sie online dabei"),
        ("cancelled", "weil sie nicht bestätigt ist"),
    ],
)
def test_without_a_certificate_a_clear_page(client, world, who, says):
    response = client.get(f"/r/{getattr(world, who)}/certificate.pdf?lang=de")
    assert response.status_code == 409
    assert response.mimetype == "text/html"
    assert says in text(response)
    assert "Zurück zu Ihrer Anmeldung" in text(response)


def test_unknown_token_is_not_found(client, world):
    assert client.get("/r/no-such-token/certificate.pdf").status_code == 404


def test_verification_page_confirms_the_certificate(client, world, data, app):
    pdf = client.get(f"/r/{world.on_site}/certificate.pdf").data
    line = PdfReader(BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    with app.app_context():
        from eventapp.extensions import db

        registration = db.session.get(Registration, _registration_id(data, world.on_site))
        code = certificates.verification_code(registration, secret=app.config["SECRET_KEY"])
        db.session.remove()
    assert f"/certificates/{code}" in line
    page = client.get(f"/certificates/{code}?lang=de")
    assert page.status_code == 200
    assert "Diese Teilnahmebescheinigung ist echt." in text(page)
    assert "Jürgen Größmann" in text(page)
    assert page.headers["X-Robots-Tag"] == "noindex"
    # Two other characters at the end (not "AA" when the real code ends in it: that flaked).
    tail = "BB" if code.endswith("AA") else "AA"
    forged = client.get(f"/certificates/{code[:-2]}{tail}?lang=de")
    assert forged.status_code == 404
    assert "Jürgen" not in text(forged)


# --- the organizer ------------------------------------------------------------------------


def _send(client, world: World, event: int | None = None, **form: str):
    event_id = event or world.event
    token = csrf_token(client, f"/manage/events/{event_id}")
    return client.post(f"/manage/events/{event_id}/certificates?lang=de", data={"csrf_token": token, **form})


def test_event_page_offers_the_certificates_with_a_count(client, world):
    login(client, "orga@menden.de")
    page = text(client.get(f"/manage/events/{world.event}?lang=de"))
    assert "2 Personen haben teilgenommen" in page
    assert "2 Bescheinigungen senden" in page
    upcoming = text(client.get(f"/manage/events/{world.upcoming}?lang=de"))
    assert "Bescheinigungen senden" not in upcoming


def test_organizer_sends_to_exactly_the_attendees_once_across_two_clicks(client, world, data):
    login(client, "orga@menden.de")
    first = _send(client, world, confirm="y")
    assert first.status_code == 303
    second = _send(client, world, confirm="y")
    assert second.status_code == 303
    on_site, online = _registration_id(data, world.on_site), _registration_id(data, world.online)
    assert _certificate_mails(data) == sorted([(on_site, "de"), (online, "en")])
    page = text(client.get(f"/manage/events/{world.event}?lang=de"))
    assert "haben ihre bereits per E-Mail erhalten" in page
    assert "Alle Teilnehmenden haben ihre Bescheinigung erhalten." in page
    with data() as (session, _make):
        sent = session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == certificates.SENT_ACTION))
        assert sorted(sent) == sorted([on_site, online])
    history = text(client.get(f"/manage/events/{world.event}/registrations/{on_site}?lang=de"))
    assert "Teilnahmebescheinigung versandt" in history


def test_without_the_confirmation_nothing_is_sent(client, world, data):
    login(client, "orga@menden.de")
    response = _send(client, world)
    assert response.status_code == 400
    assert "Bitte bestätigen Sie" in text(response)
    assert _certificate_mails(data) == []


def test_before_the_end_nothing_is_sent(client, world, data):
    login(client, "orga@menden.de")
    response = _send(client, world, event=world.upcoming, confirm="y")
    assert response.status_code == 303
    assert _certificate_mails(data) == []
    assert "erst nach dem Ende der Veranstaltung" in text(client.get(response.headers["Location"]))


@pytest.mark.parametrize("email", ["orga@olpe.de", "staff@menden.de"])
def test_others_are_refused_and_nothing_is_sent(client, world, data, email):
    login(client, email)
    token = csrf_token(client, "/manage/")
    response = client.post(f"/manage/events/{world.event}/certificates", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 403
    assert _certificate_mails(data) == []


def test_the_worker_delivers_the_pdf_through_smtp(client, world, data, runner, smtp_server):
    login(client, "orga@menden.de")
    assert _send(client, world, confirm="y").status_code == 303
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    by_address = {}
    with data() as (session, _make):
        for token in (world.on_site, world.online):
            registration = session.scalar(select(Registration).where(Registration.manage_token == token))
            by_address[registration.person.email] = registration.locale
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(by_address)
    for message in smtp_server.messages:
        attachments = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
        assert len(attachments) == 1
        pdf = PdfReader(BytesIO(attachments[0].get_content())).pages[0].extract_text()
        if by_address[message["To"]] == "de":
            assert message["Subject"] == "Ihre Teilnahmebescheinigung: Zukunfts.Werk.Stadt Menden"
            assert attachments[0].get_filename().startswith("Teilnahmebescheinigung-")
            assert "Jürgen Größmann" in pdf
        else:
            assert message["Subject"] == "Your certificate of attendance: Zukunfts.Werk.Stadt Menden"
            assert "Certificate of attendance" in pdf
            assert "Erika Mustermann" in pdf
