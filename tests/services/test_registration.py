"""Seats, waiting lists, expiry and promotion (DESIGN §3–4)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from eventapp.database import configure_engine
from eventapp.models import (
    CancelReason,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    OutboxMessage,
    OutboxStatus,
    Person,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from eventapp.services import capacity, seats
from eventapp.services import registration as reg
from eventapp.services.errors import (
    EventCancelled,
    InvalidState,
    LinkExpired,
    ModeNotOffered,
    NotFound,
    RegistrationClosed,
    RegistrationNotOpen,
    ValidationError,
)

S = RegistrationStatus


def data(email: str = "erika@example.org", **overrides) -> reg.RegistrationInput:
    values = {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "email": email,
        "organization": "Stadt Soest",
        "mode": "on_site",
        "privacy_consent": True,
    }
    values.update(overrides)
    return reg.RegistrationInput(**values)


def mails(session: Session, kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    """The mails that go out (a link asked for again too soon is recorded as dropped, not sent)."""
    query = select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.DROPPED).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return list(session.scalars(query))


def submit(session, event, now, email="erika@example.org", confirm=True, **overrides):
    return reg.submit(session, event, data(email, **overrides), now=now, confirm_email=confirm).registration


def confirmed_waiter(session, event, now, email, mode="on_site"):
    r = submit(session, event, now, email, mode=mode)
    reg.confirm(session, r, now=now)
    return r


# --- submission -------------------------------------------------------------------------------


def test_free_seat_gives_pending_registration_holding_the_seat(session, make, now):
    event = make.event(capacity_on_site=1)
    r = submit(session, event, now)
    assert r.status is S.PENDING
    assert r.expires_at == now + timedelta(hours=24)
    assert capacity.availability(session, event, now=now).modes[Mode.ON_SITE].seats_left == 0
    assert [m.kind for m in mails(session)] == ["confirm_email"]
    assert mails(session)[0].context == {"waitlisted": False}


def test_email_is_normalised_and_person_reused(session, make, now):
    first = make.event()
    second = make.event()
    a = submit(session, first, now, "  Erika.M@Example.ORG ")
    b = submit(session, second, now, "erika.m@example.org")
    assert a.person.email == "erika.m@example.org"
    assert a.person_id == b.person_id
    assert session.scalar(select(func.count(Person.id))) == 1


def test_full_mode_puts_newcomer_on_waiting_list(session, make, now):
    event = make.event(capacity_on_site=1)
    submit(session, event, now, "a@example.org")
    r = submit(session, event, now, "b@example.org")
    assert r.status is S.WAITLISTED
    assert r.waiting_since == now
    assert mails(session, to="b@example.org")[0].context == {"waitlisted": True}


def test_free_seat_is_not_taken_while_a_confirmed_waiter_exists(session, make, now):
    event = make.event(capacity_on_site=1)
    holder = submit(session, event, now, "a@example.org")
    confirmed_waiter(session, event, now, "b@example.org")
    # Capacity raised without promotion: a newcomer must not jump the queue.
    event.capacity_on_site = 2
    session.flush()
    newcomer = submit(session, event, now, "c@example.org")
    assert newcomer.status is S.WAITLISTED
    assert holder.status is S.PENDING


def test_without_email_confirmation_a_free_seat_is_confirmed_at_once(session, make, now):
    event = make.event(capacity_on_site=1)
    r = submit(session, event, now, confirm=False)
    assert r.status is S.CONFIRMED
    assert r.email_confirmed_at == now
    assert r.ticket_id and r.ticket_serial == 1
    assert [m.kind for m in mails(session)] == ["ticket"]
    w = submit(session, event, now, "w@example.org", confirm=False)
    assert w.status is S.WAITLISTED
    assert w.email_confirmed_at == now
    assert [m.kind for m in mails(session, to="w@example.org")] == ["waitlisted"]


def test_registering_again_resends_link_once_within_interval(session, make, now):
    event = make.event()
    first = reg.submit(session, event, data(), now=now)
    again = reg.submit(session, event, data(), now=now + timedelta(minutes=1))
    assert again.registration.id == first.registration.id
    assert again.created is False
    assert len(mails(session)) == 1  # limited silently
    dropped = session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DROPPED)).all()
    assert [(m.kind, m.registration_id) for m in dropped] == [("confirm_email", first.registration.id)]
    later = reg.submit(session, event, data(), now=now + timedelta(minutes=6))
    assert later.created is False
    assert [m.kind for m in mails(session)] == ["confirm_email", "confirm_email"]
    reg.confirm(session, first.registration, now=now + timedelta(minutes=7))
    reg.submit(session, event, data(), now=now + timedelta(minutes=20))
    assert mails(session)[-1].kind == "manage_link"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_name": "  "}, "given_name"),
        ({"family_name": "x" * 101}, "family_name"),
        ({"organization": "x" * 201}, "organization"),
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"mode": "in_space"}, "mode"),
        ({"privacy_consent": False}, "privacy_consent"),
        ({"given_name": 42}, "given_name"),
    ],
)
def test_invalid_input_is_rejected_with_field(session, make, now, overrides, field):
    event = make.event()
    with pytest.raises(ValidationError) as info:
        reg.submit(session, event, data(**overrides), now=now)
    assert field in info.value.fields
    assert session.scalar(select(func.count(Registration.id))) == 0


def test_hybrid_event_needs_a_mode(session, make, now):
    with pytest.raises(ValidationError) as info:
        reg.submit(session, make.event(), data(mode=None), now=now)
    assert info.value.fields == {"mode": "required"}


def test_single_mode_event_defaults_and_refuses_other_mode(session, make, now):
    event = make.event(attendance=EventAttendance.ONLINE, capacity_online=5)
    r = submit(session, event, now, mode=None)
    assert r.mode is Mode.ONLINE
    with pytest.raises(ModeNotOffered):
        submit(session, event, now, "b@example.org", mode="on_site")


def test_names_lose_line_breaks(session, make, now):
    r = submit(session, make.event(), now, given_name="Eri\r\nka", family_name="Muster\tmann")
    assert (r.given_name, r.family_name) == ("Eri ka", "Muster mann")


@pytest.mark.parametrize(
    ("status", "opens", "closes", "error"),
    [
        (EventStatus.CANCELLED, None, None, EventCancelled),
        (EventStatus.DRAFT, None, None, NotFound),
        (EventStatus.PUBLISHED, timedelta(days=1), None, RegistrationNotOpen),
        (EventStatus.PUBLISHED, None, -timedelta(minutes=1), RegistrationClosed),
    ],
)
def test_closed_states_refuse(session, make, now, status, opens, closes, error):
    event = make.event(
        status=status,
        registration_opens_at=now + opens if opens else None,
        registration_closes_at=now + closes if closes else None,
    )
    with pytest.raises(error):
        submit(session, event, now)
    assert session.scalar(select(func.count(Registration.id))) == 0


def test_past_event_is_closed(session, make, now):
    event = make.event(starts_at=now - timedelta(days=2))
    with pytest.raises(RegistrationClosed):
        submit(session, event, now)
    assert capacity.availability(session, event, now=now).state == "closed"


def test_questions_validation_and_sensitive_consent(session, make, now):
    event = make.event()
    make.question(event, key="diet", kind=QuestionKind.CHOICE, choices=[{"value": "veg", "label": "vegetarisch"}])
    make.question(event, key="access", sensitive=True)
    make.question(event, key="newsletter", kind=QuestionKind.CHECKBOX, required=True)
    with pytest.raises(ValidationError) as info:
        submit(session, event, now, answers={"diet": "meat", "newsletter": True})
    assert info.value.fields == {"answers.diet": "invalid"}
    with pytest.raises(ValidationError) as info:
        submit(session, event, now, answers={"newsletter": False})
    assert info.value.fields == {"answers.newsletter": "required"}
    with pytest.raises(ValidationError) as info:
        submit(session, event, now, answers={"newsletter": True, "nope": "x"})
    assert info.value.fields == {"answers.nope": "unknown"}
    with pytest.raises(ValidationError) as info:
        submit(session, event, now, answers={"newsletter": True, "access": "Rollstuhl"})
    assert info.value.fields == {"sensitive_consent": "required"}
    r = submit(
        session, event, now, answers={"newsletter": True, "access": "Rollstuhl", "diet": "veg"}, sensitive_consent=True
    )
    assert r.answers == {"newsletter": True, "access": "Rollstuhl", "diet": "veg"}
    assert r.sensitive_consent_at == now


# --- confirmation and expiry --------------------------------------------------------------------


def test_confirm_turns_pending_into_ticket(session, make, now):
    event = make.event()
    r = submit(session, event, now)
    reg.confirm(session, r, now=now + timedelta(hours=1))
    assert r.status is S.CONFIRMED
    assert r.ticket_id and r.ticket_serial == 1
    assert r.person.verified_at == now + timedelta(hours=1)
    assert mails(session)[-1].kind == "ticket"
    assert mails(session)[-1].context == {"reason": "confirmed"}
    reg.confirm(session, r, now=now + timedelta(hours=2))  # second click changes nothing
    assert len(mails(session, "ticket")) == 1


def test_confirm_after_expiry_is_refused_and_frees_the_seat(session, make, now):
    event = make.event(capacity_on_site=1)
    late = submit(session, event, now, "late@example.org")
    waiter = confirmed_waiter(session, event, now, "w@example.org")
    with pytest.raises(LinkExpired):
        reg.confirm(session, late, now=now + timedelta(hours=24, seconds=1))
    session.refresh(late)
    assert late.status is S.EXPIRED
    assert waiter.status is S.CONFIRMED
    assert mails(session, to="w@example.org")[-1].context == {"reason": "promoted"}


def test_any_seat_decision_expires_overdue_rows_first(session, make, now):
    event = make.event(capacity_on_site=1)
    stale = submit(session, event, now, "stale@example.org")
    fresh = submit(session, event, now + timedelta(hours=25), "fresh@example.org")
    assert stale.status is S.EXPIRED
    assert fresh.status is S.PENDING
    # Nobody confirmed the address: it gets no further mail.
    assert [m.kind for m in mails(session, to="stale@example.org")] == ["confirm_email"]


def test_unconfirmed_waiter_expires_too(session, make, now):
    event = make.event(capacity_on_site=1)
    submit(session, event, now, "a@example.org")
    waiter = submit(session, event, now, "b@example.org")
    assert seats.sweep_expired(session, now=now + timedelta(hours=25)) == 2
    assert waiter.status is S.EXPIRED


def test_sweep_promotes_after_expiry(session, make, now):
    event = make.event(capacity_on_site=1)
    submit(session, event, now, "a@example.org")
    w = confirmed_waiter(session, event, now + timedelta(minutes=1), "b@example.org")
    assert w.status is S.WAITLISTED
    assert seats.sweep_expired(session, now=now + timedelta(hours=24)) == 1
    assert w.status is S.CONFIRMED
    assert w.ticket_id


def test_confirming_a_waiter_promotes_at_once_when_a_seat_is_free(session, make, now):
    event = make.event(capacity_on_site=1)
    holder = submit(session, event, now, "a@example.org")
    waiter = submit(session, event, now, "b@example.org")
    reg.cancel(session, holder, now=now)
    # The seat stays free: the only waiter has not confirmed the email yet.
    assert waiter.status is S.WAITLISTED
    reg.confirm(session, waiter, now=now)
    assert waiter.status is S.CONFIRMED


# --- cancellation and promotion -----------------------------------------------------------------


def test_queue_is_promoted_in_order_of_joining_it_by_confirming(session, make, now):
    event = make.event(capacity_on_site=1)
    holder = confirmed_waiter(session, event, now, "holder@example.org")
    early_signup = submit(session, event, now + timedelta(minutes=1), "early@example.org")
    first = submit(session, event, now + timedelta(minutes=2), "first@example.org")
    reg.confirm(session, first, now=now + timedelta(minutes=3))
    reg.confirm(session, early_signup, now=now + timedelta(minutes=4))
    assert early_signup.waiting_since == now + timedelta(minutes=4)
    reg.cancel(session, holder, now=now + timedelta(minutes=5))
    assert first.status is S.CONFIRMED
    assert early_signup.status is S.WAITLISTED
    assert holder.cancel_reason is CancelReason.CANCELLED
    cancelled = mails(session, "cancelled")[0]
    assert cancelled.context == {"reason": "cancelled", "had_ticket": True}


def test_cancel_is_idempotent(session, make, now):
    r = confirmed_waiter(session, make.event(), now, "a@example.org")
    reg.cancel(session, r, now=now)
    reg.cancel(session, r, now=now)
    assert len(mails(session, "cancelled")) == 1


def test_capacity_raise_then_promote(session, make, now):
    event = make.event(capacity_on_site=1)
    confirmed_waiter(session, event, now, "a@example.org")
    waiters = [confirmed_waiter(session, event, now + timedelta(minutes=i), f"w{i}@example.org") for i in range(3)]
    event.capacity_on_site = 3
    session.flush()
    promoted = seats.promote(session, event, now=now)
    assert promoted == waiters[:2]
    assert waiters[2].status is S.WAITLISTED


# --- modes ---------------------------------------------------------------------------------------


def test_take_other_mode_and_wait_for_preferred(session, make, now):
    event = make.event(capacity_on_site=1, capacity_online=5)
    holder = confirmed_waiter(session, event, now, "holder@example.org")
    r = submit(session, event, now, "b@example.org", mode="online", waiting_for="on_site")
    reg.confirm(session, r, now=now)
    assert (r.status, r.mode, r.waiting_for) == (S.CONFIRMED, Mode.ONLINE, Mode.ON_SITE)
    reg.cancel(session, holder, now=now + timedelta(hours=1))
    assert (r.status, r.mode, r.waiting_for) == (S.CONFIRMED, Mode.ON_SITE, None)
    assert r.change_count == 1
    assert mails(session, to="b@example.org")[-1].context == {"reason": "moved"}


def test_waiting_for_a_mode_with_room_gives_it_directly(session, make, now):
    event = make.event(capacity_on_site=5, capacity_online=5)
    r = submit(session, event, now, mode="online", waiting_for="on_site")
    assert (r.mode, r.waiting_for) == (Mode.ON_SITE, None)


def test_cross_mode_move_frees_old_seat_for_that_queue(session, make, now):
    event = make.event(capacity_on_site=1, capacity_online=1)
    on_site = confirmed_waiter(session, event, now, "onsite@example.org", mode="on_site")
    mover = submit(session, event, now, "mover@example.org", mode="online", waiting_for="on_site")
    reg.confirm(session, mover, now=now)
    online_waiter = confirmed_waiter(session, event, now + timedelta(minutes=1), "ow@example.org", mode="online")
    assert online_waiter.status is S.WAITLISTED
    reg.cancel(session, on_site, now=now + timedelta(minutes=2))
    assert mover.mode is Mode.ON_SITE
    assert online_waiter.status is S.CONFIRMED
    assert online_waiter.mode is Mode.ONLINE
    assert capacity.availability(session, event, now=now).modes[Mode.ON_SITE].seats_left == 0


def test_switch_mode_moves_when_free_else_waits(session, make, now):
    event = make.event(capacity_on_site=1, capacity_online=1)
    a = confirmed_waiter(session, event, now, "a@example.org", mode="on_site")
    reg.switch_mode(session, a, now=now)
    assert (a.mode, a.change_count) == (Mode.ONLINE, 1)
    b = confirmed_waiter(session, event, now, "b@example.org", mode="on_site")
    reg.switch_mode(session, b, now=now)
    assert (b.mode, b.waiting_for) == (Mode.ON_SITE, Mode.ONLINE)
    assert mails(session, to="b@example.org")[-1].kind == "waiting_for"
    reg.stop_waiting(session, b, now=now)
    assert b.waiting_for is None


def test_switch_on_single_mode_event_is_refused(session, make, now):
    event = make.event(attendance=EventAttendance.ON_SITE)
    r = confirmed_waiter(session, event, now, "a@example.org")
    with pytest.raises(ModeNotOffered):
        reg.switch_mode(session, r, now=now)


def test_switch_for_waitlisted_is_refused(session, make, now):
    event = make.event(capacity_on_site=0)
    r = submit(session, event, now)
    with pytest.raises(InvalidState):
        reg.switch_mode(session, r, now=now)


def test_reissue_raises_serial(session, make, now):
    r = confirmed_waiter(session, make.event(), now, "a@example.org")
    reg.reissue_ticket(session, r, now=now)
    assert r.ticket_serial == 2


def test_registration_by_token(session, make, now):
    r = submit(session, make.event(), now)
    assert reg.registration_by_token(session, r.manage_token) is r
    with pytest.raises(NotFound):
        reg.registration_by_token(session, "nope")


def test_availability_states(session, make, now):
    event = make.event(capacity_on_site=1, attendance=EventAttendance.ON_SITE)
    assert capacity.availability(session, event, now=now).state == "open"
    submit(session, event, now)
    assert capacity.availability(session, event, now=now).state == "waitlist"
    event.registration_opens_at = now + timedelta(days=1)
    assert capacity.availability(session, event, now=now).state == "not_yet_open"
    event.status = EventStatus.CANCELLED
    assert capacity.availability(session, event, now=now).state == "cancelled"


# --- concurrency ---------------------------------------------------------------------------------


def _parallel_registrations(app, event_id: int, count: int, now: datetime) -> list[BaseException]:
    """Submit ``count`` registrations from as many threads, each on its own connection."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=count, max_overflow=0)
    configure_engine(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            with factory() as session:
                barrier.wait()
                event = session.get_one(Event, event_id)
                reg.submit(session, event, data(f"p{i}@example.org"), now=now, confirm_email=False)
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return errors


@pytest.mark.parametrize("count", [60])
def test_parallel_registrations_never_exceed_capacity(app, session, make, now, count):
    event = make.event(capacity_on_site=20)
    event_id = event.id
    session.commit()  # and read nothing until the threads are done: on SQLite a read would take the write lock
    errors = _parallel_registrations(app, event_id, count, now)
    assert errors == []
    session.expire_all()
    statuses = session.scalars(select(Registration.status).where(Registration.event_id == event.id)).all()
    assert statuses.count(S.CONFIRMED) == 20
    assert statuses.count(S.WAITLISTED) == count - 20


def test_parallel_registrations_queue_order_is_kept_under_promotion(app, session, make, now):
    event = make.event(capacity_on_site=5)
    event_id = event.id
    session.commit()
    assert _parallel_registrations(app, event_id, 15, now) == []
    session.expire_all()
    queue = session.scalars(seats.queue(event, Mode.ON_SITE)).all()
    assert len(queue) == 10
    holders = session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status == S.CONFIRMED)
    ).all()
    for holder in holders[:3]:
        reg.cancel(session, holder, now=now + timedelta(minutes=1))
    session.commit()
    promoted = session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == S.CONFIRMED)
        .order_by(Registration.confirmed_at, Registration.id)
    ).all()
    assert {r.id for r in queue[:3]} <= {r.id for r in promoted}
    assert all(r.status is S.WAITLISTED for r in queue[3:])
    assert capacity.availability(session, event, now=now).modes[Mode.ON_SITE].taken == 5


def test_now_is_timezone_aware(now):
    assert now.tzinfo is UTC


def test_queue_position_counts_confirmed_waiters_in_order(session, make, now):
    event = make.event(capacity_on_site=1)
    holder = confirmed_waiter(session, event, now, "a@example.org")
    first = confirmed_waiter(session, event, now + timedelta(minutes=1), "b@example.org")
    unconfirmed = submit(session, event, now + timedelta(minutes=2), "c@example.org")
    second = confirmed_waiter(session, event, now + timedelta(minutes=3), "d@example.org")
    assert seats.queue_position(session, first) == (1, 2)
    assert seats.queue_position(session, second) == (2, 2)
    assert seats.queue_position(session, unconfirmed) is None
    assert seats.queue_position(session, holder) is None


def test_switching_keeps_the_ticket_and_says_so(session, make, now):
    event = make.event(capacity_on_site=5, capacity_online=5)
    r = confirmed_waiter(session, event, now, "a@example.org")
    ticket = (r.ticket_id, r.ticket_serial)
    reg.switch_mode(session, r, now=now)
    assert (r.ticket_id, r.ticket_serial) == ticket
    assert mails(session, to="a@example.org")[-1].context == {"reason": "switched"}


def test_submit_decides_on_the_locked_fresh_event_row(session, make, now):
    event = make.event()
    # Another transaction cancels the event after this one loaded it (the loaded object is stale).
    session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    assert event.status is EventStatus.PUBLISHED
    with pytest.raises(EventCancelled):
        submit(session, event, now)
    assert session.scalar(select(func.count(Registration.id))) == 0
