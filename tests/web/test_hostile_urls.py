"""Hostile paths and query strings (issue 6, Part 3 §3 and §4): never a 500.

The exact reproductions of the report. On PostgreSQL each of them was a 500 (NUL is refused
in text parameters; years 0 and 10000 overflow); the suite runs on SQLite and PostgreSQL, and
the test app lets exceptions through, so a regression fails here on either.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from eventapp.models import utcnow
from tests.helpers import DB, csrf_token


@pytest.fixture(autouse=True)
def site(data: DB) -> dict[str, str]:
    """An organization with an event in a series, so every filter and slug has something to find."""
    with data() as (_session, make):
        organization = make.organization(slug="arnsberg")
        series = make.series(organization=organization, slug="pausenhof")
        event = make.event(organization=organization, series=series, starts_at=utcnow() + timedelta(days=9))
        registration = make.registration(event)
        return {"event": event.slug, "token": registration.manage_token, "feed": registration.person.feed_token}


def cursor(starts_at: str, event_id: int) -> str:
    raw = json.dumps([starts_at, event_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def api_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    return error


# --- §3: control characters in a path value: not found ---------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/events/%00",
        "/r/%00",
        "/calendar/%00.ics",
        "/events/%00.ics",
        "/events/%00/register",
        "/events/%00/registered",
        "/series/%00",
        "/series/%00/register",
        "/series/%00/calendar.ics",
        "/s/%00",
        "/s/%00/confirm",
        "/r/%00/confirm",
        "/r/%00/ticket.png",
        "/events/a%1bb",
        "/r/a%7fb",
        "/static/%00.css",
    ],
)
def test_control_character_in_a_path_is_not_found(client: FlaskClient, path: str):
    response = client.get(path)
    assert response.status_code == 404
    assert "text/html" in response.content_type


def test_control_character_in_a_path_is_not_found_on_posts_too(client: FlaskClient, site):
    token = csrf_token(client, f"/events/{site['event']}/register")
    for path in ("/r/%00/cancel", "/s/%00/cancel", "/events/%00/register", f"/s/{site['token']}/decline/%00"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path


def test_control_character_in_an_api_path_is_a_json_404(client: FlaskClient):
    assert api_error(client.get("/api/v1/events/%00"), 404)["code"] == "not_found"
    assert api_error(client.post("/api/v1/events/%00/registrations", json={}), 404)["code"] == "not_found"
    assert api_error(client.post("/api/v1/series/%00/registrations", json={}), 404)["code"] == "not_found"


def test_the_real_paths_still_work(client: FlaskClient, site):
    paths = (f"/events/{site['event']}", f"/r/{site['token']}", f"/calendar/{site['feed']}.ics", "/series/pausenhof")
    for path in paths:
        assert client.get(path).status_code == 200, path


# --- §3: control characters in a query value: invalid -----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/calendar.ics?format=%00",
        "/calendar.ics?organization=%00",
        "/?organization=%00",
        "/?format=%00",
        "/archive?organization=arn%00sberg",
        "/?format=%1b",
        "/?lang=%7f",
        "/?%00=x",
        "/events/{event}?lang=de%0A",
    ],
)
def test_control_character_in_a_query_is_a_bad_request(client: FlaskClient, site, url: str):
    response = client.get(url.format(event=site["event"]))
    assert response.status_code == 400
    assert "text/html" in response.content_type or "text/plain" in response.content_type


@pytest.mark.parametrize(
    "query,field",
    [
        ("organization=arnsberg%00", "organization"),
        ("organization=%00", "organization"),
        ("format=%00", "format"),
        ("from=2027-01-01%00", "from"),
        ("cursor=%00", "cursor"),
    ],
)
def test_control_character_in_an_api_query_is_a_validation_error(client: FlaskClient, query: str, field: str):
    error = api_error(client.get(f"/api/v1/events?{query}"), 400)
    assert error["code"] == "validation_error"
    assert field in error["fields"]


def test_the_real_filters_still_work(client: FlaskClient, site):
    assert client.get("/?organization=arnsberg&format=konferenz").status_code == 200
    assert client.get("/calendar.ics?organization=arnsberg").status_code == 200
    events = client.get("/api/v1/events?organization=arnsberg").get_json()["events"]
    assert [event["slug"] for event in events] == [site["event"]]


# --- §4: out-of-range list parameters: 400 validation_error -----------------------------------


@pytest.mark.parametrize(
    "query,field",
    [
        ("to=9999-12-31", "to"),
        ("from=0001-01-01", "from"),
        ("from=0001-01-01T00:00:00%2B14:00", "from"),
        ("to=9999-12-31T23:59:59-12:00", "to"),
        ("from=1899-12-31", "from"),
        ("to=9999-01-01", "to"),
    ],
)
def test_out_of_range_dates_are_a_validation_error(client: FlaskClient, query: str, field: str):
    error = api_error(client.get(f"/api/v1/events?{query}"), 400)
    assert error["code"] == "validation_error"
    assert error["fields"] == {field: "Must lie between 1900-01-01 and 9998-12-31."}


@pytest.mark.parametrize(
    "position",
    [
        ("0001-01-01T00:00:00+14:00", 1),  # year 0 in UTC
        ("9999-12-31T23:59:59-12:00", 1),  # year 10000 in UTC
        ("2027-01-01T00:00:00+00:00", 2**63),
        ("2027-01-01T00:00:00+00:00", 2**63 - 1),
        ("2027-01-01T00:00:00+00:00", 2**31),
        ("2027-01-01T00:00:00+00:00", -1),
    ],
)
def test_out_of_range_cursors_are_a_validation_error(client: FlaskClient, position: tuple[str, int]):
    error = api_error(client.get(f"/api/v1/events?cursor={cursor(*position)}"), 400)
    assert error["code"] == "validation_error"
    assert error["fields"] == {"cursor": "Not a cursor of this API."}


def test_the_edges_of_the_range_still_answer(client: FlaskClient, site):
    response = client.get("/api/v1/events?from=1900-01-01&to=9998-12-31")
    assert response.status_code == 200
    assert [event["slug"] for event in response.get_json()["events"]] == [site["event"]]
    response = client.get(f"/api/v1/events?cursor={cursor('1900-01-01T00:00:00+14:00', 2**31 - 1)}")
    assert response.status_code == 200
