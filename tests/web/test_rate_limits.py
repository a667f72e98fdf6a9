"""Rate limits (issue 6, Part 3 §7 and §9): one registration budget per client across forms and
API, events and series; budgets on the actions behind manage links, per client and per link;
generous enough for a town hall behind one address; Retry-After on 429 only."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from eventapp.models import EventAttendance, Mode, OutboxMessage, Registration, utcnow
from tests import helpers
from tests.helpers import DB, csrf_token

TOWN_HALL = "192.0.2.10"
ELSEWHERE = "198.51.100.7"


@pytest.fixture
def site(data: DB) -> dict[str, Any]:
    """A hybrid event, a series with one online date, and three confirmed registrations with tickets."""
    starts_at = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    with data() as (_session, make):
        organization = make.organization(slug="arnsberg", name="Stadt Arnsberg")
        event = make.event(organization=organization, slug="konferenz", starts_at=starts_at, capacity_on_site=200)
        series = make.series(organization=organization, slug="pausenhof")
        make.event(
            organization=organization,
            series=series,
            slug="pausenhof-1",
            attendance=EventAttendance.ONLINE,
            capacity_on_site=None,
            capacity_online=200,
            starts_at=starts_at,
        )
        tokens = [
            make.registration(event, ticket_id=f"t-limits-{n}", ticket_serial=1, mode=Mode.ON_SITE).manage_token
            for n in range(3)
        ]
    return {"event": "konferenz", "series": "pausenhof", "tokens": tokens}


def limit(app: Flask, monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    for name, value in settings.items():
        monkeypatch.setitem(app.config, f"RATELIMIT_{name}", value)


def from_address(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def api_body(email: str, mode: str = "on_site") -> dict[str, Any]:
    return {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "email": email,
        "organization": "Stadt Arnsberg",
        "mode": mode,
        "answers": {},
        "privacy_consent": True,
    }


def form_post(client: FlaskClient, url: str, values: dict[str, Any], address: str, page: str | None = None):
    """A browser's POST from ``address``: the CSRF token of the page (opening it is never limited)."""
    token = csrf_token(client, page or url)
    return client.post(url, data={**values, "csrf_token": token}, **from_address(address))


def reissue(client: FlaskClient, token: str, address: str):
    """ "New ticket" as a person sends it: from the page, with the serial that page shows."""
    page = client.get(f"/r/{token}/reissue").get_data(as_text=True)
    serial = re.search(r'name="serial" value="(\d+)"', page)
    assert serial, page
    return form_post(client, f"/r/{token}/reissue", {"serial": serial.group(1)}, address)


def form_values(email: str, mode: str) -> dict[str, Any]:
    return helpers.form_values(email=email, mode=mode)


# --- one registration budget per client -------------------------------------------------------


def test_forms_and_api_share_one_registration_budget(client, app, monkeypatch, site):
    limit(app, monkeypatch, REGISTRATION="4 per minute")
    answers = [
        form_post(client, "/events/konferenz/register", form_values("a@example.org", "on_site"), TOWN_HALL),
        form_post(client, "/series/pausenhof/register", form_values("b@example.org", "online"), TOWN_HALL),
        client.post(
            "/api/v1/events/konferenz/registrations", json=api_body("c@example.org"), **from_address(TOWN_HALL)
        ),
        client.post(
            "/api/v1/series/pausenhof/registrations",
            json=api_body("d@example.org", "online"),
            **from_address(TOWN_HALL),
        ),
    ]
    assert [answer.status_code for answer in answers] == [303, 303, 202, 202]
    # The budget is spent, whichever of the four endpoints comes next.
    for url, body in (
        ("/api/v1/events/konferenz/registrations", api_body("e@example.org")),
        ("/api/v1/series/pausenhof/registrations", api_body("e@example.org", "online")),
    ):
        refused = client.post(url, json=body, **from_address(TOWN_HALL))
        assert refused.status_code == 429
        assert refused.get_json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) > 0
    page = form_post(client, "/events/konferenz/register", form_values("f@example.org", "on_site"), TOWN_HALL)
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) > 0
    # Another address has its own budget.
    other = client.post(
        "/api/v1/events/konferenz/registrations", json=api_body("g@example.org"), **from_address(ELSEWHERE)
    )
    assert other.status_code == 202


def test_a_town_hall_registers_and_confirms_fifty_colleagues_from_one_address(client, data: DB, site):
    """With the default budgets: 50 registrations, then 50 confirmations, all from one address."""
    for n in range(50):
        response = client.post(
            "/api/v1/events/konferenz/registrations",
            json=api_body(f"kollege{n}@example.org"),
            **from_address(TOWN_HALL),
        )
        assert response.status_code == 202, n
    with data() as (session, _make):
        tokens = list(
            session.scalars(
                select(Registration.manage_token)
                .where(Registration.email_confirmed_at.is_(None))
                .order_by(Registration.id)
            )
        )
    assert len(tokens) == 50
    for token in tokens:
        assert form_post(client, f"/r/{token}/confirm", {}, TOWN_HALL).status_code in (302, 303)


# --- budgets behind manage links ------------------------------------------------------------------


def test_manage_actions_share_one_budget_per_client(client, app, monkeypatch, site):
    limit(app, monkeypatch, MANAGE="3 per minute")
    first, second, third = site["tokens"]
    assert reissue(client, first, TOWN_HALL).status_code in (302, 303)
    assert form_post(client, f"/r/{second}/switch", {"mode": "online"}, TOWN_HALL).status_code in (302, 303)
    renew = form_post(client, f"/r/{third}/calendar/renew", {}, TOWN_HALL, page=f"/r/{third}")
    assert renew.status_code in (302, 303)
    refused = form_post(client, f"/r/{third}/cancel", {}, TOWN_HALL)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert form_post(client, f"/r/{third}/cancel", {}, ELSEWHERE).status_code in (302, 303)


def test_one_link_cannot_flood_its_owners_inbox(client, app, monkeypatch, site, data: DB):
    """The per-link budget holds whatever address the POSTs come from."""
    limit(app, monkeypatch, PER_LINK="2 per hour")
    token, other = site["tokens"][:2]
    answers = [reissue(client, token, f"203.0.113.{n}").status_code for n in range(1, 5)]
    assert all(code in (302, 303) for code in answers[:2])
    assert answers[2:] == [429, 429]
    with data() as (session, _make):
        mails = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "ticket"))
    assert mails == 2
    assert reissue(client, other, "203.0.113.1").status_code in (302, 303)


def test_series_links_and_feed_renewal_are_limited_too(client, app, monkeypatch, site):
    limit(app, monkeypatch, MANAGE="1 per minute")
    assert (
        form_post(client, "/series/pausenhof/register", form_values("s@example.org", "online"), ELSEWHERE).status_code
        == 303
    )
    token = site["tokens"][0]
    assert form_post(client, f"/r/{token}/calendar/renew", {}, TOWN_HALL, page=f"/r/{token}").status_code in (302, 303)
    assert form_post(client, f"/r/{token}/calendar/renew", {}, TOWN_HALL, page=f"/r/{token}").status_code == 429
    assert form_post(client, "/s/no-such-token/confirm", {}, TOWN_HALL).status_code == 429
    assert form_post(client, "/s/no-such-token/cancel", {}, TOWN_HALL).status_code == 429


def test_opening_pages_is_never_limited(client, app, monkeypatch, site):
    """Mail gateways open links; a GET spends no budget."""
    limit(app, monkeypatch, REGISTRATION="1 per minute", MANAGE="1 per minute", PER_LINK="1 per hour")
    token = site["tokens"][0]
    for _ in range(5):
        for url in (f"/r/{token}", f"/r/{token}/cancel", f"/r/{token}/reissue", "/events/konferenz/register"):
            assert client.get(url, **from_address(TOWN_HALL)).status_code == 200, url


# --- Retry-After on 429 and 503 only (§9) ------------------------------------------------------


def test_accepted_answers_carry_no_retry_after(client, site):
    response = client.post("/api/v1/events/konferenz/registrations", json=api_body("erika@example.org"))
    assert response.status_code == 202
    assert "Retry-After" not in response.headers
    page = form_post(client, "/events/konferenz/register", form_values("max@example.org", "on_site"), TOWN_HALL)
    assert page.status_code == 303
    assert "Retry-After" not in page.headers
    assert "Retry-After" not in reissue(client, site["tokens"][0], TOWN_HALL).headers
