"""Check-in at the door (issue 9 Part 1): every result, races, nonces, undo, admitting online seats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from eventapp.models import (
    Attendance,
    AttendanceSource,
    Event,
    EventStatus,
    Mode,
    Registration,
    RegistrationStatus,
    User,
)
from eventapp.services import audit, checkin, checkin_devices, seats
from eventapp.services.audit import Actor
from eventapp.services.checkin import NotCheckedIn, Result, Scanner, SeatsFull
from eventapp.services.tickets import Keyring, encode_token, ticket_token
from tests.helpers import run_concurrently

S = RegistrationStatus


@pytest.fixture(scope="module")
def keyring() -> Keyring:
    return Keyring(Ed25519PrivateKey.generate())


@pytest.fixture
def staff(make):
    return make.user(email="staff@example.org", role="admin")


@pytest.fixture
def scanner(staff) -> Scanner:
    return Scanner.user(staff, "Eingang Nord")


def ticketed(make, event, **overrides) -> Registration:
    registration = make.registration(event, **overrides)
    seats.issue_ticket(registration)
    return registration


def scan(session, keyring, event, registration, now, scanner, **kwargs):
    return checkin.check_in_code(
        session, keyring, event, ticket_token(keyring, registration), now=now, scanner=scanner, **kwargs
    )


def door_rows(session, registration) -> int:
    return session.scalar(
        select(func.count(Attendance.id)).where(
            Attendance.registration_id == registration.id, Attendance.mode == Mode.ON_SITE
        )
    )


def test_a_valid_ticket_is_checked_in_once_and_a_repeat_is_already(session, make, now, keyring, scanner):
    event = make.event()
    registration = ticketed(make, event)
    first = scan(session, keyring, event, registration, now, scanner)
    assert first.result is Result.OK and first.registration is registration
    assert first.checked_in_at == now
    assert (first.attendance.source, first.attendance.station) == (AttendanceSource.QR, "Eingang Nord")
    later = now + timedelta(minutes=3)
    other = Scanner.user(make.user(email="s2@example.org", role="admin"), "Eingang Süd")
    again = scan(session, keyring, event, registration, later, other)
    assert again.result is Result.ALREADY_CHECKED_IN
    assert (again.checked_in_at, again.attendance.station) == (now, "Eingang Nord")
    assert door_rows(session, registration) == 1
    actions = [entry.action for entry in audit.history(session, registration)]
    assert actions.count("registration.checked_in") == 1
    entry = audit.history(session, registration)[-1]
    assert entry.actor_label == "staff@example.org" or entry.actor_id == scanner.user_id
    assert entry.detail["station"] == "Eingang Nord"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"status": S.CANCELLED}, Result.CANCELLED),
        ({"status": S.EXPIRED}, Result.CANCELLED),
        ({"status": S.WAITLISTED}, Result.WAITLISTED),
        ({"status": S.PENDING}, Result.NOT_CONFIRMED),
        ({"mode": Mode.ONLINE}, Result.WRONG_MODE),
    ],
)
def test_registrations_that_may_not_enter_get_their_reason_and_nothing_is_recorded(
    session, make, now, keyring, scanner, overrides, expected
):
    event = make.event()
    registration = ticketed(make, event, **overrides)
    outcome = scan(session, keyring, event, registration, now, scanner)
    assert outcome.result is expected and outcome.registration is registration
    assert door_rows(session, registration) == 0


def test_a_cancelled_event_admits_nobody(session, make, now, keyring, scanner):
    event = make.event()
    registration = ticketed(make, event)
    event.status = EventStatus.CANCELLED
    assert scan(session, keyring, event, registration, now, scanner).result is Result.CANCELLED


def test_another_events_ticket_is_wrong_event(session, make, now, keyring, scanner):
    event, other = make.event(), make.event()
    registration = ticketed(make, other)
    outcome = scan(session, keyring, event, registration, now, scanner)
    assert outcome.result is Result.WRONG_EVENT and outcome.registration is None


@pytest.mark.parametrize(
    "code",
    ["", "x" * 100_000, "v1.abc.def.ghi", "https://evil.example/v1.x.y.z", "\x00\xff binär", "v1." + "A" * 600],
)
def test_garbage_is_invalid(session, make, now, keyring, scanner, code):
    event = make.event()
    outcome = checkin.check_in_code(session, keyring, event, code, now=now, scanner=scanner)
    assert outcome.result is Result.INVALID and outcome.registration is None


def test_another_key_an_unknown_ticket_and_a_revoked_serial_are_invalid(session, make, now, keyring, scanner):
    event = make.event()
    registration = ticketed(make, event)
    foreign = Keyring(Ed25519PrivateKey.generate())
    forged = ticket_token(foreign, registration)
    assert checkin.check_in_code(session, keyring, event, forged, now=now, scanner=scanner).result is Result.INVALID
    unknown = encode_token(keyring, event_id=event.id, ticket_id="nobody-has-this", serial=1)
    assert checkin.check_in_code(session, keyring, event, unknown, now=now, scanner=scanner).result is Result.INVALID
    old = ticket_token(keyring, registration)
    seats.renew_ticket(registration)
    session.flush()
    assert checkin.check_in_code(session, keyring, event, old, now=now, scanner=scanner).result is Result.INVALID
    assert scan(session, keyring, event, registration, now, scanner).result is Result.OK


def test_forgeries_cost_no_database_statement(app, session, make, now, keyring, scanner):
    event = make.event()
    registration = ticketed(make, event)
    session.flush()
    foreign = ticket_token(Keyring(Ed25519PrivateKey.generate()), registration)
    other_event = encode_token(keyring, event_id=event.id + 1000, ticket_id=registration.ticket_id, serial=1)
    token = ticket_token(keyring, registration)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        for code in (foreign, other_event, tampered, "garbage", "v1." + "x" * 1000):
            outcome = checkin.check_in_code(session, keyring, event, code, now=now, scanner=scanner)
            assert outcome.result in (Result.INVALID, Result.WRONG_EVENT)
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    assert statements == []


def test_a_repeated_nonce_changes_nothing(session, make, now, keyring, staff):
    event = make.event()
    first, second = ticketed(make, event), ticketed(make, event)
    scanner = Scanner.user(staff, "Nord")
    outcome = scan(session, keyring, event, first, now, scanner, nonce="n-1")
    assert outcome.result is Result.OK and outcome.attendance.nonce == "n-1"
    replay = scan(session, keyring, event, first, now + timedelta(seconds=5), scanner, nonce="n-1")
    assert replay.result is Result.OK and replay.replayed and replay.checked_in_at == now
    # the same nonce with another ticket records nothing either
    misuse = scan(session, keyring, event, second, now, scanner, nonce="n-1")
    assert misuse.result is Result.INVALID and misuse.replayed
    assert door_rows(session, second) == 0
    # nonces are per device or user: another staff member may use the same one
    colleague = Scanner.user(make.user(email="c@example.org", role="admin"), "Süd")
    assert scan(session, keyring, event, second, now, colleague, nonce="n-1").result is Result.OK
    entries = [e.action for e in audit.history(session, first)]
    assert entries.count("registration.checked_in") == 1


def test_device_scans_name_the_device_and_its_station(session, make, now, keyring):
    event = make.event()
    registration = ticketed(make, event)
    device, _token = checkin_devices.create_device(session, event, " Eingang  West ", now=now, actor=Actor.system())
    outcome = scan(session, keyring, event, registration, now, Scanner.device(device), nonce="a")
    assert outcome.result is Result.OK
    assert (outcome.attendance.device_id, outcome.attendance.station) == (device.id, "Eingang West")
    entry = audit.history(session, registration)[-1]
    assert (entry.actor_kind.value, entry.actor_id, entry.actor_label) == ("device", device.id, "Eingang West")


def test_undo_deletes_the_door_record_and_the_history_keeps_both(session, make, now, keyring, scanner, staff):
    event = make.event()
    registration = ticketed(make, event)
    scan(session, keyring, event, registration, now, scanner)
    checkin.undo_check_in(session, registration, now=now + timedelta(minutes=1), actor=Actor.user(staff))
    assert door_rows(session, registration) == 0
    actions = [e.action for e in audit.history(session, registration)]
    assert actions[-2:] == ["registration.checked_in", "registration.check_in_undone"]
    with pytest.raises(NotCheckedIn):
        checkin.undo_check_in(session, registration, now=now, actor=Actor.user(staff))
    assert scan(session, keyring, event, registration, now + timedelta(minutes=2), scanner).result is Result.OK


def test_check_in_by_search_follows_the_same_rules(session, make, now, scanner):
    event = make.event()
    registration = make.registration(event)
    waiting = make.registration(event, status=S.WAITLISTED)
    outcome = checkin.check_in_registration(session, registration, now=now, scanner=scanner)
    assert outcome.result is Result.OK and outcome.attendance.source is AttendanceSource.SEARCH
    again = checkin.check_in_registration(session, registration, now=now, scanner=scanner)
    assert again.result is Result.ALREADY_CHECKED_IN
    assert checkin.check_in_registration(session, waiting, now=now, scanner=scanner).result is Result.WAITLISTED


def test_an_online_registration_at_the_door_moves_to_a_free_seat_and_is_admitted(session, make, now, keyring, scanner):
    event = make.event(capacity_on_site=1)
    online = ticketed(make, event, mode=Mode.ONLINE)
    assert scan(session, keyring, event, online, now, scanner).result is Result.WRONG_MODE
    outcome = checkin.admit_on_site(session, online, now=now, scanner=scanner)
    assert outcome.result is Result.OK and online.mode is Mode.ON_SITE
    actions = [e.action for e in audit.history(session, online)]
    assert actions[-2:] == ["registration.mode_switched", "registration.checked_in"]
    # the one on-site seat is now taken: the next online registration cannot be moved
    another = ticketed(make, event, mode=Mode.ONLINE)
    with pytest.raises(SeatsFull):
        checkin.admit_on_site(session, another, now=now, scanner=scanner)
    assert another.mode is Mode.ONLINE


def test_someone_who_joined_online_is_checked_in_at_the_door_too(session, make, now, keyring, scanner):
    event = make.event()
    registration = ticketed(make, event)
    session.add(
        Attendance(
            registration_id=registration.id,
            event_id=event.id,
            mode=Mode.ONLINE,
            source=AttendanceSource.JOIN_LINK,
            first_at=now,
            last_at=now,
        )
    )
    session.flush()
    assert scan(session, keyring, event, registration, now, scanner).result is Result.OK


def test_offline_times_are_believed_only_when_plausible(make, now):
    event = make.event(starts_at=now)
    assert checkin.plausible_time(event, now - timedelta(minutes=5), now=now) == now - timedelta(minutes=5)
    assert checkin.plausible_time(event, now + timedelta(minutes=5), now=now) is None
    assert checkin.plausible_time(event, now - timedelta(days=3), now=now) is None


def test_offline_tickets_name_everyone_with_a_ticket_and_who_is_in(session, make, now, keyring, scanner):
    event = make.event()
    inside, outside = ticketed(make, event), ticketed(make, event, given_name="Anna")
    make.registration(event, status=S.PENDING)  # no ticket
    scan(session, keyring, event, inside, now, scanner)
    infos = {info.registration.id: info.checked_in_at for info in checkin.offline_tickets(session, event)}
    assert infos == {inside.id: now, outside.id: None}


def test_two_stations_scanning_the_same_ticket_at_once_get_one_ok(app, session, make, now, keyring, is_postgres):
    event = make.event()
    people = [ticketed(make, event) for _ in range(30 if is_postgres else 5)]
    staff = [make.user(email=f"door{i}@example.org", role="admin") for i in range(2)]
    session.flush()
    tokens = [ticket_token(keyring, p) for p in people]
    event_id, staff_ids = event.id, [s.id for s in staff]
    session.commit()  # and no more reads here: on SQLite, they would hold the write lock
    for token in tokens:

        def job(own, station, token=token):
            user = own.get_one(User, staff_ids[station])
            outcome = checkin.check_in_code(
                own, keyring, own.get_one(Event, event_id), token, now=now, scanner=Scanner.user(user, f"S{station}")
            )
            return outcome.result, outcome.attendance.station if outcome.attendance else None

        results, errors = run_concurrently(app, [lambda own: job(own, 0), lambda own: job(own, 1)])
        assert errors == []
        verdicts = sorted(result for result, _ in results)
        assert verdicts == [Result.ALREADY_CHECKED_IN, Result.OK]
        stations = dict(results)
        assert stations[Result.ALREADY_CHECKED_IN] == stations[Result.OK]
    session.expire_all()
    assert session.scalar(select(func.count(Attendance.id))) == len(people)
