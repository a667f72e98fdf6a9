"""Series pages, the series form, the series API POST and the pages behind the series manage link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from eventapp.models import (
    CancelReason,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    SeriesRegistration,
    SeriesRegistrationStatus,
    utcnow,
)
from tests import helpers
from tests.helpers import DB, csrf_token, post_form, text

NOW = utcnow()


@pytest.fixture
def pausenhof(data: DB) -> list[str]:
    """Slugs of three upcoming online dates (capacity 1) of the series ``pausenhof``."""
    with data() as (_session, make):
        org = make.organization(slug="agentur", name="Südwestfalen Agentur")
        series = make.series(organization=org, slug="pausenhof", title="Pausenhof", rhythm="Jeden zweiten Donnerstag")
        slugs = []
        for n in range(3):
            event = make.event(
                organization=org,
                series=series,
                slug=f"pausenhof-{n}",
                format="pausenhof",
                attendance=EventAttendance.ONLINE,
                capacity_online=1,
                capacity_on_site=None,
                starts_at=(NOW + timedelta(days=7 + 14 * n)).replace(microsecond=0),
            )
            slugs.append(event.slug)
        make.event(organization=org, series=series, slug="pausenhof-draft", status=EventStatus.DRAFT)
        return slugs


def form_values(**overrides: Any) -> dict[str, Any]:
    return helpers.form_values(**{"email": "erika@example.org", "mode": "online", **overrides})


def register(client: FlaskClient, **overrides: Any) -> Any:
    return post_form(client, "/series/pausenhof/register", form_values(**overrides))


def series_registration(data: DB) -> dict[str, Any]:
    with data() as (session, _make):
        found = session.scalars(select(SeriesRegistration)).one()
        return {"token": found.manage_token, "status": found.status, "id": found.id}


def confirm(client: FlaskClient, token: str) -> Any:
    return post_form(client, f"/s/{token}/confirm")


def date_states(data: DB) -> dict[str, tuple[RegistrationStatus, CancelReason | None]]:
    with data() as (session, _make):
        rows = session.scalars(
            select(Registration).where(Registration.person.has(email="erika@example.org")).order_by(Registration.id)
        )  # by id: a re-joined date's newest registration decides its state
        return {row.event.slug: (row.status, row.cancel_reason) for row in rows}


# --- public pages ---------------------------------------------------------------------------------


def test_series_page_lists_dates_with_state_and_offers_registration_for_all(client, pausenhof):
    response = client.get("/series/pausenhof")
    assert response.status_code == 200
    page = text(response)
    assert "Pausenhof" in page and "Jeden zweiten Donnerstag" in page
    for slug in pausenhof:
        assert f'href="/events/{slug}"' in page
    assert "pausenhof-draft" not in page
    assert 'href="/series/pausenhof/register"' in page
    assert "webcal://localhost/series/pausenhof/calendar.ics" in page


def test_unknown_series_is_404(client):
    assert client.get("/series/nope").status_code == 404
    assert client.get("/series/nope/register").status_code == 404


def test_event_page_of_a_date_links_its_series(client, pausenhof):
    assert 'href="/series/pausenhof"' in text(client.get(f"/events/{pausenhof[0]}"))


def test_form_shows_the_dates_and_the_fields_of_the_event_form(client, pausenhof):
    page = text(client.get("/series/pausenhof/register"))
    for name in ("given_name", "family_name", "email", "organization", "privacy_consent", "csrf_token"):
        assert f'name="{name}"' in page
    assert page.count("<time") >= 3


# --- registering and confirming ---------------------------------------------------------------------------


def test_register_confirm_and_get_every_date(client, data, pausenhof):
    response = register(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/series/pausenhof/registered")
    assert "Pausenhof" in text(client.get(response.headers["Location"]))
    found = series_registration(data)
    assert found["status"] is SeriesRegistrationStatus.PENDING
    assert date_states(data) == {}

    page = text(client.get(f"/s/{found['token']}/confirm"))  # opening the link changes nothing
    assert f'action="/s/{found["token"]}/confirm"' in page
    assert series_registration(data)["status"] is SeriesRegistrationStatus.PENDING

    response = confirm(client, found["token"])
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/s/{found['token']}")
    assert series_registration(data)["status"] is SeriesRegistrationStatus.ACTIVE
    assert date_states(data) == dict.fromkeys(pausenhof, (RegistrationStatus.CONFIRMED, None))
    manage = text(client.get(f"/s/{found['token']}"))
    for slug in pausenhof:
        assert f"/s/{found['token']}/decline/{slug}" in manage
    assert "webcal://localhost/calendar/" in manage
    assert client.get(f"/s/{found['token']}").headers["Cache-Control"] == "private, no-store"


def test_registering_again_answers_the_same_and_creates_nothing(client, data, pausenhof):
    first = register(client)
    second = register(client, email="ERIKA@example.org")
    assert (first.status_code, first.headers["Location"]) == (second.status_code, second.headers["Location"])
    with data() as (session, _make):
        assert len(session.scalars(select(SeriesRegistration)).all()) == 1


def test_invalid_form_is_shown_again_with_errors(client, data, pausenhof):
    response = register(client, email="not-an-email", privacy_consent=None)
    assert response.status_code == 400
    page = text(response)
    assert "error-summary" in page
    with data() as (session, _make):
        assert session.scalars(select(SeriesRegistration)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []


def test_form_post_without_csrf_is_refused(client, pausenhof):
    assert client.post("/series/pausenhof/register", data=form_values()).status_code == 400


def test_series_without_upcoming_dates_explains_it(client, data):
    with data() as (_session, make):
        make.series(slug="leer", title="Leer")
    response = client.get("/series/leer/register?lang=en")
    assert response.status_code == 200
    assert "no upcoming dates" in text(response)
    assert 'name="given_name"' not in text(response)


def test_expired_confirmation_link_shows_a_clear_page(client, data, pausenhof):
    register(client)
    with data() as (session, _make):
        found = session.scalars(select(SeriesRegistration)).one()
        found.expires_at = utcnow() - timedelta(minutes=1)
        token = found.manage_token
    assert client.get(f"/s/{token}/confirm").status_code == 410
    assert client.post(f"/s/{token}/confirm", data={"csrf_token": csrf_token(client, "/")}).status_code == 410
    assert date_states(data) == {}


def test_unknown_series_token_is_404(client):
    assert client.get("/s/nope").status_code == 404
    assert client.get("/s/nope/confirm").status_code == 404


# --- "diesmal nicht" and leaving the series -------------------------------------------------------------------


@pytest.fixture
def active(client, data, pausenhof) -> str:
    register(client)
    token = series_registration(data)["token"]
    confirm(client, token)
    return token


def test_declining_one_date_frees_its_seat_for_the_waiting_list(client, data, pausenhof, active):
    with data() as (session, make):
        # The date declined below (an unordered first() picked any date on PostgreSQL: a flaky test).
        event = session.scalars(select(Event).where(Event.slug == pausenhof[0])).one()
        waiter = make.registration(
            event, mode=Mode.ONLINE, status=RegistrationStatus.WAITLISTED, waiting_since=utcnow()
        ).id
    url = f"/s/{active}/decline/{pausenhof[0]}"
    page = text(client.get(url))
    assert f'action="{url}"' in page
    assert date_states(data)[pausenhof[0]] == (RegistrationStatus.CONFIRMED, None)  # GET changed nothing
    response = post_form(client, url)
    assert response.status_code == 303
    states = date_states(data)
    assert states[pausenhof[0]] == (RegistrationStatus.CANCELLED, CancelReason.DECLINED)
    assert states[pausenhof[1]] == (RegistrationStatus.CONFIRMED, None)
    with data() as (session, _make):
        assert session.get(Registration, waiter).status is RegistrationStatus.CONFIRMED
        kinds = [m.kind for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))][-2:]
    assert kinds == ["cancelled", "ticket"]
    manage = text(client.get(f"/s/{active}"))
    assert f"/s/{active}/decline/{pausenhof[0]}" not in manage
    # Declining again leads back to the overview and changes nothing.
    assert client.get(url).status_code == 303


def test_a_declined_date_is_joined_again_with_one_button_on_the_series_page(client, data, pausenhof, active):
    post_form(client, f"/s/{active}/decline/{pausenhof[1]}")
    url = f"/s/{active}/rejoin/{pausenhof[1]}"
    manage = text(client.get(f"/s/{active}"))
    assert f'action="{url}"' in manage  # a POST form beside the declined date, with CSRF
    assert client.get(url).status_code == 303  # a GET (a copied link) changes nothing
    assert date_states(data)[pausenhof[1]] == (RegistrationStatus.CANCELLED, CancelReason.DECLINED)
    assert client.post(url).status_code == 400  # no CSRF token

    response = post_form(client, url, token_from=f"/s/{active}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/s/{active}")
    with data() as (session, _make):
        rows = session.scalars(
            select(Registration).where(Registration.event.has(slug=pausenhof[1])).order_by(Registration.id)
        ).all()
        assert [(r.status, r.cancel_reason) for r in rows] == [
            (RegistrationStatus.CANCELLED, CancelReason.DECLINED),
            (RegistrationStatus.CONFIRMED, None),
        ]
        assert session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().kind == "ticket"
    manage = text(client.get(f"/s/{active}"))
    assert f'action="{url}"' not in manage
    assert f"/s/{active}/decline/{pausenhof[1]}" in manage
    # Posting again (a double click) leaves it as it is.
    assert post_form(client, url, token_from=f"/s/{active}").status_code == 303
    with data() as (session, _make):
        assert session.scalar(select(func.count(Registration.id)).where(Registration.event.has(slug=pausenhof[1]))) == 2


def test_joining_a_full_date_again_puts_you_on_its_waiting_list(client, data, pausenhof, active):
    post_form(client, f"/s/{active}/decline/{pausenhof[0]}")
    with data() as (session, make):
        event = session.scalars(select(Event).where(Event.slug == pausenhof[0])).one()
        make.registration(event, mode=Mode.ONLINE)  # capacity 1: the freed seat is taken
    response = post_form(client, f"/s/{active}/rejoin/{pausenhof[0]}", token_from=f"/s/{active}")
    assert response.status_code == 303
    assert date_states(data)[pausenhof[0]] == (RegistrationStatus.WAITLISTED, None)
    assert "Warteliste" in text(client.get(f"/s/{active}"))


def test_series_pages_show_each_dates_topic_and_the_start_page_links_the_series(client, data, pausenhof, active):
    with data() as (session, _make):
        for registration_row in session.scalars(select(Registration)):
            registration_row.event.title = f"Pausenhof: Thema {registration_row.event.slug}"
    for url in ("/series/pausenhof", f"/s/{active}"):
        page = text(client.get(url))
        for slug in pausenhof:
            assert f"Thema {slug}" in page, url
    start = text(client.get("/"))
    assert 'href="/series/pausenhof"' in start
    assert "Jeden zweiten Donnerstag" in start


def test_the_series_manage_page_offers_no_mode_switch_on_a_single_mode_series(client, active):
    page = text(client.get(f"/s/{active}"))
    assert "/switch" not in page and "wechseln" not in page and "stattdessen" not in page


def test_registering_for_a_series_sends_one_mail_over_smtp(client, data, pausenhof, smtp_server, app):
    """Regression (issue 6 part 2 §4): the confirmation sent a summary plus one ticket mail per date."""
    from eventapp.mail import deliver_outbox

    def deliver() -> None:
        with data() as (session, _make):
            assert deliver_outbox(session, now=utcnow()).failed == []

    register(client)
    deliver()
    assert len(smtp_server.messages) == 1  # "please confirm"
    confirm(client, series_registration(data)["token"])
    deliver()
    (mail,) = smtp_server.messages[1:]
    assert mail["Subject"].startswith("Sie sind für die Reihe angemeldet") or "Pausenhof" in mail["Subject"]
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "series.ics"
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "PUBLISH"
    ics = attachment.get_payload(decode=True).decode()
    assert ics.count("BEGIN:VEVENT") == len(pausenhof)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "webcal://localhost/calendar/" in body


def test_declining_a_date_of_another_series_is_404(client, data, active):
    with data() as (_session, make):
        make.event(slug="fremd", starts_at=NOW + timedelta(days=3))
    assert client.get(f"/s/{active}/decline/fremd").status_code == 404


def test_leaving_the_series_cancels_every_upcoming_date(client, data, pausenhof, active):
    url = f"/s/{active}/cancel"
    assert 'action="' + url + '"' in text(client.get(url))
    assert series_registration(data)["status"] is SeriesRegistrationStatus.ACTIVE
    response = post_form(client, url)
    assert response.status_code == 303
    assert series_registration(data)["status"] is SeriesRegistrationStatus.CANCELLED
    assert {state for state, _reason in date_states(data).values()} == {RegistrationStatus.CANCELLED}


def test_series_manage_page_can_revoke_the_personal_feed(client, data, active):
    with data() as (session, _make):
        old = session.scalars(select(SeriesRegistration)).one().person.feed_token
    url = f"/s/{active}"
    response = post_form(client, f"{url}/calendar/renew", token_from=url)
    assert response.status_code == 303
    assert client.get(f"/calendar/{old}.ics").status_code == 404


# --- JSON API ------------------------------------------------------------------------------------------------


def api_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "email": "erika@example.org",
        "privacy_consent": True,
    }
    body.update(overrides)
    return body


def test_api_series_registration_answers_202_check_inbox(client, data, pausenhof):
    response = client.post("/api/v1/series/pausenhof/registrations", json=api_body())
    assert response.status_code == 202
    assert response.get_json() == {"status": "check_inbox"}
    again = client.post("/api/v1/series/pausenhof/registrations", json=api_body())
    assert (again.status_code, again.get_json()) == (202, {"status": "check_inbox"})
    with data() as (session, _make):
        found = session.scalars(select(SeriesRegistration)).one()
        assert found.mode is Mode.ONLINE
        kinds = [m.kind for m in session.scalars(select(OutboxMessage))]
    assert kinds == ["series_confirm_email"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (api_body(email="nope"), 400, "validation_error"),
        (api_body(privacy_consent=False), 400, "validation_error"),
        (api_body(extra=1), 400, "validation_error"),
        (api_body(mode="on_site"), 409, "mode_not_offered"),
    ],
)
def test_api_series_registration_errors(client, pausenhof, body, status, code):
    response = client.post("/api/v1/series/pausenhof/registrations", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_api_unknown_series_is_404_and_non_json_is_415(client, pausenhof):
    response = client.post("/api/v1/series/nope/registrations", json=api_body())
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.post("/api/v1/series/pausenhof/registrations", data="x", content_type="text/plain")
    assert response.status_code == 415


def test_openapi_documents_the_series_registration(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/series/{slug}/registrations"]["post"]
    assert "202" in operation["responses"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("RegistrationRequest")
