"""The seat module's own seams: one lock per transaction, one ending of a registration,
and a submission without needless round trips (issue 6, Part 1 §1)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.orm import sessionmaker

from eventapp.database import configure_engine
from eventapp.models import CancelReason, Event, EventStatus, Mode, Person, Registration, RegistrationStatus
from eventapp.services import events, registration, seats
from eventapp.services.audit import CLI
from eventapp.services.errors import NotFound
from eventapp.services.submission import RegistrationInput

S = RegistrationStatus


def data(email: str) -> RegistrationInput:
    return RegistrationInput(
        given_name="Erika", family_name="Mustermann", email=email, mode="on_site", privacy_consent=True
    )


@contextmanager
def statements(session) -> Iterator[list[str]]:
    """Every statement the session's engine runs meanwhile (SAVEPOINTs included)."""
    found: list[str] = []
    engine = session.get_bind()

    def record(conn, cursor, statement, parameters, context, executemany):
        found.append(" ".join(statement.split()).upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_lock_event_reads_the_row_once_per_transaction(session, make):
    made = make.event(slug="pausenhof-1")
    session.commit()
    with statements(session) as seen:
        locked = seats.lock_event(session, slug="pausenhof-1")
        again = seats.lock_event(session, locked)
    assert locked is again is made
    assert len([s for s in seen if "FROM EVENT" in s]) == 1
    session.commit()
    with statements(session) as seen:
        seats.lock_event(session, made)  # a new transaction takes the lock anew
    assert len([s for s in seen if "FROM EVENT" in s]) == 1


def test_lock_event_by_unknown_slug_is_not_found(session):
    with pytest.raises(NotFound):
        seats.lock_event(session, slug="nope")


def test_event_for_submission_hides_drafts(session, make):
    make.event(slug="entwurf", status=EventStatus.DRAFT)
    with pytest.raises(NotFound):
        registration.event_for_submission(session, "entwurf")


def test_submission_reads_the_event_once_and_needs_no_savepoint(session, make, now):
    make.event(slug="konferenz", capacity_on_site=10)
    session.commit()
    with statements(session) as seen:
        found = registration.event_for_submission(session, "konferenz")
        registration.submit(session, found, data("neu@example.org"), now=now)
    event_reads = [s for s in seen if s.startswith("SELECT") and "FROM EVENT " in s + " "]
    assert len(event_reads) == 1, event_reads
    assert not [s for s in seen if "SAVEPOINT" in s]
    # lock, seat tally, questions, person upsert + lookup, resend check (asked of every submission,
    # issue 6 Part 3 §8), registration, its audit entry, outbox mail
    assert len(seen) <= 10, seen
    assert len([s for s in seen if s.startswith("INSERT INTO AUDIT_ENTRY")]) == 1
    assert session.scalar(select(func.count(Registration.id))) == 1


def test_known_and_new_addresses_run_the_same_statements(session, make, now):
    konferenz = make.event(slug="konferenz", capacity_on_site=10)
    other = make.event(slug="other")
    registration.submit(session, other, data("bekannt@example.org"), now=now)
    session.commit()

    def shapes(email: str) -> list[str]:
        with statements(session) as seen:
            registration.submit(session, konferenz, data(email), now=now)
        session.commit()
        return [s.split(" ")[0] + " " + s.split(" ")[1] for s in seen]

    assert shapes("bekannt@example.org") == shapes("neu@example.org")


def test_person_is_created_once_under_concurrent_first_submissions(app, session, make, now):
    """Two first submissions of the same address to two events at once: one person, no error."""
    first, second = make.event(), make.event()
    ids = [first.id, second.id] * 4
    session.commit()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=len(ids), max_overflow=0)
    configure_engine(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def worker(event_id: int) -> None:
        try:
            with factory() as own:
                barrier.wait()
                registration.submit(own, own.get_one(Event, event_id), data("Gleich@Example.org"), now=now)
                own.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(event_id,)) for event_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []
    session.expire_all()
    assert session.scalar(select(func.count(Person.id))) == 1
    assert session.scalar(select(func.count(Registration.id))) == 2


def test_cancel_and_cancel_event_end_a_registration_alike(session, make, now):
    event = make.event(capacity_on_site=5)
    own = registration.submit(session, event, data("a@example.org"), now=now, confirm_email=False).registration
    other = registration.submit(session, event, data("b@example.org"), now=now, confirm_email=False).registration
    registration.cancel(session, own, now=now)
    events.cancel_event(session, event, now=now, actor=CLI)
    fields = ("status", "cancelled_at", "expires_at", "waiting_for", "waiting_since")
    assert [getattr(own, name) for name in fields] == [getattr(other, name) for name in fields]
    assert (own.cancel_reason, other.cancel_reason) == (CancelReason.CANCELLED, CancelReason.EVENT_CANCELLED)


def test_tally_matches_the_queue_and_seat_rules(session, make, now):
    event = make.event(capacity_on_site=1, capacity_online=5)
    holder = registration.submit(session, event, data("a@example.org"), now=now, confirm_email=False).registration
    waiter = registration.submit(session, event, data("b@example.org"), now=now, confirm_email=False).registration
    assert (holder.status, waiter.status) == (S.CONFIRMED, S.WAITLISTED)
    _, tally = seats.prepare(session, event, now=now)
    assert tally.taken[Mode.ON_SITE] == 1 and tally.waiting[Mode.ON_SITE] == 1
    assert tally.full(event, Mode.ON_SITE) == seats.mode_is_full(session, event, Mode.ON_SITE) is True
    assert tally.full(event, Mode.ONLINE) == seats.mode_is_full(session, event, Mode.ONLINE) is False


def _shape(statement: str) -> str:
    """A statement without its literals and bound values: what the database is asked to do."""
    shape = re.sub(r"'(?:[^']|'')*'", "?", statement)
    shape = re.sub(r"%\(\w+\)S|:\w+|\$\d+|\b\d+(?:\.\d+)?\b", "?", shape)
    return re.sub(r"\?(?:, \?)+", "?", shape)  # an expanded IN list


@pytest.mark.parametrize("confirm_email", [True, False])
def test_a_repeated_registration_does_the_work_of_a_first_one(session, make, now, confirm_email):
    """Timing must not tell a registered address from a new one (issue 6, Part 3 §8): both run
    the very same statements, in the same order: the reads, the INSERT of the registration
    (which inserts nothing for a repeat), an audit entry and an outbox row (dropped when the
    link was sent moments ago)."""
    event = make.event(capacity_on_site=10)
    registration.submit(session, event, data("bekannt@example.org"), now=now, confirm_email=confirm_email)
    session.commit()

    def shapes(email: str) -> list[str]:
        with statements(session) as seen:
            registration.submit(session, event, data(email), now=now, confirm_email=confirm_email)
            session.flush()
        session.commit()
        return [_shape(s) for s in seen if not s.startswith(("BEGIN", "COMMIT"))]

    known, new = shapes("bekannt@example.org"), shapes("neu@example.org")
    assert known == new
    written = [s.split(" (")[0] for s in known if s.startswith("INSERT")]
    assert written == [
        "INSERT INTO PERSON",
        "INSERT INTO REGISTRATION",
        "INSERT INTO AUDIT_ENTRY",
        "INSERT INTO OUTBOX_MESSAGE",
    ], written
    assert session.scalar(select(func.count(Registration.id))) == 2
