"""Personal join links (DESIGN §3 "Attendance", §5 ``/j/<token>``): the window, the one Attendance, who gets a link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.models import (
    Attendance,
    AttendanceSource,
    AuditEntry,
    EventAttendance,
    EventStatus,
    Mode,
    RegistrationStatus,
)
from eventapp.services import handover, join, registration, seats
from eventapp.services.audit import Actor
from eventapp.services.errors import NotFound
from eventapp.services.join import JoinLinkGone, JoinState, NotJoinable

#: The Austausch: Tuesday 18:00–20:00 Berlin (17:00–19:00 UTC in winter).
STARTS = datetime(2027, 1, 19, 17, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=2)
MEETING = "https://meet.example/smart-cities-austausch"


@pytest.fixture
def online(make):
    """An online event with a meeting link and one confirmed online registration."""
    event = make.event(
        attendance=EventAttendance.ONLINE,
        starts_at=STARTS,
        ends_at=ENDS,
        venue="",
        address="",
        capacity_on_site=None,
        join_url=MEETING,
    )
    return make.registration(event, mode=Mode.ONLINE, join_token="tok-erika", ticket_id="t-erika", ticket_serial=1)


def attendances(session) -> list[Attendance]:
    return list(session.scalars(select(Attendance).order_by(Attendance.id)))


def test_meeting_url_online_is_the_meeting_hybrid_the_livestream(make):
    online = make.event(attendance=EventAttendance.ONLINE, join_url=MEETING, livestream_url="https://stream.example/a")
    assert join.meeting_url(online) == MEETING
    online.join_url = None
    assert join.meeting_url(online) == "https://stream.example/a"  # a stream-only online event
    hybrid = make.event(attendance=EventAttendance.HYBRID, join_url=MEETING, livestream_url="https://stream.example/b")
    assert join.meeting_url(hybrid) == "https://stream.example/b"
    hybrid.livestream_url = None
    assert join.meeting_url(hybrid) == MEETING  # only the meeting is set
    hybrid.join_url = None
    assert join.meeting_url(hybrid) is None


# --- the window, with a frozen clock ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (STARTS - timedelta(minutes=30, seconds=1), JoinState.EARLY),  # just before it opens
        (STARTS - timedelta(minutes=30), JoinState.OPEN),  # at the opening
        (STARTS + timedelta(hours=1), JoinState.OPEN),  # while it runs
        (ENDS - timedelta(seconds=1), JoinState.OPEN),  # the last second
        (ENDS, JoinState.ENDED),  # at the end
        (ENDS + timedelta(days=1), JoinState.ENDED),  # after it
    ],
)
def test_the_window_opens_30_minutes_before_the_start_and_closes_at_the_end(session, online, now, state):
    status = join.join_status(online, now=now)
    assert status.state is state
    assert (status.opens_at, status.closes_at) == (STARTS - timedelta(minutes=30), ENDS)
    if state is JoinState.OPEN:
        assert join.join(session, online, now=now) == MEETING
        assert len(attendances(session)) == 1
    else:
        with pytest.raises(NotJoinable):
            join.join(session, online, now=now)
        assert attendances(session) == []


def test_the_window_is_configurable(session, online):
    at = STARTS - timedelta(minutes=45)
    assert join.join_status(online, now=at).state is JoinState.EARLY
    assert join.join_status(online, now=at, window=timedelta(hours=1)).state is JoinState.OPEN


def test_without_an_end_the_window_closes_an_hour_after_the_start(session, online):
    online.event.ends_at = None
    assert join.join_status(online, now=STARTS + timedelta(minutes=59)).state is JoinState.OPEN
    assert join.join_status(online, now=STARTS + timedelta(hours=1)).state is JoinState.ENDED


def test_without_a_meeting_link_the_link_follows_and_nothing_is_recorded(session, online):
    online.event.join_url = None
    status = join.join_status(online, now=STARTS)
    assert status.state is JoinState.LINK_FOLLOWS
    with pytest.raises(NotJoinable) as raised:
        join.join(session, online, now=STARTS)
    assert raised.value.code == "join_link_follows"
    assert attendances(session) == []


# --- recording the join --------------------------------------------------------------------------------


def test_joining_records_one_online_attendance_and_a_later_join_moves_its_last_time(session, online):
    first = STARTS - timedelta(minutes=5)
    assert join.join(session, online, now=first, actor=Actor.attendee(online)) == MEETING
    [record] = attendances(session)
    assert (record.registration_id, record.event_id, record.mode) == (online.id, online.event_id, Mode.ONLINE)
    assert record.source is AttendanceSource.JOIN_LINK
    assert record.first_at == record.last_at == first
    assert record.station == "" and record.device_id is None and record.user_id is None

    again = STARTS + timedelta(minutes=40)  # the connection dropped; back in through the link
    join.join(session, online, now=again)
    [record] = attendances(session)
    assert (record.first_at, record.last_at) == (first, again)

    actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == online.id)))
    assert actions == ["attendance.joined", "attendance.rejoined"]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "attendance.joined")).one()
    assert entry.actor_label == online.full_name and entry.event_id == online.event_id


def test_each_person_has_their_own_attendance(session, make, online):
    other = make.registration(online.event, mode=Mode.ONLINE, join_token="tok-max", ticket_id="t-max")
    for reg in (online, other, online, other):
        join.join(session, reg, now=STARTS)
    counts = dict(
        session.execute(select(Attendance.registration_id, func.count()).group_by(Attendance.registration_id)).all()
    )
    assert counts == {online.id: 1, other.id: 1}


def test_someone_who_joined_online_is_checked_in_on_site_too(session, online):
    join.join(session, online, now=STARTS)
    session.add(
        Attendance(
            registration=online,
            event_id=online.event_id,
            mode=Mode.ON_SITE,
            source=AttendanceSource.QR,
            station="Eingang Nord",
            first_at=STARTS + timedelta(hours=1),
            last_at=STARTS + timedelta(hours=1),
        )
    )
    session.flush()
    assert sorted(a.mode for a in attendances(session)) == [Mode.ON_SITE, Mode.ONLINE]


# --- which links work ----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", "nope", "tok-erika-but-longer", "x" * 65, "TOK-ERIKA"])
def test_unknown_tokens_are_not_found(session, online, token):
    with pytest.raises(NotFound):
        join.registration_by_join_token(session, token)


def test_the_current_token_finds_its_registration(session, online):
    assert join.registration_by_join_token(session, "tok-erika") is online


def test_a_cancelled_registration_has_no_join_link(session, online):
    registration.cancel(session, online, now=STARTS - timedelta(days=1))
    with pytest.raises(JoinLinkGone) as raised:
        join.registration_by_join_token(session, "tok-erika")
    assert raised.value.reason == "cancelled"
    with pytest.raises(JoinLinkGone):
        join.join(session, online, now=STARTS)
    assert attendances(session) == []
    assert join.registration_by_join_token(session, "tok-erika", usable=False) is online


def test_a_cancelled_event_has_no_join_link(session, online):
    online.event.status = EventStatus.CANCELLED
    with pytest.raises(JoinLinkGone) as raised:
        join.registration_by_join_token(session, "tok-erika")
    assert raised.value.reason == "event_cancelled"


def test_a_registration_switched_on_site_has_no_join_link(session, make):
    event = make.event(attendance=EventAttendance.HYBRID, starts_at=STARTS, ends_at=ENDS, capacity_on_site=5)
    event.livestream_url = "https://stream.example/konferenz"
    reg = make.registration(event, mode=Mode.ONLINE, join_token="tok-hybrid", ticket_id="t-hybrid", ticket_serial=1)
    assert join.join(session, reg, now=STARTS) == "https://stream.example/konferenz"

    registration.switch_mode(session, reg, now=STARTS - timedelta(days=2), target=Mode.ON_SITE)
    assert reg.mode is Mode.ON_SITE
    with pytest.raises(JoinLinkGone) as raised:
        join.registration_by_join_token(session, "tok-hybrid")
    assert raised.value.reason == "on_site"
    with pytest.raises(JoinLinkGone):
        join.join(session, reg, now=STARTS + timedelta(minutes=1))

    registration.switch_mode(session, reg, now=STARTS - timedelta(days=1), target=Mode.ONLINE)
    assert join.registration_by_join_token(session, "tok-hybrid") is reg  # back online: the link works again


def test_a_reissued_ticket_renews_the_join_link(session, online):
    registration.reissue_ticket(session, online, now=STARTS - timedelta(days=1), serial=1)
    assert online.ticket_serial == 2 and online.join_token not in (None, "tok-erika")
    with pytest.raises(NotFound):
        join.registration_by_join_token(session, "tok-erika")
    assert join.registration_by_join_token(session, online.join_token) is online


def test_passing_a_registration_on_renews_the_join_link(session, online):
    offer = handover.offer_handover(
        session,
        online,
        handover.HandoverInput(given_name="Max", family_name="Muster", email="max@example.org", organization=""),
        now=STARTS - timedelta(days=3),
        actor=Actor.attendee(online),
        accept_url=lambda t: f"https://x.example/h/{t}",
    )
    handover.accept_handover(session, offer, now=STARTS - timedelta(days=3, minutes=-5))
    assert online.join_token != "tok-erika" and online.joins_online
    with pytest.raises(NotFound):
        join.registration_by_join_token(session, "tok-erika")


# --- who gets a join link ------------------------------------------------------------------------------


def data(email: str, mode: str = "online") -> registration.RegistrationInput:
    return registration.RegistrationInput(
        given_name="Erika", family_name="Mustermann", email=email, organization="", mode=mode, privacy_consent=True
    )


def test_a_seat_comes_with_a_join_link_that_works_online_only(session, make):
    event = make.event(starts_at=STARTS, ends_at=ENDS, capacity_on_site=5, capacity_online=1)
    now = STARTS - timedelta(days=7)
    confirmed = registration.submit(session, event, data("a@example.org"), now=now, confirm_email=False).registration
    assert confirmed.status is RegistrationStatus.CONFIRMED and confirmed.join_token and confirmed.joins_online
    on_site = registration.submit(
        session, event, data("b@example.org", "on_site"), now=now, confirm_email=False
    ).registration
    assert on_site.join_token and not on_site.joins_online  # given with the seat, but no link online

    pending = registration.submit(session, event, data("c@example.org", "on_site"), now=now).registration
    assert pending.status is RegistrationStatus.PENDING and pending.join_token is None
    registration.confirm(session, pending, now=now)
    assert pending.join_token is not None

    waiting = registration.submit(session, event, data("d@example.org"), now=now, confirm_email=False).registration
    assert waiting.status is RegistrationStatus.WAITLISTED and waiting.join_token is None
    registration.cancel(session, confirmed, now=now)  # the online seat frees: the waiter is promoted
    assert waiting.status is RegistrationStatus.CONFIRMED and waiting.joins_online
    assert len({confirmed.join_token, on_site.join_token, pending.join_token, waiting.join_token}) == 4


def test_issue_ticket_keeps_an_existing_join_link(make):
    reg = make.registration(make.event(), join_token="keep", ticket_id="t-keep", ticket_serial=1)
    seats.issue_ticket(reg)
    assert (reg.join_token, reg.ticket_id) == ("keep", "t-keep")
