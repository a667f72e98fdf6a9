"""Changing and cancelling events: what attendees are told, and what happens to seats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eventapp.models import (
    CancelReason,
    EventAttendance,
    EventStatus,
    Mode,
    OutboxMessage,
    RegistrationStatus,
)
from eventapp.services import events
from eventapp.services.audit import CLI
from eventapp.services.errors import EventCancelled, ValidationError

START = datetime(2027, 3, 18, 9, 0, tzinfo=UTC)


def mails(session, kind=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


@pytest.fixture
def event(make):
    return make.event(starts_at=START, capacity_on_site=2, capacity_online=None)


def waiting(make, event, minutes, **overrides):
    values = {
        "status": RegistrationStatus.WAITLISTED,
        "waiting_since": datetime(2026, 11, 20, 12, minutes, tzinfo=UTC),
    }
    values.update(overrides)
    return make.registration(event, **values)


# --- update_event ---------------------------------------------------------------------------------


def test_moving_the_start_keeps_the_duration_and_tells_confirmed_attendees(session, make, now, event):
    """Seat holders and waiters whose address is confirmed learn the new date (issue 6, Part 2 §1);
    unconfirmed sign-ups and ended registrations do not."""
    german = make.registration(event, locale="de")
    english = make.registration(event, locale="en", mode=Mode.ONLINE)
    make.registration(event, status=RegistrationStatus.PENDING, email_confirmed_at=None)
    waiter = waiting(make, event, 1)
    waiting(make, event, 2, email_confirmed_at=None)
    make.registration(event, status=RegistrationStatus.CANCELLED)

    new_start = START + timedelta(days=7, hours=1)
    events.update_event(session, event, now=now, actor=CLI, starts_at=new_start)

    assert event.starts_at == new_start
    assert event.ends_at == new_start + timedelta(hours=6)
    assert event.sequence == 1
    assert event.updated_at == now
    sent = mails(session)
    assert [(m.kind, m.registration_id, m.locale) for m in sent] == [
        ("event_updated", german.id, "de"),
        ("event_updated", english.id, "en"),
        ("event_updated", waiter.id, "de"),
    ]
    assert sent[0].to_address == german.person.email
    assert sent[0].event_id == event.id
    assert sent[0].context == {"changed": ["starts_at", "ends_at"]}


def test_a_deadline_at_the_start_moves_with_the_start(session, now, make):
    event = make.event(starts_at=START, registration_closes_at=START)
    other = make.event(starts_at=START, registration_closes_at=START - timedelta(days=2))

    for moved in (event, other):
        events.update_event(session, moved, now=now, actor=CLI, starts_at=START + timedelta(days=7))

    assert event.registration_closes_at == START + timedelta(days=7)
    assert other.registration_closes_at == START - timedelta(days=2)


def test_a_new_venue_is_announced(session, make, now, event):
    make.registration(event)

    events.update_event(session, event, now=now, actor=CLI, venue="  Kulturzentrum   Berliner Platz ", address="Neheim")

    assert event.venue == "Kulturzentrum Berliner Platz"
    assert event.address == "Neheim"
    assert event.sequence == 1
    assert [m.context for m in mails(session)] == [{"changed": ["venue", "address"]}]


def test_setting_the_same_values_changes_nothing(session, make, now, event):
    make.registration(event)

    events.update_event(session, event, now=now, actor=CLI, starts_at=event.starts_at, venue=event.venue)

    assert event.sequence == 0
    assert mails(session) == []


def test_end_before_start_is_refused_and_nothing_changes(session, make, now, event):
    make.registration(event)
    old_end = event.ends_at

    with pytest.raises(ValidationError) as raised:
        events.update_event(session, event, now=now, actor=CLI, ends_at=START - timedelta(minutes=1))

    assert raised.value.fields == {"ends_at": "before_start"}
    assert event.ends_at == old_end
    assert event.sequence == 0
    assert mails(session) == []


def test_end_equal_to_start_is_refused(session, now, event):
    with pytest.raises(ValidationError):
        events.update_event(session, event, now=now, actor=CLI, starts_at=START, ends_at=START)


def test_times_without_a_zone_are_refused(session, now, event):
    with pytest.raises(ValidationError) as raised:
        events.update_event(session, event, now=now, actor=CLI, starts_at=datetime(2027, 3, 18, 10, 0))
    assert raised.value.fields == {"starts_at": "invalid"}


def test_a_cancelled_event_cannot_be_updated(session, now, make):
    cancelled = make.event(status=EventStatus.CANCELLED)
    with pytest.raises(EventCancelled):
        events.update_event(session, cancelled, now=now, actor=CLI, venue="Elsewhere")


def test_raising_the_capacity_promotes_the_queue_in_order(session, make, now, event):
    make.registration(event)
    make.registration(event)
    second = waiting(make, event, 2)
    first = waiting(make, event, 1)
    third = waiting(make, event, 3)

    events.update_event(session, event, now=now, actor=CLI, capacity_on_site=4)

    assert event.capacity_on_site == 4
    assert first.status is RegistrationStatus.CONFIRMED
    assert second.status is RegistrationStatus.CONFIRMED
    assert third.status is RegistrationStatus.WAITLISTED
    assert [(m.kind, m.registration_id) for m in mails(session)] == [("ticket", first.id), ("ticket", second.id)]
    # Capacity is not something attendees' calendars show.
    assert event.sequence == 0


def test_unlimited_capacity_promotes_everyone_waiting(session, make, now, event):
    make.registration(event)
    make.registration(event)
    queue = [waiting(make, event, minute) for minute in range(3)]

    events.update_event(session, event, now=now, actor=CLI, capacity_on_site=None)

    assert event.capacity_on_site is None
    assert all(r.status is RegistrationStatus.CONFIRMED for r in queue)


def test_lowering_the_capacity_below_the_seats_held_is_refused_with_the_numbers(session, make, now, event):
    """Issue 7 Part 3: nobody loses a seat; the refusal names the capacity asked for and the seats held."""
    holders = [make.registration(event), make.registration(event)]

    with pytest.raises(events.CapacityBelowSeats) as raised:
        events.update_event(session, event, now=now, actor=CLI, capacity_on_site=1)

    assert raised.value.held == {"capacity_on_site": (1, 2)}
    assert raised.value.fields == {"capacity_on_site": "below_seats"}
    assert event.capacity_on_site == 2
    assert all(r.status is RegistrationStatus.CONFIRMED for r in holders)
    assert mails(session) == []


def test_lowering_the_capacity_to_the_seats_held_takes_no_seat_away(session, make, now, event):
    holders = [make.registration(event), make.registration(event, status=RegistrationStatus.PENDING)]
    make.registration(event, status=RegistrationStatus.CANCELLED)

    change = events.update_event(session, event, now=now, actor=CLI, capacity_on_site=2)
    assert change.capacities == []  # it was 2 already

    event.capacity_on_site = 5
    change = events.update_event(session, event, now=now, actor=CLI, capacity_on_site=2)

    assert change.capacities == ["capacity_on_site"]
    assert event.capacity_on_site == 2
    assert [r.status for r in holders] == [RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING]
    assert mails(session) == []


def test_a_new_title_and_modes_are_announced_with_a_raised_sequence(session, make, now, event):
    told = make.registration(event)

    change = events.update_event(
        session, event, now=now, actor=CLI, title="  Neuer   Titel ", attendance=EventAttendance.ON_SITE
    )

    assert change.changed == ["title", "attendance"]
    assert event.title == "Neuer Titel"
    assert event.attendance is EventAttendance.ON_SITE
    assert event.sequence == 1
    assert [(m.kind, m.registration_id) for m in mails(session)] == [("event_updated", told.id)]


@pytest.mark.parametrize("waiting_for", [None, Mode.ONLINE])
def test_withdrawing_a_mode_in_use_is_refused(session, make, now, event, waiting_for):
    """Someone holds a seat online, or holds one on site and waits for online: online stays."""
    if waiting_for is None:
        make.registration(event, mode=Mode.ONLINE)
    else:
        make.registration(event, mode=Mode.ON_SITE, waiting_for=waiting_for, waiting_since=now)

    with pytest.raises(events.ModeInUse) as raised:
        events.update_event(session, event, now=now, actor=CLI, attendance=EventAttendance.ON_SITE)

    assert raised.value.registrations == 1
    assert event.attendance is EventAttendance.HYBRID
    assert event.sequence == 0


def test_a_mode_with_only_ended_registrations_can_be_withdrawn(session, make, now, event):
    make.registration(event, mode=Mode.ONLINE, status=RegistrationStatus.CANCELLED)

    change = events.update_event(session, event, now=now, actor=CLI, attendance=EventAttendance.ON_SITE)

    assert change.changed == ["attendance"]


@pytest.mark.parametrize("capacity", [-1, 1.5, "3", True])
def test_capacity_must_be_a_whole_number(session, now, event, capacity):
    with pytest.raises(ValidationError) as raised:
        events.update_event(session, event, now=now, actor=CLI, capacity_online=capacity)
    assert raised.value.fields == {"capacity_online": "invalid"}
    assert event.capacity_online is None


def test_overlong_venue_is_refused(session, now, event):
    with pytest.raises(ValidationError):
        events.update_event(session, event, now=now, actor=CLI, venue="x" * (events.MAX_VENUE + 1))


def test_create_event_checks_times(session, make, now):
    organization = make.organization()
    with pytest.raises(ValidationError):
        events.create_event(
            session,
            actor=CLI,
            now=now,
            organization=organization,
            slug="x",
            title="X",
            format="workshop",
            attendance="online",
            starts_at=START,
            ends_at=START - timedelta(hours=1),
        )


# --- cancel_event ---------------------------------------------------------------------------------


def test_cancelling_ends_every_registration_and_tells_those_who_confirmed_their_address(session, make, now, event):
    confirmed = make.registration(event, locale="en")
    confirmed_waiter = waiting(make, event, 1)
    unconfirmed_pending = make.registration(
        event, status=RegistrationStatus.PENDING, email_confirmed_at=None, expires_at=now + timedelta(hours=3)
    )
    unconfirmed_waiter = waiting(make, event, 2, email_confirmed_at=None, expires_at=now + timedelta(hours=3))
    earlier = make.registration(event, status=RegistrationStatus.CANCELLED, cancel_reason=CancelReason.CANCELLED)

    events.cancel_event(session, event, now=now, actor=CLI, message="  Leider fällt die Veranstaltung aus.  ")

    assert event.status is EventStatus.CANCELLED
    assert event.sequence == 1
    assert event.cancel_message == "Leider fällt die Veranstaltung aus."
    assert event.updated_at == now
    for registration in (confirmed, confirmed_waiter, unconfirmed_pending, unconfirmed_waiter):
        assert registration.status is RegistrationStatus.CANCELLED
        assert registration.cancel_reason is CancelReason.EVENT_CANCELLED
        assert registration.cancelled_at == now
        assert registration.expires_at is None
    assert earlier.cancel_reason is CancelReason.CANCELLED
    sent = mails(session)
    assert [(m.kind, m.registration_id, m.locale) for m in sent] == [
        ("event_cancelled", confirmed.id, "en"),
        ("event_cancelled", confirmed_waiter.id, "de"),
    ]
    assert sent[0].context == {"message": "Leider fällt die Veranstaltung aus.", "had_ticket": True}
    assert sent[1].context["had_ticket"] is False


def test_cancelling_promotes_nobody(session, make, now, event):
    holder = make.registration(event, mode=Mode.ON_SITE)
    cross_mode = make.registration(
        event, mode=Mode.ONLINE, waiting_for=Mode.ON_SITE, waiting_since=datetime(2026, 11, 20, tzinfo=UTC)
    )

    events.cancel_event(session, event, now=now, actor=CLI)

    assert holder.status is RegistrationStatus.CANCELLED
    assert cross_mode.status is RegistrationStatus.CANCELLED
    assert cross_mode.waiting_for is None
    assert {m.kind for m in mails(session)} == {"event_cancelled"}


def test_an_event_is_cancelled_only_once(session, now, event):
    events.cancel_event(session, event, now=now, actor=CLI)
    with pytest.raises(EventCancelled):
        events.cancel_event(session, event, now=now, actor=CLI)
    assert event.sequence == 1


def test_overlong_cancel_message_is_refused(session, now, event):
    with pytest.raises(ValidationError):
        events.cancel_event(session, event, now=now, actor=CLI, message="x" * (events.MAX_CANCEL_MESSAGE + 1))
    assert event.status is EventStatus.PUBLISHED
