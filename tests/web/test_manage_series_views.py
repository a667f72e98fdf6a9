"""Series pages of the organizer area (issue 7 Part 3): a series from a rhythm, its dates, adding,
moving, retopicing, leaving out and publishing dates — with German messages for bad input."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from eventapp.models import BERLIN, Event, EventStatus, OutboxMessage, Registration, Series, utcnow
from tests.helpers import csrf_token
from tests.web.test_auth_views import login

NEXT_YEAR = utcnow().year + 1


def series_form(**overrides: str | None) -> dict[str, str]:
    values: dict[str, str | None] = {
        "title": "Pausenhof",
        "summary": "Die virtuelle Pause",
        "format": "pausenhof",
        "attendance": "online",
        "capacity_online": "20",
        "unlimited_on_site": "y",
        "frequency": "weekly",
        "interval": "2",
        "weekdays": "3",
        "first_day": f"{NEXT_YEAR}-10-14",
        "starts": "12:30",
        "ends": "13:00",
        "end_kind": "count",
        "count": "4",
        "topics": "Daten\n\nKI",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


@pytest.fixture
def world(data):
    with data() as (session, make):
        menden = make.organization(slug="menden", name="Stadt Menden")
        olpe = make.organization(slug="olpe", name="Stadt Olpe")
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        return {"menden": menden.id, "olpe": olpe.id}


def post(client, url: str, values: dict[str, str] | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, "/manage/"), **(values or {})})


@pytest.fixture
def organizer(client, world):
    assert login(client, "orga@menden.de").status_code == 303
    client.get("/manage/?lang=de")  # remembered in a cookie: the pages speak German from here
    return client


def create(client, world, **overrides) -> int:
    response = post(client, "/manage/series/new", series_form(organization=str(world["menden"]), **overrides))
    assert response.status_code == 303, html.unescape(response.get_data(as_text=True))[:3000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def dates_of(data, series_id: int) -> list[Event]:
    with data() as (session, _make):
        found = session.scalars(select(Event).where(Event.series_id == series_id).order_by(Event.starts_at)).all()
        session.expunge_all()
        return list(found)


def test_creating_a_series_from_a_rhythm_makes_draft_dates_at_berlin_times(organizer, world, data):
    series_id = create(organizer, world)

    dates = dates_of(data, series_id)
    first = date(NEXT_YEAR, 10, 14)
    first += timedelta(days=(3 - first.weekday()) % 7)  # the first Thursday from 14 October
    assert [e.starts_at.astimezone(BERLIN).date() for e in dates] == [first + timedelta(weeks=2 * n) for n in range(4)]
    assert {e.starts_at.astimezone(BERLIN).strftime("%H:%M") for e in dates} == {"12:30"}
    assert [e.topic for e in dates] == ["Daten", "", "KI", ""]
    assert {e.status for e in dates} == {EventStatus.DRAFT}
    page = html.unescape(organizer.get(f"/manage/series/{series_id}").get_data(as_text=True))
    assert "Jede zweite Woche am Donnerstag, 12:30–13:00 Uhr" in page
    assert "Daten" in page and "KI" in page
    assert "Alle 4 kommenden Entwürfe veröffentlichen" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_day": f"{NEXT_YEAR}-10-16", "end_kind": "until", "count": None, "until": f"{NEXT_YEAR}-10-20",
          "weekdays": "3", "topics": ""}, "Dieser Rhythmus ergibt keinen Termin"),
        ({"count": "150"}, "ganze Zahl von 1 bis 100"),
        ({"frequency": "daily", "interval": "1", "end_kind": "until", "count": None,
          "until": f"{NEXT_YEAR + 1}-01-31"}, "Dieser Rhythmus ergibt 110 Termine; eine Reihe kann mit höchstens 100"),
        ({"end_kind": "until", "count": None, "until": f"{NEXT_YEAR}-10-01"}, "Das Enddatum darf nicht vor dem ersten"),
        ({"ends": "12:00"}, "Das Ende muss nach dem Beginn liegen"),
        ({"end_kind": "until", "count": None}, "Bitte geben Sie das Enddatum ein"),
        ({"first_day": "morgen"}, "Bitte geben Sie ein Datum ein"),
        ({"starts": "mittags"}, "Bitte geben Sie eine Uhrzeit ein"),
        ({"weekdays": "9"}, "Bitte prüfen Sie dieses Feld"),
        ({"interval": "0"}, "ganze Zahl von 1 bis 52"),
        ({"topics": "a\nb\nc\nd\ne"}, "Es gibt mehr Themen als Termine"),
        ({"title": ""}, "Bitte geben Sie einen Titel ein"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_german_message(organizer, world, data, overrides, message):
    response = post(organizer, "/manage/series/new", series_form(organization=str(world["menden"]), **overrides))

    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    with data() as (session, _make):
        assert session.scalars(select(Series)).all() == []


def test_adding_moving_publishing_and_leaving_out_dates(organizer, world, data):
    series_id = create(organizer, world)
    dates = dates_of(data, series_id)
    base = f"/manage/series/{series_id}"

    # The form proposes the rhythm's next day.
    page = organizer.get(base).get_data(as_text=True)
    proposed = (dates[-1].starts_at.astimezone(BERLIN).date() + timedelta(weeks=2)).isoformat()
    assert f'value="{proposed}"' in page

    response = post(
        organizer,
        f"{base}/dates",
        {"day": proposed, "starts": "12:30", "ends": "13:00", "topic": "Neu", "publish": "y"},
    )
    assert response.status_code == 303
    added = dates_of(data, series_id)[-1]
    assert added.topic == "Neu" and added.status is EventStatus.PUBLISHED

    assert post(organizer, f"{base}/publish").status_code == 303
    assert {e.status for e in dates_of(data, series_id)} == {EventStatus.PUBLISHED}

    first = dates[0]
    moved = first.starts_at.astimezone(BERLIN).date().isoformat()
    response = post(
        organizer, f"{base}/dates/{first.id}", {"day": moved, "starts": "14:00", "ends": "14:30", "topic": "Daten"}
    )
    assert response.status_code == 303
    again = dates_of(data, series_id)[0]
    assert again.starts_at.astimezone(BERLIN).strftime("%H:%M") == "14:00" and again.sequence == 1

    response = post(organizer, f"{base}/dates/{first.id}/skip", {"confirm": "y", "message": "Feiertag"})
    assert response.status_code == 303
    assert dates_of(data, series_id)[0].status is EventStatus.CANCELLED


def test_leaving_out_a_draft_removes_it(organizer, world, data):
    series_id = create(organizer, world)
    first = dates_of(data, series_id)[0]

    assert organizer.get(f"/manage/series/{series_id}/dates/{first.id}/skip").status_code == 200
    assert post(organizer, f"/manage/series/{series_id}/dates/{first.id}/skip", {}).status_code == 400
    assert post(organizer, f"/manage/series/{series_id}/dates/{first.id}/skip", {"confirm": "y"}).status_code == 303

    assert len(dates_of(data, series_id)) == 3


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"day": "", "starts": "12:30", "ends": "13:00"}, "Bitte geben Sie das Datum ein"),
        ({"day": "2020-01-02", "starts": "12:30", "ends": "13:00"}, "Der Termin muss in der Zukunft liegen"),
        ({"day": f"{NEXT_YEAR}-12-03", "starts": "12:30", "ends": "12:00"}, "Das Ende muss nach dem Beginn liegen"),
        ({"day": f"{NEXT_YEAR}-12-03", "starts": "", "ends": "13:00"}, "Bitte geben Sie an, wann der Termin beginnt"),
        (
            {"day": f"{NEXT_YEAR}-12-03", "starts": "12:30", "ends": "13:00", "topic": "x" * 201},
            "höchstens 200 Zeichen",
        ),
    ],
)
def test_a_bad_date_is_refused_with_a_german_message(organizer, world, data, values, message):
    series_id = create(organizer, world)

    response = post(organizer, f"/manage/series/{series_id}/dates", values)

    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert len(dates_of(data, series_id)) == 4


def test_moving_a_date_with_bad_input_is_refused(organizer, world, data):
    series_id = create(organizer, world)
    first = dates_of(data, series_id)[0]

    response = post(
        organizer, f"/manage/series/{series_id}/dates/{first.id}", {"day": "x", "starts": "12:30", "ends": "13:00"}
    )

    assert response.status_code == 400
    assert "Bitte geben Sie ein Datum ein" in html.unescape(response.get_data(as_text=True))


def test_another_organizations_series_is_forbidden_and_unchanged(client, world, data):
    assert login(client, "orga@menden.de").status_code == 303
    series_id = create(client, world)
    first = dates_of(data, series_id)[0]
    other = client.application.test_client()
    assert login(other, "orga@olpe.de").status_code == 303

    assert other.get(f"/manage/series/{series_id}").status_code == 403
    assert post(other, f"/manage/series/{series_id}/publish").status_code == 403
    assert post(other, f"/manage/series/{series_id}/dates/{first.id}/skip", {"confirm": "y"}).status_code == 403
    assert {e.status for e in dates_of(data, series_id)} == {EventStatus.DRAFT}
    assert "Pausenhof" not in other.get("/manage/series").get_data(as_text=True)


def test_a_date_of_another_series_is_not_found(organizer, world, data):
    one = create(organizer, world)
    two = create(organizer, world, title="Austausch")
    date_of_two = dates_of(data, two)[0]

    assert organizer.get(f"/manage/series/{one}/dates/{date_of_two.id}").status_code == 404


def test_publishing_a_date_registers_the_series_registrants(organizer, world, data):
    series_id = create(organizer, world)
    dates = dates_of(data, series_id)
    post(organizer, f"/manage/series/{series_id}/dates/{dates[0].id}/publish")
    with data() as (session, make):
        from eventapp.services import series as series_service
        from eventapp.services.registration import RegistrationInput

        found = session.get(Series, series_id)
        outcome = series_service.submit_series(
            session, found, RegistrationInput(given_name="E", family_name="M", email="e@example.org",
            organization="", mode="online", privacy_consent=True), now=utcnow(),
        )  # fmt: skip
        series_service.confirm_series(session, outcome.series_registration, now=utcnow())

    assert post(organizer, f"/manage/series/{series_id}/dates/{dates[1].id}/publish").status_code == 303

    with data() as (session, _make):
        assert session.scalar(select(Registration).where(Registration.event_id == dates[1].id)) is not None
        assert session.scalars(select(OutboxMessage)).all()
