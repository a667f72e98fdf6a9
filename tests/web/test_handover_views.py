"""Correcting details and passing a registration on, through the pages (German first, English too)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import select

from eventapp.models import AuditEntry, Handover, OutboxMessage, Registration, RegistrationStatus, utcnow
from tests.helpers import DB, post_form, text

STARTS_AT = (utcnow() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)


def translated(app: Flask, message: str, locale: str, **variables: Any) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext(message, **variables)


def new_registration(data: DB, **overrides: Any) -> str:
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT, ends_at=STARTS_AT + timedelta(hours=2))
        make.question(event, key="topic", label="Thema", label_translations={"en": "Topic"})
        values = {"ticket_id": f"t-{event.id}", "ticket_serial": 1, "answers": {"topic": "KI"}}
        values.update(overrides)
        return make.registration(event, **values).manage_token


def registration(data: DB, **where: Any) -> Registration:
    with data() as (session, _make):
        found = session.scalars(select(Registration).filter_by(**where)).one()
        found.person  # noqa: B018 - load it before the session goes
        session.expunge_all()
        return found


def mails(data: DB) -> list[OutboxMessage]:
    with data() as (session, _make):
        found = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
        return found


def topic_field(client, token: str) -> str:
    page = text(client.get(f"/r/{token}/details"))
    return re.search(r'name="(q_\d+)"', page).group(1)


# --- details ---------------------------------------------------------------------------------------


def test_manage_page_offers_both_actions(client, data, app):
    token = new_registration(data)
    page = text(client.get(f"/r/{token}"))
    assert f'href="/r/{token}/details"' in page
    assert f'href="/r/{token}/handover"' in page
    assert translated(app, "Pass on to a colleague", "de") in page


def test_details_form_is_filled_in_and_saves(client, data, app):
    token = new_registration(data)
    page = text(client.get(f"/r/{token}/details"))
    assert 'value="Erika"' in page and 'value="Stadt Arnsberg"' in page and "KI</textarea>" in page
    field = topic_field(client, token)
    response = post_form(
        client,
        f"/r/{token}/details",
        {"given_name": "Erica", "family_name": "Mustermann", "organization": "Stadt Menden", field: "Mobilität"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/r/{token}")
    found = registration(data, manage_token=token)
    assert (found.given_name, found.organization, found.answers) == ("Erica", "Stadt Menden", {"topic": "Mobilität"})
    assert [(m.kind, m.context.get("reason")) for m in mails(data)] == [("ticket", "details_changed")]
    assert translated(app, "Your details have been saved.", "de") in text(client.get(f"/r/{token}"))


def test_details_errors_speak_german_and_english(client, data, app):
    token = new_registration(data)
    field = topic_field(client, token)
    values = {"given_name": "", "family_name": "Mustermann", field: "KI"}
    response = post_form(client, f"/r/{token}/details", values)
    assert response.status_code == 400
    assert "Bitte geben Sie den Vornamen ein." in text(response)
    response = post_form(client, f"/r/{token}/details?lang=en", values)
    assert response.status_code == 400
    assert "Please enter the given name." in text(response)
    assert registration(data, manage_token=token).given_name == "Erika"


def test_a_cancelled_registration_has_no_details_form(client, data):
    token = new_registration(data, status=RegistrationStatus.CANCELLED)
    assert client.get(f"/r/{token}/details").status_code == 303
    assert f'href="/r/{token}/details"' not in text(client.get(f"/r/{token}"))


# --- passing on ------------------------------------------------------------------------------------


def _offer(client, token: str, **overrides: Any):
    values = {"given_name": "Max", "family_name": "Muster", "email": "Max.Muster@Example.org", "organization": "Olpe"}
    values.update(overrides)
    return post_form(client, f"/r/{token}/handover", values)


def test_passing_on_needs_the_new_address_to_confirm(client, data, app):
    token = new_registration(data)
    response = _offer(client, token)
    assert response.status_code == 303
    (offer_mail,) = mails(data)
    assert (offer_mail.kind, offer_mail.to_address) == ("handover_offer", "max.muster@example.org")
    accept_url = offer_mail.context["accept_url"]
    path = accept_url.removeprefix(app.config["BASE_URL"].rstrip("/"))
    assert path.startswith("/h/")
    # Nothing changed yet; opening the link (a mail gateway may prefetch it) changes nothing either.
    page = text(client.get(path))
    assert "Erika Mustermann" in page and "Max Muster" in page
    assert translated(app, "Take the registration over", "de") in page
    assert registration(data, manage_token=token).person.email != "max.muster@example.org"

    # Without the privacy consent: an error in the person's language.
    response = post_form(client, path, {})
    assert response.status_code == 400
    assert translated(app, "Please agree to the privacy notice to take the registration over.", "de") in text(response)

    response = post_form(client, path, {"privacy_consent": "y"})
    assert response.status_code == 303
    found = registration(data, given_name="Max")
    assert found.person.email == "max.muster@example.org"
    assert response.headers["Location"].endswith(f"/r/{found.manage_token}")
    assert found.ticket_serial == 2
    # The previous manage link and ticket stop working.
    assert client.get(f"/r/{token}").status_code == 404
    assert client.get(f"/r/{token}/ticket.png").status_code == 404
    assert client.get(f"/r/{found.manage_token}/ticket.png").status_code == 200
    assert [m.kind for m in mails(data)] == ["handover_offer", "ticket", "handed_over"]
    with data() as (session, _make):
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["registration.handover_offered", "registration.handed_over"]
    # The link is spent.
    assert client.get(path).status_code == 410


def test_handover_pages_in_english(client, data, app):
    token = new_registration(data)
    page = text(client.get(f"/r/{token}/handover?lang=en"))
    assert "Pass your registration on" in page
    response = _offer(client, token, email="not an address")
    assert response.status_code == 400
    assert "Please enter a valid email address, for example name@example.org." in text(response)
    response = _offer(client, token, email="erika@example.org")
    assert response.status_code == 303
    with data() as (session, _make):
        offer = session.scalars(select(Handover)).one()
        path = f"/h/{offer.token}"
    page = text(client.get(f"{path}?lang=en"))
    assert "Take the registration over?" in page


def test_own_address_is_refused_in_german(client, data):
    token = new_registration(data)
    own = registration(data, manage_token=token).person.email
    response = _offer(client, token, email=own)
    assert response.status_code == 400
    assert "Das ist Ihre eigene Adresse." in text(response)
    assert mails(data) == []


def test_an_expired_handover_link_says_so(client, data, app):
    token = new_registration(data)
    _offer(client, token)
    with data() as (session, _make):
        offer = session.scalars(select(Handover)).one()
        offer.expires_at = utcnow() - timedelta(minutes=1)
        path = f"/h/{offer.token}"
    response = client.get(path)
    assert response.status_code == 410
    assert client.get("/h/no-such-token").status_code == 404
