"""The check-in API (issue 9 Part 2; DESIGN §5): authorisation, CSRF rule, results over HTTP,
device tokens, offline package and batch, rate limit, OpenAPI, and the QR image round trip."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventapp.keys import current_keyring
from eventapp.models import Attendance, AttendanceSource, EventStatus, Mode, Registration, RegistrationStatus, utcnow
from eventapp.services import audit, checkin_devices, seats
from eventapp.services.audit import Actor
from eventapp.services.tickets import ticket_token
from tests.helpers import csrf_token
from tests.web.test_auth_views import login


@pytest.fixture
def world(data):
    soon = utcnow() + timedelta(hours=1)
    with data() as (session, make):
        menden, olpe = make.organization(slug="menden"), make.organization(slug="olpe")
        event = make.event(organization=menden, slug="eroeffnung", starts_at=soon)
        other = make.event(organization=olpe, slug="anderswo", starts_at=soon)
        staff = make.user(email="einlass@menden.de", role="staff", organizations=[menden])
        staff.assigned_events.append(event)
        make.user(email="einlass2@menden.de", role="staff", organizations=[menden])
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        people = {}
        for key, overrides in {
            "anna": {"given_name": "Anna", "family_name": "Beispiel"},
            "online": {"given_name": "Olga", "mode": Mode.ONLINE},
            # not email-confirmed, so not in the queue (admitting Olga on site below needs a free seat)
            "waiting": {"given_name": "Wanda", "status": RegistrationStatus.WAITLISTED, "email_confirmed_at": None},
            "pending": {"given_name": "Paul", "status": RegistrationStatus.PENDING},
            "gone": {"given_name": "Gerd", "status": RegistrationStatus.CANCELLED},
        }.items():
            registration = make.registration(event, **overrides)
            seats.issue_ticket(registration)
            people[key] = registration
        stranger = make.registration(other)
        seats.issue_ticket(stranger)
        session.flush()
        keyring = current_keyring()
        device, token = checkin_devices.create_device(
            session, event, "Eingang Nord", now=utcnow(), actor=Actor.system()
        )
        other_device, other_token = checkin_devices.create_device(
            session, other, "Tor", now=utcnow(), actor=Actor.system()
        )
        return {
            "event": event.slug,
            "event_id": event.id,
            "codes": {key: ticket_token(keyring, r) for key, r in people.items()},
            "ids": {key: r.id for key, r in people.items()},
            "stranger": ticket_token(keyring, stranger),
            "token": token,
            "device": device.id,
            "other_token": other_token,
        }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def scan(client, code, token, **body):
    return client.post("/api/v1/checkin", json={"code": code, **body}, headers=bearer(token))


def staff_client(app, email="einlass@menden.de"):
    client = app.test_client()
    assert login(client, email).status_code == 303
    return client, csrf_token(client, "/")


def test_a_device_scans_every_kind_of_ticket(client, world):
    codes, token = world["codes"], world["token"]
    first = scan(client, codes["anna"], token)
    assert first.status_code == 200
    body = first.get_json()
    assert body["result"] == "ok"
    assert body["registration"]["name"] == "Anna Beispiel" and body["registration"]["mode"] == "on_site"
    assert body["checked_in_at"].endswith(("+01:00", "+02:00"))
    again = scan(client, codes["anna"], token).get_json()
    assert again["result"] == "already_checked_in"
    assert (again["checked_in_at"], again["station"]) == (body["checked_in_at"], "Eingang Nord")
    expected = {"online": "wrong_mode", "waiting": "waitlisted", "pending": "not_confirmed", "gone": "cancelled"}
    for key, result in expected.items():
        answer = scan(client, codes[key], token).get_json()
        assert (answer["result"], answer["checked_in_at"]) == (result, None), key
    assert scan(client, world["stranger"], token).get_json() == {
        "result": "wrong_event",
        "registration": None,
        "checked_in_at": None,
        "station": None,
    }


@pytest.mark.parametrize("code", ["", "garbage", "x" * 20_000, "https://evil.example/?t=v1.a.b.c", "\u0000\ufffd"])
def test_any_string_code_is_judged_never_an_error(client, world, code):
    response = scan(client, code, world["token"])
    assert response.status_code == 200 and response.get_json()["result"] == "invalid"


@pytest.mark.parametrize("body", [{}, {"code": 42}, {"code": None}, {"code": ["v1"]}, {"code": "x", "extra": 1}])
def test_a_missing_or_non_string_code_is_a_validation_error(client, world, body):
    response = client.post("/api/v1/checkin", json=body, headers=bearer(world["token"]))
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "validation_error"


def test_a_huge_body_is_refused_before_anything_else(client, world):
    response = scan(client, "x" * 100_000, world["token"])
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"


def test_session_writes_need_the_csrf_header_bearer_writes_do_not(app, client, world):
    staff, token = staff_client(app)
    body = {"code": world["codes"]["anna"], "event": world["event"], "station": "Handy 1"}
    refused = staff.post("/api/v1/checkin", json=body)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    accepted = staff.post("/api/v1/checkin", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200 and accepted.get_json()["result"] == "ok"
    # a device needs no CSRF token (no cookie, nothing a browser sends by itself)
    assert scan(client, world["codes"]["anna"], world["token"]).get_json()["result"] == "already_checked_in"
    assert staff.post("/api/v1/checkin", json=body, headers={"X-CSRFToken": token}).get_json()["station"] == "Handy 1"


def test_who_may_check_in_by_session(app, world):
    body = {"code": world["codes"]["anna"], "event": world["event"]}
    anonymous = app.test_client().post("/api/v1/checkin", json=body)
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "unauthorized"
    for email, status in [("einlass2@menden.de", 403), ("orga@olpe.de", 403), ("orga@menden.de", 200)]:
        client, token = staff_client(app, email)
        response = client.post("/api/v1/checkin", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == status, email
    client, token = staff_client(app)
    missing = client.post("/api/v1/checkin", json={"code": "x"}, headers={"X-CSRFToken": token})
    assert missing.status_code == 400 and missing.get_json()["error"]["fields"] == {"event": "This field is required."}
    unknown = client.post("/api/v1/checkin", json={"code": "x", "event": "nope"}, headers={"X-CSRFToken": token})
    assert unknown.status_code == 404


def test_device_token_lifecycle(app, client, data, world):
    token = world["token"]
    assert scan(client, world["codes"]["anna"], token).get_json()["result"] == "ok"
    # the token implies its event: naming another is refused, another event's ticket is wrong_event
    assert scan(client, world["codes"]["anna"], token, event="anderswo").status_code == 403
    assert scan(client, world["codes"]["anna"], world["other_token"]).get_json()["result"] == "wrong_event"
    for header in ("Bearer ck_not-a-token", "Bearer ", "Basic abc", "Bearer " + "x" * 500):
        response = client.post("/api/v1/checkin", json={"code": "x"}, headers={"Authorization": header})
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized", header
    with data() as (session, _make):
        device = session.get(checkin_devices.CheckinDevice, world["device"])
        assert device.token_hash == checkin_devices.hash_token(token) and token not in device.token_hash
        event = device.event
        event.ends_at = utcnow() - timedelta(hours=12, seconds=1)
        event.starts_at = event.ends_at - timedelta(hours=2)
    assert scan(client, world["codes"]["anna"], token).status_code == 401  # expired
    with data() as (session, _make):
        device = session.get(checkin_devices.CheckinDevice, world["device"])
        device.event.ends_at = utcnow() + timedelta(hours=2)
        checkin_devices.revoke_device(session, device, now=utcnow(), actor=Actor.system())
    assert scan(client, world["codes"]["anna"], token).status_code == 401  # revoked


def test_nonce_repeat_over_http(client, data, world):
    first = scan(client, world["codes"]["anna"], world["token"], nonce="abc-1").get_json()
    again = scan(client, world["codes"]["anna"], world["token"], nonce="abc-1").get_json()
    assert first["result"] == again["result"] == "ok" and first["checked_in_at"] == again["checked_in_at"]
    with data() as (session, _make):
        assert session.scalar(select(func.count(Attendance.id))) == 1


def test_the_rate_limit_is_per_device_token(app, client, world):
    app.config["RATELIMIT_CHECKIN"] = "3 per minute"
    try:
        for _ in range(3):
            assert scan(client, "x", world["token"]).status_code == 200
        limited = scan(client, "x", world["token"])
        assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) > 0
        # another device at the same address is not affected
        assert scan(client, "x", world["other_token"]).status_code == 200
    finally:
        app.config["RATELIMIT_CHECKIN"] = "300 per minute"


def test_search_check_in_undo_and_admit_on_site(app, data, world):
    client, token = staff_client(app)
    headers = {"X-CSRFToken": token}
    hits = client.get(f"/api/v1/checkin/{world['event']}/search?q=beisp").get_json()["registrations"]
    assert [hit["name"] for hit in hits] == ["Anna Beispiel"] and hits[0]["checked_in_at"] is None
    base = f"/api/v1/checkin/{world['event']}/registrations"
    anna, olga = world["ids"]["anna"], world["ids"]["online"]
    assert client.post(f"{base}/{anna}", json={}).status_code == 400  # no CSRF header
    done = client.post(f"{base}/{anna}", json={"station": "Info"}, headers=headers).get_json()
    assert done["result"] == "ok"
    assert client.get(f"/api/v1/checkin/{world['event']}/search?q=anna").get_json()["registrations"][0]["checked_in_at"]
    assert client.post(f"{base}/{anna}/undo", headers=headers).status_code == 200
    again = client.post(f"{base}/{anna}/undo", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_checked_in"
    moved = client.post(f"{base}/{olga}/on-site", json={}, headers=headers).get_json()
    assert moved["result"] == "ok" and moved["registration"]["mode"] == "on_site"
    with data() as (session, _make):
        source = session.scalar(select(Attendance.source).where(Attendance.registration_id == olga))
        assert source is AttendanceSource.SEARCH
        actions = [entry.action for entry in audit.history(session, session.get(Registration, anna))]
        assert actions[-2:] == ["registration.checked_in", "registration.check_in_undone"]
    # another event's registration is not reachable through this event
    assert client.post(f"/api/v1/checkin/anderswo/registrations/{anna}", headers=headers).status_code == 403


def test_the_offline_package_has_keys_revocations_names_and_who_is_in(client, data, world):
    scan(client, world["codes"]["anna"], world["token"])
    with data() as (session, _make):
        reissued = session.get(Registration, world["ids"]["waiting"])
        seats.renew_ticket(reissued)
        waiting_ticket = reissued.ticket_id
    response = client.get(f"/api/v1/checkin/{world['event']}/offline", headers=bearer(world["token"]))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    package = response.get_json()
    keyring_ids = set(package["keys"])
    assert world["codes"]["anna"].split(".")[1] in keyring_ids
    assert package["revoked"] == [{"ticket_id": waiting_ticket, "serial": 2}]
    tickets = package["tickets"]
    assert len(tickets) == 5
    anna = next(t for t in tickets.values() if t["name"] == "Anna Beispiel")
    assert anna["checked_in_at"] is not None and anna["status"] == "confirmed"
    assert client.get("/api/v1/checkin/anderswo/offline", headers=bearer(world["token"])).status_code == 403
    assert client.get(f"/api/v1/checkin/{world['event']}/offline").status_code == 401


def test_an_offline_batch_is_reconciled(client, data, world):
    now = utcnow()
    codes = world["codes"]
    scan(client, codes["pending"], world["token"])
    scans = [
        {"code": codes["anna"], "nonce": "s1", "scanned_at": (now - timedelta(minutes=9)).isoformat()},
        # the same ticket at a second offline station, later: a duplicate
        {"code": codes["anna"], "nonce": "s2", "scanned_at": (now - timedelta(minutes=4)).isoformat()},
        # the same scan sent twice (the sync was interrupted): nothing new
        {"code": codes["anna"], "nonce": "s1", "scanned_at": (now - timedelta(minutes=9)).isoformat()},
        {"code": "v1.unknown.ticket.x", "nonce": "s3", "scanned_at": now.isoformat()},
        {"code": codes["waiting"], "nonce": "s4", "scanned_at": now.isoformat()},
        # a clock in the future
        {"code": codes["online"], "nonce": "s5", "scanned_at": (now + timedelta(days=400)).isoformat()},
    ]
    response = client.post("/api/v1/checkin/batch", json={"scans": scans}, headers=bearer(world["token"]))
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert [(r["nonce"], r["result"], r["duplicate"]) for r in results] == [
        ("s1", "ok", False),
        ("s2", "already_checked_in", True),
        ("s1", "ok", True),
        ("s3", "invalid", False),
        ("s4", "waitlisted", False),
        ("s5", "wrong_mode", False),
    ]
    assert results[5]["clock_adjusted"] is True and results[0]["clock_adjusted"] is False
    assert results[1]["checked_in_at"] == results[0]["checked_in_at"]
    # resending the whole batch counts nothing twice
    again = client.post("/api/v1/checkin/batch", json={"scans": scans}, headers=bearer(world["token"])).get_json()
    assert [r["duplicate"] for r in again["results"][:3]] == [True, True, True]
    with data() as (session, _make):
        rows = session.execute(select(Attendance.source, Attendance.first_at)).all()
        assert len(rows) == 1 and rows[0][0] is AttendanceSource.OFFLINE_SYNC
        assert abs((rows[0][1] - (now - timedelta(minutes=9))).total_seconds()) < 1


def test_a_batch_with_bad_entries_is_a_validation_error(client, world):
    for scans in ([{"code": "x"}], [{"code": "x", "nonce": "n", "scanned_at": "gestern"}], "nope"):
        response = client.post("/api/v1/checkin/batch", json={"scans": scans}, headers=bearer(world["token"]))
        assert response.status_code == 400, scans
    too_many = [{"code": "x", "nonce": str(i), "scanned_at": utcnow().isoformat()} for i in range(501)]
    response = client.post("/api/v1/checkin/batch", json={"scans": too_many}, headers=bearer(world["token"]))
    assert response.status_code in (400, 413)


def test_the_openapi_document_describes_the_check_in_api(client):
    document = client.get("/api/v1/openapi.json").get_json()
    post = document["paths"]["/api/v1/checkin"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CheckinRequest")
    schemas = document["components"]["schemas"]
    assert schemas["CheckinRequest"]["required"] == ["code"]
    assert set(schemas["CheckinResponse"]["properties"]["result"]["enum"]) >= {"ok", "wrong_mode", "invalid"}
    assert {"bearerAuth", "cookieAuth"} <= set(document["components"]["securitySchemes"])
    for path in ("/api/v1/checkin/batch", "/api/v1/checkin/{slug}/offline", "/api/v1/checkin/{slug}/search"):
        assert path in document["paths"]


def test_a_qr_image_from_the_ticket_endpoint_decodes_to_a_code_the_api_accepts(client, data, world):
    zxingcpp = pytest.importorskip("zxingcpp")
    from io import BytesIO

    from PIL import Image

    with data() as (session, _make):
        anna = session.get(Registration, world["ids"]["anna"])
        anna.event.status = EventStatus.PUBLISHED
        manage_token = anna.manage_token
    png = client.get(f"/r/{manage_token}/ticket.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(BytesIO(png.data)))
    assert len(decoded) == 1 and decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    assert decoded[0].text == world["codes"]["anna"]
    assert scan(client, decoded[0].text, world["token"]).get_json()["result"] == "ok"


def test_a_walk_in_is_registered_and_checked_in_while_seats_are_free(app, client, data, world):
    url = f"/api/v1/checkin/{world['event']}/walk-ins"
    person = {"given_name": "Walter", "family_name": "Walk", "email": "walter@example.org"}
    done = client.post(url, json=person, headers=bearer(world["token"]))
    assert done.status_code == 201
    body = done.get_json()
    assert body["result"] == "ok" and body["registration"]["name"] == "Walter Walk" and body["checked_in_at"]
    again = client.post(url, json=person, headers=bearer(world["token"]))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_registered"
    with data() as (session, _make):
        walter = session.get(Registration, body["registration"]["id"])
        attendance = session.scalar(select(Attendance).where(Attendance.registration_id == walter.id))
        assert (attendance.source, attendance.station, attendance.device_id) == (
            AttendanceSource.WALK_IN,
            "Eingang Nord",
            world["device"],
        )
        walter.event.capacity_on_site = session.scalar(
            select(func.count(Registration.id)).where(
                Registration.event_id == walter.event_id,
                Registration.mode == Mode.ON_SITE,
                Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING]),
            )
        )
    full = client.post(url, json={**person, "email": "late@example.org"}, headers=bearer(world["token"]))
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "mode_full"
    staff, token = staff_client(app)
    assert staff.post(url, json=person).status_code == 400  # no CSRF header
