"""The role matrix (issue 7 Part 2): every route of the organizer area, the admin area and the
sign-in pages, for every kind of visitor, has a decided outcome.

The routes are read from ``app.url_map``; a route without an entry in :data:`DECISIONS` fails
:func:`test_every_guarded_route_has_a_decision`, so a new route cannot slip in unguarded.
An entry names how to call the route (URL from the prepared :class:`World`, method, form) and
the status each visitor gets. ``LOGIN`` is the redirect to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from eventapp.models import AgendaItem, EventMessage, EventStatus, utcnow
from tests.helpers import csrf_token
from tests.web.test_auth_views import login
from tests.web.test_manage_series_views import series_form

#: Prefixes of the guarded areas; every rule under them needs a decision, as do the endpoints below.
GUARDED_PREFIXES = ("/manage", "/admin")
#: Blueprints whose every route needs a decision wherever it is mounted (sign-in, reset, invitation).
GUARDED_BLUEPRINTS = ("auth.", "checkin.", "checkin_page.")

VISITORS = ("anonymous", "attendee", "staff", "other_organizer", "organizer", "admin")
LOGIN = "login"


@dataclass(frozen=True)
class World:
    """Ids of what the matrix acts on: the organizer's organization and event, and one of another."""

    organization: int
    event: int
    other_organization: int
    other_event: int
    manage_token: str
    staff_user: int
    #: A draft of the organizer's organization without registrations (publish, edit, clone, withdraw).
    draft: int
    #: A question of the draft.
    question: int
    #: Check-in staff of the organizer's organization not yet assigned to ``event``.
    spare_staff: int
    #: The registration for the organizer's event (the one behind ``manage_token``).
    registration: int = 0
    #: A series of the organizer's organization and one of its dates (a draft in the future).
    series: int = 0
    series_date: int = 0
    #: An agenda item of the draft.
    agenda_item: int = 0
    #: The organizer's event's slug (the check-in API names events by slug).
    event_slug: str = ""
    #: A published event with a confirmed registration that no decision cancels (messages, exports, lists).
    listed: int = 0
    #: A message to the registrants of ``listed``.
    message: int = 0


@dataclass(frozen=True)
class Decision:
    url: Callable[[World], str]
    #: Visitor → expected status (or LOGIN); "organizer" acts on their own organization's objects.
    expect: dict[str, int | str]
    method: str = "GET"
    form: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    #: A JSON API route: the body is sent as JSON with the page's CSRF token in ``X-CSRFToken``.
    json: bool = False


ORGANIZATION_FORM = {"name": "Stadt Soest", "slug": "soest", "contact_email": "digital@soest.de", "kind": "pioneer"}
NEW_PASSWORD_FORM = {"password": "ein-neues-passwort", "confirm": "ein-neues-passwort"}


def everyone(status: int) -> dict[str, int | str]:
    return dict.fromkeys(VISITORS, status)


def admins_only(status: int) -> dict[str, int | str]:
    return signed_in(staff=403, other_organizer=403, organizer=403, admin=status)


def signed_in(**statuses: int) -> dict[str, int | str]:
    return {"anonymous": LOGIN, "attendee": LOGIN, **statuses}


def organizers(status: int, *, other: int = 403) -> dict[str, int | str]:
    """The event's organizers and admins get ``status``; staff 403; another organization's organizer ``other``."""
    return signed_in(staff=403, other_organizer=other, organizer=status, admin=status)


def checkin_api(status: int) -> dict[str, int | str]:
    """The check-in API: JSON 401 without a session; the event's staff, organizers and admins ``status``."""
    return {
        "anonymous": 401,
        "attendee": 401,
        "staff": status,
        "other_organizer": 403,
        "organizer": status,
        "admin": status,
    }


def event_form(organization: int | None) -> dict[str, str]:
    """A valid event form (``organization`` only when creating)."""
    year = utcnow().year + 1
    values = {
        "title": "Matrix-Test",
        "format": "workshop",
        "attendance": "online",
        "starts_at": f"{year}-06-01T10:00",
        "ends_at": f"{year}-06-01T12:00",
        "unlimited_on_site": "y",
        "capacity_online": "30",
    }
    if organization is not None:
        values["organization"] = str(organization)
    return values


def date_form(month: str) -> dict[str, str]:
    """A valid date of a series next year (``month`` 1–9)."""
    return {"day": f"{utcnow().year + 1}-0{month}-14", "starts": "12:30", "ends": "13:00", "topic": "Matrix"}


DECISIONS: dict[tuple[str, str], Decision] = {
    ("auth.login", "GET"): Decision(lambda w: "/login", {**everyone(303), "anonymous": 200, "attendee": 200}),
    ("auth.login", "POST"): Decision(
        lambda w: "/login", everyone(400), "POST", lambda w: {"email": "x@example.org", "password": "falsch-falsch"}
    ),
    ("auth.logout", "POST"): Decision(lambda w: "/logout", everyone(303), "POST"),
    ("auth.forgot_password", "GET"): Decision(lambda w: "/password/forgot", everyone(200)),
    ("auth.forgot_password", "POST"): Decision(
        lambda w: "/password/forgot", everyone(200), "POST", lambda w: {"email": "orga@menden.de"}
    ),
    # A link token that is not genuine: the same "not valid" page for everyone, nothing changes.
    ("auth.reset_password", "GET"): Decision(lambda w: "/password/reset/not-a-token", everyone(404)),
    ("auth.reset_password", "POST"): Decision(
        lambda w: "/password/reset/not-a-token", everyone(404), "POST", lambda w: NEW_PASSWORD_FORM
    ),
    ("auth.accept_invitation", "GET"): Decision(lambda w: "/invitation/not-a-token", everyone(404)),
    ("auth.accept_invitation", "POST"): Decision(
        lambda w: "/invitation/not-a-token", everyone(404), "POST", lambda w: NEW_PASSWORD_FORM
    ),
    ("manage.invite", "GET"): Decision(
        lambda w: "/manage/invite", signed_in(staff=403, other_organizer=200, organizer=200, admin=200)
    ),
    # Into the organizer's organization: the other organization's organizer cannot choose it.
    ("manage.invite", "POST"): Decision(
        lambda w: "/manage/invite",
        signed_in(staff=403, other_organizer=400, organizer=303, admin=303),
        "POST",
        lambda w: {"email": "neu@menden.de", "role": "staff", "organization": str(w.organization)},
    ),
    # The admin area: admins only; for anyone else a 403 before the view runs, so nothing changes.
    ("admin.index", "GET"): Decision(lambda w: "/admin/", admins_only(303)),
    ("admin.organizations", "GET"): Decision(lambda w: "/admin/organizations", admins_only(200)),
    ("admin.new_organization", "GET"): Decision(lambda w: "/admin/organizations/new", admins_only(200)),
    ("admin.new_organization", "POST"): Decision(
        lambda w: "/admin/organizations/new", admins_only(303), "POST", lambda w: ORGANIZATION_FORM
    ),
    ("admin.edit_organization", "GET"): Decision(lambda w: f"/admin/organizations/{w.organization}", admins_only(200)),
    ("admin.edit_organization", "POST"): Decision(
        lambda w: f"/admin/organizations/{w.other_organization}",
        admins_only(303),
        "POST",
        lambda w: {**ORGANIZATION_FORM, "slug": "olpe"},
    ),
    ("admin.users", "GET"): Decision(lambda w: "/admin/users", admins_only(200)),
    ("admin.new_user", "GET"): Decision(lambda w: "/admin/users/new", admins_only(200)),
    ("admin.new_user", "POST"): Decision(
        lambda w: "/admin/users/new",
        admins_only(303),
        "POST",
        lambda w: {"email": "neu@menden.de", "role": "staff", "organizations": str(w.organization)},
    ),
    ("admin.edit_user", "GET"): Decision(lambda w: f"/admin/users/{w.staff_user}", admins_only(200)),
    ("admin.edit_user", "POST"): Decision(
        lambda w: f"/admin/users/{w.staff_user}",
        admins_only(303),
        "POST",
        lambda w: {"role": "staff", "organizations": str(w.organization), "events": str(w.event)},
    ),
    ("admin.deactivate_user", "POST"): Decision(
        lambda w: f"/admin/users/{w.staff_user}/deactivate", admins_only(303), "POST"
    ),
    ("admin.activate_user", "POST"): Decision(
        lambda w: f"/admin/users/{w.staff_user}/activate", admins_only(303), "POST"
    ),
    ("manage.index", "GET"): Decision(
        lambda w: "/manage/", signed_in(staff=200, other_organizer=200, organizer=200, admin=200)
    ),
    # Event management (Part 3): organizers of the event's organization and admins; the
    # organizer of another organization gets 403 before anything changes, staff likewise.
    ("manage.new_event", "GET"): Decision(lambda w: "/manage/events/new", organizers(200, other=200)),
    # Into the organizer's organization: the other organization's organizer cannot choose it.
    ("manage.new_event", "POST"): Decision(
        lambda w: "/manage/events/new", organizers(303, other=400), "POST", lambda w: event_form(w.organization)
    ),
    ("manage.event", "GET"): Decision(lambda w: f"/manage/events/{w.event}", organizers(200)),
    ("manage.edit_event", "GET"): Decision(lambda w: f"/manage/events/{w.draft}/edit", organizers(200)),
    ("manage.edit_event", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/edit", organizers(303), "POST", lambda w: event_form(None)
    ),
    ("manage.publish_event", "POST"): Decision(lambda w: f"/manage/events/{w.draft}/publish", organizers(303), "POST"),
    # After publish_event (the decisions run in sorted order): the draft is public and unbooked.
    ("manage.unpublish_event", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/unpublish", organizers(303), "POST"
    ),
    ("manage.clone_event", "POST"): Decision(lambda w: f"/manage/events/{w.draft}/clone", organizers(303), "POST"),
    ("manage.event_questions", "GET"): Decision(lambda w: f"/manage/events/{w.draft}/questions", organizers(200)),
    ("manage.event_questions", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/questions",
        organizers(303),
        "POST",
        lambda w: {"label": "Ernährung?", "kind": "text"},
    ),
    # A question of the organizer's draft (no registrations, so it may go).
    ("manage.remove_question", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/questions/{w.question}/remove", organizers(303), "POST"
    ),
    # Check-in staff of an event (Part 2): its organizers and admins; the organization's staff only.
    ("manage.assign_staff", "POST"): Decision(
        lambda w: f"/manage/events/{w.event}/staff",
        organizers(303),
        "POST",
        lambda w: {"user": str(w.spare_staff)},
    ),
    ("manage.unassign_staff", "POST"): Decision(
        lambda w: f"/manage/events/{w.event}/staff/{w.staff_user}/remove", organizers(303), "POST"
    ),
    # Certificates of attendance (issue 8 Part 5): the event is upcoming, so the organizers are
    # told so (303 back to the page) and nothing is sent; anyone else is refused before that.
    ("manage.send_certificates", "POST"): Decision(
        lambda w: f"/manage/events/{w.event}/certificates", organizers(303), "POST", lambda w: {"confirm": "y"}
    ),
    # Series (Part 3): like events — the series' organizers and admins; another organization's
    # organizer sees only their own list and gets 403 for this series before anything changes.
    ("manage.series_list", "GET"): Decision(lambda w: "/manage/series", organizers(200, other=200)),
    ("manage.new_series", "GET"): Decision(lambda w: "/manage/series/new", organizers(200, other=200)),
    ("manage.new_series", "POST"): Decision(
        lambda w: "/manage/series/new",
        organizers(303, other=400),
        "POST",
        lambda w: series_form(organization=str(w.organization), topics=None),
    ),
    ("manage.series_page", "GET"): Decision(lambda w: f"/manage/series/{w.series}", organizers(200)),
    ("manage.add_series_date", "POST"): Decision(
        lambda w: f"/manage/series/{w.series}/dates", organizers(303), "POST", lambda w: date_form("2")
    ),
    ("manage.edit_series_date", "GET"): Decision(
        lambda w: f"/manage/series/{w.series}/dates/{w.series_date}", organizers(200)
    ),
    ("manage.edit_series_date", "POST"): Decision(
        lambda w: f"/manage/series/{w.series}/dates/{w.series_date}", organizers(303), "POST", lambda w: date_form("1")
    ),
    # publish_series runs before publish_series_date (sorted order): the date is published already (303).
    ("manage.publish_series", "POST"): Decision(
        lambda w: f"/manage/series/{w.series}/publish", organizers(303), "POST"
    ),
    ("manage.publish_series_date", "POST"): Decision(
        lambda w: f"/manage/series/{w.series}/dates/{w.series_date}/publish", organizers(303), "POST"
    ),
    ("manage.skip_series_date", "GET"): Decision(
        lambda w: f"/manage/series/{w.series}/dates/{w.series_date}/skip", organizers(200)
    ),
    ("manage.skip_series_date", "POST"): Decision(
        lambda w: f"/manage/series/{w.series}/dates/{w.series_date}/skip",
        organizers(303),
        "POST",
        lambda w: {"confirm": "y"},
    ),  # fmt: skip
    # Agenda and question editing (Part 3), on the organizer's draft.
    ("manage.event_agenda", "GET"): Decision(lambda w: f"/manage/events/{w.draft}/agenda", organizers(200)),
    ("manage.event_agenda", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/agenda", organizers(303), "POST", lambda w: {"title": "Pause"}
    ),
    ("manage.edit_agenda_item", "GET"): Decision(
        lambda w: f"/manage/events/{w.draft}/agenda/{w.agenda_item}", organizers(200)
    ),
    ("manage.edit_agenda_item", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/agenda/{w.agenda_item}",
        organizers(303),
        "POST",
        lambda w: {"title": "Willkommen"},
    ),  # fmt: skip
    ("manage.move_agenda_item", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/agenda/{w.agenda_item}/move",
        organizers(303),
        "POST",
        lambda w: {"direction": "down"},
    ),  # fmt: skip
    ("manage.remove_agenda_item", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/agenda/{w.agenda_item}/remove", organizers(303), "POST"
    ),
    ("manage.edit_question", "GET"): Decision(
        lambda w: f"/manage/events/{w.draft}/questions/{w.question}", organizers(200)
    ),
    ("manage.edit_question", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/questions/{w.question}",
        organizers(303),
        "POST",
        lambda w: {"label": "Ernährung?", "kind": "text"},
    ),  # fmt: skip
    ("manage.move_question", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/questions/{w.question}/move",
        organizers(303),
        "POST",
        lambda w: {"direction": "up"},
    ),  # fmt: skip
    # Messages to registrants (Part 5): the POST sends (confirmed) to the one confirmed registrant.
    ("manage.event_messages", "GET"): Decision(lambda w: f"/manage/events/{w.listed}/messages", organizers(200)),
    ("manage.new_message", "GET"): Decision(lambda w: f"/manage/events/{w.listed}/messages/new", organizers(200)),
    ("manage.new_message", "POST"): Decision(
        lambda w: f"/manage/events/{w.listed}/messages/new",
        organizers(303),
        "POST",
        lambda w: {"subject": "Hinweis", "body": "Bitte Ausweis mitbringen.", "confirmed": "1"},
    ),
    ("manage.event_message", "GET"): Decision(
        lambda w: f"/manage/events/{w.listed}/messages/{w.message}", organizers(200)
    ),
    # Exports and printable lists (Part 6): the POST answers with the file itself.
    ("manage.export_registrations", "GET"): Decision(lambda w: f"/manage/events/{w.listed}/export", organizers(200)),
    ("manage.export_registrations", "POST"): Decision(
        lambda w: f"/manage/events/{w.listed}/export",
        organizers(200),
        "POST",
        lambda w: {"columns": "family_name", "file_format": "csv"},
    ),
    ("manage.sign_in_list", "GET"): Decision(lambda w: f"/manage/events/{w.listed}/sign-in-list", organizers(200)),
    ("manage.name_badges", "GET"): Decision(lambda w: f"/manage/events/{w.listed}/badges", organizers(200)),
    # An event's dashboard and the JSON its script polls (issue 8 Part 4): like the event page.
    ("manage.event_dashboard_page", "GET"): Decision(lambda w: f"/manage/events/{w.event}/dashboard", organizers(200)),
    ("manage.event_dashboard_json", "GET"): Decision(
        lambda w: f"/manage/events/{w.event}/dashboard.json", organizers(200)
    ),
    # The programme report (issue 8 Part 7): every organizer sees their own organizations' figures.
    ("manage.reports", "GET"): Decision(
        lambda w: "/manage/reports", signed_in(staff=403, other_organizer=200, organizer=200, admin=200)
    ),
    ("manage.export_report", "GET"): Decision(
        lambda w: "/manage/reports/export.csv", signed_in(staff=403, other_organizer=200, organizer=200, admin=200)
    ),
    ("manage.cancel_event", "GET"): Decision(lambda w: f"/manage/events/{w.event}/cancel", organizers(200)),
    ("manage.cancel_event", "POST"): Decision(
        lambda w: f"/manage/events/{w.event}/cancel", organizers(303), "POST", lambda w: {"confirm": "y"}
    ),
    # Registrations of an event (Part 4): the event's organizers and admins; another organization's
    # organizer and staff get 403 before anything is read or changed. The actions answer 303 with a
    # flash also when the state refuses them (after cancel_event, say: the decisions run in order).
    ("manage.registrations", "GET"): Decision(lambda w: f"/manage/events/{w.event}/registrations", organizers(200)),
    ("manage.registration", "GET"): Decision(
        lambda w: f"/manage/events/{w.event}/registrations/{w.registration}", organizers(200)
    ),
    ("manage.add_registration", "GET"): Decision(
        lambda w: f"/manage/events/{w.event}/registrations/new", organizers(200)
    ),
    ("manage.add_registration", "POST"): Decision(
        lambda w: f"/manage/events/{w.event}/registrations/new",
        organizers(303),
        "POST",
        lambda w: {
            "given_name": "Walter",
            "family_name": "Walk-in",
            "email": "walter@example.org",
            "mode": "online",
            "locale": "de",
        },
    ),
    ("manage.cancel_registration", "POST"): Decision(
        lambda w: f"/manage/events/{w.event}/registrations/{w.registration}/cancel",
        organizers(303),
        "POST",
        lambda w: {"confirm": "y"},
    ),
    ("manage.promote_registration", "POST"): Decision(
        lambda w: f"/manage/events/{w.event}/registrations/{w.registration}/promote", organizers(303), "POST"
    ),
    ("manage.resend_registration", "POST"): Decision(
        lambda w: f"/manage/events/{w.event}/registrations/{w.registration}/resend",
        organizers(303),
        "POST",
        lambda w: {"what": "link"},
    ),
    # The check-in API (issue 9): staff assigned to the event, its organizers and admins; JSON 401
    # without a session, 403 for others — before anything is read or recorded. (Device tokens: test_checkin_api.)
    ("checkin.check_in", "POST"): Decision(
        lambda w: "/api/v1/checkin", checkin_api(200), "POST", lambda w: {"code": "x", "event": w.event_slug}, True
    ),
    ("checkin.batch", "POST"): Decision(
        lambda w: "/api/v1/checkin/batch",
        checkin_api(200),
        "POST",
        lambda w: {"event": w.event_slug, "scans": []},
        True,
    ),
    ("checkin.offline", "GET"): Decision(lambda w: f"/api/v1/checkin/{w.event_slug}/offline", checkin_api(200)),
    ("checkin.search", "GET"): Decision(lambda w: f"/api/v1/checkin/{w.event_slug}/search?q=a", checkin_api(200)),
    # The check-in page: the shell is public (a device link carries its token in the fragment, which
    # no server sees); a signed-in user without the right to check in at the event gets 403.
    ("checkin_page.page", "GET"): Decision(
        lambda w: f"/checkin/{w.event_slug}", {**checkin_api(200), "anonymous": 200, "attendee": 200}
    ),
    # Check-in devices of an event (issue 9 Part 2): its organizers and admins; the token is shown once (201).
    # On the draft: the event itself is cancelled by then (the decisions run in sorted order).
    ("manage.create_checkin_device", "POST"): Decision(
        lambda w: f"/manage/events/{w.draft}/checkin-devices", organizers(201), "POST", lambda w: {"station": "Nord"}
    ),
    ("manage.revoke_checkin_device", "POST"): Decision(
        lambda w: f"/manage/events/{w.event}/checkin-devices/999999/revoke", organizers(303), "POST"
    ),
    # In sorted order: admitted on site (already on site: checked in), by hand (already), undone.
    ("checkin.admit_on_site", "POST"): Decision(
        lambda w: f"/api/v1/checkin/{w.event_slug}/registrations/{w.registration}/on-site",
        checkin_api(200),
        "POST",
        json=True,
    ),
    ("checkin.check_in_by_hand", "POST"): Decision(
        lambda w: f"/api/v1/checkin/{w.event_slug}/registrations/{w.registration}",
        checkin_api(200),
        "POST",
        json=True,
    ),
    ("checkin.walk_in", "POST"): Decision(
        lambda w: f"/api/v1/checkin/{w.event_slug}/walk-ins",
        {**checkin_api(201)},
        "POST",
        lambda w: {"given_name": "Walter", "family_name": "Walk", "email": "walk-in@example.org"},
        True,
    ),
    ("checkin.undo", "POST"): Decision(
        lambda w: f"/api/v1/checkin/{w.event_slug}/registrations/{w.registration}/undo",
        checkin_api(200),
        "POST",
        json=True,
    ),
}


def rules_in_scope(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(GUARDED_PREFIXES) or rule.endpoint.startswith(GUARDED_BLUEPRINTS):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found.add((rule.endpoint, method))
    return found


def test_every_guarded_route_has_a_decision(app):
    in_scope = rules_in_scope(app)
    assert in_scope - set(DECISIONS) == set(), "routes without a decision in the role matrix"
    assert set(DECISIONS) - in_scope == set(), "decisions for routes that no longer exist"


@pytest.fixture
def world(data) -> World:
    soon = utcnow() + timedelta(days=10)
    with data() as (session, make):
        menden, olpe = make.organization(slug="menden"), make.organization(slug="olpe")
        event = make.event(organization=menden, starts_at=soon, status=EventStatus.PUBLISHED)
        other = make.event(organization=olpe, starts_at=soon, status=EventStatus.PUBLISHED)
        registration = make.registration(event)
        staff = make.user(email="staff@menden.de", role="staff", organizations=[menden])
        staff.assigned_events.append(event)
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        make.user(email="admin@agentur.de", role="admin")
        session.flush()
        draft = make.event(organization=menden, starts_at=soon, status=EventStatus.DRAFT)
        question = make.question(draft, key="diaet", label="Diät?")
        spare = make.user(email="einlass2@menden.de", role="staff", organizations=[menden])
        item = AgendaItem(event=draft, position=1, title="Begrüßung")
        session.add(item)
        series = make.series(organization=menden, slug="pausenhof", title="Pausenhof")
        series_date = make.event(organization=menden, series=series, starts_at=soon, status=EventStatus.DRAFT)
        listed = make.event(organization=menden, starts_at=soon, status=EventStatus.PUBLISHED)
        make.registration(listed)
        message = EventMessage(event_id=listed.id, subject="Hinweis", body="Text", recipients=1)
        session.add(message)
        session.flush()
        return World(
            menden.id,
            event.id,
            olpe.id,
            other.id,
            registration.manage_token,
            staff.id,
            draft.id,
            question.id,
            spare.id,
            registration=registration.id,
            series=series.id,
            series_date=series_date.id,
            agenda_item=item.id,
            event_slug=event.slug,
            listed=listed.id,
            message=message.id,
        )


ACCOUNTS = {
    "staff": "staff@menden.de",
    "other_organizer": "orga@olpe.de",
    "organizer": "orga@menden.de",
    "admin": "admin@agentur.de",
}


def visitor_client(app: Flask, visitor: str, world: World):
    client = app.test_client()
    if visitor == "attendee":
        assert client.get(f"/r/{world.manage_token}").status_code == 200
    elif visitor in ACCOUNTS:
        assert login(client, ACCOUNTS[visitor]).status_code == 303
    return client


@pytest.mark.parametrize("visitor", VISITORS)
def test_each_visitor_gets_the_decided_outcome_on_every_route(app, world, visitor):
    failures = []
    for (endpoint, method), decision in sorted(DECISIONS.items()):
        client = visitor_client(app, visitor, world)
        url = decision.url(world)
        if method == "GET":
            response = client.get(url)
        elif decision.json:
            headers = {"X-CSRFToken": csrf_token(client, "/")}
            response = client.open(url, method=method, json=decision.form(world), headers=headers)
        else:
            values = {"csrf_token": csrf_token(client, "/"), **decision.form(world)}
            response = client.open(url, method=method, data=values)
        expected = decision.expect[visitor]
        if expected == LOGIN:
            ok = response.status_code == 303 and response.headers["Location"].startswith("/login?next=")
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{method} {url} ({endpoint}): {response.status_code}, expected {expected}")
    assert not failures, "\n".join(failures)
