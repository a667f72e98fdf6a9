"""The admin area (issue 7 Part 7): organizations, users, roles, staff assignments, deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventapp.models import AuditEntry, Event, Organization, User, utcnow
from tests.helpers import post_form, text
from tests.web.test_auth_views import login


@pytest.fixture
def world(data):
    with data() as (session, make):
        menden = make.organization(slug="menden", name="Stadt Menden")
        make.organization(slug="olpe", name="Stadt Olpe")
        make.user(email="admin@agentur.de", role="admin", name="Anna Admin")
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        make.user(email="einlass@menden.de", role="staff", organizations=[menden])
        make.event(organization=menden, slug="eroeffnung", title="Eröffnung", starts_at=utcnow() + timedelta(days=5))


@pytest.fixture
def admin_client(client, world):
    assert login(client, "admin@agentur.de").status_code == 303
    return client


def user_id(data, email: str) -> int:
    with data() as (session, _make):
        return session.scalar(select(User.id).where(User.email == email))


def org_id(data, slug: str) -> int:
    with data() as (session, _make):
        return session.scalar(select(Organization.id).where(Organization.slug == slug))


def test_an_admin_creates_and_edits_an_organization(admin_client, data):
    values = {"name": "Stadt Soest", "slug": "soest", "contact_email": "Digital@Soest.de", "kind": "pioneer"}
    assert post_form(admin_client, "/admin/organizations/new", values).status_code == 303
    soest = org_id(data, "soest")
    assert "Stadt Soest" in text(admin_client.get("/admin/organizations"))
    edited = {**values, "name": "Stadt Soest (Westfalen)"}
    assert post_form(admin_client, f"/admin/organizations/{soest}", edited).status_code == 303
    with data() as (session, _make):
        org = session.get(Organization, soest)
        assert (org.name, org.contact_email) == ("Stadt Soest (Westfalen)", "digital@soest.de")
        actions = [
            (e.action, e.actor_label, e.detail)
            for e in session.scalars(select(AuditEntry).where(AuditEntry.object_type == "organization"))
        ]
    assert actions == [
        ("organization.created", "Anna Admin", {"slug": "soest"}),
        ("organization.updated", "Anna Admin", {"fields": ["name"]}),
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"slug": "menden"}, "Dies ist bereits vergeben."),
        ({"slug": "Stadt Soest!"}, "Kleinbuchstaben, Ziffern und Bindestriche"),
        ({"contact_email": "keine-adresse"}, "gültige E-Mail-Adresse"),
        ({"name": ""}, "Bitte geben Sie einen Namen ein."),
    ],
)
def test_organization_form_validation(admin_client, data, values, message):
    form = {"name": "Stadt Soest", "slug": "soest", "contact_email": "digital@soest.de", "kind": "pioneer", **values}
    response = post_form(admin_client, "/admin/organizations/new?lang=de", form)
    assert response.status_code == 400
    assert message in text(response)
    assert org_id(data, "soest") is None


def test_an_admin_changes_role_and_organizations_and_assigns_staff(admin_client, data):
    staff = user_id(data, "einlass@menden.de")
    with data() as (session, _make):
        event = session.scalar(select(Event.id).where(Event.slug == "eroeffnung"))
    form = {"name": "Emil Einlass", "role": "staff", "organizations": str(org_id(data, "menden")), "events": str(event)}
    response = post_form(admin_client, f"/admin/users/{staff}", form)
    assert response.status_code == 303
    with data() as (session, _make):
        user = session.get(User, staff)
        assert [e.slug for e in user.assigned_events] == ["eroeffnung"]
        assert user.name == "Emil Einlass"
        assigned = session.scalar(select(AuditEntry).where(AuditEntry.action == "event.staff_assigned"))
        assert (assigned.object_type, assigned.event_id, assigned.detail) == ("event", event, {"user_id": staff})
    # Promoted to organizer of Olpe: the Menden assignment lapses.
    form = {"name": "Emil Einlass", "role": "organizer", "organizations": str(org_id(data, "olpe"))}
    assert post_form(admin_client, f"/admin/users/{staff}", form).status_code == 303
    with data() as (session, _make):
        user = session.get(User, staff)
        assert (user.role, [o.slug for o in user.organizations], user.assigned_events) == ("organizer", ["olpe"], [])


def test_an_organizer_without_organization_is_refused(admin_client, data):
    orga = user_id(data, "orga@menden.de")
    response = post_form(admin_client, f"/admin/users/{orga}", {"role": "organizer"})
    assert response.status_code == 400
    with data() as (session, _make):
        assert [o.slug for o in session.get(User, orga).organizations] == ["menden"]


def test_an_admin_cannot_demote_or_deactivate_themselves(admin_client, data):
    me = user_id(data, "admin@agentur.de")
    form = {"role": "organizer", "organizations": str(org_id(data, "menden"))}
    assert post_form(admin_client, f"/admin/users/{me}", form).status_code == 400
    post_form(admin_client, f"/admin/users/{me}/deactivate", {}, token_from="/admin/users")
    with data() as (session, _make):
        user = session.get(User, me)
        assert (user.role, user.active) == ("admin", True)


def test_deactivation_signs_the_user_out_at_once_even_with_a_remember_me_cookie(app, admin_client, data):
    orga_browser = app.test_client()
    assert login(orga_browser, "orga@menden.de", remember=True).status_code == 303
    orga_browser.delete_cookie("session")  # browser closed: only the remember-me cookie is left
    assert orga_browser.get("/manage/").status_code == 200

    orga = user_id(data, "orga@menden.de")
    response = post_form(admin_client, f"/admin/users/{orga}/deactivate", {}, token_from=f"/admin/users/{orga}")
    assert response.status_code == 303
    assert orga_browser.get("/manage/").status_code == 303
    orga_browser.delete_cookie("session")
    assert orga_browser.get("/manage/").status_code == 303
    assert login(app.test_client(), "orga@menden.de").status_code == 400
    assert "Deaktiviert" in text(admin_client.get("/admin/users?lang=de"))

    post_form(admin_client, f"/admin/users/{orga}/activate", {}, token_from=f"/admin/users/{orga}")
    assert orga_browser.get("/manage/").status_code == 303  # the old cookie stays dead
    assert login(app.test_client(), "orga@menden.de").status_code == 303
    with data() as (session, _make):
        actions = [
            e.action
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.object_type == "user_account", AuditEntry.object_id == orga)
            )
        ]
    assert actions == ["user.created", "user.deactivated", "user.reactivated"]


def test_an_admin_invites_a_new_user_into_several_organizations(admin_client, data, smtp_server):
    from eventapp.mail import deliver_outbox

    menden, olpe = org_id(data, "menden"), org_id(data, "olpe")
    response = admin_client.post(
        "/admin/users/new",
        data={
            "email": "neu@kreis.de",
            "role": "organizer",
            "organizations": [str(menden), str(olpe)],
            "csrf_token": __import__("tests.helpers", fromlist=["csrf_token"]).csrf_token(
                admin_client, "/admin/users/new"
            ),
        },
    )
    assert response.status_code == 303
    with data() as (session, _make):
        user = session.scalar(select(User).where(User.email == "neu@kreis.de"))
        assert sorted(o.slug for o in user.organizations) == ["menden", "olpe"]
        assert user.password_hash is None
        assert deliver_outbox(session, now=utcnow()).failed == []
    (mail,) = smtp_server.messages_to("neu@kreis.de")
    assert "/invitation/" in mail.get_body(preferencelist=("plain",)).get_content()
    assert "Eingeladen" in text(admin_client.get("/admin/users?lang=de"))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "keine-adresse"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
        ({"email": ""}, "Bitte geben Sie eine E-Mail-Adresse ein."),
        ({"organizations": None}, "Veranstaltungsorganisation und Einlasspersonal brauchen eine Organisation."),
        ({"email": "Orga@Menden.de"}, "Diese Adresse hat bereits ein Konto."),
        ({"role": "kaiser"}, "Keine gültige Auswahl."),
        ({"name": "x" * 201}, "Feld kann nicht länger als 200 Zeichen sein."),
        ({"organizations": "999999"}, "Bitte wählen Sie nur Einträge aus der Liste."),
    ],
    ids=["bad email", "no email", "no organization", "taken", "unknown role", "long name", "unknown organization"],
)
def test_the_new_user_form_refuses_bad_input_in_german_and_creates_nobody(admin_client, data, values, message):
    form = {"email": "neu@menden.de", "role": "staff", "organizations": str(org_id(data, "menden")), **values}
    response = post_form(admin_client, "/admin/users/new?lang=de", {k: v for k, v in form.items() if v is not None})
    assert response.status_code == 400
    assert message in text(response)
    with data() as (session, _make):
        assert session.scalar(select(User).where(User.email == "neu@menden.de")) is None
        assert session.scalar(select(func.count(User.id))) == 3


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"role": "kaiser"}, "Keine gültige Auswahl."),
        ({"organizations": "999999"}, "Bitte wählen Sie nur Einträge aus der Liste."),
        ({"events": "999999", "role": "staff"}, "Bitte wählen Sie nur Einträge aus der Liste."),
        ({"name": "x" * 201}, "Feld kann nicht länger als 200 Zeichen sein."),
    ],
    ids=["unknown role", "unknown organization", "unknown event", "long name"],
)
def test_the_user_form_refuses_bad_input_in_german_and_changes_nothing(admin_client, data, values, message):
    staff = user_id(data, "einlass@menden.de")
    form = {"name": "Emil", "role": "organizer", "organizations": str(org_id(data, "olpe")), **values}
    response = post_form(admin_client, f"/admin/users/{staff}?lang=de", form)
    assert response.status_code == 400
    assert message in text(response)
    with data() as (session, _make):
        user = session.get(User, staff)
        assert (user.role, user.name, [o.slug for o in user.organizations]) == ("staff", "", ["menden"])
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "user.updated")).all() == []
