"""The organizer's view of an event's registrations: filter and order (issue 7, Part 4)."""

from __future__ import annotations

from datetime import UTC, datetime

from eventapp.models import Attendance, AttendanceSource, Mode, RegistrationStatus
from eventapp.services.roster import RosterFilter, roster_select

S = RegistrationStatus


def names(session, event, flt: RosterFilter) -> list[str]:
    return [r.full_name for r in session.scalars(roster_select(event, flt))]


def test_without_a_filter_every_registration_of_the_event_by_family_then_given_name(session, make):
    event = make.event()
    make.registration(event, given_name="Zoe", family_name="Albers")
    make.registration(event, given_name="Anna", family_name="Schulz")
    make.registration(event, given_name="Anna", family_name="Albers")
    make.registration(make.event(), given_name="Other", family_name="Event")
    assert names(session, event, RosterFilter()) == ["Anna Albers", "Zoe Albers", "Anna Schulz"]


def test_equal_names_are_ordered_by_id(session, make):
    event = make.event()
    first = make.registration(event, given_name="Max", family_name="Muster")
    second = make.registration(event, given_name="Max", family_name="Muster")
    assert [r.id for r in session.scalars(roster_select(event, RosterFilter()))] == [first.id, second.id]


def test_search_is_case_insensitive_over_names_email_and_organization(session, make):
    event = make.event()
    make.registration(event, given_name="Erika", family_name="Mustermann", organization="Stadt Olpe")
    make.registration(
        event,
        given_name="Jonas",
        family_name="Weber",
        organization="IT-Firma",
        person=make.person(email="jw@menden.de"),
    )
    assert names(session, event, RosterFilter(search="mustermann")) == ["Erika Mustermann"]
    assert names(session, event, RosterFilter(search="ERIKA")) == ["Erika Mustermann"]
    assert names(session, event, RosterFilter(search="olpe")) == ["Erika Mustermann"]
    assert names(session, event, RosterFilter(search="MENDEN.de")) == ["Jonas Weber"]
    # every word must match somewhere
    assert names(session, event, RosterFilter(search="  jonas  firma ")) == ["Jonas Weber"]
    assert names(session, event, RosterFilter(search="jonas olpe")) == []


def test_search_wildcards_are_literal(session, make):
    event = make.event()
    make.registration(event, given_name="Erika", family_name="Mustermann", organization="100% Digital")
    make.registration(event, given_name="Max", family_name="Muster_mann")
    assert names(session, event, RosterFilter(search="%")) == ["Erika Mustermann"]
    # "_" as a wildcard would also match Erika's "Mustermann"
    assert names(session, event, RosterFilter(search="r_m")) == ["Max Muster_mann"]


def test_filters_by_status_mode_checked_in_and_email_confirmation(session, make):
    event = make.event()
    a = make.registration(event, family_name="A", status=S.CONFIRMED, mode=Mode.ON_SITE)
    make.registration(event, family_name="B", status=S.WAITLISTED, mode=Mode.ON_SITE)
    make.registration(event, family_name="C", status=S.PENDING, mode=Mode.ONLINE, email_confirmed_at=None)
    make.registration(event, family_name="D", status=S.CANCELLED, mode=Mode.ONLINE)
    session.add(
        Attendance(
            registration=a,
            event_id=event.id,
            mode=Mode.ON_SITE,
            source=AttendanceSource.QR,
            first_at=datetime(2027, 3, 18, 8, tzinfo=UTC),
            last_at=datetime(2027, 3, 18, 8, tzinfo=UTC),
        )
    )
    session.flush()

    def families(**kw) -> list[str]:
        return [r.family_name for r in session.scalars(roster_select(event, RosterFilter(**kw)))]

    assert families(statuses=(S.CONFIRMED, S.WAITLISTED)) == ["A", "B"]
    assert families(statuses=(S.CANCELLED,)) == ["D"]
    assert families(mode=Mode.ONLINE) == ["C", "D"]
    assert families(checked_in=True) == ["A"]
    assert families(checked_in=False) == ["B", "C", "D"]
    assert families(email_confirmed=False) == ["C"]
    assert families(email_confirmed=True) == ["A", "B", "D"]
    assert families(mode=Mode.ON_SITE, checked_in=False) == ["B"]


def test_the_person_comes_loaded_with_the_registration(session, make):
    event = make.event()
    make.registration(event, person=make.person(email="erika@example.org"))
    session.expunge_all()
    (reg,) = session.scalars(roster_select(event, RosterFilter()))
    assert "person" in reg.__dict__ and reg.person.email == "erika@example.org"
