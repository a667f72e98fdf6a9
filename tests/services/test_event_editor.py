"""The organizer's event changes (issue 7 Part 3): create, edit, publish, unpublish, clone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eventapp.models import AuditEntry, EventAttendance, EventStatus, Mode, OutboxMessage, RegistrationStatus
from eventapp.services import event_editor
from eventapp.services.audit import CLI, Actor
from eventapp.services.errors import EventCancelled, InvalidState, ValidationError
from eventapp.services.event_editor import EventDetails

START = datetime(2027, 3, 18, 9, 0, tzinfo=UTC)


def details(**overrides) -> EventDetails:
    values = {
        "title": "Eröffnung der Zukunfts.Werk.Stadt",
        "summary": "Zukunfts-Marktplatz mit zehn Ständen",
        "description": "3D-Druck, die virtuelle Synagoge …",
        "format": "marktplatz",
        "attendance": EventAttendance.ON_SITE,
        "starts_at": START,
        "ends_at": START + timedelta(hours=4),
        "venue": "Zukunfts.Werk.Stadt",
        "address": "Unnaer Straße 1, 58706 Menden",
        "capacity_on_site": 500,
        "capacity_online": None,
        "registration_opens_at": None,
        "registration_closes_at": START,
        "contact_email": "zukunft@menden.de",
    }
    values.update(overrides)
    return EventDetails(**values)


def entries(session, action):
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def mails(session):
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- create ----------------------------------------------------------------------------------


def test_a_new_event_is_a_draft_with_a_readable_slug_and_its_own_uid(session, make, now):
    menden = make.organization(slug="menden")

    event = event_editor.create_event(session, menden, details(), now=now, actor=CLI)

    assert event.status is EventStatus.DRAFT
    assert event.slug == "eroeffnung-der-zukunfts-werk-stadt"
    assert event.organization_id == menden.id
    assert event.uid.endswith("@eventapp")
    assert event.capacity_on_site == 500 and event.contact_email == "zukunft@menden.de"
    assert [e.detail for e in entries(session, "event.created")] == [{"status": "draft"}]


def test_slugs_stay_unique(session, make, now):
    org = make.organization()
    slugs = [event_editor.create_event(session, org, details(), now=now, actor=CLI).slug for _ in range(4)]

    assert slugs == [
        "eroeffnung-der-zukunfts-werk-stadt",
        "eroeffnung-der-zukunfts-werk-stadt-2027",
        "eroeffnung-der-zukunfts-werk-stadt-2027-2",
        "eroeffnung-der-zukunfts-werk-stadt-2027-3",
    ]
    assert event_editor.slugify("!!!") == "veranstaltung"


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"title": "   "}, "title", "required"),
        ({"ends_at": START - timedelta(minutes=1)}, "ends_at", "before_start"),
        ({"ends_at": START}, "ends_at", "before_start"),
        ({"venue": ""}, "venue", "required"),
        ({"capacity_on_site": -1}, "capacity_on_site", "invalid"),
        ({"format": "Nicht gültig"}, "format", "invalid"),
        ({"contact_email": "kein-address"}, "contact_email", "invalid"),
        ({"registration_opens_at": START + timedelta(hours=5)}, "registration_opens_at", "after_end"),
        (
            {"registration_opens_at": START - timedelta(days=1), "registration_closes_at": START - timedelta(days=2)},
            "registration_closes_at",
            "before_opening",
        ),
    ],
)
def test_bad_details_are_refused_by_field(session, make, now, overrides, field, code):
    with pytest.raises(ValidationError) as raised:
        event_editor.create_event(session, make.organization(), details(**overrides), now=now, actor=CLI)
    assert raised.value.fields == {field: code}


def test_an_online_event_needs_no_venue(session, make, now):
    event = event_editor.create_event(
        session, make.organization(), details(attendance=EventAttendance.ONLINE, venue=""), now=now, actor=CLI
    )
    assert event.modes == (Mode.ONLINE,)


# --- edit ------------------------------------------------------------------------------------


def test_quiet_fields_reach_pages_and_feeds_only(session, make, now):
    event = make.event(starts_at=START, status=EventStatus.PUBLISHED)
    make.registration(event)
    wanted = EventDetails.of(event)
    wanted.description = "Neue Beschreibung"
    wanted.format = "workshop"

    changed = event_editor.edit_event(session, event, wanted, now=now, actor=CLI)

    assert changed == ["description", "format"]
    assert event.description == "Neue Beschreibung" and event.updated_at == now
    assert event.sequence == 0
    assert mails(session) == []
    assert [e.detail for e in entries(session, "event.edited")] == [{"changed": ["description", "format"]}]


def test_attendee_fields_go_through_the_update_service(session, make, now):
    event = make.event(starts_at=START, status=EventStatus.PUBLISHED)
    told = make.registration(event)
    wanted = EventDetails.of(event)
    wanted.venue = "Neue Halle"
    wanted.starts_at = START + timedelta(days=1)
    wanted.ends_at = START + timedelta(days=1, hours=2)

    changed = event_editor.edit_event(session, event, wanted, now=now, actor=CLI)

    assert changed == ["starts_at", "ends_at", "venue"]
    assert event.sequence == 1
    assert [(m.kind, m.registration_id) for m in mails(session)] == [("event_updated", told.id)]


def test_nothing_changed_records_nothing(session, make, now):
    event = make.event(starts_at=START)

    assert event_editor.edit_event(session, event, EventDetails.of(event), now=now, actor=CLI) == []
    assert entries(session, "event.edited") == [] and entries(session, "event.updated") == []


def test_a_deadline_at_the_start_moves_with_the_start(session, make, now):
    event = make.event(starts_at=START, registration_closes_at=START)
    wanted = EventDetails.of(event)
    wanted.starts_at, wanted.ends_at = START + timedelta(days=7), START + timedelta(days=7, hours=1)

    event_editor.edit_event(session, event, wanted, now=now, actor=CLI)

    assert event.registration_closes_at == START + timedelta(days=7)


def test_raising_a_capacity_promotes_at_once(session, make, now):
    event = make.event(starts_at=START, capacity_on_site=1)
    make.registration(event)
    waiter = make.registration(event, status=RegistrationStatus.WAITLISTED, waiting_since=now)
    wanted = EventDetails.of(event)
    wanted.capacity_on_site = 2

    assert event_editor.edit_event(session, event, wanted, now=now, actor=CLI) == ["capacity_on_site"]

    assert waiter.status is RegistrationStatus.CONFIRMED
    assert [m.kind for m in mails(session)] == ["ticket"]


def test_a_cancelled_event_cannot_be_edited(session, make, now):
    event = make.event(status=EventStatus.CANCELLED)
    with pytest.raises(EventCancelled):
        event_editor.edit_event(session, event, EventDetails.of(event), now=now, actor=CLI)


# --- publish, unpublish ---------------------------------------------------------------------


def test_publish_and_unpublish_a_draft(session, make, now):
    event = make.event(status=EventStatus.DRAFT)
    actor = Actor.system("orga")

    assert event_editor.publish_event(session, event, now=now, actor=actor) is True
    assert event_editor.publish_event(session, event, now=now, actor=actor) is False
    assert event.status is EventStatus.PUBLISHED
    event_editor.unpublish_event(session, event, now=now, actor=actor)

    assert event.status is EventStatus.DRAFT
    assert [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
        "event.published",
        "event.unpublished",
    ]


@pytest.mark.parametrize(
    "status", [RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED]
)
def test_an_event_with_active_registrations_cannot_be_unpublished(session, make, now, status):
    event = make.event(starts_at=START)
    make.registration(event, status=status, expires_at=START)
    make.registration(event, status=RegistrationStatus.CANCELLED)

    with pytest.raises(event_editor.HasRegistrations) as raised:
        event_editor.unpublish_event(session, event, now=now, actor=CLI)

    assert raised.value.registrations == 1
    assert event.status is EventStatus.PUBLISHED


def test_only_published_events_are_unpublished_and_cancelled_ones_stay(session, make, now):
    with pytest.raises(InvalidState):
        event_editor.unpublish_event(session, make.event(status=EventStatus.DRAFT), now=now, actor=CLI)
    cancelled = make.event(status=EventStatus.CANCELLED)
    with pytest.raises(EventCancelled):
        event_editor.unpublish_event(session, cancelled, now=now, actor=CLI)
    with pytest.raises(EventCancelled):
        event_editor.publish_event(session, cancelled, now=now, actor=CLI)


# --- clone -----------------------------------------------------------------------------------


def test_a_clone_is_a_draft_with_new_slug_and_uid_and_the_questions(session, make, now):
    event = make.event(starts_at=START, status=EventStatus.CANCELLED, sequence=3, cancel_message="Sturm")
    make.question(event, key="zugang", label="Benötigen Sie barrierefreien Zugang?", sensitive=True)
    make.registration(event, status=RegistrationStatus.CANCELLED)

    copy = event_editor.clone_event(session, event, now=now, actor=CLI)

    assert copy.id != event.id
    assert copy.status is EventStatus.DRAFT
    assert copy.slug != event.slug and copy.uid != event.uid
    assert (copy.title, copy.starts_at, copy.venue, copy.capacity_on_site) == (
        event.title,
        event.starts_at,
        event.venue,
        event.capacity_on_site,
    )
    assert copy.sequence == 0 and copy.cancel_message == ""
    assert [(q.key, q.sensitive) for q in copy.questions] == [("zugang", True)]
    assert [q.event_id for q in event.questions] == [event.id]
    assert copy.registrations == []
    assert [e.detail for e in entries(session, "event.cloned")] == [{"from": event.slug}]


# --- hybrid details --------------------------------------------------------------------------


def test_hybrid_details_are_stored_and_copied(session, make, now):
    event = event_editor.create_event(
        session,
        make.organization(),
        details(
            attendance=EventAttendance.HYBRID,
            capacity_online=None,
            join_url=" https://meet.example.org/zukunft ",
            livestream_url="http://stream.example.org/live",
            dial_in="+49 2373   123456, PIN 4711",
            recording_url="",
        ),
        now=now,
        actor=CLI,
    )

    assert (event.join_url, event.livestream_url, event.dial_in, event.recording_url) == (
        "https://meet.example.org/zukunft",
        "http://stream.example.org/live",
        "+49 2373 123456, PIN 4711",
        None,
    )
    assert event_editor.clone_event(session, event, now=now, actor=CLI).join_url == event.join_url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.org/x",
        "meet.example.org",
        "https://",
        "https://exa mple.org",
        "https:///x",
    ],
)
@pytest.mark.parametrize("field", ["join_url", "livestream_url", "recording_url"])
def test_hybrid_links_must_be_http(session, make, now, field, url):
    with pytest.raises(ValidationError) as raised:
        event_editor.create_event(session, make.organization(), details(**{field: url}), now=now, actor=CLI)
    assert raised.value.fields == {field: "not_http"}


def test_changing_a_hybrid_link_is_recorded_without_its_value(session, make, now):
    event = make.event(starts_at=START)
    wanted = EventDetails.of(event)
    wanted.join_url = "https://meet.example.org/geheim"

    assert event_editor.edit_event(session, event, wanted, now=now, actor=CLI) == ["join_url"]
    assert [e.detail for e in entries(session, "event.edited")] == [{"changed": ["join_url"]}]
    assert event.sequence == 0
