"""What registrants get when an organizer edits an event in the form (issue 7 Part 3, "Tests that
must exist": update mails with calendar updates on edit, promotion on capacity increase, every
form's validation with nothing changed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.mail import deliver_outbox
from eventapp.models import AuditEntry, Event, OutboxMessage, Registration, RegistrationStatus, utcnow
from eventapp.services.seats import issue_ticket
from tests.helpers import text
from tests.test_mail import parts
from tests.web.test_auth_views import login
from tests.web.test_manage_event_views import build_world, page_form, post


@pytest.fixture
def world(data) -> dict[str, int]:
    return build_world(data)


def registrant(data, event_id: int, email: str, **overrides) -> int:
    with data() as (session, make):
        registration = make.registration(session.get(Event, event_id), person=make.person(email=email), **overrides)
        if registration.status is RegistrationStatus.CONFIRMED:
            issue_ticket(registration)
        session.flush()
        return registration.id


def edit(client, event_id: int, **changes: str):
    """Send the edit form back as the browser shows it, with ``changes`` typed in."""
    url = f"/manage/events/{event_id}/edit"
    values = {**page_form(text(client.get(url))), **changes}
    return post(client, url + "?lang=de", values)


def calendar_of(smtp_server, address: str) -> str:
    (mail,) = smtp_server.messages_to(address)
    (inline,) = parts(mail, "text/calendar")
    assert inline.get_param("method") == "REQUEST"
    return inline.get_content()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": "Konferenz Menden 2027"}, "SUMMARY:Konferenz Menden 2027"),
        ({"starts_at": "SHIFT"}, "DTSTART;TZID=Europe/Berlin:"),
        ({"venue": "Neue Halle"}, "Neue Halle"),
        ({"attendance": "on_site"}, "SUMMARY:Konferenz Menden"),
    ],
    ids=["title", "times", "venue", "modes"],
)
def test_a_change_that_matters_mails_an_updated_invitation_with_a_raised_sequence(
    client, world, data, smtp_server, changes, expected
):
    registrant(data, world["event"], "erika@example.org")
    login(client, "orga@menden.de")
    if changes.get("starts_at") == "SHIFT":
        form = page_form(text(client.get(f"/manage/events/{world['event']}/edit")))
        day = form["starts_at"].split("T")[0]
        changes = {"starts_at": f"{day}T07:15", "ends_at": f"{day}T18:00"}

    response = edit(client, world["event"], **changes)

    assert response.status_code == 303
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert event.sequence == 1
        assert [m.kind for m in session.scalars(select(OutboxMessage))] == ["event_updated"]
        assert deliver_outbox(session, now=utcnow()).failed == []
    calendar = calendar_of(smtp_server, "erika@example.org")
    assert "METHOD:REQUEST" in calendar
    assert "SEQUENCE:1" in calendar
    assert expected in calendar.replace("\r\n ", "")
    if "starts_at" in changes:
        assert "T071500" in calendar
    assert "informiert" in text(client.get(response.headers["Location"] + "?lang=de"))


def test_a_description_change_reaches_pages_and_feeds_but_sends_no_mail(client, world, data):
    registrant(data, world["event"], "erika@example.org")
    login(client, "orga@menden.de")

    response = edit(client, world["event"], description="Mit Kaffee und Kuchen.", summary="Neue Kurzfassung")

    assert response.status_code == 303
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert (event.description, event.summary, event.sequence) == ("Mit Kaffee und Kuchen.", "Neue Kurzfassung", 0)
        assert session.scalars(select(OutboxMessage)).all() == []
        slug = event.slug
    assert "Mit Kaffee und Kuchen." in text(client.get(f"/events/{slug}"))
    assert "Neue Kurzfassung" in text(client.get(f"/events/{slug}.ics")).replace("\r\n ", "")


def test_raising_a_capacity_in_the_form_seats_the_head_of_the_waiting_list_with_a_ticket_mail(
    client, world, data, smtp_server
):
    for n in range(3):
        registrant(data, world["event"], f"sitzt{n}@example.org")
    waiting = registrant(
        data,
        world["event"],
        "wartet@example.org",
        status=RegistrationStatus.WAITLISTED,
        waiting_since=utcnow() - timedelta(hours=2),
    )
    later = registrant(
        data, world["event"], "spaeter@example.org", status=RegistrationStatus.WAITLISTED, waiting_since=utcnow()
    )
    login(client, "orga@menden.de")

    assert edit(client, world["event"], capacity_on_site="4").status_code == 303

    with data() as (session, _make):
        promoted = session.get(Registration, waiting)
        assert promoted.status is RegistrationStatus.CONFIRMED and promoted.ticket_id
        assert session.get(Registration, later).status is RegistrationStatus.WAITLISTED
        assert session.get(Event, world["event"]).capacity_on_site == 4
        assert [(m.kind, m.registration_id) for m in session.scalars(select(OutboxMessage))] == [("ticket", waiting)]
        assert deliver_outbox(session, now=utcnow()).failed == []
    (mail,) = smtp_server.messages_to("wartet@example.org")
    assert parts(mail, "image/png"), "the ticket's QR code"
    assert [p.get_param("method") for p in parts(mail, "text/calendar")] == ["REQUEST"]
    assert smtp_server.messages_to("spaeter@example.org") == []


def test_lowering_a_capacity_below_the_seats_held_names_the_numbers_and_changes_nothing(client, world, data):
    for n in range(3):
        registrant(data, world["event"], f"sitzt{n}@example.org")
    login(client, "orga@menden.de")

    response = edit(client, world["event"], capacity_on_site="2", venue="Neue Halle")

    assert response.status_code == 400
    assert "3 Plätze sind bereits vergeben, daher kann die Kapazität nicht 2 sein." in text(response)
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert (event.capacity_on_site, event.venue, event.sequence) == (3, "Sauerlandhalle", 0)
        assert session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": "BEFORE"}, "Die Veranstaltung muss nach ihrem Beginn enden."),
        ({"join_url": "ftp://meet.example.org/raum"}, "Bitte geben Sie eine Webadresse an, die mit https://"),
        ({"livestream_url": "javascript:alert(1)"}, "Bitte geben Sie eine Webadresse an, die mit https://"),
        ({"contact_email": "keine adresse"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein"),
        ({"title": ""}, "Bitte geben Sie einen Titel ein."),
        ({"capacity_on_site": "viele"}, "Bitte geben Sie eine ganze Zahl von 0 bis 100000 an."),
        ({"starts_at": "morgen früh"}, "Bitte geben Sie Datum und Uhrzeit an"),
        ({"attendance": "irgendwie"}, "Keine gültige Auswahl."),
        ({"format": "zirkus"}, "Keine gültige Auswahl."),
    ],
    ids=[
        "end before start",
        "join url ftp",
        "stream javascript",
        "bad email",
        "no title",
        "capacity",
        "time",
        "mode",
        "format",
    ],
)
def test_the_edit_form_refuses_bad_input_in_german_and_changes_nothing(client, world, data, changes, message):
    registrant(data, world["event"], "erika@example.org")
    login(client, "orga@menden.de")
    if changes.get("ends_at") == "BEFORE":
        form = page_form(text(client.get(f"/manage/events/{world['event']}/edit")))
        changes = {"ends_at": form["starts_at"].split("T")[0] + "T00:00"}  # midnight before the start

    response = edit(client, world["event"], venue="Neue Halle", **changes)

    assert response.status_code == 400
    assert message in text(response)
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert (event.title, event.venue, event.capacity_on_site, event.sequence) == (
            "Konferenz Menden",
            "Sauerlandhalle",
            3,
            0,
        )
        assert event.join_url is None and event.livestream_url is None
        assert session.scalars(select(OutboxMessage)).all() == []
        assert session.scalars(select(AuditEntry).where(AuditEntry.object_type == "event")).all() == []
