"""Security headers on every response (issue 6, Part 1 §8) and templates that need no inline code.

The browser check (tests/browser/test_accessibility.py) proves the pages work under the policy;
these tests prove every kind of response carries it, without a browser.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from eventapp.blueprints.hardening import CONTENT_SECURITY_POLICY
from eventapp.models import Event
from tests.helpers import DB

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: Mails are not responses: mail clients ignore stylesheets, so their HTML keeps inline styles.
PAGE_TEMPLATES = sorted(path for path in TEMPLATES.rglob("*.html") if "emails" not in path.parts)


@pytest.fixture
def event_slug(data: DB) -> str:
    with data() as (_session, make):
        return make.event().slug


def assert_hardened(response) -> None:
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in {"strict-origin-when-cross-origin", "no-referrer"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/privacy",
        "/imprint",
        "/find-registration",
        "/events/{slug}",
        "/events/{slug}/register",
        "/events/{slug}.ics",
        "/calendar.ics",
        "/api/v1/events",
        "/api/v1/events/{slug}",
        "/api/v1/openapi.json",
        "/static/css/app.css",
        "/no-such-page",
        "/api/v1/no-such-thing",
        "/r/no-such-token",
    ],
)
def test_every_kind_of_response_carries_the_headers(client: FlaskClient, event_slug: str, path: str):
    response = client.get(path.format(slug=event_slug))
    response.close()  # static files are streamed
    assert_hardened(response)


def test_pages_get_the_site_policy(client: FlaskClient):
    response = client.get("/")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'"):
        assert directive in CONTENT_SECURITY_POLICY


def test_errors_from_outside_a_view_carry_them_too(client: FlaskClient, event_slug: str):
    """405 and a JSON error are made by the error handlers, not a view."""
    assert_hardened(client.delete("/"))
    assert_hardened(client.post("/api/v1/events/no-such-event/registrations", json={}))


def test_token_pages_keep_their_stricter_referrer_policy(client: FlaskClient, event_slug: str, data: DB):
    with data() as (session, make):
        event = session.scalars(select(Event).where(Event.slug == event_slug)).one()
        token = make.registration(event).manage_token
    response = client.get(f"/r/{token}")
    assert response.status_code == 200
    assert_hardened(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_ticket_images_allow_nothing_inline(client: FlaskClient, data: DB, event_slug: str):
    with data() as (session, make):
        event = session.scalars(select(Event).where(Event.slug == event_slug)).one()
        token = make.registration(event, ticket_id="t-headers-1", ticket_serial=1).manage_token
    for kind in ("png", "svg"):
        response = client.get(f"/r/{token}/ticket.{kind}")
        assert response.status_code == 200, kind
        assert_hardened(response)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_templates_are_found():
    assert TEMPLATES / "base.html" in PAGE_TEMPLATES


@pytest.mark.parametrize("path", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_page_templates_have_no_inline_script_or_style(path: Path):
    """The CSP would block them: styles belong in static/css/app.css, scripts in static/js/."""
    source = path.read_text(encoding="utf-8")
    problems = [
        *re.findall(r"<style\b", source),
        *re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", source),
        *re.findall(r"<[a-zA-Z][^>]*\sstyle=", source),
        *re.findall(r"<[a-zA-Z][^>]*\son[a-z]+=", source),
        *re.findall(r"javascript:", source),
    ]
    assert problems == [], f"{path.relative_to(TEMPLATES)}: {problems}"
