"""``/j/<token>`` (DESIGN §3, §5): GET shows a page and records nothing; the button joins and redirects (303)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from eventapp.blueprints.hardening import CONTENT_SECURITY_POLICY
from eventapp.blueprints.join import routes as join_routes
from eventapp.models import Attendance, CancelReason, EventAttendance, EventStatus, Mode, RegistrationStatus
from tests.helpers import DB, post_form, text

STARTS = datetime(2027, 1, 19, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
ENDS = STARTS + timedelta(hours=2)
MEETING = "https://meet.example/smart-cities-austausch?pwd=geheim"
OPENS = STARTS - timedelta(minutes=30)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """Freeze the join pages' clock: ``clock(moment)``."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(join_routes, "utcnow", lambda: moment)

    return set_to


@pytest.fixture
def token(data: DB) -> str:
    """The join token of a confirmed online registration for an online event with a meeting link."""
    with data() as (_session, make):
        event = make.event(
            slug="austausch",
            title="Smart Cities: Austausch",
            attendance=EventAttendance.ONLINE,
            starts_at=STARTS,
            ends_at=ENDS,
            venue="",
            address="",
            capacity_on_site=None,
            join_url=MEETING,
        )
        make.registration(event, mode=Mode.ONLINE, join_token="tok-erika", ticket_id="t-erika", ticket_serial=1)
    return "tok-erika"


def records(data: DB) -> list[tuple[datetime, datetime]]:
    with data() as (session, _make):
        return [(a.first_at, a.last_at) for a in session.scalars(select(Attendance).order_by(Attendance.id))]


def join_now(client: FlaskClient, token: str):
    return post_form(client, f"/j/{token}")


def test_before_the_window_the_page_says_from_when_and_records_nothing(client, clock, token, data):
    clock(OPENS - timedelta(seconds=1))
    response = client.get(f"/j/{token}")
    assert response.status_code == 200
    page = text(response)
    assert "Sie können ab Dienstag, 19. Januar 2027, 17:30 teilnehmen." in page
    assert "Jetzt teilnehmen" not in page
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]
    assert records(data) == []

    assert join_now(client, token).headers["Location"].endswith(f"/j/{token}")  # back to the page
    assert records(data) == []


def test_inside_the_window_one_button_that_joins_and_redirects_to_the_meeting(client, clock, token, data):
    clock(OPENS)
    response = client.get(f"/j/{token}")
    page = text(response)
    assert response.status_code == 200 and "Jetzt teilnehmen" in page
    assert "meet.example" not in page  # the URL travels in the redirect only
    policy = response.headers["Content-Security-Policy"]
    assert policy.endswith("form-action 'self' https://meet.example")  # the redirect may reach the meeting
    assert records(data) == []  # opening the page records nothing, also inside the window

    joined = join_now(client, token)
    assert joined.status_code == 303
    assert joined.headers["Location"] == MEETING
    assert joined.headers["Referrer-Policy"] == "no-referrer"
    assert records(data) == [(OPENS, OPENS)]

    later = STARTS + timedelta(minutes=50)
    clock(later)
    assert join_now(client, token).headers["Location"] == MEETING
    assert records(data) == [(OPENS, later)]  # one record; the second join moved its last time


def test_the_button_needs_the_csrf_token(client, clock, token, data):
    clock(STARTS)
    response = client.post(f"/j/{token}")
    assert response.status_code == 400
    assert records(data) == []


def test_at_the_end_the_event_is_over_with_its_recording(client, clock, token, data):
    clock(ENDS)
    page = text(client.get(f"/j/{token}"))
    assert "Die Veranstaltung ist beendet." in page and "Jetzt teilnehmen" not in page
    assert "Aufzeichnung" not in page
    with data() as (session, _make):
        from eventapp.models import Event

        session.scalars(select(Event)).one().recording_url = "https://video.example/austausch"
    page = text(client.get(f"/j/{token}"))
    assert 'href="https://video.example/austausch"' in page and "Aufzeichnung ansehen" in page
    assert join_now(client, token).status_code == 303
    assert records(data) == []


def test_without_a_meeting_link_the_link_follows(client, clock, token, data):
    with data() as (session, _make):
        from eventapp.models import Event

        session.scalars(select(Event)).one().join_url = None
    clock(STARTS)
    page = text(client.get(f"/j/{token}"))
    assert "Der Link folgt." in page and "Jetzt teilnehmen" not in page
    assert join_now(client, token).headers["Location"].endswith(f"/j/{token}")
    assert records(data) == []


@pytest.mark.parametrize("forged", ["tok-erik", "tok-erika-x", "a" * 80, "nichts"])
def test_forged_tokens_get_a_clear_page_and_nothing_is_recorded(client, clock, token, data, forged):
    clock(STARTS)
    response = client.get(f"/j/{forged}")
    assert response.status_code == 404
    assert "Dieser Teilnahme-Link ist nicht gültig" in text(response)
    assert client.post(f"/j/{forged}", data={"csrf_token": "x"}).status_code in (400, 404)
    assert join_now_with_page_token(client, token, forged).status_code == 404
    assert records(data) == []


def join_now_with_page_token(client: FlaskClient, real: str, forged: str):
    """A POST to a forged link with a valid CSRF token (taken from a real page)."""
    return post_form(client, f"/j/{forged}", token_from=f"/j/{real}")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"status": RegistrationStatus.CANCELLED, "cancel_reason": CancelReason.CANCELLED}, "storniert"),
        ({"mode": Mode.ON_SITE}, "vor Ort"),
        ({"status": RegistrationStatus.CANCELLED, "cancel_reason": CancelReason.EVENT_CANCELLED}, "abgesagt"),
    ],
)
def test_a_link_that_no_longer_works_gets_a_clear_page(client, clock, token, data, change, says):
    with data() as (session, _make):
        from eventapp.models import Registration

        reg = session.scalars(select(Registration)).one()
        for name, value in change.items():
            setattr(reg, name, value)
        if change.get("cancel_reason") is CancelReason.EVENT_CANCELLED:
            reg.event.status = EventStatus.CANCELLED
    clock(STARTS)
    response = client.get(f"/j/{token}")
    assert response.status_code == 410
    page = text(response)
    assert "Dieser Link funktioniert nicht mehr" in page and says in page
    assert "Jetzt teilnehmen" not in page
    assert join_now_with_page_token(client, token, token).status_code == 410
    assert records(data) == []


def test_another_registrants_link_records_for_them_only(client, clock, token, data):
    with data() as (session, make):
        from eventapp.models import Event

        event = session.scalars(select(Event)).one()
        make.registration(event, mode=Mode.ONLINE, join_token="tok-max", ticket_id="t-max", ticket_serial=1)
    clock(STARTS)
    join_now(client, "tok-max")
    with data() as (session, _make):
        from eventapp.models import Registration

        joined = session.scalars(select(Registration.join_token).join(Attendance)).all()
    assert joined == ["tok-max"]


def test_the_window_follows_the_setting(client, clock, token, app: Flask, monkeypatch):
    monkeypatch.setitem(app.config, "JOIN_WINDOW_MINUTES", 60)
    clock(STARTS - timedelta(minutes=45))
    assert "Jetzt teilnehmen" in text(client.get(f"/j/{token}"))


def test_joins_per_link_are_limited(client, clock, token, app: Flask, monkeypatch, data):
    monkeypatch.setitem(app.config, "RATELIMIT_PER_LINK", "2 per hour")
    clock(STARTS)
    answers = [join_now(client, token).status_code for _ in range(3)]
    assert answers == [303, 303, 429]
    assert len(records(data)) == 1


def test_the_page_speaks_english_when_asked(client, clock, token):
    clock(OPENS - timedelta(hours=1))
    page = text(client.get(f"/j/{token}?lang=en"))
    assert "You can take part from Tuesday, 19 January 2027, 17:30." in page
