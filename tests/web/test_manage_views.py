"""The organizer area's event list (issue 7 Part 1): real data, each user sees their own."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from eventapp.models import EventAttendance, EventStatus, RegistrationStatus, utcnow
from tests.helpers import text
from tests.web.test_auth_views import login


def rows(response) -> list[str]:
    """The table's rows as text, one string per event."""
    body = text(response)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ][1:]


@pytest.fixture
def programme(data):
    soon = utcnow() + timedelta(days=10)
    with data() as (session, make):
        menden, olpe = (
            make.organization(slug="menden", name="Stadt Menden"),
            make.organization(slug="olpe", name="Stadt Olpe"),
        )
        opening = make.event(
            organization=menden,
            title="Eröffnung Zukunfts.Werk.Stadt",
            starts_at=soon,
            ends_at=soon + timedelta(hours=4),
            capacity_on_site=500,
            attendance=EventAttendance.ON_SITE,
            status=EventStatus.PUBLISHED,
        )
        make.event(
            organization=menden, title="Entwurf Menden", starts_at=soon + timedelta(days=1), status=EventStatus.DRAFT
        )
        make.event(organization=menden, title="Rückblick Menden", starts_at=utcnow() - timedelta(days=30))
        make.event(organization=olpe, title="Olper Abend", starts_at=soon)
        for status in (
            [RegistrationStatus.CONFIRMED] * 3 + [RegistrationStatus.PENDING] + [RegistrationStatus.WAITLISTED] * 2
        ):
            make.registration(opening, status=status)
        make.registration(opening, status=RegistrationStatus.CANCELLED)
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        make.user(email="admin@agentur.de", role="admin")
        staff = make.user(email="einlass@menden.de", role="staff", organizations=[menden])
        staff.assigned_events.append(opening)


def test_an_organizer_sees_the_upcoming_events_of_their_organization_with_counts(client, programme):
    login(client, "orga@menden.de")
    response = client.get("/manage/?lang=en")
    assert response.status_code == 200
    found = rows(response)
    assert len(found) == 2
    assert found[0].startswith("Eröffnung Zukunfts.Werk.Stadt Stadt Menden")
    assert found[0].endswith("Published 3 1 2 500")
    assert "Entwurf Menden" in found[1] and "Draft" in found[1]
    assert "Olper Abend" not in text(response)
    past = rows(client.get("/manage/?past=1&lang=en"))
    assert len(past) == 1 and past[0].startswith("Rückblick Menden")


def test_the_organizer_of_another_organization_sees_none_of_it(client, programme):
    login(client, "orga@olpe.de")
    page = text(client.get("/manage/"))
    assert "Olper Abend" in page
    assert "Menden" not in page


def test_an_admin_sees_every_organization(client, programme):
    login(client, "admin@agentur.de")
    assert len(rows(client.get("/manage/"))) == 3


def test_staff_see_the_events_they_are_assigned_to(client, programme):
    login(client, "einlass@menden.de")
    found = rows(client.get("/manage/"))
    assert len(found) == 1 and found[0].startswith("Eröffnung")


def test_the_list_is_german_first(client, programme):
    login(client, "orga@menden.de")
    page = text(client.get("/manage/?lang=de"))
    assert "Ihre Veranstaltungen" in page and "Veröffentlicht" in page and "Abmelden" in page
