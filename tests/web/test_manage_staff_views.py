"""Check-in staff of an event, assigned by its organizers on the event page (issue 7 Part 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.models import AuditEntry, Event, User, utcnow
from eventapp.services import admin
from tests.helpers import post_form, text
from tests.web.test_auth_views import login


@pytest.fixture
def world(data):
    with data() as (session, make):
        menden = make.organization(slug="menden", name="Stadt Menden")
        olpe = make.organization(slug="olpe", name="Stadt Olpe")
        event = make.event(organization=menden, title="Eröffnung", starts_at=utcnow() + timedelta(days=5))
        make.user(email="orga@menden.de", role="organizer", organizations=[menden], name="Olga Orga")
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        emil = make.user(email="einlass@menden.de", role="staff", organizations=[menden], name="Emil Einlass")
        olper = make.user(email="einlass@olpe.de", role="staff", organizations=[olpe], name="Otto Olper")
        return {"event": event.id, "emil": emil.id, "olper": olper.id}


def assigned(data, event_id: int) -> list[str]:
    with data() as (session, _make):
        return [user.email for user in admin.event_staff(session, session.get(Event, event_id))]


def test_an_organizer_assigns_and_removes_staff_of_their_organization(client, world, data):
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}"
    page = text(client.get(url + "?lang=de"))
    assert "Einlasspersonal" in page and "Noch kein Einlasspersonal zugeordnet." in page
    assert "Emil Einlass" in page and "Otto Olper" not in page  # only Menden's staff are offered

    response = post_form(client, url + "/staff", {"user": str(world["emil"])}, token_from=url)

    assert response.status_code == 303
    assert assigned(data, world["event"]) == ["einlass@menden.de"]
    page = text(client.get(url + "?lang=de"))
    assert "Emil Einlass kann jetzt den Einlass dieser Veranstaltung übernehmen." in page
    assert f'action="/manage/events/{world["event"]}/staff/{world["emil"]}/remove"' in page

    response = post_form(client, f"{url}/staff/{world['emil']}/remove", {}, token_from=url)

    assert response.status_code == 303
    assert assigned(data, world["event"]) == []
    with data() as (session, _make):
        entries = session.scalars(select(AuditEntry).where(AuditEntry.event_id == world["event"])).all()
        assert [(e.action, e.actor_label) for e in entries] == [
            ("event.staff_assigned", "Olga Orga"),
            ("event.staff_unassigned", "Olga Orga"),
        ]


def test_staff_of_another_organization_cannot_be_assigned(client, world, data):
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}"
    for choice in (str(world["olper"]), "999999", ""):
        response = post_form(client, url + "/staff?lang=de", {"user": choice}, token_from=url)
        assert response.status_code == 400
        assert "Einlasspersonal" in text(response)
    response = post_form(client, url + "/staff?lang=de", {"user": str(world["olper"])}, token_from=url)
    assert "Nur aktives Einlasspersonal der veranstaltenden Organisation kann zugeordnet werden." in text(response)
    assert assigned(data, world["event"]) == []


def test_an_organizer_of_another_organization_is_forbidden_and_nothing_changes(client, world, data):
    with data() as (session, _make):
        emil = session.get(User, world["emil"])
        emil.assigned_events.append(session.get(Event, world["event"]))
    login(client, "orga@olpe.de")
    url = f"/manage/events/{world['event']}"
    assert post_form(client, url + "/staff", {"user": str(world["emil"])}, token_from="/manage/").status_code == 403
    assert post_form(client, f"{url}/staff/{world['emil']}/remove", {}, token_from="/manage/").status_code == 403
    assert assigned(data, world["event"]) == ["einlass@menden.de"]
    with data() as (session, _make):
        assert session.scalars(select(AuditEntry).where(AuditEntry.event_id == world["event"])).all() == []


def test_assigned_staff_see_the_event_in_their_list(client, world, data):
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}"
    post_form(client, url + "/staff", {"user": str(world["emil"])}, token_from=url)
    staff = client.application.test_client()
    login(staff, "einlass@menden.de")
    assert "Eröffnung" in text(staff.get("/manage/"))
    post_form(client, f"{url}/staff/{world['emil']}/remove", {}, token_from=url)
    assert "Eröffnung" not in text(staff.get("/manage/"))
