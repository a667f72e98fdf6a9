"""The pages act as the attendee behind the link; the CLI and worker as the system."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from eventapp.models import ActorKind, AuditEntry, Registration, utcnow
from tests.helpers import form_values, post_form


def _entries(data) -> list[tuple[str, ActorKind, int | None, str]]:
    with data() as (session, _make):
        return [
            (e.action, e.actor_kind, e.actor_id, e.actor_label)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_registering_and_cancelling_through_the_pages_names_the_attendee(client, data):
    with data() as (_session, make):
        slug = make.event(starts_at=utcnow() + timedelta(days=20)).slug
    response = post_form(client, f"/events/{slug}/register", form_values(email="erika@example.org", mode="on_site"))
    assert response.status_code == 303
    with data() as (session, _make):
        reg = session.scalars(select(Registration)).one()
        token, person_id = reg.manage_token, reg.person_id
    post_form(client, f"/r/{token}/confirm")
    post_form(client, f"/r/{token}/cancel")
    assert _entries(data) == [
        ("registration.submitted", ActorKind.ATTENDEE, person_id, "Erika Mustermann"),
        ("registration.confirmed", ActorKind.ATTENDEE, person_id, "Erika Mustermann"),
        ("registration.cancelled", ActorKind.ATTENDEE, person_id, "Erika Mustermann"),
    ]


def test_the_api_registration_is_the_registrants(client, data):
    with data() as (_session, make):
        slug = make.event(starts_at=utcnow() + timedelta(days=20)).slug
    body = {**form_values(email="max@example.org", mode="online", given_name="Max"), "privacy_consent": True}
    assert client.post(f"/api/v1/events/{slug}/registrations", json=body).status_code == 202
    ((action, kind, _id, label),) = _entries(data)
    assert (action, kind, label) == ("registration.submitted", ActorKind.ATTENDEE, "Max Mustermann")


def test_cli_changes_are_the_systems(runner, data):
    with data() as (_session, make):
        event = make.event(slug="konferenz-cli", starts_at=datetime(2027, 11, 18, 9, 0, tzinfo=UTC))
        make.registration(event)
    assert runner.invoke(args=["update-event", "konferenz-cli", "--venue", "Olpe"]).exit_code == 0
    assert runner.invoke(args=["cancel-event", "konferenz-cli"]).exit_code == 0
    assert [(a, k, i, label) for a, k, i, label in _entries(data)] == [
        ("event.updated", ActorKind.SYSTEM, None, "cli"),
        ("event.cancelled", ActorKind.SYSTEM, None, "cli"),
        ("registration.cancelled", ActorKind.SYSTEM, None, "cli"),
    ]
