"""An event's dashboard page and its JSON (issue 8 Part 4): the organizer's figures, live."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from eventapp.models import EventAttendance, Mode, utcnow
from tests.helpers import text
from tests.services.test_dashboard import AFTER, STARTS, attend, hand_counted
from tests.web.test_auth_views import login


@pytest.fixture
def world(data):
    with data() as (session, make):
        counted = hand_counted(session, make)
        event = counted.event
        make.user(email="orga@menden.de", role="organizer", organizations=[event.organization])
        make.user(email="orga@olpe.de", role="organizer", organizations=[counted.other.organization])
        registration = event.registrations[0] if event.registrations else None
        assert registration is not None
        return {"event": event.id, "other": counted.other.id}


def test_the_event_page_links_to_its_dashboard(client, world):
    login(client, "orga@menden.de")
    page = client.get(f"/manage/events/{world['event']}?lang=de").get_data(as_text=True)
    assert f'href="/manage/events/{world["event"]}/dashboard"' in page


def test_the_dashboard_shows_the_figures_with_text_beside_the_bars(client, world):
    login(client, "orga@menden.de")
    response = client.get(f"/manage/events/{world['event']}/dashboard?lang=de")
    assert response.status_code == 200
    page = text(response)
    assert "Dashboard" in page
    # Capacity bars are <meter> elements with the figures as text beside them.
    assert re.search(r'<meter class="capacity-bar" min="0" max="10" value="6"', page)
    assert re.search(r'<meter class="capacity-bar" min="0" max="5" value="5"', page)
    plain = re.sub(r"<[^>]+>", "", page)
    assert "6 von 10 belegt (60 %), 4 frei" in plain
    assert "5 von 5 belegt (100 %), 0 frei" in plain
    # The chart is server-side SVG: one rect per filled mode and bucket, with a tooltip each.
    assert page.count('<rect class="chart-bar-on_site"') == 3
    assert page.count('<rect class="chart-bar-online"') == 2
    assert "10:00–10:15: 1 vor Ort angekommen, 2 online teilgenommen" in page
    # The mail that failed, with the server's answer.
    assert "550 5.1.1 mailbox unavailable" in page
    assert "451 4.7.1 try again later" in page
    # The script is a static file; nothing inline.
    assert '<script src="/static/js/dashboard.js' in page
    assert "<script>" not in page and " style=" not in page


def test_the_json_carries_the_same_figures(client, world):
    login(client, "orga@menden.de")
    response = client.get(f"/manage/events/{world['event']}/dashboard.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["modes"]["on_site"]["registered"] == 7
    assert data["modes"]["on_site"]["taken"] == 6
    assert data["modes"]["online"]["confirmed"] == 4
    assert data["arrived_on_site"] == 4
    assert data["joined_online"] == 3
    assert data["outbox"] == {"queued": 3, "retry": 1, "sent": 3, "failed": 1}
    assert [(row["on_site"], row["online"]) for row in data["chart_rows"]] == [(2, 0), (1, 2), (1, 1)]
    assert {bar["mode"] for bar in data["chart"]["bars"]} == {"on_site", "online"}
    # The test event lies in March 2027: before it, no-shows are not counted yet.
    if utcnow() < AFTER:
        assert data["no_shows"] is None and data["finished"] is False


def test_the_json_updates_after_an_arrival(client, world, data):
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}/dashboard.json"
    before = client.get(url).get_json()["arrived_on_site"]
    with data() as (session, make):
        from eventapp.models import Event

        event = session.get(Event, world["event"])
        newcomer = make.registration(event, mode=Mode.ON_SITE)
        attend(session, newcomer, Mode.ON_SITE, STARTS)
    assert client.get(url).get_json()["arrived_on_site"] == before + 1


def test_the_dashboard_warns_when_an_online_event_has_no_meeting_link(client, data):
    with data() as (session, make):
        organization = make.organization()
        event = make.event(organization=organization, attendance=EventAttendance.ONLINE, join_url=None)
        make.user(email="orga@menden.de", role="organizer", organizations=[organization])
        event_id = event.id
    login(client, "orga@menden.de")
    page = text(client.get(f"/manage/events/{event_id}/dashboard?lang=de"))
    assert "Noch kein Link zur Teilnahme" in page
    assert f'href="/manage/events/{event_id}/edit"' in page


def test_another_organizations_dashboard_is_refused(client, world):
    login(client, "orga@olpe.de")
    assert client.get(f"/manage/events/{world['event']}/dashboard").status_code == 403
    assert client.get(f"/manage/events/{world['event']}/dashboard.json").status_code == 403
    assert client.get("/manage/events/999999/dashboard.json").status_code == 404


def test_a_chart_over_several_days_names_the_dates(client, world, data):
    with data() as (session, make):
        from eventapp.models import Event

        event = session.get(Event, world["event"])
        early = make.registration(event, mode=Mode.ON_SITE)
        attend(session, early, Mode.ON_SITE, STARTS - timedelta(days=2))  # a test scan two days before
    login(client, "orga@menden.de")
    rows = client.get(f"/manage/events/{world['event']}/dashboard.json?lang=de").get_json()["chart_rows"]
    assert rows[0]["time"].startswith("16.03.27")
    assert rows[0]["on_site"] == 1
