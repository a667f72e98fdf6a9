"""The organizer's view of an event's registrations: filter and order (issue 7, Part 4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from eventapp.models import Attendance, AttendanceSource, Mode, QuestionKind, RegistrationStatus
from eventapp.services.errors import NotFound
from eventapp.services.roster import (
    Answer,
    RosterFilter,
    page_ids_select,
    registration_detail,
    registration_of,
    roster_page,
    roster_select,
    roster_summary,
)

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


def test_pages_cut_the_ordered_list_without_gaps_or_repeats(session, make):
    event = make.event()
    for n in range(7):
        make.registration(event, family_name=f"Name{n}", given_name="Max" if n % 2 else "Anna")
    make.registration(event, family_name="Other", status=S.CANCELLED)
    flt = RosterFilter(statuses=(S.CONFIRMED,))
    pages = [roster_page(session, event, flt, page=n, per_page=3) for n in (1, 2, 3)]
    assert [p.total for p in pages] == [7, 7, 7] and pages[0].pages == 3
    seen = [r.family_name for p in pages for r in p.registrations]
    assert seen == [f"Name{n}" for n in range(7)]
    assert (pages[2].first, pages[2].last) == (7, 7)
    # beyond the last page: the last page; before the first: the first
    assert roster_page(session, event, flt, page=99, per_page=3).page == 3
    assert roster_page(session, event, flt, page=-1, per_page=3).page == 1
    empty = roster_page(session, event, RosterFilter(search="nobody"), page=1)
    assert (empty.total, empty.pages, empty.first, empty.registrations) == (0, 1, 0, [])


def test_a_page_knows_who_has_arrived(session, make):
    event = make.event()
    arrived = make.registration(event, family_name="A")
    make.registration(event, family_name="B")
    session.add(Attendance(registration=arrived, event_id=event.id, mode=Mode.ON_SITE, source=AttendanceSource.QR))
    session.flush()
    assert roster_page(session, event, RosterFilter()).checked_in == {arrived.id}


def test_summary_counts_per_status_and_mode_and_arrivals(session, make):
    event = make.event()
    make.registration(event, status=S.CONFIRMED, mode=Mode.ON_SITE)
    make.registration(event, status=S.CONFIRMED, mode=Mode.ONLINE)
    arrived = make.registration(event, status=S.CONFIRMED, mode=Mode.ON_SITE)
    make.registration(event, status=S.WAITLISTED, mode=Mode.ON_SITE, waiting_since=datetime(2026, 11, 2, tzinfo=UTC))
    make.registration(event, status=S.WAITLISTED, mode=Mode.ON_SITE, email_confirmed_at=None)
    make.registration(make.event(), status=S.CONFIRMED)
    session.add(Attendance(registration=arrived, event_id=event.id, mode=Mode.ON_SITE, source=AttendanceSource.QR))
    session.flush()
    summary = roster_summary(session, event)
    assert summary.counts[(S.CONFIRMED, Mode.ON_SITE)] == 2
    assert summary.counts[(S.CONFIRMED, Mode.ONLINE)] == 1
    assert summary.by_status(S.WAITLISTED) == 2 and summary.by_status(S.CANCELLED) == 0
    assert (summary.total, summary.checked_in) == (5, 1)


def test_detail_lists_answers_by_question_with_choice_labels_and_sensitivity(session, make):
    event = make.event()
    make.question(event, key="diaet", label="Ernährung", sensitive=True)
    make.question(
        event,
        key="workshop",
        label="Workshop",
        kind=QuestionKind.CHOICE,
        choices=[{"value": "a", "label": "3D-Druck"}, {"value": "b", "label": "Synagoge"}],
    )
    reg = make.registration(event, answers={"workshop": "b", "diaet": "vegan", "alt": "x"})
    assert registration_of(session, event, reg.id) is reg
    detail = registration_detail(session, reg)
    assert detail.answers == [
        Answer("Ernährung", "vegan", True),
        Answer("Workshop", "Synagoge", False),
        Answer("alt", "x", False),
    ]
    assert detail.history == [] and detail.mails == [] and detail.queue_position is None


def test_a_registration_of_another_event_is_not_found(session, make):
    event, other = make.event(), make.event()
    reg = make.registration(other)
    with pytest.raises(NotFound):
        registration_of(session, event, reg.id)
    with pytest.raises(NotFound):
        registration_of(session, event, 999_999)


def test_a_searched_page_beyond_the_end_is_the_last_one(session, make):
    event = make.event()
    for n in range(5):
        make.registration(event, family_name=f"Gesucht{n}")
    make.registration(event, family_name="Anders")
    found = roster_page(session, event, RosterFilter(search="gesucht"), page=7, per_page=2)
    assert (found.page, found.total, [r.family_name for r in found.registrations]) == (3, 5, ["Gesucht4"])


def test_the_list_is_read_in_the_order_of_its_index(session, make, is_postgres):
    """The page's ids come from ix_registration_event_names: no sort, no table scan.

    PostgreSQL chooses by statistics, which a handful of test rows make arbitrary; with scans
    and sorts priced out, its plan shows that the index can serve the list's order alone.
    """
    event = make.event()
    make.registration(event)
    session.flush()
    statement = page_ids_select(event, RosterFilter()).limit(50).offset(100)
    compiled = str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    if is_postgres:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_sort = off"))
        plan = "\n".join(row[0] for row in session.execute(text("EXPLAIN " + compiled)))
        assert "using ix_registration_event_names" in plan, plan
        assert "Sort" not in plan, plan
    else:
        plan = "\n".join(row[-1] for row in session.execute(text("EXPLAIN QUERY PLAN " + compiled)))
        assert "USING COVERING INDEX ix_registration_event_names" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
