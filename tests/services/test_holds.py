"""Unconfirmed holds: their deadline (issue 6, Part 2 §2) and their cap (Part 2 §10, DESIGN §3)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from eventapp import mail
from eventapp.database import configure_engine
from eventapp.models import Event, EventAttendance, Mode, Registration, RegistrationStatus
from eventapp.services import registration, seats
from eventapp.services.submission import RegistrationInput

S = RegistrationStatus


def data(
    email: str, mode: str | None = "on_site", waiting_for: str | None = None, locale: str = "de"
) -> RegistrationInput:
    return RegistrationInput(
        given_name="Erika",
        family_name="Mustermann",
        email=email,
        mode=mode,
        waiting_for=waiting_for,
        privacy_consent=True,
        locale=locale,
    )


def submit(session, event, now, email, **overrides):
    share = overrides.pop("pending_hold_share", seats.PENDING_HOLD_SHARE)
    return registration.submit(session, event, data(email, **overrides), now=now, pending_hold_share=share).registration


def statuses(session, event) -> list[RegistrationStatus]:
    return list(session.scalars(select(Registration.status).where(Registration.event_id == event.id)))


# --- the deadline -------------------------------------------------------------------------------


def test_deadline_is_24_hours_when_the_event_is_further_away(session, make, now):
    event = make.event(starts_at=now + timedelta(days=3))
    assert submit(session, event, now, "a@example.org").expires_at == now + timedelta(hours=24)


def test_deadline_is_the_start_when_the_event_is_sooner(session, make, now):
    """Registering on the eve of a Pausenhof: confirm before it starts, not "tomorrow 16:13"."""
    starts = now + timedelta(hours=3, minutes=30)
    event = make.event(starts_at=starts, ends_at=starts + timedelta(minutes=30))
    pending = submit(session, event, now, "a@example.org")
    assert pending.status is S.PENDING and pending.expires_at == starts
    event_full = make.event(starts_at=starts, ends_at=starts + timedelta(minutes=30), capacity_on_site=0)
    assert submit(session, event_full, now, "b@example.org").expires_at == starts


def test_deadline_while_the_event_runs_is_the_close_of_registration(session, make, now):
    event = make.event(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=5))
    assert submit(session, event, now, "a@example.org").expires_at == now + timedelta(hours=5)


def test_after_the_start_the_seat_is_released_and_confirming_is_refused(session, make, now):
    from eventapp.services.errors import LinkExpired

    starts = now + timedelta(hours=2)
    event = make.event(starts_at=starts, ends_at=starts + timedelta(hours=6), capacity_on_site=1)
    late = submit(session, event, now, "late@example.org")
    with pytest.raises(LinkExpired):
        registration.confirm(session, late, now=starts + timedelta(minutes=1))


def test_the_confirmation_mail_names_the_real_deadline(session, make, now, smtp_server):
    starts = now + timedelta(hours=3, minutes=30)  # 12:30 in Berlin
    event = make.event(starts_at=starts, ends_at=starts + timedelta(minutes=30))
    submit(session, event, now, "a@example.org", locale="en")
    session.commit()
    mail.deliver_outbox(session, now=now)
    (received,) = smtp_server.messages
    text = " ".join(received.get_body(preferencelist=("plain",)).get_content().split())
    assert "until Sunday, 22 November 2026, 13:30" in text
    assert "23 November" not in text


# --- the cap on unconfirmed holds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "share", "cap"), [(20, 0.25, 10), (100, 0.25, 25), (149, 0.25, 38), (3, 0.25, 10), (100, 0.5, 50)]
)
def test_pending_cap_is_max_10_or_the_share(make, capacity, share, cap):
    assert seats.pending_cap(make.event(capacity_on_site=capacity), Mode.ON_SITE, share) == cap


def test_unlimited_modes_have_no_cap(make):
    assert seats.pending_cap(make.event(capacity_online=None), Mode.ONLINE) is None


def test_submissions_beyond_the_cap_wait_unconfirmed(session, make, now):
    event = make.event(capacity_on_site=100)
    regs = [submit(session, event, now, f"p{i}@example.org") for i in range(30)]
    assert [r.status for r in regs] == [S.PENDING] * 25 + [S.WAITLISTED] * 5
    assert all(r.email_confirmed_at is None and r.expires_at == now + timedelta(hours=24) for r in regs)
    # Capped waiters are not in the queue: a newcomer still takes a free seat while the cap allows.
    registration.confirm(session, regs[0], now=now)
    assert submit(session, event, now, "late@example.org").status is S.PENDING


def test_confirming_beyond_the_cap_promotes_at_once_while_a_seat_is_free(session, make, now):
    event = make.event(capacity_on_site=12)
    regs = [submit(session, event, now, f"p{i}@example.org") for i in range(11)]
    capped = regs[-1]
    assert capped.status is S.WAITLISTED
    registration.confirm(session, capped, now=now + timedelta(minutes=1))
    assert capped.status is S.CONFIRMED and capped.ticket_id is not None
    assert capped.waiting_for is None and capped.waiting_since is None


def test_a_capped_waiter_waits_like_anyone_once_the_seats_are_gone(session, make, now):
    event = make.event(capacity_on_site=11)
    regs = [submit(session, event, now, f"p{i}@example.org") for i in range(11)]
    capped = regs[-1]
    assert capped.status is S.WAITLISTED
    late = registration.submit(session, event, data("x@example.org"), now=now, confirm_email=False).registration
    assert late.status is S.CONFIRMED  # the 11th seat: confirmed addresses are never capped
    registration.confirm(session, capped, now=now + timedelta(minutes=1))
    assert capped.status is S.WAITLISTED and seats.queue_position(session, capped) == (1, 1)


def test_hybrid_fallback_beyond_the_cap_keeps_wanting_the_preferred_mode(session, make, now):
    event = make.event(attendance=EventAttendance.HYBRID, capacity_on_site=1, capacity_online=20)
    registration.submit(session, event, data("seat@example.org"), now=now, confirm_email=False)
    for i in range(10):
        submit(session, event, now, f"o{i}@example.org", mode="online")
    fallback = submit(session, event, now, "f@example.org", mode="online", waiting_for="on_site")
    assert (fallback.status, fallback.mode, fallback.waiting_for) == (S.WAITLISTED, Mode.ONLINE, Mode.ON_SITE)
    registration.confirm(session, fallback, now=now + timedelta(minutes=1))
    assert (fallback.status, fallback.mode, fallback.waiting_for) == (S.CONFIRMED, Mode.ONLINE, Mode.ON_SITE)
    assert seats.queue_position(session, fallback) == (1, 1)


def test_the_cap_follows_the_share_given(session, make, now):
    event = make.event(capacity_on_site=100)
    regs = [submit(session, event, now, f"p{i}@example.org", pending_hold_share=0.1) for i in range(12)]
    assert [r.status for r in regs] == [S.PENDING] * 10 + [S.WAITLISTED] * 2


def test_expired_holds_free_room_under_the_cap(session, make, now):
    event = make.event(capacity_on_site=20)
    for i in range(10):
        submit(session, event, now, f"p{i}@example.org")
    later = now + timedelta(hours=25)
    assert submit(session, event, later, "new@example.org").status is S.PENDING


def test_the_mail_of_a_capped_registration_says_a_seat_waits_for_the_confirmation(session, make, now, smtp_server):
    event = make.event(capacity_on_site=40)
    for i in range(11):
        submit(session, event, now, f"p{i}@example.org", locale="en" if i == 10 else "de")
    session.commit()
    mail.deliver_outbox(session, now=now)
    capped = next(m for m in smtp_server.messages if m["To"] == "p10@example.org")
    text = " ".join(capped.get_body(preferencelist=("plain",)).get_content().split())
    assert "Seats for taking part on site are still free" in text
    assert "the moment you confirm, a seat is yours with your ticket" in text
    assert "Monday, 23 November 2026, 10:00" in text


# --- concurrency (real parallel connections; PostgreSQL in the PG run) ---------------------------


def test_the_cap_holds_under_concurrent_submissions(app, session, make, now):
    event = make.event(capacity_on_site=100)
    event_id = event.id
    session.commit()  # and read nothing until the threads are done (SQLite: a read would take the lock)
    count = 60
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=count, max_overflow=0)
    configure_engine(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            with factory() as own:
                barrier.wait()
                registration.submit(own, own.get_one(Event, event_id), data(f"p{i}@example.org"), now=now)
                own.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []
    session.expire_all()
    found = statuses(session, event)
    assert found.count(S.PENDING) == 25
    assert found.count(S.WAITLISTED) == count - 25
    assert session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event_id)) == count
