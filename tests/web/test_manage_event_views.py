"""Event management pages of the organizer area (issue 7 Part 3): the form, its validation in
German and English, publishing, withdrawing, cancelling and cloning — and 403 for events of
another organization, with nothing changed."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from eventapp.models import (
    BERLIN,
    AuditEntry,
    Event,
    EventStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    utcnow,
)
from tests.helpers import csrf_token, text
from tests.web.test_auth_views import login

NEXT_YEAR = utcnow().year + 1


def form(**overrides: str) -> dict[str, str]:
    values = {
        "title": "Eröffnung der Zukunfts.Werk.Stadt",
        "summary": "Zukunfts-Marktplatz mit zehn Ständen",
        "description": "3D-Druck und die virtuelle Synagoge",
        "format": "marktplatz",
        "attendance": "on_site",
        "starts_at": f"{NEXT_YEAR}-03-18T10:00",
        "ends_at": f"{NEXT_YEAR}-03-18T14:00",
        "venue": "Zukunfts.Werk.Stadt",
        "address": "Unnaer Straße 1, 58706 Menden",
        "capacity_on_site": "500",
        "unlimited_online": "y",
        "registration_closes_at": f"{NEXT_YEAR}-03-18T10:00",
        "contact_email": "zukunft@menden.de",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


@pytest.fixture
def world(data):
    return build_world(data)


def build_world(data) -> dict[str, int]:
    """Menden with a hybrid conference (3 places on site), Olpe with an event; an organizer each."""
    soon = (utcnow() + timedelta(days=20)).replace(second=0, microsecond=0)
    with data() as (session, make):
        menden = make.organization(slug="menden", name="Stadt Menden")
        olpe = make.organization(slug="olpe", name="Stadt Olpe")
        event = make.event(
            organization=menden, title="Konferenz Menden", starts_at=soon, capacity_on_site=3, capacity_online=None
        )
        other = make.event(organization=olpe, title="Olper Abend", starts_at=soon)
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        return {"menden": menden.id, "olpe": olpe.id, "event": event.id, "other": other.id}


def berlin(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def post(client, url: str, values: dict[str, str] | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, "/manage/"), **(values or {})})


def test_an_organizer_creates_a_draft_from_the_form(client, world, data):
    login(client, "orga@menden.de")
    page = client.get("/manage/events/new")
    assert page.status_code == 200
    assert "Stadt Menden" in text(page) and "Stadt Olpe" not in text(page)

    response = post(client, "/manage/events/new", form(organization=str(world["menden"])))

    assert response.status_code == 303
    with data() as (session, _make):
        event = session.scalar(select(Event).where(Event.title == "Eröffnung der Zukunfts.Werk.Stadt"))
        assert event.status is EventStatus.DRAFT
        assert event.organization_id == world["menden"]
        assert event.starts_at.isoformat() == f"{NEXT_YEAR}-03-18T09:00:00+00:00"  # 10:00 in Berlin (CET)
        assert (event.capacity_on_site, event.capacity_online) == (500, None)
        assert event.registration_closes_at == event.starts_at
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "event.created"))
        assert entry.actor_kind == "user" and entry.actor_label
        event_id = event.id
    assert response.headers["Location"] == f"/manage/events/{event_id}"
    page = text(client.get(f"/manage/events/{event_id}?lang=de"))
    assert "Entwurf" in page and "Veröffentlichen" in page


def test_an_organizer_cannot_create_for_another_organization(client, world, data):
    login(client, "orga@menden.de")
    response = post(client, "/manage/events/new", form(organization=str(world["olpe"])))
    assert response.status_code == 400
    with data() as (session, _make):
        assert session.scalar(select(Event).where(Event.title == "Eröffnung der Zukunfts.Werk.Stadt")) is None


@pytest.mark.parametrize(
    ("overrides", "german", "english"),
    [
        ({"title": ""}, "Bitte geben Sie einen Titel ein.", "Please enter a title."),
        (
            {"ends_at": f"{NEXT_YEAR}-03-18T09:00"},
            "Die Veranstaltung muss nach ihrem Beginn enden.",
            "The event must end after it starts.",
        ),
        (
            {"capacity_on_site": ""},
            "Bitte geben Sie die Zahl der Plätze an oder kreuzen Sie „unbegrenzt“ an.",
            "Please enter the number of places or tick “unlimited”.",
        ),
        (
            {"unlimited_on_site": "y"},
            "Bitte geben Sie entweder eine Zahl an oder kreuzen Sie „unbegrenzt“ an.",
            "Please either enter a number of places or tick “unlimited”.",
        ),
        (
            {"capacity_on_site": "-3"},
            "Bitte geben Sie eine ganze Zahl von 0 bis 100000 an.",
            "Please enter a whole number from 0 to 100000.",
        ),
        (
            {"venue": ""},
            "Bitte geben Sie den Ort einer Veranstaltung vor Ort an.",
            "Please enter the venue of an event on site.",
        ),
        (
            {"starts_at": "gestern"},
            "Bitte geben Sie Datum und Uhrzeit an, zum Beispiel 18.03.2027, 10:00.",
            "Please enter a date and time, for example 18.03.2027, 10:00.",
        ),
        (
            {"registration_opens_at": f"{NEXT_YEAR}-03-10T10:00", "registration_closes_at": f"{NEXT_YEAR}-03-01T10:00"},
            "Die Anmeldung muss nach ihrer Öffnung schließen.",
            "Registration must close after it opens.",
        ),
        (
            {"contact_email": "kein-adresse"},
            "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@example.org.",
            "Please enter a valid email address, for example name@example.org.",
        ),
    ],
)
def test_form_validation_in_german_and_english(client, world, data, overrides, german, english):
    login(client, "orga@menden.de")
    values = form(organization=str(world["menden"]), **overrides)
    for lang, message in (("de", german), ("en", english)):
        response = post(client, f"/manage/events/new?lang={lang}", values)
        assert response.status_code == 400
        assert message in text(response)
    with data() as (session, _make):
        assert session.scalar(select(Event).where(Event.title == values.get("title"))) is None


def test_a_time_the_clocks_skip_is_refused(client, world):
    login(client, "orga@menden.de")
    # The last Sunday of March: 02:00 → 03:00.
    day = max(d for d in range(25, 32) if date(NEXT_YEAR, 3, d).weekday() == 6)
    response = post(
        client,
        "/manage/events/new?lang=en",
        form(
            organization=str(world["menden"]),
            starts_at=f"{NEXT_YEAR}-03-{day}T02:30",
            ends_at=f"{NEXT_YEAR}-03-{day}T05:00",
        ),
    )
    assert response.status_code == 400
    assert "This time does not exist in Germany" in text(response)


def test_editing_the_place_tells_registrants_and_raises_the_sequence(client, world, data):
    with data() as (session, make):
        event = session.get(Event, world["event"])
        told = make.registration(event)
        told_id = told.id
    login(client, "orga@menden.de")
    page = client.get(f"/manage/events/{world['event']}/edit")
    assert page.status_code == 200 and 'value="Sauerlandhalle"' in text(page)

    response = post(
        client,
        f"/manage/events/{world['event']}/edit",
        form(title="Konferenz Menden", attendance="hybrid", venue="Neue Halle", capacity_on_site="3"),
    )

    assert response.status_code == 303
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert event.venue == "Neue Halle" and event.sequence == 1
        kinds = [(m.kind, m.registration_id) for m in session.scalars(select(OutboxMessage))]
        assert ("event_updated", told_id) in kinds


def test_lowering_the_capacity_below_the_seats_held_is_refused_with_the_numbers(client, world, data):
    with data() as (session, make):
        event = session.get(Event, world["event"])
        make.registration(event)
        make.registration(event)
    login(client, "orga@menden.de")
    values = form(title="Konferenz Menden", attendance="hybrid", venue="Neue Halle", capacity_on_site="1")

    response = post(client, f"/manage/events/{world['event']}/edit?lang=de", values)

    assert response.status_code == 400
    assert "2 Plätze sind bereits vergeben, daher kann die Kapazität nicht 1 sein." in text(response)
    response = post(client, f"/manage/events/{world['event']}/edit?lang=en", values)
    assert "2 places are already taken, so the capacity cannot be 1." in text(response)
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert (event.capacity_on_site, event.venue, event.sequence) == (3, "Sauerlandhalle", 0)


def test_raising_the_capacity_promotes_from_the_waiting_list(client, world, data):
    with data() as (session, make):
        event = session.get(Event, world["event"])
        for _ in range(3):
            make.registration(event)
        waiter = make.registration(event, status=RegistrationStatus.WAITLISTED, waiting_since=utcnow())
        waiter_id = waiter.id
        values = form(
            title=event.title,
            attendance="hybrid",
            venue=event.venue,
            address=event.address,
            starts_at=berlin(event.starts_at),
            ends_at=berlin(event.ends_at),
            capacity_on_site="4",
        )
    login(client, "orga@menden.de")

    assert post(client, f"/manage/events/{world['event']}/edit", values).status_code == 303

    with data() as (session, _make):
        assert session.get(Registration, waiter_id).status is RegistrationStatus.CONFIRMED


def test_an_event_of_another_organization_is_forbidden_and_unchanged(client, world, data):
    login(client, "orga@olpe.de")
    url = f"/manage/events/{world['event']}"
    assert client.get(url).status_code == 403
    assert client.get(url + "/edit").status_code == 403
    assert post(client, url + "/edit", form(title="Gekapert", capacity_on_site="1")).status_code == 403
    for action in ("publish", "unpublish", "clone"):
        assert post(client, f"{url}/{action}").status_code == 403
    assert post(client, url + "/cancel", {"confirm": "y"}).status_code == 403
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert (event.title, event.capacity_on_site, event.status) == ("Konferenz Menden", 3, EventStatus.PUBLISHED)
        assert session.scalar(select(Event).where(Event.id > world["other"])) is None
        assert list(session.scalars(select(AuditEntry).where(AuditEntry.object_type == "event"))) == []


def test_publish_then_withdraw_a_draft(client, world, data):
    with data() as (session, make):
        draft = make.event(organization_id=world["menden"], title="Entwurf", status=EventStatus.DRAFT)
        draft_id = draft.id
    login(client, "orga@menden.de")

    assert post(client, f"/manage/events/{draft_id}/publish").status_code == 303
    assert "Entwurf" in text(client.get("/"))
    assert post(client, f"/manage/events/{draft_id}/unpublish").status_code == 303
    assert "Entwurf" not in text(client.get("/"))
    with data() as (session, _make):
        assert session.get(Event, draft_id).status is EventStatus.DRAFT


def test_withdrawing_an_event_with_registrations_is_refused(client, world, data):
    with data() as (session, make):
        make.registration(session.get(Event, world["event"]))
    login(client, "orga@menden.de")

    response = post(client, f"/manage/events/{world['event']}/unpublish?lang=en")

    assert response.status_code == 303
    page = text(client.get(response.headers["Location"] + "?lang=en"))
    assert "The event has 1 active registration, so it cannot be withdrawn." in page
    with data() as (session, _make):
        assert session.get(Event, world["event"]).status is EventStatus.PUBLISHED


def test_cancelling_with_a_message_uses_the_cancel_service(client, world, data):
    with data() as (session, make):
        registration = make.registration(session.get(Event, world["event"]))
        registration_id = registration.id
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}/cancel"
    assert "1 aktive Anmeldung endet." in text(client.get(url + "?lang=de"))
    assert post(client, url, {"message": "Wegen Sturm abgesagt."}).status_code == 400  # not confirmed

    assert post(client, url, {"message": "Wegen Sturm abgesagt.", "confirm": "y"}).status_code == 303

    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert event.status is EventStatus.CANCELLED and event.cancel_message == "Wegen Sturm abgesagt."
        mails = [(m.kind, m.registration_id) for m in session.scalars(select(OutboxMessage))]
        assert mails == [("event_cancelled", registration_id)]
    assert client.get(f"/manage/events/{world['event']}/edit").status_code == 303


def test_clone_makes_a_draft_copy_and_opens_its_form(client, world, data):
    login(client, "orga@menden.de")

    response = post(client, f"/manage/events/{world['event']}/clone")

    assert response.status_code == 303
    with data() as (session, _make):
        original = session.get(Event, world["event"])
        copy = session.scalar(select(Event).where(Event.title == "Konferenz Menden", Event.id != original.id))
        assert copy.status is EventStatus.DRAFT and copy.uid != original.uid and copy.slug != original.slug
        copy_id = copy.id
    assert response.headers["Location"] == f"/manage/events/{copy_id}/edit"
    assert client.get(response.headers["Location"]).status_code == 200


def test_event_list_links_to_the_event_pages(client, world):
    login(client, "orga@menden.de")
    page = text(client.get("/manage/"))
    assert f'href="/manage/events/{world["event"]}"' in page
    assert 'href="/manage/events/new"' in page


SECRET_LINK = "https://meet.example.org/geheimer-raum"


def test_hybrid_details_are_stored_but_never_public(client, world, data):
    login(client, "orga@menden.de")
    values = form(
        organization=str(world["menden"]),
        attendance="hybrid",
        join_url=SECRET_LINK,
        livestream_url="https://stream.example.org/geheim",
        dial_in="+49 2373 123456, PIN 4711",
        recording_url="https://video.example.org/geheim",
    )
    response = post(client, "/manage/events/new", values)
    assert response.status_code == 303
    event_url = response.headers["Location"]
    assert post(client, event_url + "/publish").status_code == 303
    assert SECRET_LINK in text(client.get(event_url))
    assert SECRET_LINK in text(client.get(event_url + "/edit"))
    with data() as (session, _make):
        event = session.scalar(select(Event).where(Event.join_url == SECRET_LINK))
        slug = event.slug

    public = client.application.test_client()
    for url in (
        "/",
        f"/events/{slug}",
        f"/events/{slug}.ics",
        "/calendar.ics",
        f"/api/v1/events/{slug}",
        "/api/v1/events",
    ):
        body = public.get(url).get_data(as_text=True)
        assert slug in body, url
        assert "geheim" not in body and "PIN 4711" not in body, url


@pytest.mark.parametrize(
    "lang,message",
    [
        ("de", "Bitte geben Sie eine Webadresse an, die mit https:// oder http:// beginnt."),
        ("en", "Please enter a web address starting with https:// or http://."),
    ],
)
def test_a_join_link_that_is_not_http_is_refused(client, world, data, lang, message):
    login(client, "orga@menden.de")
    response = post(
        client,
        f"/manage/events/new?lang={lang}",
        form(organization=str(world["menden"]), join_url="javascript:alert(1)"),
    )
    assert response.status_code == 400
    assert message in text(response)


def test_an_organizer_adds_questions_that_the_registration_form_asks(client, world, data):
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}/questions"
    assert client.get(url).status_code == 200

    response = post(
        client,
        url,
        {"label": "Benötigen Sie barrierefreien Zugang?", "kind": "checkbox", "sensitive": "y"},
    )
    assert response.status_code == 303
    assert (
        post(
            client, url, {"label": "Welcher Workshop?", "kind": "choice", "choices": "3D-Druck\r\nSynagoge"}
        ).status_code
        == 303
    )

    form_page = text(client.get("/events/{}/register?lang=de".format(_slug(data, world["event"]))))
    assert "Benötigen Sie barrierefreien Zugang?" in form_page and "Synagoge" in form_page
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        assert [(q.kind.value, q.sensitive) for q in event.questions] == [("checkbox", True), ("choice", False)]
        question_id = event.questions[0].id

    assert post(client, f"{url}/{question_id}/remove").status_code == 303
    with data() as (session, _make):
        assert len(session.get(Event, world["event"]).questions) == 1


@pytest.mark.parametrize(
    "lang,message",
    [
        ("de", "Eine Ja/Nein-Frage kann nicht verpflichtend sein: Ein nicht angekreuztes Kästchen bedeutet „nein“."),
        ("en", "A yes/no question cannot be required: an unticked box means “no”."),
    ],
)
def test_question_form_validation(client, world, lang, message):
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}/questions?lang={lang}"
    response = post(client, url, {"label": "Parken?", "kind": "checkbox", "required": "y"})
    assert response.status_code == 400
    assert message in text(response)


def test_questions_of_another_organization_are_forbidden(client, world, data):
    with data() as (session, make):
        question = make.question(session.get(Event, world["event"]), key="diaet", label="Diät?")
        question_id = question.id
    login(client, "orga@olpe.de")
    url = f"/manage/events/{world['event']}/questions"
    assert client.get(url).status_code == 403
    assert post(client, url, {"label": "Gekapert?", "kind": "text"}).status_code == 403
    assert post(client, f"{url}/{question_id}/remove").status_code == 403
    with data() as (session, _make):
        assert [q.key for q in session.get(Event, world["event"]).questions] == ["diaet"]


def _slug(data, event_id: int) -> str:
    with data() as (session, _make):
        return session.get(Event, event_id).slug


def page_form(page: str) -> dict[str, str | list[str]]:
    """The values a browser would send back from a form page, unchanged (a list for a group of
    checkboxes sharing one name)."""
    values: dict[str, str | list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        if kind and kind.group(1) in ("radio", "checkbox") and " checked" not in tag:
            continue
        found = html.unescape(value.group(1)) if value else ""
        if kind and kind.group(1) == "checkbox" and name.group(1) in values:
            earlier = values[name.group(1)]
            values[name.group(1)] = [*(earlier if isinstance(earlier, list) else [earlier]), found]
        else:
            values[name.group(1)] = found
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        values[name] = html.unescape(body).strip()
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = [option for option in re.findall(r"<option[^>]*>", options) if " selected" in option]
        if chosen:
            values[name] = re.search(r'value="([^"]*)"', chosen[0]).group(1)
    return values


def test_the_edit_form_sent_back_unchanged_changes_nothing(client, world, data):
    with data() as (session, _make):
        event = session.get(Event, world["event"])
        event.join_url = "https://meet.example.org/raum"
        event.registration_closes_at = event.starts_at
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}/edit"
    values = page_form(text(client.get(url)))

    response = post(client, url + "?lang=en", values)

    assert response.status_code == 303
    assert "Nothing was changed." in text(client.get(response.headers["Location"] + "?lang=en"))
