"""An event's registrations in the organizer area (issue 7 Part 4): the list (pages, search,
filters), one registration's page, and the actions — add by hand, seat a chosen waiter,
cancel, re-send — as the organizer sees them; 403 with nothing changed for another
organization's organizer."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.models import (
    AuditEntry,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    utcnow,
)
from tests.helpers import csrf_token, text
from tests.web.test_auth_views import login

S = RegistrationStatus


@pytest.fixture
def world(data):
    soon = (utcnow() + timedelta(days=20)).replace(second=0, microsecond=0)
    with data() as (session, make):
        menden = make.organization(slug="menden", name="Stadt Menden")
        olpe = make.organization(slug="olpe", name="Stadt Olpe")
        event = make.event(
            organization=menden,
            title="Zukunfts.Werk.Stadt",
            starts_at=soon,
            attendance=EventAttendance.HYBRID,
            capacity_on_site=2,
            capacity_online=None,
        )
        make.question(event, key="diaet", label="Ernährung", sensitive=True)
        make.user(email="orga@menden.de", role="organizer", organizations=[menden], name="Olga Organisatorin")
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        people = {}
        for given, family, org, email, status, mode in [
            ("Erika", "Mustermann", "Stadt Olpe", "erika@example.org", S.CONFIRMED, Mode.ON_SITE),
            ("Jonas", "Weber", "IT-Firma Weber", "jonas@weber.de", S.CONFIRMED, Mode.ON_SITE),
            ("Anna", "Albers", "Radverein", "anna@example.org", S.WAITLISTED, Mode.ON_SITE),
            ("Bernd", "Zeller", "", "bernd@example.org", S.CONFIRMED, Mode.ONLINE),
            ("Carla", "Storno", "", "carla@example.org", S.CANCELLED, Mode.ONLINE),
        ]:
            reg = make.registration(
                event,
                given_name=given,
                family_name=family,
                organization=org,
                person=make.person(email=email),
                status=status,
                mode=mode,
                answers={"diaet": "vegan"} if given == "Erika" else {},
                waiting_since=datetime(2026, 11, 2, tzinfo=UTC) if status is S.WAITLISTED else None,
                created_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC),  # 12:00 in Berlin (summer time)
            )
            people[given] = reg.id
        return {"event": event.id, **people}


def sign_in(client, email: str) -> None:
    """Sign in and read the pages in German (the sign-in helper leaves the session in English)."""
    assert login(client, email).status_code == 303
    client.get("/manage/?lang=de")


def post(client, url: str, values: dict[str, str] | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, "/manage/"), **(values or {})})


def base(world) -> str:
    return f"/manage/events/{world['event']}/registrations"


def names_in(page) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+/registrations/\d+">([^<]+)</a>', page.get_data(as_text=True))


def test_the_list_shows_every_registration_by_name_with_its_columns(client, world):
    sign_in(client, "orga@menden.de")
    page = client.get(base(world))
    assert page.status_code == 200
    assert names_in(page) == ["Albers, Anna", "Mustermann, Erika", "Storno, Carla", "Weber, Jonas", "Zeller, Bernd"]
    body = text(page)
    for expected in ("IT-Firma Weber", "jonas@weber.de", "Warteliste", "Bestätigt", "Abgesagt", "Online", "Vor Ort"):
        assert expected in body
    assert "01.07.26, 12:00" in body  # registered at, Europe/Berlin
    assert "5 Anmeldungen insgesamt" in body


def test_search_and_filters_narrow_the_list(client, world):
    sign_in(client, "orga@menden.de")
    assert names_in(client.get(base(world) + "?q=weber")) == ["Weber, Jonas"]
    assert names_in(client.get(base(world) + "?q=OLPE")) == ["Mustermann, Erika"]
    assert names_in(client.get(base(world) + "?q=example.org+anna")) == ["Albers, Anna"]
    assert names_in(client.get(base(world) + "?status=waitlisted")) == ["Albers, Anna"]
    assert names_in(client.get(base(world) + "?status=active&mode=online")) == ["Zeller, Bernd"]
    assert names_in(client.get(base(world) + "?checked_in=yes")) == []
    empty = client.get(base(world) + "?q=niemand")
    assert "Keine Anmeldung passt zu Suche und Filter." in text(empty)


def test_an_unknown_filter_value_is_a_400_with_the_page(client, world):
    sign_in(client, "orga@menden.de")
    page = client.get(base(world) + "?status=bogus")
    assert page.status_code == 400
    assert "Not a valid choice" not in text(page) and "Bitte wählen Sie eine der Möglichkeiten." in text(page)
    assert len(names_in(page)) == 5  # the list, unfiltered by the bad part


def test_pages_link_onwards_keeping_the_filter(client, world, data):
    with data() as (session, make):
        event = session.get(Event, world["event"])
        for n in range(60):
            make.registration(event, given_name="Max", family_name=f"Muster{n:02d}")
    sign_in(client, "orga@menden.de")
    first = client.get(base(world) + "?q=muster")
    assert first.status_code == 200
    assert "1–50 von 61" in text(first) and "Seite 1 von 2" in text(first)
    link = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1)
    assert "q=muster" in link and "page=2" in link
    second = client.get(link.replace("&amp;", "&"))
    assert names_in(second)[-1] == "Mustermann, Erika" and len(names_in(second)) == 11


def test_the_detail_page_shows_data_answers_and_history(client, world, data):
    sign_in(client, "orga@menden.de")
    post(client, f"{base(world)}/{world['Erika']}/resend", {"what": "link"})
    page = client.get(f"{base(world)}/{world['Erika']}")
    assert page.status_code == 200
    body = text(page)
    assert "erika@example.org" in body and "Stadt Olpe" in body
    assert "Ernährung" in body and "vegan" in body and "sensibel (Art. 9 DSGVO)" in body
    assert "Verlauf" in body and "E-Mail erneut gesendet durch Veranstalter" in body and "Olga Organisatorin" in body


def test_a_registration_of_another_event_is_404(client, world, data):
    with data() as (session, make):
        other = make.event(organization=session.get(Event, world["event"]).organization)
        foreign = make.registration(other).id
    sign_in(client, "orga@menden.de")
    assert client.get(f"{base(world)}/{foreign}").status_code == 404
    assert post(client, f"{base(world)}/{foreign}/cancel", {"confirm": "y"}).status_code == 404


def test_another_organizations_organizer_gets_403_and_nothing_changes(client, world, data):
    sign_in(client, "orga@olpe.de")
    assert client.get(base(world)).status_code == 403
    assert client.get(f"{base(world)}/{world['Erika']}").status_code == 403
    assert post(client, f"{base(world)}/{world['Erika']}/cancel", {"confirm": "y"}).status_code == 403
    assert post(client, f"{base(world)}/{world['Anna']}/promote").status_code == 403
    assert post(client, f"{base(world)}/{world['Erika']}/resend", {"what": "ticket"}).status_code == 403
    values = {"given_name": "Eve", "family_name": "Eindringling", "email": "eve@example.org", "mode": "online"}
    assert post(client, f"{base(world)}/new", values).status_code == 403
    with data() as (session, _make):
        assert session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.event_id == world["event"])) == 0
        assert session.scalar(select(func.count(OutboxMessage.id))) == 0
        assert session.get(Registration, world["Erika"]).status is S.CONFIRMED


# --- actions -------------------------------------------------------------------------------

WALK_IN = {
    "given_name": "Walter",
    "family_name": "Walk-in",
    "email": "walter@example.org",
    "organization": "Stadt Menden",
    "mode": "on_site",
    "locale": "de",
    "send_mail": "y",
}


def test_a_walk_in_into_a_full_mode_raises_the_capacity_and_says_so(client, world, data):
    sign_in(client, "orga@menden.de")
    assert client.get(f"{base(world)}/new").status_code == 200
    response = post(client, f"{base(world)}/new", WALK_IN)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Walter Walk-in ist angemeldet und bestätigt" in text(page)
    assert "Kapazität vor Ort von 2 auf 3 erhöht." in text(page)
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        reg = session.scalars(select(Registration).where(Registration.family_name == "Walk-in")).one()
        assert event.capacity_on_site == 3 and reg.status is S.CONFIRMED
        assert session.get(Registration, world["Anna"]).status is S.WAITLISTED
        mail = session.scalars(select(OutboxMessage).where(OutboxMessage.registration_id == reg.id)).one()
        assert (mail.kind, mail.context["reason"]) == ("ticket", "added")


def test_a_walk_in_checked_in_at_the_door_shows_as_arrived(client, world, data):
    sign_in(client, "orga@menden.de")
    response = post(client, f"{base(world)}/new", {**WALK_IN, "mode": "online", "check_in": "y"})
    assert response.status_code == 303
    assert names_in(client.get(base(world) + "?checked_in=yes")) == ["Walk-in, Walter"]
    assert "Spontan vor Ort" in text(client.get(response.headers["Location"]))


def test_a_walk_in_without_the_mail(client, world, data):
    sign_in(client, "orga@menden.de")
    values = {**WALK_IN, "mode": "online"}
    del values["send_mail"]
    response = post(client, f"{base(world)}/new", values)
    assert response.status_code == 303
    assert "keine E-Mail" in text(client.get(response.headers["Location"]))
    with data() as (session, _make):
        assert session.scalar(select(func.count(OutboxMessage.id))) == 0


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"email": "kein-at-zeichen"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein"),
        ({"email": ""}, "Bitte geben Sie die E-Mail-Adresse ein."),
        ({"given_name": ""}, "Bitte geben Sie den Vornamen ein."),
        ({"mode": ""}, "Bitte wählen Sie, wie die Person teilnimmt."),
        ({"q_sensitive": "vegan"}, "ausdrückliche Einwilligung"),
    ],
)
def test_bad_input_is_a_400_with_a_german_message(client, world, data, change, field_message):
    with data() as (session, _make):
        question_id = session.get(Event, world["event"]).questions[0].id
    values = {**WALK_IN}
    for key, value in change.items():
        values[f"q_{question_id}" if key == "q_sensitive" else key] = value
    sign_in(client, "orga@menden.de")
    response = post(client, f"{base(world)}/new", values)
    assert response.status_code == 400
    assert field_message in text(response)
    with data() as (session, _make):
        assert session.scalar(select(func.count(Registration.id))) == 5


def test_a_person_already_registered_gets_a_link_to_their_registration(client, world, data):
    sign_in(client, "orga@menden.de")
    response = post(client, f"{base(world)}/new", {**WALK_IN, "email": "Erika@Example.org"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "bereits für diese Veranstaltung angemeldet" in text(response)
    assert f'href="{base(world)}/{world["Erika"]}"' in body
    with data() as (session, _make):
        assert session.scalar(select(func.count(Registration.id))) == 5


def test_promote_a_chosen_waiter_into_a_full_mode(client, world, data):
    sign_in(client, "orga@menden.de")
    page = client.get(f"{base(world)}/{world['Anna']}")
    assert "Kapazität wird für diese Person um eins erhöht" in text(page)
    response = post(client, f"{base(world)}/{world['Anna']}/promote")
    assert response.status_code == 303
    shown = text(client.get(response.headers["Location"]))
    assert "Anna Albers hat jetzt einen bestätigten Platz vor Ort." in shown
    assert "Kapazität vor Ort von 2 auf 3 erhöht." in shown
    with data() as (session, _make):
        assert session.get(Registration, world["Anna"]).status is S.CONFIRMED
        assert session.get(Event, world["event"]).capacity_on_site == 3
    again = post(client, f"{base(world)}/{world['Anna']}/promote")
    assert again.status_code == 303
    assert "wartet nicht (mehr) auf einen Platz" in text(client.get(again.headers["Location"]))


def test_cancel_needs_the_box_and_then_frees_the_seat_for_the_queue_head(client, world, data):
    sign_in(client, "orga@menden.de")
    refused = post(client, f"{base(world)}/{world['Erika']}/cancel")
    assert refused.status_code == 400 and "Bitte bestätigen Sie die Absage." in text(refused)
    response = post(client, f"{base(world)}/{world['Erika']}/cancel", {"confirm": "y"})
    assert response.status_code == 303
    assert "ist storniert" in text(client.get(response.headers["Location"]))
    with data() as (session, _make):
        assert session.get(Registration, world["Erika"]).status is S.CANCELLED
        assert session.get(Registration, world["Anna"]).status is S.CONFIRMED  # the queue's head
        kinds = session.execute(select(OutboxMessage.registration_id, OutboxMessage.kind)).all()
        assert (world["Erika"], "cancelled") in kinds and (world["Anna"], "ticket") in kinds
    again = post(client, f"{base(world)}/{world['Erika']}/cancel", {"confirm": "y"})
    assert "nicht mehr aktiv" in text(client.get(again.headers["Location"]))


def test_resend_ticket_and_link(client, world, data):
    sign_in(client, "orga@menden.de")
    ticket = post(client, f"{base(world)}/{world['Jonas']}/resend", {"what": "ticket"})
    assert ticket.status_code == 303
    assert "Das Ticket wird noch einmal an jonas@weber.de gesendet." in text(client.get(ticket.headers["Location"]))
    assert post(client, f"{base(world)}/{world['Jonas']}/resend", {"what": "bogus"}).status_code == 400
    refused = post(client, f"{base(world)}/{world['Anna']}/resend", {"what": "ticket"})
    assert "im jetzigen Zustand nicht möglich" in text(client.get(refused.headers["Location"]))
    with data() as (session, _make):
        rows = session.execute(select(OutboxMessage.kind, OutboxMessage.context)).all()
        assert [(kind, context.get("reason")) for kind, context in rows] == [("ticket", "resent")]


def test_posts_without_csrf_are_refused(client, world, data):
    sign_in(client, "orga@menden.de")
    response = client.post(f"{base(world)}/{world['Erika']}/cancel", data={"confirm": "y"})
    assert response.status_code == 400
    with data() as (session, _make):
        assert session.get(Registration, world["Erika"]).status is S.CONFIRMED


def test_history_page_after_a_sequence_of_actions_names_each_actor_in_order(client, world, data):
    """register, confirm, switch (attendee) → promote, resend, cancel (organizer): all on the page, in order."""
    with data() as (session, make):
        event = session.get(Event, world["event"])
        event.status = EventStatus.PUBLISHED
    response = client.post(
        f"/events/{_slug(data, world)}/register",
        data={
            "csrf_token": csrf_token(client, f"/events/{_slug(data, world)}/register"),
            "given_name": "Paula",
            "family_name": "Pendel",
            "email": "paula@example.org",
            "mode": "online",
            "privacy_consent": "y",
        },
    )
    assert response.status_code == 303
    with data() as (session, _make):
        reg = session.scalars(select(Registration).where(Registration.family_name == "Pendel")).one()
        token, reg_id = reg.manage_token, reg.id
    for url, values in ((f"/r/{token}/confirm", {}), (f"/r/{token}/switch", {"mode": "on_site"})):
        assert client.post(url, data={"csrf_token": csrf_token(client, url), **values}).status_code == 303
    sign_in(client, "orga@menden.de")
    for action, values in (("promote", {}), ("resend", {"what": "ticket"}), ("cancel", {"confirm": "y"})):
        assert post(client, f"{base(world)}/{reg_id}/{action}", values).status_code == 303
    page = client.get(f"{base(world)}/{reg_id}")
    history_table = page.get_data(as_text=True).split('<table class="history">')[1]
    rows = re.findall(r"<tr>\s*<td><time[^>]*>[^<]+</time></td>\s*<td>([^<]+)</td>\s*<td>([^<]+)", history_table)
    history = [(who.strip(), what.strip()) for who, what in rows]
    paula = "Paula Pendel (die Person)"
    assert history == [
        (paula, "Angemeldet"),
        (paula, "E-Mail-Adresse bestätigt"),
        (paula, "Wartet auf die andere Teilnahmeart"),
        ("Olga Organisatorin", "In die gewartete Teilnahmeart gewechselt"),
        ("Olga Organisatorin", "E-Mail erneut gesendet durch Veranstalter"),
        ("Olga Organisatorin", "Abgesagt"),
    ]


def _slug(data, world) -> str:
    with data() as (session, _make):
        return session.get(Event, world["event"]).slug
