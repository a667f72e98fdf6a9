"""Calendar over HTTP: feeds, filters, 400/404, conditional requests, the personal feed, event links.

Each request runs in its own app context (as in production); the test prepares and
inspects data in short ``data()`` blocks.
"""

from __future__ import annotations

import html
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import icalendar
import pytest
from flask import Flask

from eventapp.extensions import db
from eventapp.models import Event, EventStatus, Mode, Person, Registration, RegistrationStatus, utcnow
from eventapp.services import events
from eventapp.services.audit import CLI
from tests.helpers import DB, csrf_token, post_form, recorded_selects

NOW = utcnow()
SOON = (NOW + timedelta(days=30)).replace(microsecond=0)


def uids(response: Any) -> set[str]:
    parsed = icalendar.Calendar.from_ical(response.data)
    return {str(vevent["UID"]) for vevent in parsed.walk("VEVENT")}


def selects(app: Flask) -> AbstractContextManager[list[str]]:
    """SELECT statements the app runs meanwhile."""
    with app.app_context():
        return recorded_selects(db.engine)


@pytest.fixture
def programme(data: DB) -> dict[str, str]:
    """Uids of a small programme: two formats, two organizations, a draft and an old event."""
    with data() as (_session, make):
        olpe = make.organization(slug="olpe", name="Stadt Olpe")
        soest = make.organization(slug="soest", name="Stadt Soest")
        return {
            "konferenz": make.event(organization=olpe, format="konferenz", starts_at=SOON, slug="konf").uid,
            "pausenhof": make.event(organization=soest, format="pausenhof", starts_at=SOON, slug="pause").uid,
            "draft": make.event(
                organization=olpe, format="konferenz", starts_at=SOON, status=EventStatus.DRAFT, slug="entwurf"
            ).uid,
            "old": make.event(organization=olpe, format="konferenz", starts_at=NOW - timedelta(days=200)).uid,
        }


# --- public feed -----------------------------------------------------------------------------------


def test_public_feed_is_text_calendar_without_method_with_caching_headers(client, programme):
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert uids(response) == {programme["konferenz"], programme["pausenhof"]}
    assert b"METHOD" not in response.data
    assert "X-WR-CALNAME" in icalendar.Calendar.from_ical(response.data)


def test_public_feed_filters_by_format_and_organization(client, programme):
    assert uids(client.get("/calendar.ics?format=pausenhof")) == {programme["pausenhof"]}
    assert uids(client.get("/calendar.ics?organization=olpe")) == {programme["konferenz"]}
    assert uids(client.get("/calendar.ics?organization=olpe&format=pausenhof")) == set()
    assert client.get("/calendar.ics?format=workshop").status_code == 200  # a known format, unused


@pytest.mark.parametrize(
    ("query", "word"),
    [("format=quatsch", "quatsch"), ("organization=nirgendwo", "nirgendwo"), ("format=x&organization=olpe", "x")],
)
def test_unknown_filter_values_get_a_plain_400(client, programme, query, word):
    response = client.get(f"/calendar.ics?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert word in response.get_data(as_text=True)
    assert "<" not in response.get_data(as_text=True)


def test_public_feed_never_shows_registrants(client, data, programme):
    with data() as (session, make):
        event = session.query(Event).filter_by(uid=programme["konferenz"]).one()
        make.registration(event, given_name="Geheimname", person=make.person(email="secret@example.org"))
    body = client.get("/calendar.ics").data
    assert b"Geheimname" not in body and b"secret@example.org" not in body and b"ATTENDEE" not in body


# --- conditional requests ------------------------------------------------------------------------------


def test_if_none_match_gets_304_until_the_content_changes(client, data, programme):
    first = client.get("/calendar.ics")
    etag = first.headers["ETag"]
    again = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/calendar.ics", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get("/calendar.ics", headers={"If-None-Match": '"other", ' + etag}).status_code == 304
    assert client.get("/calendar.ics", headers={"If-None-Match": '"other"'}).status_code == 200

    with data() as (session, _make):
        event = session.query(Event).filter_by(uid=programme["konferenz"]).one()
        events.update_event(session, event, now=utcnow(), actor=CLI, venue="Neue Halle")
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"Neue Halle" in changed.data


def test_changes_to_a_draft_change_the_etag_too(client, data, programme):
    etag = client.get("/calendar.ics").headers["ETag"]
    with data() as (session, _make):
        draft = session.query(Event).filter_by(uid=programme["draft"]).one()
        draft.status = EventStatus.PUBLISHED
    response = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert programme["draft"] in uids(response)


def test_etag_differs_per_filter(client, programme):
    assert client.get("/calendar.ics").headers["ETag"] != client.get("/calendar.ics?format=pausenhof").headers["ETag"]


def test_if_modified_since_gets_304_and_an_older_date_gets_the_feed(client, programme):
    response = client.get("/calendar.ics")
    last_modified = response.headers["Last-Modified"]
    assert client.get("/calendar.ics", headers={"If-Modified-Since": last_modified}).status_code == 304
    older = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get("/calendar.ics", headers={"If-Modified-Since": older}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    both = {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    assert client.get("/calendar.ics", headers=both).status_code == 200


def test_a_conditional_request_costs_one_query(app, client, programme):
    etag = client.get("/calendar.ics?format=pausenhof&organization=soest").headers["ETag"]
    with selects(app) as statements:
        response = client.get("/calendar.ics?format=pausenhof&organization=soest", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert len(statements) == 1, statements
    personal_etag = None
    with app.app_context():
        person = Person(email="p@example.org")
        db.session.add(person)
        db.session.commit()
        token = person.feed_token
    personal_etag = client.get(f"/calendar/{token}.ics").headers["ETag"]
    with selects(app) as statements:
        response = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": personal_etag})
    assert response.status_code == 304
    assert len(statements) == 1, statements


# --- series feed -----------------------------------------------------------------------------------------


def test_series_feed_lists_each_date_as_its_own_event(client, data):
    with data() as (_session, make):
        series = make.series(slug="pausenhof", title="Pausenhof")
        dates = [
            make.event(series=series, organization=series.organization, starts_at=SOON + timedelta(days=14 * n)).uid
            for n in range(3)
        ]
        make.event(starts_at=SOON)  # not in the series
    response = client.get("/series/pausenhof/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert uids(response) == set(dates)
    assert b"METHOD" not in response.data
    assert not any("RRULE" in v for v in icalendar.Calendar.from_ical(response.data).walk("VEVENT"))
    etag = response.headers["ETag"]
    assert client.get("/series/pausenhof/calendar.ics", headers={"If-None-Match": etag}).status_code == 304
    missing = client.get("/series/nope/calendar.ics")
    assert missing.status_code == 404 and missing.mimetype == "text/plain"


# --- single event -----------------------------------------------------------------------------------------


def test_single_event_download(client, programme):
    response = client.get("/events/konf.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert uids(response) == {programme["konferenz"]}
    assert b"METHOD" not in response.data
    assert client.get("/events/konf.ics", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get("/events/entwurf.ics").status_code == 404
    assert client.get("/events/nope.ics").status_code == 404
    assert client.get("/events/konf").mimetype == "text/html"  # the page itself is unaffected


def test_event_page_offers_add_to_calendar_links(client, programme):
    page = html.unescape(client.get("/events/konf").get_data(as_text=True))
    assert 'href="/events/konf.ics"' in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page
    assert "webcal://localhost/calendar.ics?format=konferenz" in page
    assert "<script" not in page.split("calendar-links")[1].split("</section>")[0]


def test_series_date_page_subscribes_to_the_series(client, data):
    with data() as (_session, make):
        series = make.series(slug="pausenhof")
        make.event(series=series, organization=series.organization, starts_at=SOON, slug="pause-1")
    page = client.get("/events/pause-1").get_data(as_text=True)
    assert "webcal://localhost/series/pausenhof/calendar.ics" in page


# --- personal feed ---------------------------------------------------------------------------------------------


@pytest.fixture
def attendee(data: DB) -> dict[str, Any]:
    with data() as (_session, make):
        person = make.person(email="erika@example.org")
        online = make.registration(make.event(starts_at=SOON, slug="a"), person=person, mode=Mode.ONLINE)
        waiting = make.registration(
            make.event(starts_at=SOON, slug="b"), person=person, status=RegistrationStatus.WAITLISTED
        )
        gone = make.registration(
            make.event(starts_at=SOON, slug="c"), person=person, status=RegistrationStatus.CANCELLED
        )
        other = make.registration(make.event(starts_at=SOON, slug="d"))
        return {
            "token": person.feed_token,
            "manage": online.manage_token,
            "online": online.event.uid,
            "waiting": waiting.event.uid,
            "gone": gone.event.uid,
            "other": other.event.uid,
        }


def test_personal_feed_lists_the_persons_active_registrations_with_their_mode(client, attendee):
    response = client.get(f"/calendar/{attendee['token']}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"].startswith("private")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert uids(response) == {attendee["online"], attendee["waiting"]}
    parsed = {str(v["UID"]): v for v in icalendar.Calendar.from_ical(response.data).walk("VEVENT")}
    assert "online" in str(parsed[attendee["online"]]["DESCRIPTION"])
    assert str(parsed[attendee["waiting"]]["STATUS"]) == "TENTATIVE"
    assert b"METHOD" not in response.data


def test_unknown_personal_feed_is_a_404_that_reveals_nothing(client, attendee):
    unknown = client.get("/calendar/no-such-token.ics")
    assert unknown.status_code == 404 and unknown.mimetype == "text/plain"
    too_long = client.get(f"/calendar/{'x' * 300}.ics")
    assert too_long.status_code == 404 and too_long.data == unknown.data


def test_personal_feed_changes_when_a_registration_does(client, data, attendee):
    etag = client.get(f"/calendar/{attendee['token']}.ics").headers["ETag"]
    with data() as (session, _make):
        reg = session.query(Registration).filter_by(manage_token=attendee["manage"]).one()
        reg.status = RegistrationStatus.CANCELLED
    response = client.get(f"/calendar/{attendee['token']}.ics", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert uids(response) == {attendee["waiting"]}


def test_manage_page_shows_the_feed_and_revoking_makes_a_new_address(client, data, attendee):
    manage = f"/r/{attendee['manage']}"
    page = client.get(manage).get_data(as_text=True)
    assert f"webcal://localhost/calendar/{attendee['token']}.ics" in page
    response = post_form(client, f"{manage}/calendar/renew", token_from=manage)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{manage}#personal-calendar")
    old = client.get(f"/calendar/{attendee['token']}.ics")
    assert old.status_code == 404
    with data() as (session, _make):
        new = session.query(Person).filter_by(email="erika@example.org").one().feed_token
    assert new != attendee["token"]
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert f"/calendar/{new}.ics" in client.get(manage).get_data(as_text=True)


def test_revoking_needs_a_post_with_csrf_and_a_valid_manage_token(client, attendee):
    manage = f"/r/{attendee['manage']}"
    assert client.get(f"{manage}/calendar/renew").status_code == 405
    assert client.post(f"{manage}/calendar/renew").status_code == 400
    assert client.get(f"/calendar/{attendee['token']}.ics").status_code == 200
    token = csrf_token(client, manage)
    assert client.post("/r/unknown/calendar/renew", data={"csrf_token": token}).status_code == 404


def test_start_page_offers_subscriptions_that_follow_the_filters(client, programme):
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert "webcal://localhost/calendar.ics" in page
    assert 'href="http://localhost/calendar.ics"' in page
    filtered = html.unescape(client.get("/?format=pausenhof&organization=soest").get_data(as_text=True))
    assert "webcal://localhost/calendar.ics?format=pausenhof&organization=soest" in filtered


def test_a_cancelled_event_offers_no_add_to_calendar_links(client, data):
    with data() as (_session, make):
        make.event(slug="abgesagt", starts_at=SOON, status=EventStatus.CANCELLED)
    page = client.get("/events/abgesagt").get_data(as_text=True)
    assert "calendar.google.com" not in page and "/events/abgesagt.ics" not in page
    assert client.get("/events/abgesagt.ics").status_code == 200  # subscribed calendars still see STATUS:CANCELLED
