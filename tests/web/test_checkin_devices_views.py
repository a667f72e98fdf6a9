"""Check-in devices in the organizer area and the check-in page (issue 9 Parts 2 and 3)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from eventapp.models import CheckinDevice, utcnow
from eventapp.services import audit
from tests.helpers import csrf_token, text
from tests.web.test_auth_views import login


@pytest.fixture
def world(data):
    with data() as (session, make):
        menden = make.organization(slug="menden")
        event = make.event(organization=menden, slug="eroeffnung", starts_at=utcnow() + timedelta(days=2))
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        staff = make.user(email="einlass@menden.de", role="staff", organizations=[menden])
        staff.assigned_events.append(event)
        make.user(email="einlass2@menden.de", role="staff", organizations=[menden])
        return {"event": event.id, "slug": event.slug}


def organizer(app):
    client = app.test_client()
    assert login(client, "orga@menden.de").status_code == 303
    client.get("/?lang=de")  # the sign-in helper chose English
    return client


def test_an_organizer_creates_a_device_sees_its_token_once_and_revokes_it(app, data, world):
    client = organizer(app)
    page = f"/manage/events/{world['event']}"
    assert "Check-in-Geräte" in text(client.get(page))
    created = client.post(
        f"{page}/checkin-devices", data={"station": "Eingang Nord", "csrf_token": csrf_token(client, page)}
    )
    assert created.status_code == 201
    body = text(created)
    token = re.search(r'id="new-device-token"[^>]*value="(ck_[^"]+)"', body).group(1)
    assert f"/checkin/eroeffnung#device={token}" in body
    assert token not in text(client.get(page))  # shown once
    # the token works at the API
    scan = client.post("/api/v1/checkin", json={"code": "x"}, headers={"Authorization": f"Bearer {token}"})
    assert scan.get_json()["result"] == "invalid"
    with data() as (session, _make):
        device = session.query(CheckinDevice).one()
        assert device.station == "Eingang Nord" and device.created_by_id is not None
        device_id = device.id
    revoked = client.post(f"{page}/checkin-devices/{device_id}/revoke", data={"csrf_token": csrf_token(client, page)})
    assert revoked.status_code == 303
    assert "kann niemanden mehr einchecken" in text(client.get(page))
    refused = client.post("/api/v1/checkin", json={"code": "x"}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    with data() as (session, _make):
        event = session.get(CheckinDevice, device_id).event
        actions = [entry.action for entry in audit.history(session, event)]
        assert {"event.checkin_device_created", "event.checkin_device_revoked"} <= set(actions)


def test_a_station_name_is_required(app, world):
    client = organizer(app)
    page = f"/manage/events/{world['event']}"
    refused = client.post(f"{page}/checkin-devices", data={"station": "  ", "csrf_token": csrf_token(client, page)})
    assert refused.status_code == 400
    assert "Bitte geben Sie den Namen der Station ein" in text(refused)


def test_the_check_in_page_for_staff_device_links_and_strangers(app, world):
    staff = app.test_client()
    assert login(staff, "einlass@menden.de").status_code == 303
    staff.get("/?lang=de")
    page = staff.get(f"/checkin/{world['slug']}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = text(page)
    assert 'id="scan-code"' in body and "js/checkin.js" in body and "<script>" not in body
    assert "Einlass" in body and "Nach Namen suchen" in body
    other = app.test_client()
    assert login(other, "einlass2@menden.de").status_code == 303
    assert other.get(f"/checkin/{world['slug']}").status_code == 403
    # a device link's page is served without knowing the token (it stays in the fragment)
    anonymous = app.test_client().get(f"/checkin/{world['slug']}")
    assert anonymous.status_code == 200 and anonymous.headers["Referrer-Policy"] == "no-referrer"
