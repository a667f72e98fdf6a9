"""Every change to a registration or an event leaves its audit entry, in the same transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from eventapp.models import (
    ActorKind,
    AuditEntry,
    CancelReason,
    EventAttendance,
    Mode,
    RegistrationStatus,
    SeriesRegistrationStatus,
)
from eventapp.services import audit, events, registration, seats, series
from eventapp.services.audit import CLI, SYSTEM, Actor
from eventapp.services.submission import RegistrationInput


def _input(email: str = "erika@example.org", mode: str = "on_site") -> RegistrationInput:
    return RegistrationInput(
        given_name="Erika", family_name="Mustermann", email=email, mode=mode, privacy_consent=True, locale="de"
    )


def _event(make, now, **overrides):
    values = {"starts_at": now + timedelta(days=7), "ends_at": now + timedelta(days=7, hours=2)}
    values.update(overrides)
    return make.event(**values)


def _entries(session) -> list[tuple[str, ActorKind, str, dict]]:
    return [
        (e.action, e.actor_kind, e.actor_label, e.detail)
        for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]


def test_register_confirm_switch_reissue_cancel_make_a_history(session, make, now):
    event = _event(make, now)
    reg = registration.submit(session, event, _input(), now=now).registration
    attendee = Actor.attendee(reg)
    registration.confirm(session, reg, now=now + timedelta(minutes=5), actor=attendee)
    registration.switch_mode(session, reg, now=now + timedelta(minutes=6), actor=attendee)
    registration.reissue_ticket(session, reg, now=now + timedelta(minutes=7), actor=attendee)
    registration.cancel(session, reg, now=now + timedelta(minutes=8), actor=attendee)
    history = audit.history(session, reg)
    assert [(e.action, e.detail) for e in history] == [
        ("registration.submitted", {"status": "pending", "mode": "on_site"}),
        ("registration.confirmed", {"status": "confirmed"}),
        ("registration.mode_switched", {"from": "on_site", "to": "online"}),
        ("registration.ticket_reissued", {"serial": 2}),
        ("registration.cancelled", {"reason": "cancelled", "previous_status": "confirmed"}),
    ]
    assert {(e.actor_kind, e.actor_id, e.actor_label) for e in history} == {
        (ActorKind.ATTENDEE, reg.person_id, "Erika Mustermann")
    }
    assert [e.at for e in history] == [now + timedelta(minutes=m) for m in (0, 5, 6, 7, 8)]
    assert {e.event_id for e in history} == {event.id}


def test_switching_into_a_full_mode_and_stopping_to_wait(session, make, now):
    event = _event(make, now, capacity_online=1)
    make.registration(event, mode=Mode.ONLINE)
    reg = make.registration(event, mode=Mode.ON_SITE, ticket_id="t-1", ticket_serial=1)
    registration.switch_mode(session, reg, now=now, actor=Actor.attendee(reg))
    registration.stop_waiting(session, reg, now=now, actor=Actor.attendee(reg))
    assert [(e.action, e.detail) for e in audit.history(session, reg)] == [
        ("registration.waiting_for", {"mode": "online"}),
        ("registration.stopped_waiting", {"mode": "online"}),
    ]


def test_a_repeated_submission_is_recorded_and_a_repeated_confirmation_writes_nothing(session, make, now):
    # A repeat writes its entry as a first submission does (the same work, so the timing does
    # not tell a registered address, issue 6 Part 3 §8); it changes nothing else.
    event = _event(make, now)
    reg = registration.submit(session, event, _input(), now=now, confirm_email=False).registration
    again = registration.submit(session, event, _input(), now=now)
    registration.confirm(session, reg, now=now)
    assert (again.created, again.registration) == (False, reg)
    assert [(e.action, e.detail) for e in audit.history(session, reg)] == [
        ("registration.submitted", {"status": "confirmed", "mode": "on_site"}),
        ("registration.resubmitted", {"status": "confirmed", "mode": "on_site", "mail": "dropped"}),
    ]


def test_promotion_and_expiry_are_the_systems(session, make, now):
    event = _event(make, now, capacity_on_site=1)
    holder = make.registration(event, ticket_id="t-h", ticket_serial=1)
    waiter = make.registration(event, status=RegistrationStatus.WAITLISTED, waiting_since=now)
    late = make.registration(
        event, status=RegistrationStatus.WAITLISTED, waiting_since=now, email_confirmed_at=None, expires_at=now
    )
    registration.cancel(session, holder, now=now + timedelta(minutes=1), actor=Actor.attendee(holder))
    (promoted,) = audit.history(session, waiter)
    assert (promoted.action, promoted.actor_kind, promoted.actor_label) == (
        "registration.promoted",
        ActorKind.SYSTEM,
        "system",
    )
    (expired,) = audit.history(session, late)
    assert (expired.action, expired.actor_kind, expired.detail) == (
        "registration.expired",
        ActorKind.SYSTEM,
        {},
    )
    assert seats.sweep_expired(session, now=now + timedelta(days=1)) == 0


def test_update_and_cancel_event_name_their_actor_and_each_registration(session, make, now):
    event = _event(make, now)
    reg = make.registration(event, ticket_id="t-e", ticket_serial=1)
    events.update_event(session, event, now=now, actor=CLI, venue="Neue Halle", capacity_on_site=20)
    events.cancel_event(session, event, now=now, actor=CLI, message="Sturm")
    assert _entries(session) == [
        ("event.updated", ActorKind.SYSTEM, "cli", {"changed": ["venue", "capacity_on_site"], "sequence": 1}),
        ("event.cancelled", ActorKind.SYSTEM, "cli", {"sequence": 2}),
        (
            "registration.cancelled",
            ActorKind.SYSTEM,
            "cli",
            {"reason": "event_cancelled", "previous_status": "confirmed"},
        ),
    ]
    assert [e.action for e in audit.event_history(session, event)] == [
        "event.updated",
        "event.cancelled",
        "registration.cancelled",
    ]
    assert [e.action for e in audit.history(session, reg)] == ["registration.cancelled"]


def test_an_update_that_changes_nothing_writes_nothing(session, make, now):
    event = _event(make, now)
    events.update_event(session, event, now=now, actor=CLI, venue=event.venue)
    assert _entries(session) == []


def test_series_registration_confirm_decline_and_cancel(session, make, now):
    sequence = make.series()
    first = _event(make, now, series=sequence, attendance=EventAttendance.ONLINE, capacity_online=None)
    second = _event(
        make,
        now,
        series=sequence,
        attendance=EventAttendance.ONLINE,
        capacity_online=None,
        starts_at=now + timedelta(days=21),
        ends_at=now + timedelta(days=21, hours=1),
    )
    sreg = series.submit_series(session, sequence, _input(mode="online"), now=now).series_registration
    attendee = Actor.attendee(sreg)
    series.confirm_series(session, sreg, now=now, actor=attendee)
    assert sreg.status is SeriesRegistrationStatus.ACTIVE
    declined = series.decline_date(session, sreg, first, now=now, actor=attendee)
    assert declined.cancel_reason is CancelReason.DECLINED
    series.cancel_series(session, sreg, now=now, actor=attendee)
    assert [e.action for e in audit.history(session, sreg)] == [
        "series_registration.submitted",
        "series_registration.confirmed",
        "series_registration.cancelled",
    ]
    # Each date's registration was made by the person's confirmation and ended by them.
    assert [e.action for e in audit.history(session, declined)] == ["registration.submitted", "registration.declined"]
    other = [e for e in audit.event_history(session, second) if e.object_type == "registration"]
    assert [(e.action, e.actor_kind) for e in other] == [
        ("registration.submitted", ActorKind.ATTENDEE),
        ("registration.cancelled", ActorKind.ATTENDEE),
    ]


def test_a_decline_before_the_date_opens_is_recorded_on_its_marker(session, make, now):
    sequence = make.series()
    _event(make, now, series=sequence, attendance=EventAttendance.ONLINE, capacity_online=None)
    later = _event(
        make,
        now,
        series=sequence,
        attendance=EventAttendance.ONLINE,
        capacity_online=None,
        starts_at=now + timedelta(days=30),
        registration_opens_at=now + timedelta(days=10),
    )
    sreg = series.submit_series(
        session, sequence, _input(mode="online"), now=now, confirm_email=False
    ).series_registration
    marker = series.decline_date(session, sreg, later, now=now, actor=Actor.attendee(sreg))
    (entry,) = audit.history(session, marker)
    assert (entry.action, entry.actor_label) == ("registration.declined", "Erika Mustermann")


def test_dates_added_later_are_registered_by_the_system(session, make, now):
    sequence = make.series()
    _event(make, now, series=sequence, attendance=EventAttendance.ONLINE, capacity_online=None)
    sreg = series.submit_series(
        session, sequence, _input(mode="online"), now=now, confirm_email=False
    ).series_registration
    added = _event(
        make,
        now,
        series=sequence,
        attendance=EventAttendance.ONLINE,
        capacity_online=None,
        starts_at=now + timedelta(days=35),
        ends_at=now + timedelta(days=35, hours=1),
    )
    (created,) = series.sync_series_registrations(session, sequence, now=now)
    assert created.event_id == added.id and created.series_registration_id == sreg.id
    (entry,) = audit.history(session, created)
    assert (entry.action, entry.actor_kind, entry.actor_label) == ("registration.submitted", ActorKind.SYSTEM, "system")
    assert SYSTEM.kind is ActorKind.SYSTEM
