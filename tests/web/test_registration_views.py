"""Registration pages: the form, "check your inbox", and the pages behind the manage link.

Each request runs in its own app context (as in production), so the test prepares
and inspects data in short ``db`` blocks and never holds a context during requests:
the locale, ``g`` and the database session are per request.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import select

from eventapp.models import (
    CancelReason,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    OutboxMessage,
    OutboxStatus,
    QuestionKind,
    Registration,
    RegistrationStatus,
    utcnow,
)
from tests import helpers
from tests.helpers import DB, csrf_token, post_form, text

BERLIN = ZoneInfo("Europe/Berlin")
STARTS_AT = (utcnow() + timedelta(days=60)).replace(hour=9, minute=0, second=0, microsecond=0)


def translated(app: Flask, message: str, locale: str, **variables: Any) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext(message, **variables)


def new_event(data: DB, **overrides: Any) -> str:
    with data() as (_session, make):
        overrides.setdefault("starts_at", STARTS_AT)
        event = make.event(**overrides)
        make.organization(name="Stadt Olpe", slug=f"olpe-{event.id}")
        return event.slug


def form_values(**overrides: Any) -> dict[str, Any]:
    return helpers.form_values(**{"email": "Erika.Mustermann@Example.ORG", "mode": "on_site", **overrides})


def submit(client: FlaskClient, slug: str, **overrides: Any) -> Any:
    return post_form(client, f"/events/{slug}/register", form_values(**overrides))


def registrations(data: DB) -> list[Registration]:
    with data() as (session, _make):
        rows = list(session.scalars(select(Registration).order_by(Registration.id)))
        session.expunge_all()
        return rows


def outbox_kinds(data: DB) -> list[str]:
    """The mails that go out (a link asked for again too soon is recorded as dropped, not sent)."""
    with data() as (session, _make):
        query = select(OutboxMessage.kind).where(OutboxMessage.status != OutboxStatus.DROPPED)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def new_registration(data: DB, slug: str | None = None, **overrides: Any) -> str:
    """A registration row in the given state; returns its manage token."""
    with data() as (session, make):
        event = (
            session.scalars(select(Event).where(Event.slug == slug)).one() if slug else make.event(starts_at=STARTS_AT)
        )
        return make.registration(event, **overrides).manage_token


def status_of(data: DB, token: str) -> Registration:
    with data() as (session, _make):
        row = session.scalars(select(Registration).where(Registration.manage_token == token)).one()
        session.expunge(row)
        return row


# --- the form ---------------------------------------------------------------------


def test_form_renders_in_german_by_default(client, data):
    slug = new_event(data)
    response = client.get(f"/events/{slug}/register")
    page = text(response)
    assert response.status_code == 200
    assert '<html lang="de">' in page
    assert format_date(STARTS_AT.astimezone(BERLIN), "EEEE", locale="de") in page  # "Donnerstag"
    assert re.search(r'name="given_name"[^>]*maxlength="100"|maxlength="100"[^>]*name="given_name"', page)
    assert 'type="email"' in page
    assert 'list="organization-suggestions"' in page
    assert '<option value="Stadt Olpe">' in page
    assert 'value="on_site"' in page and 'value="online"' in page  # hybrid: a mode choice
    assert 'name="accept_other_mode"' in page
    assert 'href="/privacy"' in page
    assert 'name="csrf_token"' in page


def test_form_renders_in_english(client, data, app):
    slug = new_event(data)
    page = text(client.get(f"/events/{slug}/register?lang=en"))
    assert '<html lang="en">' in page
    assert format_date(STARTS_AT.astimezone(BERLIN), "EEEE", locale="en") in page  # "Thursday"
    assert translated(app, "Given name", "en") in page
    assert "Register now" in page


def test_single_mode_event_offers_no_mode_choice(client, data):
    slug = new_event(data, attendance=EventAttendance.ONLINE, capacity_online=None)
    page = text(client.get(f"/events/{slug}/register"))
    assert 'type="radio"' not in page
    assert 'name="accept_other_mode"' not in page
    assert '<input type="hidden" name="mode" value="online">' in page


def test_form_shows_seats_left_and_the_waiting_list(client, data, app):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT, capacity_on_site=2)
        make.registration(event, mode=Mode.ON_SITE)
        slug = event.slug
    page = text(client.get(f"/events/{slug}/register?lang=en"))
    assert "1 seat left" in page
    new_registration(data, slug, mode=Mode.ON_SITE)
    page = text(client.get(f"/events/{slug}/register?lang=en"))
    assert translated(app, "Fully booked – you will be put on the waiting list.", "en") in page


def test_post_without_csrf_token_is_refused(client, data):
    slug = new_event(data)
    response = client.post(f"/events/{slug}/register", data=form_values())
    assert response.status_code == 400
    assert registrations(data) == []


def test_submit_registers_and_says_check_your_inbox(client, data, app):
    slug = new_event(data)
    response = submit(client, slug)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/events/{slug}/registered")

    [registration] = registrations(data)
    assert registration.status is RegistrationStatus.PENDING
    assert registration.mode is Mode.ON_SITE
    assert registration.waiting_for is None
    assert registration.organization == "Stadt Olpe"
    assert registration.locale == "de"
    assert registration.privacy_consent_version == app.config["PRIVACY_CONSENT_VERSION"]
    assert outbox_kinds(data) == ["confirm_email"]
    with data() as (session, _make):
        assert session.get(Registration, registration.id).person.email == "erika.mustermann@example.org"

    page = text(client.get(response.headers["Location"]))
    assert translated(app, "Please check your inbox", "de") in page


def test_registering_again_answers_exactly_like_the_first_time(client, data):
    slug = new_event(data)
    first = submit(client, slug)
    second = submit(client, slug)  # a double click, or the same person again
    assert (first.status_code, first.headers["Location"]) == (second.status_code, second.headers["Location"])
    assert len(registrations(data)) == 1
    # The re-sent link is rate-limited: still one mail.
    assert outbox_kinds(data) == ["confirm_email"]

    def page() -> str:
        return re.sub(r'content="[^"]+"', "", client.get(first.headers["Location"]).get_data(as_text=True))

    assert page() == page()


def test_a_double_click_sent_at_the_same_moment_registers_once(app, client, data):
    slug = new_event(data)
    url = f"/events/{slug}/register"
    values = {**form_values(), "csrf_token": csrf_token(client, url)}
    cookie = client.get_cookie("session")
    assert cookie is not None
    clients = [client, app.test_client()]
    clients[1].set_cookie("session", cookie.value)
    barrier = threading.Barrier(len(clients))
    responses: list[Any] = []

    def post(browser: FlaskClient) -> None:
        barrier.wait()
        responses.append(browser.post(url, data=values))

    threads = [threading.Thread(target=post, args=(browser,)) for browser in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [303, 303]
    assert len(registrations(data)) == 1
    assert outbox_kinds(data) == ["confirm_email"]


def test_without_email_confirmation_the_ticket_comes_at_once(client, data, app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_CONFIRM_EMAIL", False)
    slug = new_event(data)
    response = submit(client, slug)
    assert response.status_code == 303
    [registration] = registrations(data)
    assert registration.status is RegistrationStatus.CONFIRMED
    assert outbox_kinds(data) == ["ticket"]
    page = text(client.get(response.headers["Location"]))
    expected = "We have sent you an email with the details of your registration and a personal link to manage it."
    assert translated(app, expected, "de") in page


def test_too_many_submissions_are_slowed_down(client, data, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTRATION", "2 per minute")
    slug = new_event(data)
    assert [submit(client, slug, email=f"p{n}@example.org").status_code for n in range(3)] == [303, 303, 429]
    assert len(registrations(data)) == 2


def test_english_registration_keeps_the_language(client, data):
    slug = new_event(data)
    client.get(f"/events/{slug}/register?lang=en")  # the language cookie
    assert submit(client, slug).status_code == 303
    [registration] = registrations(data)
    assert registration.locale == "en"


@pytest.mark.parametrize("locale", ["de", "en"])
def test_validation_errors_are_shown_next_to_the_fields_in_the_persons_language(client, data, app, locale):
    slug = new_event(data)
    client.get(f"/events/{slug}/register?lang={locale}")
    response = submit(client, slug, given_name="  ", email="not-an-address", privacy_consent=None)
    page = text(response)
    assert response.status_code == 400
    assert f'<html lang="{locale}">' in page
    for field, message in [
        ("given_name", "Please enter your given name."),
        ("email", "Please enter a valid email address, for example name@example.org."),
        ("privacy_consent", "Please agree to the privacy notice to register."),
    ]:
        assert re.search(
            rf'id="{field}-error">\s*<span[^>]*>[^<]*</span>\s*{re.escape(translated(app, message, locale))}', page
        )
        assert re.search(rf'aria-describedby="[^"]*{field}-error[^"]*"[^>]*id="{field}"', page)
    assert 'aria-invalid="true"' in page
    # What the person typed is kept.
    assert 'value="Mustermann"' in page and 'value="not-an-address"' in page
    assert registrations(data) == []


def test_overlong_input_is_refused_with_the_limit(client, data, app):
    slug = new_event(data)
    response = submit(client, slug, family_name="x" * 101)
    assert response.status_code == 400
    assert translated(app, "Please use at most %(max)d characters.", "de", max=100) in text(response)
    assert registrations(data) == []


def test_hybrid_event_needs_a_mode(client, data, app):
    slug = new_event(data)
    response = submit(client, slug, mode=None)
    assert response.status_code == 400
    assert translated(app, "Please choose how you will take part.", "de") in text(response)
    assert registrations(data) == []


def test_a_full_mode_means_the_waiting_list(client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT, capacity_on_site=1)
        make.registration(event, mode=Mode.ON_SITE)
        slug = event.slug
    assert submit(client, slug).status_code == 303
    mine = registrations(data)[-1]
    assert (mine.status, mine.mode, mine.waiting_for) == (RegistrationStatus.WAITLISTED, Mode.ON_SITE, None)


def test_the_other_mode_for_now_while_waiting_for_the_preferred_one(client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT, capacity_on_site=1, capacity_online=None)
        make.registration(event, mode=Mode.ON_SITE)
        slug = event.slug
    assert submit(client, slug, accept_other_mode="y").status_code == 303
    mine = registrations(data)[-1]
    assert (mine.status, mine.mode, mine.waiting_for) == (RegistrationStatus.PENDING, Mode.ONLINE, Mode.ON_SITE)


def test_the_fallback_choice_takes_the_preferred_mode_when_it_has_room(client, data):
    slug = new_event(data, capacity_on_site=5)
    assert submit(client, slug, accept_other_mode="y").status_code == 303
    [mine] = registrations(data)
    assert (mine.mode, mine.waiting_for) == (Mode.ON_SITE, None)


def test_questions_are_asked_in_the_persons_language_and_answers_stored(client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT)
        make.question(event, key="topic", label="Ihr Thema", label_translations={"en": "Your topic"})
        make.question(
            event,
            key="workshop",
            label="Workshop",
            kind=QuestionKind.CHOICE,
            required=True,
            choices=[
                {"value": "a", "label": "Vormittag", "label_en": "Morning"},
                {"value": "b", "label": "Nachmittag"},
            ],
        )
        make.question(event, key="newsletter", label="Newsletter", kind=QuestionKind.CHECKBOX)
        slug = event.slug
        ids = {q.key: q.id for q in event.questions}
    page = text(client.get(f"/events/{slug}/register?lang=en"))
    assert "Your topic" in page and "Morning" in page and "Nachmittag" in page

    response = submit(client, slug, **{f"q_{ids['topic']}": "Radwege"})
    assert response.status_code == 400  # the required choice is missing
    assert re.search(rf'id="q_{ids["workshop"]}-error"', text(response))

    response = submit(client, slug, **{f"q_{ids['topic']}": "Radwege", f"q_{ids['workshop']}": "a"})
    assert response.status_code == 303
    [registration] = registrations(data)
    assert registration.answers == {"topic": "Radwege", "workshop": "a"}
    assert registration.sensitive_consent_at is None


def test_a_sensitive_answer_needs_its_own_consent(client, data, app):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT)
        question = make.question(event, key="diet", label="Ernährung", sensitive=True)
        slug, field = event.slug, f"q_{question.id}"
    page = text(client.get(f"/events/{slug}/register"))
    assert 'name="sensitive_consent"' in page
    assert "Art. 9 DSGVO" in page

    response = submit(client, slug, **{field: "vegan"})
    assert response.status_code == 400
    message = "Please consent to the processing of this special category of data, or leave those questions empty."
    assert re.search(r'id="sensitive_consent-error"', text(response))
    assert translated(app, message, "de") in text(response)
    assert registrations(data) == []

    assert submit(client, slug, **{field: "vegan", "sensitive_consent": "y"}).status_code == 303
    [registration] = registrations(data)
    assert registration.answers == {"diet": "vegan"}
    assert registration.sensitive_consent_at is not None


def test_no_sensitive_answer_needs_no_consent(client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT)
        make.question(event, key="diet", label="Ernährung", sensitive=True)
        slug = event.slug
    assert submit(client, slug).status_code == 303
    [registration] = registrations(data)
    assert registration.answers == {}
    assert registration.sensitive_consent_at is None


NOW = utcnow()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"registration_opens_at": NOW + timedelta(days=3)}, "Registration for this event has not opened yet."),
        ({"registration_closes_at": NOW - timedelta(hours=1)}, "Registration for this event is closed."),
        ({"status": EventStatus.CANCELLED}, "This event has been cancelled."),
        (
            {"starts_at": NOW - timedelta(days=2), "ends_at": NOW - timedelta(days=2, hours=-2)},
            "Registration for this event is closed.",
        ),
    ],
    ids=["not-open", "closed", "cancelled", "past"],
)
def test_events_that_take_no_registrations_say_so(client, data, app, overrides, message):
    slug = new_event(data, **overrides)
    response = client.get(f"/events/{slug}/register")
    assert response.status_code == 200
    assert translated(app, message, "de") in text(response)
    assert 'name="given_name"' not in text(response)

    response = submit(client, slug)
    assert response.status_code == 409
    assert translated(app, message, "de") in text(response)
    assert registrations(data) == []


def test_a_mode_the_event_does_not_offer_is_refused_clearly(client, data, app):
    slug = new_event(data, attendance=EventAttendance.ON_SITE)
    response = submit(client, slug, mode="online")
    assert response.status_code == 409
    assert translated(app, "This event does not offer the chosen way of taking part.", "de") in text(response)
    assert registrations(data) == []


def test_unknown_and_draft_events_are_not_found(client, data):
    slug = new_event(data, status=EventStatus.DRAFT)
    assert client.get(f"/events/{slug}/register").status_code == 404
    assert client.get("/events/no-such-event/register").status_code == 404


# --- confirm ----------------------------------------------------------------------


def pending(data: DB, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "status": RegistrationStatus.PENDING,
        "email_confirmed_at": None,
        "expires_at": utcnow() + timedelta(hours=24),
    }
    values.update(overrides)
    return new_registration(data, **values)


def test_opening_the_confirm_link_changes_nothing(client, data, app):
    token = pending(data)
    response = client.get(f"/r/{token}/confirm")
    page = text(response)
    assert response.status_code == 200
    assert f'action="/r/{token}/confirm"' in page
    assert translated(app, "Confirm registration", "de") in page
    assert status_of(data, token).status is RegistrationStatus.PENDING
    assert outbox_kinds(data) == []


def test_pressing_confirm_confirms_and_sends_the_ticket(client, data, app):
    token = pending(data)
    response = post_form(client, f"/r/{token}/confirm")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{token}")
    registration = status_of(data, token)
    assert registration.status is RegistrationStatus.CONFIRMED
    assert registration.ticket_id
    assert outbox_kinds(data) == ["ticket"]

    page = text(client.get(f"/r/{token}"))
    assert (
        translated(app, "Thank you! Your registration is confirmed. We have sent your ticket by email.", "de") in page
    )
    assert f'src="/r/{token}/ticket.svg"' in page


def test_confirm_needs_the_csrf_token(client, data):
    token = pending(data)
    assert client.post(f"/r/{token}/confirm").status_code == 400
    assert status_of(data, token).status is RegistrationStatus.PENDING


def test_confirming_twice_just_shows_the_registration(client, data):
    token = pending(data)
    form = {"csrf_token": csrf_token(client, f"/r/{token}/confirm")}
    assert client.post(f"/r/{token}/confirm", data=form).status_code == 303
    again = client.post(f"/r/{token}/confirm", data=form)
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/r/{token}")
    assert client.get(f"/r/{token}/confirm").status_code == 303
    assert outbox_kinds(data) == ["ticket"]


def test_an_expired_link_says_register_again(client, data, app):
    token = pending(data, expires_at=utcnow() - timedelta(minutes=1))
    expected = translated(app, "This registration has expired", "de")
    response = client.get(f"/r/{token}/confirm")
    assert response.status_code == 410
    assert expected in text(response)
    with data() as (session, _make):
        slug = session.scalars(select(Registration).where(Registration.manage_token == token)).one().event.slug
    assert f'href="/events/{slug}/register"' in text(response)

    response = post_form(client, f"/r/{token}/confirm", token_from=f"/r/{token}")
    assert response.status_code == 410
    assert expected in text(response)
    assert status_of(data, token).status is not RegistrationStatus.CONFIRMED
    assert "ticket" not in outbox_kinds(data)


def test_confirming_a_waiting_registration_keeps_it_waiting(client, data, app):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT, capacity_on_site=1)
        make.registration(event, mode=Mode.ON_SITE)
        token = make.registration(
            event,
            status=RegistrationStatus.WAITLISTED,
            email_confirmed_at=None,
            expires_at=utcnow() + timedelta(hours=24),
            waiting_since=utcnow(),
        ).manage_token
    assert translated(app, "Confirm email address", "de") in text(client.get(f"/r/{token}/confirm"))
    post_form(client, f"/r/{token}/confirm", token_from=f"/r/{token}")
    assert status_of(data, token).status is RegistrationStatus.WAITLISTED
    page = text(client.get(f"/r/{token}?lang=en"))
    assert "You are on the waiting list" in page
    assert "You are in position 1 on the waiting list (1 person waiting)." in page


def test_the_queue_position_reads_as_a_place_in_the_queue(client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT, capacity_on_site=1)
        make.registration(event, mode=Mode.ON_SITE)
        waiting = [
            make.registration(
                event, status=RegistrationStatus.WAITLISTED, waiting_since=utcnow() - timedelta(minutes=10 - n)
            ).manage_token
            for n in range(3)
        ]
    german = text(client.get(f"/r/{waiting[1]}?lang=de"))
    assert "Sie stehen an Position 2 der Warteliste (3 Personen warten)." in german
    assert "Platz 2 von 3" not in german
    english = text(client.get(f"/r/{waiting[0]}?lang=en"))
    assert "You are in position 1 on the waiting list (3 people waiting)." in english


# --- manage, cancel, switch ----------------------------------------------------------


def test_the_manage_page_speaks_the_persons_language(client, data):
    with data() as (_session, make):
        person = make.person(language="en")
        event = make.event(starts_at=STARTS_AT)
        token = make.registration(event, person=person, ticket_id="t-manage-1", ticket_serial=1).manage_token
    page = text(client.get(f"/r/{token}"))
    assert '<html lang="en">' in page
    assert "Your registration is confirmed" in page
    assert "Show this code at the entrance." in page


def test_the_manage_page_is_private(client, data):
    token = new_registration(data)
    response = client.get(f"/r/{token}")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_cancel_asks_first_then_cancels(client, data, app):
    token = new_registration(data)
    response = client.get(f"/r/{token}/cancel")
    assert response.status_code == 200
    assert f'action="/r/{token}/cancel"' in text(response)
    assert status_of(data, token).status is RegistrationStatus.CONFIRMED

    response = post_form(client, f"/r/{token}/cancel")
    assert response.status_code == 303
    registration = status_of(data, token)
    assert (registration.status, registration.cancel_reason) == (RegistrationStatus.CANCELLED, CancelReason.CANCELLED)
    assert outbox_kinds(data) == ["cancelled"]
    page = text(client.get(f"/r/{token}"))
    assert translated(app, "This registration is cancelled", "de") in page
    assert f'href="/r/{token}/cancel"' not in page
    assert client.get(f"/r/{token}/ticket.png").status_code == 404
    # Opening the link again just shows the registration.
    assert client.get(f"/r/{token}/cancel").status_code == 303


def test_switch_moves_over_when_a_seat_is_free(client, data, app):
    token = new_registration(data, mode=Mode.ON_SITE, ticket_id="t-switch-1", ticket_serial=1)
    response = client.get(f"/r/{token}/switch")
    assert response.status_code == 200
    assert translated(app, "A seat is free: you switch right away and your current seat is released.", "de") in text(
        response
    )
    assert status_of(data, token).mode is Mode.ON_SITE

    response = post_form(client, f"/r/{token}/switch", {"mode": "online"})
    assert response.status_code == 303
    registration = status_of(data, token)
    assert (registration.mode, registration.waiting_for) == (Mode.ONLINE, None)
    assert outbox_kinds(data) == ["ticket"]


def test_switch_to_a_full_mode_waits_and_waiting_can_stop(client, data, app):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT, capacity_online=1)
        make.registration(event, mode=Mode.ONLINE)
        token = make.registration(event, mode=Mode.ON_SITE, ticket_id="t-switch-2", ticket_serial=1).manage_token
    page = text(client.get(f"/r/{token}/switch?lang=en"))
    assert "fully booked" in page
    post_form(client, f"/r/{token}/switch", {"mode": "online"})
    registration = status_of(data, token)
    assert (registration.mode, registration.waiting_for) == (Mode.ON_SITE, Mode.ONLINE)

    page = text(client.get(f"/r/{token}"))
    assert f'action="/r/{token}/stop-waiting"' in page
    assert "You are in position 1 on the waiting list (1 person waiting)." in page
    assert f'href="/r/{token}/switch"' not in page  # already waiting for the other mode

    response = post_form(client, f"/r/{token}/stop-waiting", token_from=f"/r/{token}")
    assert response.status_code == 303
    assert status_of(data, token).waiting_for is None


def test_single_mode_events_offer_no_switch(client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT, attendance=EventAttendance.ON_SITE)
        token = make.registration(event).manage_token
    assert f'href="/r/{token}/switch"' not in text(client.get(f"/r/{token}"))
    assert client.get(f"/r/{token}/switch").status_code == 303


@pytest.mark.parametrize("path", ["", "/confirm", "/cancel", "/switch", "/ticket.png", "/ticket.svg"])
def test_unknown_tokens_are_not_found(client, data, app, path):
    response = client.get(f"/r/no-such-token{path}")
    assert response.status_code == 404
    # Not a bare "page does not exist": a lost or broken link leads to "Anmeldung wiederfinden".
    page = text(response)
    assert (
        translated(
            app, "We could not find a registration for this link. It may be incomplete or no longer valid.", "de"
        )
        in page
    )
    assert 'href="/find-registration"' in page


def test_unknown_token_post_is_not_found(client, data):
    token = csrf_token(client, "/r/no-such-token")
    assert client.post("/r/no-such-token/cancel", data={"csrf_token": token}).status_code == 404


# --- QR ticket images ---------------------------------------------------------------


def test_ticket_images_for_confirmed_registrations(client, data):
    token = new_registration(data, ticket_id="t-images-1", ticket_serial=1)
    png = client.get(f"/r/{token}/ticket.png")
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert png.headers["Cache-Control"] == "private, no-store"
    svg = client.get(f"/r/{token}/ticket.svg")
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    assert svg.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("status", [RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED])
def test_no_ticket_image_without_a_confirmed_seat(client, data, status):
    token = new_registration(data, status=status, email_confirmed_at=None, expires_at=utcnow() + timedelta(hours=1))
    assert client.get(f"/r/{token}/ticket.png").status_code == 404
    assert client.get(f"/r/{token}/ticket.svg").status_code == 404


def test_registered_page_for_unknown_event_is_not_found(client, data):
    assert client.get("/events/nope/registered").status_code == 404


def test_a_new_ticket_revokes_the_old_one(client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT)
        token = make.registration(event, ticket_id="t-reissue-1", ticket_serial=1).manage_token
    manage = text(client.get(f"/r/{token}?lang=en"))
    assert f"/r/{token}/reissue" in manage
    old_qr = client.get(f"/r/{token}/ticket.svg").data
    page = text(client.get(f"/r/{token}/reissue?lang=en"))
    assert "Get a new ticket?" in page
    assert status_of(data, token).ticket_serial == 1  # opening the page changes nothing
    response = post_form(client, f"/r/{token}/reissue", {"serial": "1"}, token_from=f"/r/{token}/reissue")
    assert response.status_code == 303
    assert status_of(data, token).ticket_serial == 2
    assert client.get(f"/r/{token}/ticket.svg").data != old_qr
    assert "ticket" in outbox_kinds(data)


def test_no_new_ticket_without_a_confirmed_registration(client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT)
        token = make.registration(
            event, status=RegistrationStatus.WAITLISTED, waiting_since=utcnow(), ticket_id=None
        ).manage_token
    assert f"/r/{token}/reissue" not in text(client.get(f"/r/{token}"))
    assert client.get(f"/r/{token}/reissue").status_code == 303
    post_form(client, f"/r/{token}/reissue", {"serial": "0"}, token_from=f"/r/{token}")
    assert status_of(data, token).ticket_serial == 0
