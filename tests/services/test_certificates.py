"""Attendance certificates (issue 8 Part 5): who earns one, what the PDF says, sending them once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from eventapp.models import (
    Attendance,
    AttendanceSource,
    AuditEntry,
    EventAttendance,
    EventStatus,
    Mode,
    OutboxMessage,
    RegistrationStatus,
)
from eventapp.services import certificates, logos
from eventapp.services.audit import CLI, Actor
from eventapp.services.certificates import CertificateUnavailable, EventNotEnded
from tests.services.test_logos import png

SECRET = "test-secret"
VERIFY = "https://veranstaltungen.example/certificates/CODE"
#: The event: Thursday 18 March 2027, 10:00–16:00 in Berlin (CET, UTC+1).
STARTS = datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
AFTER = STARTS + timedelta(hours=7)


def arrive(session, registration, mode: Mode = Mode.ON_SITE) -> Attendance:
    source = AttendanceSource.QR if mode is Mode.ON_SITE else AttendanceSource.JOIN_LINK
    attendance = Attendance(registration=registration, event_id=registration.event_id, mode=mode, source=source)
    session.add(attendance)
    session.flush()
    return attendance


@pytest.fixture
def event(make):
    organization = make.organization(name="Südwestfalen Agentur")
    return make.event(
        organization=organization,
        title="Smart Cities: Konferenz Südwestfalen",
        slug="smart-cities-konferenz",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=6),
        venue="Sauerlandhalle",
        address="Hauptstraße 1, 59821 Arnsberg",
    )


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def build(session, registration, *, locale: str = "de", now: datetime = AFTER) -> bytes:
    return certificates.build_pdf(session, registration, now=now, secret=SECRET, verify_url=VERIFY, locale=locale)


# --- eligibility --------------------------------------------------------------------------


def test_an_on_site_arrival_earns_a_certificate_after_the_end(session, make, event):
    registration = make.registration(event)
    arrive(session, registration)
    assert certificates.refusal(session, registration, now=AFTER) is None


def test_an_online_join_counts_as_attendance(session, make, event):
    registration = make.registration(event, mode=Mode.ONLINE)
    arrive(session, registration, Mode.ONLINE)
    assert certificates.is_eligible(session, registration, now=AFTER)
    assert certificates.attended_modes(session, registration) == [Mode.ONLINE]


def test_not_before_the_end_of_the_event(session, make, event):
    registration = make.registration(event)
    arrive(session, registration)
    during = event.ends_at - timedelta(minutes=1)
    assert certificates.refusal(session, registration, now=during) == "not_ended"
    assert certificates.refusal(session, registration, now=event.ends_at) is None
    with pytest.raises(CertificateUnavailable) as refused:
        build(session, registration, now=during)
    assert refused.value.reason == "not_ended"
    assert refused.value.code == "certificate_not_available"


def test_not_without_an_attendance_record(session, make, event):
    registration = make.registration(event)
    assert certificates.refusal(session, registration, now=AFTER) == "no_attendance"


@pytest.mark.parametrize("status", [RegistrationStatus.CANCELLED, RegistrationStatus.EXPIRED])
def test_not_for_a_cancelled_or_expired_registration(session, make, event, status):
    registration = make.registration(event)
    arrive(session, registration)
    registration.status = status
    assert certificates.refusal(session, registration, now=AFTER) == "not_confirmed"


def test_not_for_a_cancelled_event_or_anonymised_data(session, make, event):
    registration = make.registration(event)
    arrive(session, registration)
    registration.anonymised_at = AFTER
    assert certificates.refusal(session, registration, now=AFTER) == "anonymised"
    registration.anonymised_at = None
    event.status = EventStatus.CANCELLED
    assert certificates.refusal(session, registration, now=AFTER) == "event_cancelled"


# --- the PDF ------------------------------------------------------------------------------


def test_the_pdf_names_the_person_event_date_duration_place_and_organizer(session, make, event):
    registration = make.registration(event, given_name="Jürgen", family_name="Größmann-Weiß")
    arrive(session, registration)
    data = build(session, registration)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Teilnahmebescheinigung" in text
    assert "Jürgen Größmann-Weiß" in text
    assert "Smart Cities: Konferenz Südwestfalen" in text
    assert "Donnerstag, 18. März 2027" in text
    assert "10:00–16:00" in text  # Berlin time (UTC+1 in March)
    assert "6 Stunden" in text
    assert "Sauerlandhalle, Hauptstraße 1, 59821 Arnsberg" in text
    assert "Südwestfalen Agentur" in text
    assert "18. März 2027" in text  # issued that day (AFTER)
    code = certificates.verification_code(registration, secret=SECRET)
    assert code in text.replace("\n", "")
    assert VERIFY in text.replace("\n", "")
    # The font is embedded: the PDF does not depend on a font on the reader's machine.
    fonts = PdfReader(BytesIO(data)).pages[0]["/Resources"]["/Font"]
    assert all(font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"] for font in fonts.values())


def test_in_english_for_an_english_registration(session, make, event):
    registration = make.registration(event, mode=Mode.ONLINE, locale="en")
    arrive(session, registration, Mode.ONLINE)
    text = pdf_text(build(session, registration, locale=registration.locale))
    assert "Certificate of attendance" in text
    assert "Thursday, 18 March 2027" in text
    assert "6 hours" in text
    assert "Place Online" in text.replace("\n", " ")
    assert certificates.filename(registration, locale="en") == "Certificate-of-attendance-smart-cities-konferenz.pdf"
    assert certificates.filename(registration, locale="de") == "Teilnahmebescheinigung-smart-cities-konferenz.pdf"


def test_duration_in_hours_and_minutes_and_both_places(session, make):
    event = make.event(
        attendance=EventAttendance.HYBRID, starts_at=STARTS, ends_at=STARTS + timedelta(minutes=90), venue="Rathaus"
    )
    registration = make.registration(event)
    arrive(session, registration, Mode.ONLINE)
    arrive(session, registration, Mode.ON_SITE)
    text = pdf_text(build(session, registration)).replace("\n", " ")
    assert "1 Stunde 30 Minuten" in text
    assert "Rathaus, Hauptstraße 1, 59821 Arnsberg und online" in text


def test_the_organizations_logo_is_drawn(session, make, event):
    registration = make.registration(event)
    arrive(session, registration)
    without = build(session, registration)
    logos.set_logo(session, event.organization, png((240, 80)), now=AFTER, actor=CLI)
    with_logo = build(session, registration)
    page = PdfReader(BytesIO(with_logo)).pages[0]
    assert len(page.images) == 1
    assert not PdfReader(BytesIO(without)).pages[0].images


def test_verification_code_is_unforgeable_and_ends_with_the_certificate(session, make, event):
    registration = make.registration(event)
    arrive(session, registration)
    code = certificates.verification_code(registration, secret=SECRET)
    assert certificates.verify(session, code, secret=SECRET, now=AFTER) is registration
    assert certificates.verify(session, code.lower(), secret=SECRET, now=AFTER) is registration
    assert certificates.verify(session, code, secret="another-secret", now=AFTER) is None
    assert certificates.verify(session, code[:-1] + ("A" if code[-1] != "A" else "B"), secret=SECRET, now=AFTER) is None
    assert certificates.verify(session, "not-a-code", secret=SECRET, now=AFTER) is None
    registration.anonymised_at = AFTER
    assert certificates.verify(session, code, secret=SECRET, now=AFTER) is None


# --- sending ------------------------------------------------------------------------------


def test_send_all_mails_exactly_the_attendees_once(session, make, event):
    on_site = make.registration(event, locale="de")
    online = make.registration(event, mode=Mode.ONLINE, locale="en")
    no_show = make.registration(event)
    cancelled = make.registration(event, status=RegistrationStatus.CANCELLED)
    arrive(session, on_site)
    arrive(session, online, Mode.ONLINE)
    arrive(session, cancelled)  # checked in, then cancelled: no certificate
    actor = Actor.system("test")

    assert certificates.overview(session, event, now=AFTER) == certificates.Overview(True, 2, 0)
    assert certificates.send_all(session, event, now=AFTER, actor=actor) == 2
    assert certificates.send_all(session, event, now=AFTER + timedelta(minutes=1), actor=actor) == 0

    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "certificate")).all()
    assert sorted((mail.registration_id, mail.locale) for mail in mails) == [(on_site.id, "de"), (online.id, "en")]
    assert no_show.id not in {mail.registration_id for mail in mails}
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == certificates.SENT_ACTION)).all()
    assert sorted(entry.object_id for entry in entries) == [on_site.id, online.id]
    event_entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "event.certificates_sent")).all()
    assert [entry.detail for entry in event_entries] == [{"count": 2}]
    assert certificates.overview(session, event, now=AFTER) == certificates.Overview(True, 2, 2)

    # Someone checked in later (a synced offline scan) is sent theirs on the next click, alone.
    late = make.registration(event)
    arrive(session, late, Mode.ON_SITE)
    assert certificates.send_all(session, event, now=AFTER, actor=actor) == 1


def test_send_all_refuses_before_the_end_and_for_a_cancelled_event(session, make, event):
    registration = make.registration(event)
    arrive(session, registration)
    with pytest.raises(EventNotEnded):
        certificates.send_all(session, event, now=STARTS, actor=CLI)
    event.status = EventStatus.CANCELLED
    with pytest.raises(EventNotEnded):
        certificates.send_all(session, event, now=AFTER, actor=CLI)
    assert session.scalar(select(OutboxMessage.id)) is None
    assert not certificates.overview(session, event, now=AFTER).ended
