"""The cap on unconfirmed holds and the real deadline, over HTTP (issue 6, Part 2 §2 and §10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.models import Registration, RegistrationStatus, utcnow
from tests.helpers import form_values, post_form, text

S = RegistrationStatus


def body(email: str) -> dict:
    return {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "email": email,
        "mode": "on_site",
        "privacy_consent": True,
    }


@pytest.fixture
def share(app):
    before = app.config["PENDING_HOLD_SHARE"]
    yield app.config
    app.config["PENDING_HOLD_SHARE"] = before


def test_the_api_applies_the_configured_cap(client, data, share):
    share["PENDING_HOLD_SHARE"] = 0.1
    with data() as (_session, make):
        make.event(slug="konferenz", capacity_on_site=120, starts_at=utcnow() + timedelta(days=30))
    for i in range(13):
        assert client.post("/api/v1/events/konferenz/registrations", json=body(f"p{i}@example.org")).status_code == 202
    with data() as (session, _make):
        found = list(session.scalars(select(Registration.status).order_by(Registration.id)))
    assert found == [S.PENDING] * 12 + [S.WAITLISTED]


def test_the_form_applies_the_cap_and_answers_alike(client, data):
    with data() as (_session, make):
        make.event(slug="pausenhof", capacity_on_site=20, starts_at=utcnow() + timedelta(days=30))
    answers = []
    for i in range(11):
        response = post_form(
            client, "/events/pausenhof/register", form_values(email=f"p{i}@example.org", mode="on_site")
        )
        answers.append((response.status_code, response.headers["Location"]))
    assert len(set(answers)) == 1 and answers[0][0] == 303
    with data() as (session, _make):
        found = list(session.scalars(select(Registration.status).order_by(Registration.id)))
    assert found == [S.PENDING] * 10 + [S.WAITLISTED]


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_confirm_page_names_the_deadline(client, data, locale):
    starts = utcnow().replace(second=0, microsecond=0) + timedelta(hours=3)
    with data() as (_session, make):
        event = make.event(starts_at=starts)
        token = make.registration(event, status=S.PENDING, email_confirmed_at=None, expires_at=starts).manage_token
    page = " ".join(text(client.get(f"/r/{token}/confirm?lang={locale}")).split())
    said = {"de": "Bitte bestätigen Sie bis ", "en": "Please confirm by "}[locale]
    assert said in page
    assert "24" not in page.split(said, 1)[1][:12]  # a date follows, not "24 hours"


def test_the_expired_page_names_the_missed_deadline(client, data):
    expired_at = utcnow().replace(second=0, microsecond=0) - timedelta(hours=1)
    with data() as (_session, make):
        event = make.event(starts_at=utcnow() + timedelta(days=3))
        token = make.registration(event, status=S.PENDING, email_confirmed_at=None, expires_at=expired_at).manage_token
    response = client.get(f"/r/{token}/confirm?lang=en")
    page = " ".join(text(response).split())
    assert "The email address was not confirmed by " in page
    assert "within 24 hours" not in page
