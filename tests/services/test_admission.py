"""What an organizer does to one registration (issue 7 Part 4): add by hand, seat a chosen
waiter, cancel, re-send; full modes grow by exactly one for exactly that person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventapp.models import (
    ActorKind,
    Attendance,
    AttendanceSource,
    AuditEntry,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from eventapp.services import admission, audit, registration, seats
from eventapp.services.admission import AlreadyActive, EventIsDraft, NotWaiting
from eventapp.services.audit import Actor
from eventapp.services.errors import EventCancelled, InvalidState, ValidationError
from eventapp.services.submission import RegistrationInput
from tests.helpers import run_concurrently

S = RegistrationStatus


@pytest.fixture
def organizer(make) -> Actor:
    return Actor.user(make.user(email="orga@menden.de", name="Olga Organisatorin", organizations=[make.organization()]))


def person(email: str, mode: str = "on_site", **fields) -> RegistrationInput:
    values = {"given_name": "Walter", "family_name": "Walk-in", "organization": "Stadt Menden", "mode": mode}
    values.update(fields)
    return RegistrationInput(email=email, **values)


def confirmed(session, event, email: str, now, mode: str = "on_site") -> Registration:
    return registration.submit(
        session, event, person(email, mode, privacy_consent=True), now=now, confirm_email=False
    ).registration


def mails(session, reg: Registration) -> list[tuple[str, str | None]]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.registration_id == reg.id).order_by(OutboxMessage.id)
    )
    return [(m.kind, (m.context or {}).get("reason")) for m in rows]


def held(session, event: Event, mode: Mode) -> int:
    R = Registration
    return session.scalar(
        select(func.count(R.id)).where(R.event_id == event.id, R.mode == mode, R.status.in_((S.PENDING, S.CONFIRMED)))
    )


# --- add by hand ---------------------------------------------------------------------------


def test_a_person_added_by_the_organizer_is_confirmed_at_once_with_a_ticket_mail(session, make, now, organizer):
    event = make.event(capacity_on_site=5)
    added = admission.add_registration(session, event, person("Walter@Example.org"), now=now, actor=organizer)
    reg = added.registration
    assert added.raised is None
    assert (reg.status, reg.mode, reg.person.email) == (S.CONFIRMED, Mode.ON_SITE, "walter@example.org")
    assert reg.email_confirmed_at == now and reg.ticket_id and reg.ticket_serial == 1
    assert reg.privacy_consent_at is None  # not given on our form
    assert mails(session, reg) == [("ticket", "added")]
    (entry,) = audit.history(session, reg)
    assert (entry.action, entry.actor_kind, entry.actor_label) == (
        "registration.added",
        ActorKind.USER,
        organizer.label,
    )


def test_without_the_mail_nothing_is_queued(session, make, now, organizer):
    event = make.event()
    reg = admission.add_registration(
        session, event, person("still@example.org"), now=now, actor=organizer, notify=False
    ).registration
    assert mails(session, reg) == []
    assert audit.history(session, reg)[0].detail["mail"] is False


def test_a_walk_in_can_be_checked_in_at_once(session, make, now, organizer):
    event = make.event()
    reg = admission.add_registration(
        session, event, person("door@example.org"), now=now, actor=organizer, check_in=True
    ).registration
    (arrival,) = session.scalars(select(Attendance).where(Attendance.registration_id == reg.id))
    assert (arrival.mode, arrival.source, arrival.user_id, arrival.first_at) == (
        Mode.ON_SITE,
        AttendanceSource.WALK_IN,
        organizer.id,
        now,
    )
    assert [e.action for e in audit.history(session, reg)] == ["registration.added", "registration.checked_in"]


def test_a_walk_in_into_a_full_mode_raises_its_capacity_by_exactly_one(session, make, now, organizer):
    event = make.event(capacity_on_site=2)
    confirmed(session, event, "a@example.org", now)
    confirmed(session, event, "b@example.org", now)
    waiter = confirmed(session, event, "c@example.org", now)
    assert waiter.status is S.WAITLISTED
    added = admission.add_registration(session, event, person("walkin@example.org"), now=now, actor=organizer)
    assert added.raised == admission.Raise(Mode.ON_SITE, 2, 3)
    assert event.capacity_on_site == 3
    assert added.registration.status is S.CONFIRMED
    # the queue keeps its place: the added seat went to the walk-in only
    session.refresh(waiter)
    assert waiter.status is S.WAITLISTED
    assert held(session, event, Mode.ON_SITE) == 3
    raised = session.scalars(select(AuditEntry).where(AuditEntry.action == "event.capacity_raised")).one()
    assert raised.detail == {"mode": "on_site", "from": 2, "to": 3, "registration": added.registration.id}
    assert audit.history(session, added.registration)[0].detail["capacity"] == {"from": 2, "to": 3}


def test_a_walk_in_into_an_unlimited_mode_changes_no_capacity(session, make, now, organizer):
    event = make.event(capacity_online=None)
    added = admission.add_registration(session, event, person("o@example.org", "online"), now=now, actor=organizer)
    assert added.raised is None and event.capacity_online is None


def test_a_person_with_an_active_registration_is_named(session, make, now, organizer):
    event = make.event()
    first = confirmed(session, event, "erika@example.org", now)
    with pytest.raises(AlreadyActive) as caught:
        admission.add_registration(session, event, person("ERIKA@example.org"), now=now, actor=organizer)
    assert caught.value.registration.id == first.id


def test_a_cancelled_registration_does_not_stop_a_new_one(session, make, now, organizer):
    event = make.event()
    first = confirmed(session, event, "erika@example.org", now)
    registration.cancel(session, first, now=now)
    again = admission.add_registration(session, event, person("erika@example.org"), now=now, actor=organizer)
    assert again.registration.id != first.id and again.registration.status is S.CONFIRMED


def test_the_input_is_checked_like_a_registration(session, make, now, organizer):
    event = make.event()
    question = make.question(event, key="diaet", label="Ernährung", sensitive=True)
    with pytest.raises(ValidationError) as bad_email:
        admission.add_registration(session, event, person("kein-at-zeichen"), now=now, actor=organizer)
    assert bad_email.value.fields == {"email": "invalid"}
    with pytest.raises(ValidationError) as no_consent:
        admission.add_registration(
            session, event, person("x@example.org", answers={question.key: "vegan"}), now=now, actor=organizer
        )
    assert no_consent.value.fields == {"sensitive_consent": "required"}
    ok = admission.add_registration(
        session,
        event,
        person("x@example.org", answers={question.key: "vegan"}, sensitive_consent=True),
        now=now,
        actor=organizer,
    )
    assert ok.registration.answers == {"diaet": "vegan"} and ok.registration.sensitive_consent_at == now


def test_registration_window_does_not_bind_the_organizer_but_drafts_and_cancelled_events_do(
    session, make, now, organizer
):
    closed = make.event(registration_closes_at=now - timedelta(days=1))
    assert admission.add_registration(session, closed, person("a@example.org"), now=now, actor=organizer)
    with pytest.raises(EventIsDraft):
        admission.add_registration(
            session, make.event(status=EventStatus.DRAFT), person("b@example.org"), now=now, actor=organizer
        )
    with pytest.raises(EventCancelled):
        admission.add_registration(
            session, make.event(status=EventStatus.CANCELLED), person("c@example.org"), now=now, actor=organizer
        )


# --- promote a chosen person ---------------------------------------------------------------


def test_a_chosen_waiter_gets_a_free_seat_without_a_raise(session, make, now, organizer):
    event = make.event(capacity_on_site=1)
    first = confirmed(session, event, "a@example.org", now)
    waiter = confirmed(session, event, "b@example.org", now)
    first.status = S.CANCELLED  # freed without promotion (as a row edited by hand)
    session.flush()
    result = admission.promote_registration(session, waiter, now=now, actor=organizer)
    assert result.raised is None and waiter.status is S.CONFIRMED and event.capacity_on_site == 1


def test_promoting_a_chosen_person_into_a_full_mode_raises_the_capacity_by_one_for_them(session, make, now, organizer):
    event = make.event(capacity_on_site=1)
    confirmed(session, event, "a@example.org", now)
    head = confirmed(session, event, "head@example.org", now)
    chosen = confirmed(session, event, "chosen@example.org", now + timedelta(minutes=1))
    result = admission.promote_registration(session, chosen, now=now, actor=organizer)
    assert result.raised == admission.Raise(Mode.ON_SITE, 1, 2)
    assert (chosen.status, chosen.waiting_since, chosen.ticket_serial) == (S.CONFIRMED, None, 1)
    assert head.status is S.WAITLISTED  # not overtaken: the new seat was for the chosen one
    assert held(session, event, Mode.ON_SITE) == 2 == event.capacity_on_site
    assert mails(session, chosen)[-1] == ("ticket", "promoted")
    entry = audit.history(session, chosen)[-1]
    assert (entry.action, entry.actor_label, entry.detail["capacity"]) == (
        "registration.promoted",
        organizer.label,
        {"from": 1, "to": 2},
    )


def test_a_cross_mode_waiter_moves_and_its_old_seat_goes_to_that_queue(session, make, now, organizer):
    event = make.event(attendance=EventAttendance.HYBRID, capacity_on_site=1, capacity_online=1)
    confirmed(session, event, "site@example.org", now)
    mover = confirmed(session, event, "mover@example.org", now, mode="online")
    registration.switch_mode(session, mover, now=now, target=Mode.ON_SITE)
    assert (mover.mode, mover.waiting_for) == (Mode.ONLINE, Mode.ON_SITE)
    online_waiter = confirmed(session, event, "wait-online@example.org", now, mode="online")
    assert online_waiter.status is S.WAITLISTED
    result = admission.promote_registration(session, mover, now=now, actor=organizer)
    assert result.raised == admission.Raise(Mode.ON_SITE, 1, 2)
    assert (mover.mode, mover.waiting_for, mover.status) == (Mode.ON_SITE, None, S.CONFIRMED)
    assert online_waiter.status is S.CONFIRMED  # the freed online seat went to the online queue's head
    assert event.capacity_online == 1


def test_an_unconfirmed_waiter_may_be_seated_by_the_organizer_who_vouches_for_the_address(
    session, make, now, organizer
):
    event = make.event(capacity_on_site=1)
    confirmed(session, event, "a@example.org", now)
    unconfirmed = registration.submit(
        session, event, person("u@example.org", privacy_consent=True), now=now
    ).registration
    assert (unconfirmed.status, unconfirmed.email_confirmed_at) == (S.WAITLISTED, None)
    admission.promote_registration(session, unconfirmed, now=now, actor=organizer)
    assert unconfirmed.status is S.CONFIRMED and unconfirmed.email_confirmed_at == now
    assert unconfirmed.expires_at is None
    assert audit.history(session, unconfirmed)[-1].detail["email_confirmed"] is True


def test_only_a_waiting_registration_can_be_promoted(session, make, now, organizer):
    event = make.event()
    seated = confirmed(session, event, "a@example.org", now)
    with pytest.raises(NotWaiting):
        admission.promote_registration(session, seated, now=now, actor=organizer)
    registration.cancel(session, seated, now=now)
    with pytest.raises(NotWaiting):
        admission.promote_registration(session, seated, now=now, actor=organizer)


def _concurrently(app, jobs) -> list[BaseException]:
    return run_concurrently(app, jobs)[1]


def test_concurrent_promotions_into_a_full_mode_raise_by_one_each_and_seat_each_once(
    app, session, make, now, organizer
):
    event = make.event(capacity_on_site=2)
    confirmed(session, event, "a@example.org", now)
    confirmed(session, event, "b@example.org", now)
    waiters = [confirmed(session, event, f"w{i}@example.org", now) for i in range(3)]
    ids = [w.id for w in waiters]
    session.commit()  # and no more reads here: on SQLite, they would hold the write lock
    # each waiter promoted twice at once (a double click): one raise per person, not two
    jobs = [
        (lambda own, i=i: admission.promote_registration(own, own.get_one(Registration, i), now=now, actor=organizer))
        for i in ids + ids
    ]
    errors = _concurrently(app, jobs)
    assert len(errors) == 3 and all(isinstance(e, NotWaiting) for e in errors), errors
    session.expire_all()
    assert event.capacity_on_site == 5
    assert held(session, event, Mode.ON_SITE) == 5
    raises = session.scalars(select(AuditEntry).where(AuditEntry.action == "event.capacity_raised")).all()
    assert sorted(e.detail["to"] for e in raises) == [3, 4, 5]


def test_concurrent_walk_ins_into_a_full_mode_raise_by_one_each(app, session, make, now, organizer):
    event = make.event(capacity_on_site=1)
    confirmed(session, event, "a@example.org", now)
    event_id = event.id
    session.commit()
    jobs = [
        (
            lambda own, n=n: admission.add_registration(
                own, own.get_one(Event, event_id), person(f"walk{n}@example.org"), now=now, actor=organizer
            )
        )
        for n in range(4)
    ]
    assert _concurrently(app, jobs) == []
    session.expire_all()
    assert event.capacity_on_site == 5 == held(session, event, Mode.ON_SITE)


# --- cancel and re-send --------------------------------------------------------------------


def test_cancel_by_the_organizer_frees_the_seat_for_the_queue_head(session, make, now, organizer):
    event = make.event(capacity_on_site=1)
    seated = confirmed(session, event, "a@example.org", now)
    head = confirmed(session, event, "head@example.org", now)
    later = confirmed(session, event, "later@example.org", now + timedelta(minutes=1))
    registration.cancel(session, seated, now=now, actor=organizer)
    assert seated.status is S.CANCELLED and head.status is S.CONFIRMED and later.status is S.WAITLISTED
    assert event.capacity_on_site == 1
    assert mails(session, seated)[-1][0] == "cancelled"
    assert mails(session, head)[-1] == ("ticket", "promoted")
    entry = audit.history(session, seated)[-1]
    assert (entry.action, entry.actor_kind, entry.actor_id) == ("registration.cancelled", ActorKind.USER, organizer.id)


def test_resend_the_ticket_or_the_link(session, make, now, organizer):
    event = make.event(capacity_on_site=1)
    seated = confirmed(session, event, "a@example.org", now)
    assert admission.resend(session, seated, "ticket", now=now, actor=organizer) == "ticket"
    assert admission.resend(session, seated, "link", now=now, actor=organizer) == "manage_link"
    assert mails(session, seated)[-2:] == [("ticket", "resent"), ("manage_link", None)]
    unconfirmed = registration.submit(session, event, person("u@example.org", privacy_consent=True), now=now)
    waiting = unconfirmed.registration
    with pytest.raises(InvalidState):
        admission.resend(session, waiting, "ticket", now=now, actor=organizer)
    assert admission.resend(session, waiting, "link", now=now, actor=organizer) == "confirm_email"
    assert [e.action for e in audit.history(session, seated)][-2:] == ["registration.mail_resent"] * 2


def test_history_of_a_registration_lists_every_change_in_order_with_its_actor(session, make, now, organizer):
    event = make.event(attendance=EventAttendance.HYBRID, capacity_on_site=1, capacity_online=5)
    confirmed(session, event, "site@example.org", now)
    reg = registration.submit(
        session, event, person("erika@example.org", "online", given_name="Erika", privacy_consent=True), now=now
    ).registration
    t = now
    registration.confirm(session, reg, now=(t := t + timedelta(minutes=1)))
    registration.switch_mode(session, reg, now=(t := t + timedelta(minutes=1)), target=Mode.ON_SITE)
    admission.promote_registration(session, reg, now=(t := t + timedelta(minutes=1)), actor=organizer)
    admission.resend(session, reg, "ticket", now=(t := t + timedelta(minutes=1)), actor=organizer)
    registration.cancel(session, reg, now=(t := t + timedelta(minutes=1)), actor=organizer)
    assert [(e.action, e.actor_kind, e.actor_label) for e in audit.history(session, reg)] == [
        ("registration.submitted", ActorKind.ATTENDEE, "Erika Walk-in"),
        ("registration.confirmed", ActorKind.ATTENDEE, "Erika Walk-in"),
        ("registration.waiting_for", ActorKind.ATTENDEE, "Erika Walk-in"),
        ("registration.moved", ActorKind.USER, organizer.label),
        ("registration.mail_resent", ActorKind.USER, organizer.label),
        ("registration.cancelled", ActorKind.USER, organizer.label),
    ]
    assert [e.at for e in audit.history(session, reg)] == sorted(e.at for e in audit.history(session, reg))


def test_seats_never_exceed_the_capacity_after_organizer_actions(session, make, now, organizer):
    event = make.event(capacity_on_site=1)
    for n in range(3):
        confirmed(session, event, f"p{n}@example.org", now)
    for waiter in session.scalars(seats.queue(event, Mode.ON_SITE)).all():
        admission.promote_registration(session, waiter, now=now, actor=organizer)
    admission.add_registration(session, event, person("walk@example.org"), now=now, actor=organizer)
    assert held(session, event, Mode.ON_SITE) == event.capacity_on_site == 4
