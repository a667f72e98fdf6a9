"""The Attendance table's own rules (DESIGN §3): one record per registration and mode, nonces per device."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from eventapp.models import Attendance, AttendanceSource, CheckinDevice, Mode

AT = datetime(2027, 3, 18, 9, 5, tzinfo=UTC)


def arrival(registration, mode: Mode = Mode.ON_SITE, **values) -> Attendance:
    values.setdefault("source", AttendanceSource.QR)
    return Attendance(
        registration=registration, event_id=registration.event_id, mode=mode, first_at=AT, last_at=AT, **values
    )


def test_one_record_per_registration_and_mode(session, make):
    registration = make.registration(make.event())
    session.add(arrival(registration, Mode.ONLINE, source=AttendanceSource.JOIN_LINK))
    session.add(arrival(registration, Mode.ON_SITE, station="Eingang Nord"))
    session.flush()  # joined online, then came to the door: two records

    session.add(arrival(registration, Mode.ON_SITE, station="Eingang Süd"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_a_nonce_is_unique_per_device_and_per_user_not_across_them(session, make):
    event = make.event()
    first, second, third = (make.registration(event) for _ in range(3))
    staff = make.user(role="staff", organizations=[event.organization])
    one, two = (CheckinDevice(event_id=event.id, station=f"S{n}", token_hash=f"{n}" * 64) for n in (1, 2))
    session.add_all([one, two])
    session.flush()
    session.add(arrival(first, device_id=one.id, nonce="scan-1"))
    session.add(arrival(second, device_id=two.id, nonce="scan-1"))
    session.add(arrival(third, user_id=staff.id, nonce="scan-1"))
    session.flush()  # the same nonce from another device or a staff session is another scan

    session.add(arrival(make.registration(event), device_id=one.id, nonce="scan-1"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_a_repeated_nonce_of_one_staff_member_is_refused(session, make):
    event = make.event()
    staff = make.user(role="staff", organizations=[event.organization])
    session.add(arrival(make.registration(event), user_id=staff.id, nonce="n-7"))
    session.flush()
    session.add(arrival(make.registration(event), user_id=staff.id, nonce="n-7"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_walk_ins_are_a_source():
    assert AttendanceSource("walk-in") is AttendanceSource.WALK_IN
