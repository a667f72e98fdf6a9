"""Series registrations: one confirmation, a registration per date, declining one date, dates added later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import icalendar
import pytest
from sqlalchemy import func, select

from eventapp.mail import deliver_outbox
from eventapp.models import (
    ActorKind,
    AuditEntry,
    CancelReason,
    EventAttendance,
    EventStatus,
    Mode,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    SeriesRegistrationStatus,
)
from eventapp.services import calendar, registration, series
from eventapp.services.errors import (
    InvalidState,
    LinkExpired,
    ModeNotOffered,
    NotFound,
    RegistrationClosed,
    ValidationError,
)
from eventapp.services.registration import RegistrationInput
from tests.helpers import without_links


@pytest.fixture
def pausenhof(make, now):
    """A series of three upcoming online dates (capacity 2), one past date and one draft."""
    org = make.organization(slug="agentur", name="Südwestfalen Agentur")
    found = make.series(organization=org, slug="pausenhof", title="Pausenhof")
    for days in (-14, 7, 21, 35):
        make.event(
            organization=org,
            series=found,
            slug=f"pausenhof-{days}",
            format="pausenhof",
            attendance=EventAttendance.ONLINE,
            capacity_online=2,
            capacity_on_site=None,
            starts_at=now + timedelta(days=days),
        )
    make.event(
        organization=org, series=found, slug="pausenhof-draft", status=EventStatus.DRAFT,
        attendance=EventAttendance.ONLINE, starts_at=now + timedelta(days=49),
    )  # fmt: skip
    return found


def data(**overrides: Any) -> RegistrationInput:
    values: dict[str, Any] = {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "email": "Erika@Example.org",
        "organization": "Stadt Olpe",
        "privacy_consent": True,
    }
    values.update(overrides)
    return RegistrationInput(**values)


def mails(session, kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


def registrations_of(session, series_registration) -> dict[str, Registration]:
    rows = session.scalars(
        select(Registration).where(Registration.person_id == series_registration.person_id).order_by(Registration.id)
    )
    return {row.event.slug: row for row in rows}


def confirmed_series(session, pausenhof, now, **overrides):
    outcome = series.submit_series(session, pausenhof, data(**overrides), now=now)
    return series.confirm_series(session, outcome.series_registration, now=now)


def test_submit_creates_a_pending_series_registration_and_one_confirmation_mail(session, pausenhof, now):
    outcome = series.submit_series(session, pausenhof, data(), now=now, consent_version="v1")
    found = outcome.series_registration
    assert outcome.created
    assert found.status is SeriesRegistrationStatus.PENDING
    assert found.person.email == "erika@example.org"
    assert found.mode is Mode.ONLINE  # the only mode the dates offer
    assert found.expires_at == now + registration.CONFIRM_WINDOW
    assert found.privacy_consent_version == "v1"
    sent = mails(session)
    assert [(m.kind, m.series_registration_id, m.to_address) for m in sent] == [
        ("series_confirm_email", found.id, "erika@example.org")
    ]
    assert session.scalars(select(Registration)).all() == []


def test_confirmation_registers_for_every_upcoming_published_date(session, pausenhof, now):
    found = confirmed_series(session, pausenhof, now)
    assert found.status is SeriesRegistrationStatus.ACTIVE
    assert found.email_confirmed_at == now and found.person.verified_at == now
    regs = registrations_of(session, found)
    assert sorted(regs) == ["pausenhof-21", "pausenhof-35", "pausenhof-7"]
    for reg in regs.values():
        assert reg.status is RegistrationStatus.CONFIRMED
        assert reg.email_confirmed_at == now
        assert reg.series_registration_id == found.id
        assert reg.mode is Mode.ONLINE
        assert reg.ticket_id
    # One mail covers every date (issue 6 part 2 §4): no ticket mail per date.
    kinds = [m.kind for m in mails(session)]
    assert kinds == ["series_confirm_email", "series_confirmed"]


def test_a_full_date_puts_the_series_registrant_on_that_dates_waiting_list(session, make, pausenhof, now):
    full = series.upcoming_dates(session, pausenhof, now=now)[1]
    make.registration(full, mode=Mode.ONLINE)
    make.registration(full, mode=Mode.ONLINE)
    found = confirmed_series(session, pausenhof, now)
    regs = registrations_of(session, found)
    assert regs[full.slug].status is RegistrationStatus.WAITLISTED
    assert regs[full.slug].email_confirmed_at == now
    # The series mail tells the state of every date; the date sends nothing of its own.
    assert [m.kind for m in mails(session) if m.registration_id == regs[full.slug].id] == []
    assert [m.kind for m in mails(session)] == ["series_confirm_email", "series_confirmed"]


def test_confirming_twice_changes_nothing(session, pausenhof, now):
    found = confirmed_series(session, pausenhof, now)
    count = len(mails(session))
    series.confirm_series(session, found, now=now + timedelta(minutes=1))
    assert len(mails(session)) == count
    assert len(registrations_of(session, found)) == 3


def test_confirmation_after_24_hours_is_refused(session, pausenhof, now):
    found = series.submit_series(session, pausenhof, data(), now=now).series_registration
    with pytest.raises(LinkExpired):
        series.confirm_series(session, found, now=now + timedelta(hours=24))
    assert registrations_of(session, found) == {}


def test_registering_again_resends_the_link_at_most_every_few_minutes(session, pausenhof, now):
    first = series.submit_series(session, pausenhof, data(), now=now).series_registration
    again = series.submit_series(session, pausenhof, data(email="ERIKA@example.org"), now=now + timedelta(minutes=1))
    assert not again.created and again.series_registration is first
    assert len(mails(session, "series_confirm_email")) == 1
    series.submit_series(session, pausenhof, data(), now=now + timedelta(minutes=10))
    assert len(mails(session, "series_confirm_email")) == 2
    series.confirm_series(session, first, now=now + timedelta(minutes=11))
    series.submit_series(session, pausenhof, data(), now=now + timedelta(minutes=30))
    assert len(mails(session, "series_manage_link")) == 1
    assert len(registrations_of(session, first)) == 3


def test_an_expired_series_registration_makes_room_for_a_new_one(session, pausenhof, now):
    first = series.submit_series(session, pausenhof, data(), now=now).series_registration
    second = series.submit_series(session, pausenhof, data(), now=now + timedelta(days=2))
    assert second.created and second.series_registration is not first
    assert first.status is SeriesRegistrationStatus.EXPIRED


def test_without_email_confirmation_the_series_is_active_at_once(session, pausenhof, now):
    found = series.submit_series(session, pausenhof, data(), now=now, confirm_email=False).series_registration
    assert found.status is SeriesRegistrationStatus.ACTIVE
    assert len(registrations_of(session, found)) == 3
    assert "series_confirm_email" not in [m.kind for m in mails(session)]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_name": "  "}, "given_name"),
        ({"family_name": "x" * 101}, "family_name"),
        ({"email": "not-an-email"}, "email"),
        ({"privacy_consent": False}, "privacy_consent"),
        ({"mode": "by-carrier-pigeon"}, "mode"),
        ({"answers": {"unknown": "x"}}, "answers.unknown"),
    ],
)
def test_invalid_input_is_refused_like_the_event_form(session, pausenhof, now, overrides, field):
    with pytest.raises(ValidationError) as error:
        series.submit_series(session, pausenhof, data(**overrides), now=now)
    assert field in error.value.fields
    assert mails(session) == []


def test_a_mode_no_date_offers_is_refused(session, pausenhof, now):
    with pytest.raises(ModeNotOffered):
        series.submit_series(session, pausenhof, data(mode="on_site"), now=now)


def test_questions_of_the_next_date_are_asked_and_sensitive_ones_need_consent(session, make, pausenhof, now):
    first = series.upcoming_dates(session, pausenhof, now=now)[0]
    make.question(first, key="diet", sensitive=True)
    with pytest.raises(ValidationError) as error:
        series.submit_series(session, pausenhof, data(answers={"diet": "vegan"}), now=now)
    assert "sensitive_consent" in error.value.fields
    found = confirmed_series(session, pausenhof, now, answers={"diet": "vegan"}, sensitive_consent=True)
    regs = registrations_of(session, found)
    assert regs[first.slug].answers == {"diet": "vegan"}
    assert regs["pausenhof-21"].answers == {}  # that date does not ask


def test_a_series_without_upcoming_dates_takes_no_registrations(session, make, now):
    empty = make.series(slug="leer")
    with pytest.raises(RegistrationClosed):
        series.submit_series(session, empty, data(), now=now)


def test_existing_registration_for_a_date_is_kept(session, make, pausenhof, now):
    person = make.person(email="erika@example.org")
    date = series.upcoming_dates(session, pausenhof, now=now)[0]
    own = make.registration(date, person=person, mode=Mode.ONLINE)
    found = confirmed_series(session, pausenhof, now)
    regs = session.scalars(select(Registration).where(Registration.event_id == date.id)).all()
    assert regs == [own]
    assert len(registrations_of(session, found)) == 3


# --- declining one date ("diesmal nicht") -----------------------------------------------------


def test_declining_a_date_cancels_it_and_the_seat_goes_to_that_dates_queue(session, make, pausenhof, now):
    date = series.upcoming_dates(session, pausenhof, now=now)[0]
    found = confirmed_series(session, pausenhof, now)
    make.registration(date, mode=Mode.ONLINE)  # the second seat
    waiter = make.registration(
        date, mode=Mode.ONLINE, status=RegistrationStatus.WAITLISTED, waiting_since=now - timedelta(hours=1)
    )
    before = len(mails(session))
    declined = series.decline_date(session, found, date, now=now + timedelta(hours=1))
    assert declined.status is RegistrationStatus.CANCELLED
    assert declined.cancel_reason is CancelReason.DECLINED
    assert waiter.status is RegistrationStatus.CONFIRMED  # promoted in the same transaction
    new = mails(session)[before:]
    assert [(m.kind, m.registration_id) for m in new] == [("cancelled", declined.id), ("ticket", waiter.id)]
    assert new[0].context == {"reason": "declined", "had_ticket": True}
    others = [reg for slug, reg in registrations_of(session, found).items() if slug != date.slug]
    assert all(reg.status is RegistrationStatus.CONFIRMED for reg in others)


def test_a_declined_date_is_never_created_again(session, pausenhof, now):
    date = series.upcoming_dates(session, pausenhof, now=now)[0]
    found = confirmed_series(session, pausenhof, now)
    series.decline_date(session, found, date, now=now)
    assert series.sync_series_registrations(session, pausenhof, now=now) == []
    assert series.sync_all_series(session, now=now) == 0
    rows = session.scalars(select(Registration).where(Registration.event_id == date.id)).all()
    assert len(rows) == 1 and rows[0].cancel_reason is CancelReason.DECLINED


def test_a_series_date_cancelled_on_its_own_page_counts_as_declined(session, pausenhof, now):
    date = series.upcoming_dates(session, pausenhof, now=now)[0]
    found = confirmed_series(session, pausenhof, now)
    registration.cancel(session, registrations_of(session, found)[date.slug], now=now)
    assert series.sync_series_registrations(session, pausenhof, now=now) == []
    entry = next(e for e in series.date_overview(session, found, now=now) if e.event.id == date.id)
    assert entry.state == "declined"


def test_declining_a_date_that_is_not_open_yet_remembers_the_decline(session, make, pausenhof, now):
    later = make.event(
        series=pausenhof, organization=pausenhof.organization, slug="pausenhof-later",
        attendance=EventAttendance.ONLINE, starts_at=now + timedelta(days=63),
        registration_opens_at=now + timedelta(days=30),
    )  # fmt: skip
    found = confirmed_series(session, pausenhof, now)
    assert later.slug not in registrations_of(session, found)
    entry = next(e for e in series.date_overview(session, found, now=now) if e.event.id == later.id)
    assert entry.state == "not_registered" and entry.can_decline
    marker = series.decline_date(session, found, later, now=now)
    assert marker.cancel_reason is CancelReason.DECLINED and not marker.is_active
    assert series.sync_all_series(session, now=now + timedelta(days=31)) == 0
    assert series.decline_date(session, found, later, now=now) is marker


def test_declining_is_refused_for_past_dates_and_other_series(session, make, pausenhof, now):
    found = confirmed_series(session, pausenhof, now)
    past = series.series_dates(session, pausenhof)[0]
    with pytest.raises(InvalidState):
        series.decline_date(session, found, past, now=now)
    stranger = make.event(starts_at=now + timedelta(days=3))
    with pytest.raises(NotFound):
        series.decline_date(session, found, stranger, now=now)
    with pytest.raises(NotFound):
        series.date_of_series(session, found, stranger.slug)


# --- joining a declined date again -------------------------------------------------------------------


def test_a_declined_date_can_be_joined_again_with_a_ticket_and_a_fresh_invitation(session, pausenhof, now):
    date = series.upcoming_dates(session, pausenhof, now=now)[0]
    found = confirmed_series(session, pausenhof, now)
    declined = series.decline_date(session, found, date, now=now)
    entry = next(e for e in series.date_overview(session, found, now=now) if e.event.id == date.id)
    assert entry.state == "declined" and entry.can_rejoin and not entry.can_decline
    cancel_sequence = calendar.personal_sequence(declined) + 1  # what the CANCEL mail carried
    before = len(mails(session))

    joined = series.rejoin_date(session, found, date, now=now + timedelta(minutes=5))
    assert joined is not None and joined.id != declined.id
    assert joined.status is RegistrationStatus.CONFIRMED and joined.ticket_id
    assert joined.series_registration_id == found.id
    assert declined.status is RegistrationStatus.CANCELLED  # the history stays
    assert [(m.kind, m.registration_id) for m in mails(session)[before:]] == [("ticket", joined.id)]
    # The new invitation must outrank the CANCEL clients hold, or they drop it as outdated.
    assert calendar.personal_sequence(joined) > cancel_sequence
    entry = next(e for e in series.date_overview(session, found, now=now) if e.event.id == date.id)
    assert entry.state == "confirmed" and entry.can_decline and not entry.can_rejoin
    # The audit trail names the person and what happened, in the same transaction.
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.rejoined")).one()
    assert (entry.object_id, entry.actor_kind, entry.actor_id) == (joined.id, ActorKind.ATTENDEE, found.person_id)
    assert entry.detail == {"status": "confirmed"}
    # Joining again changes nothing; the sync leaves the date alone.
    assert series.rejoin_date(session, found, date, now=now) is joined
    assert series.sync_series_registrations(session, pausenhof, now=now) == []
    assert len(mails(session)) == before + 1


def test_a_date_cancelled_on_its_own_page_can_be_joined_again(session, pausenhof, now):
    date = series.upcoming_dates(session, pausenhof, now=now)[0]
    found = confirmed_series(session, pausenhof, now)
    registration.cancel(session, registrations_of(session, found)[date.slug], now=now)
    joined = series.rejoin_date(session, found, date, now=now)
    assert joined is not None and joined.status is RegistrationStatus.CONFIRMED


def test_joining_a_full_date_again_follows_the_seat_rules(session, make, pausenhof, now):
    date = series.upcoming_dates(session, pausenhof, now=now)[0]
    found = confirmed_series(session, pausenhof, now)
    series.decline_date(session, found, date, now=now)
    make.registration(date, mode=Mode.ONLINE)
    make.registration(date, mode=Mode.ONLINE)  # capacity 2: both seats gone meanwhile
    before = len(mails(session))
    joined = series.rejoin_date(session, found, date, now=now)
    assert joined is not None and joined.status is RegistrationStatus.WAITLISTED and joined.ticket_id is None
    assert [m.kind for m in mails(session)[before:]] == ["waitlisted"]
    held = session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == date.id, Registration.status == RegistrationStatus.CONFIRMED
        )
    )
    assert held == 2  # never above the capacity


def test_joining_a_date_that_is_not_open_yet_again_lets_the_series_register_it_later(session, make, pausenhof, now):
    later = make.event(
        series=pausenhof, organization=pausenhof.organization, slug="pausenhof-later",
        attendance=EventAttendance.ONLINE, starts_at=now + timedelta(days=63),
        registration_opens_at=now + timedelta(days=30),
    )  # fmt: skip
    found = confirmed_series(session, pausenhof, now)
    series.decline_date(session, found, later, now=now)
    assert series.rejoin_date(session, found, later, now=now) is None
    assert later.slug not in registrations_of(session, found)  # the remembered decline is gone
    created = series.sync_series_registrations(session, pausenhof, now=now + timedelta(days=31))
    assert [reg.event_id for reg in created] == [later.id]


def test_joining_again_is_refused_for_past_dates_other_series_and_a_left_series(session, make, pausenhof, now):
    found = confirmed_series(session, pausenhof, now)
    past = series.series_dates(session, pausenhof)[0]
    with pytest.raises(InvalidState):
        series.rejoin_date(session, found, past, now=now)
    with pytest.raises(NotFound):
        series.rejoin_date(session, found, make.event(starts_at=now + timedelta(days=3)), now=now)
    date = series.upcoming_dates(session, pausenhof, now=now)[0]
    series.decline_date(session, found, date, now=now)
    series.cancel_series(session, found, now=now)
    with pytest.raises(InvalidState):
        series.rejoin_date(session, found, date, now=now)
    entry = next(e for e in series.date_overview(session, found, now=now) if e.event.id == date.id)
    assert not entry.can_rejoin


def test_before_the_email_is_confirmed_the_dates_await_that_confirmation(session, pausenhof, now):
    """Not "not registered yet (registration not open)", which a pending series page used to say."""
    found = series.submit_series(session, pausenhof, data(), now=now).series_registration
    upcoming = [e for e in series.date_overview(session, found, now=now) if e.event.starts_at > now]
    assert upcoming and {e.state for e in upcoming} == {"pending"}
    assert not any(e.can_decline or e.can_rejoin for e in upcoming)


def test_date_topic_is_the_title_without_the_series_name(make):
    found = make.series(slug="ph", title="Pausenhof")
    assert series.date_topic(make.event(series=found, title="Pausenhof: Digitale Behördengänge")) == (
        "Digitale Behördengänge"
    )
    assert series.date_topic(make.event(series=found, title="Pausenhof")) == ""
    assert series.date_topic(make.event(series=found, title="Sommerfest")) == "Sommerfest"


# --- dates added later ------------------------------------------------------------------------------


def test_dates_added_later_are_registered_by_sync(session, make, pausenhof, now):
    found = confirmed_series(session, pausenhof, now)
    other = confirmed_series(session, pausenhof, now, email="max@example.org", given_name="Max")
    added = make.event(
        series=pausenhof, organization=pausenhof.organization, slug="pausenhof-new",
        attendance=EventAttendance.ONLINE, capacity_online=1, starts_at=now + timedelta(days=49),
    )  # fmt: skip
    created = series.sync_series_registrations(session, pausenhof, now=now)
    assert {reg.person_id for reg in created} == {found.person_id, other.person_id}
    assert registrations_of(session, found)[added.slug].status is RegistrationStatus.CONFIRMED
    assert registrations_of(session, other)[added.slug].status is RegistrationStatus.WAITLISTED  # first come
    assert series.sync_series_registrations(session, pausenhof, now=now) == []


def test_pending_or_cancelled_series_registrations_get_no_dates(session, make, pausenhof, now):
    pending = series.submit_series(session, pausenhof, data(), now=now).series_registration
    left = confirmed_series(session, pausenhof, now, email="left@example.org")
    series.cancel_series(session, left, now=now)
    make.event(
        series=pausenhof, organization=pausenhof.organization, slug="pausenhof-new",
        attendance=EventAttendance.ONLINE, starts_at=now + timedelta(days=49),
    )  # fmt: skip
    assert series.sync_series_registrations(session, pausenhof, now=now) == []
    assert registrations_of(session, pending) == {}


def test_sync_all_expires_unconfirmed_series_registrations(session, pausenhof, now):
    found = series.submit_series(session, pausenhof, data(), now=now).series_registration
    series.sync_all_series(session, now=now + timedelta(hours=25))
    assert found.status is SeriesRegistrationStatus.EXPIRED


# --- leaving the series -----------------------------------------------------------------------------------


def test_cancelling_the_series_cancels_every_upcoming_date(session, pausenhof, now):
    found = confirmed_series(session, pausenhof, now)
    before = len(mails(session))
    series.cancel_series(session, found, now=now)
    assert found.status is SeriesRegistrationStatus.CANCELLED and found.cancelled_at == now
    regs = registrations_of(session, found)
    assert all(reg.status is RegistrationStatus.CANCELLED for reg in regs.values())
    assert all(reg.cancel_reason is CancelReason.CANCELLED for reg in regs.values())
    assert [m.kind for m in mails(session)[before:]] == ["cancelled"] * 3
    with pytest.raises(InvalidState):
        series.confirm_series(session, found, now=now)


def test_cancelling_a_pending_series_registration_sends_nothing(session, pausenhof, now):
    found = series.submit_series(session, pausenhof, data(), now=now).series_registration
    series.cancel_series(session, found, now=now)
    assert found.status is SeriesRegistrationStatus.CANCELLED
    assert [m.kind for m in mails(session)] == ["series_confirm_email"]


# --- overview ------------------------------------------------------------------------------------------


def test_overview_lists_each_date_with_its_state(session, make, pausenhof, now):
    dates = series.upcoming_dates(session, pausenhof, now=now)
    make.registration(dates[2], mode=Mode.ONLINE)
    make.registration(dates[2], mode=Mode.ONLINE)
    found = confirmed_series(session, pausenhof, now)
    series.decline_date(session, found, dates[1], now=now)
    entries = series.date_overview(session, found, now=now)
    states = {entry.event.slug: entry.state for entry in entries}
    assert states == {
        "pausenhof--14": "past",
        "pausenhof-7": "confirmed",
        "pausenhof-21": "declined",
        "pausenhof-35": "waitlisted",
    }
    assert [entry.can_decline for entry in entries] == [False, True, False, True]
    assert series.series_registration_by_token(session, found.manage_token) is found
    with pytest.raises(NotFound):
        series.series_registration_by_token(session, "nope")


# --- mails over a real SMTP server ---------------------------------------------------------------------


def _deliver(session, now):
    session.commit()
    report = deliver_outbox(session, now=now)
    assert report.failed == []


def _calendar_parts(message) -> list[tuple[str, list[icalendar.Event]]]:
    found = []
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            found.append((part.get_param("method"), calendar.walk("VEVENT")))
    return found


def test_a_series_registration_sends_one_mail_with_all_dates_to_import_or_subscribe(
    session, make, pausenhof, smtp_server, now
):
    """Regression (issue 6 part 2 §4): confirming sent a summary plus one ticket mail per date."""
    dates = series.upcoming_dates(session, pausenhof, now=now)
    make.registration(dates[2], mode=Mode.ONLINE)
    make.registration(dates[2], mode=Mode.ONLINE)  # the last date is full: a waiting-list place
    found = series.submit_series(session, pausenhof, data(), now=now).series_registration
    _deliver(session, now)
    (confirm,) = smtp_server.messages
    assert "Pausenhof" in confirm["Subject"]
    body = confirm.get_body(preferencelist=("plain",)).get_content()
    assert f"http://localhost/s/{found.manage_token}/confirm" in body
    assert _calendar_parts(confirm) == []

    series.confirm_series(session, found, now=now)
    _deliver(session, now)
    (overview,) = smtp_server.messages[1:]  # ONE mail for the whole series
    text = overview.get_body(preferencelist=("plain",)).get_content()
    assert f"http://localhost/s/{found.manage_token}" in text
    assert f"webcal://localhost/calendar/{found.person.feed_token}.ics" in text
    assert text.count("Bestätigt") == 2 and "Warteliste" in text, text
    # Pausenhof is online only: no QR to keep safe, no mode switch offered.
    prose = without_links(text)
    assert "QR" not in prose and "Teilnahmeart" not in prose and "wechseln" not in prose and "switch" not in prose
    assert not [part for part in overview.walk() if part.get_content_type() == "image/png"]
    # The confirmed dates travel as one METHOD:PUBLISH file: one VEVENT and UID per date, no RRULE,
    # no ATTENDEE (RFC 5546 PUBLISH), the SEQUENCE later per-date mails build on.
    ((method, vevents),) = _calendar_parts(overview)
    assert method == "PUBLISH"
    (attachment,) = list(overview.iter_attachments())
    assert attachment.get_filename() == "series.ics"
    raw = attachment.get_payload(decode=True)
    assert b"METHOD:PUBLISH" in raw
    assert [str(v["UID"]) for v in vevents] == [dates[0].uid, dates[1].uid]
    assert all("RRULE" not in v and "ATTENDEE" not in v and "ORGANIZER" in v for v in vevents)
    assert all(int(v["SEQUENCE"]) == 0 and str(v["STATUS"]) == "CONFIRMED" for v in vevents)

    # A later change to one date is that date's own mail: here the CANCEL of a declined date.
    series.decline_date(session, found, dates[1], now=now)
    _deliver(session, now)
    (cancel_mail,) = smtp_server.messages[2:]
    ((method, (vevent,)),) = _calendar_parts(cancel_mail)
    assert method == "CANCEL"
    assert str(vevent["UID"]) == dates[1].uid
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert int(vevent["SEQUENCE"]) == 1  # above the imported entry's


def test_a_promotion_on_a_series_date_later_sends_that_dates_ticket(session, make, pausenhof, now):
    dates = series.upcoming_dates(session, pausenhof, now=now)
    holder = make.registration(dates[0], mode=Mode.ONLINE)
    make.registration(dates[0], mode=Mode.ONLINE)
    found = confirmed_series(session, pausenhof, now)
    waiting = registrations_of(session, found)[dates[0].slug]
    assert waiting.status is RegistrationStatus.WAITLISTED
    before = len(mails(session))
    registration.cancel(session, holder, now=now + timedelta(hours=1))
    assert waiting.status is RegistrationStatus.CONFIRMED
    assert [(m.kind, m.registration_id) for m in mails(session)[before:]] == [
        ("cancelled", holder.id),
        ("ticket", waiting.id),
    ]


def test_registering_again_for_an_active_series_mails_the_manage_link(session, pausenhof, smtp_server, now):
    found = confirmed_series(session, pausenhof, now, locale="en")
    _deliver(session, now)
    count = len(smtp_server.messages)
    series.submit_series(session, pausenhof, data(locale="en"), now=now + timedelta(minutes=10))
    _deliver(session, now + timedelta(minutes=10))
    (again,) = smtp_server.messages[count:]
    assert again["Subject"] == "Your registration for the series: Pausenhof"
    text = again.get_body(preferencelist=("plain",)).get_content()
    assert f"http://localhost/s/{found.manage_token}" in text
    # The layout's footer carries the warning; the body must not repeat it.
    assert text.count("Please do not forward this email") == 1
    html = again.get_body(preferencelist=("html",)).get_content()
    assert html.count("Please do not forward this email") == 1


def test_after_leaving_the_series_its_dates_read_cancelled(session, pausenhof, now):
    found = confirmed_series(session, pausenhof, now)
    series.cancel_series(session, found, now=now)
    states = {entry.state for entry in series.date_overview(session, found, now=now) if entry.event.starts_at > now}
    assert states == {"cancelled"}
    assert not any(entry.can_decline for entry in series.date_overview(session, found, now=now))
