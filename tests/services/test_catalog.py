"""The read side of the catalogue: which events are public, upcoming or past, and their seats."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event

from eventapp.models import EventStatus, Mode, RegistrationStatus
from eventapp.services import capacity, catalog
from eventapp.services.errors import NotFound, ValidationError

BERLIN = ZoneInfo("Europe/Berlin")


@contextmanager
def count_queries(session) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    engine = session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", before)


def test_upcoming_lists_public_events_that_have_not_ended_soonest_first(session, make, now):
    later = make.event(starts_at=now + timedelta(days=20))
    sooner = make.event(starts_at=now + timedelta(days=2))
    running = make.event(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2))
    cancelled = make.event(starts_at=now + timedelta(days=5), status=EventStatus.CANCELLED)
    make.event(starts_at=now + timedelta(days=3), status=EventStatus.DRAFT)
    make.event(starts_at=now - timedelta(days=3))

    events = catalog.upcoming_events(session, now=now)

    assert events == [running, sooner, cancelled, later]


def test_event_without_end_time_is_past_once_it_has_started(session, make, now):
    started = make.event(starts_at=now - timedelta(minutes=1), ends_at=None)

    assert catalog.upcoming_events(session, now=now) == []
    assert catalog.past_events(session, now=now) == [started]


def test_past_events_newest_first_without_drafts(session, make, now):
    old = make.event(starts_at=now - timedelta(days=300))
    recent = make.event(starts_at=now - timedelta(days=10))
    make.event(starts_at=now - timedelta(days=20), status=EventStatus.DRAFT)
    make.event(starts_at=now + timedelta(days=1))

    assert catalog.past_events(session, now=now) == [recent, old]


def test_filters_by_format_and_organization(session, make, now):
    soest = make.organization(slug="soest", name="Stadt Soest")
    olpe = make.organization(slug="olpe", name="Stadt Olpe")
    workshop = make.event(organization=soest, format="workshop", starts_at=now + timedelta(days=1))
    konferenz = make.event(organization=olpe, format="konferenz", starts_at=now + timedelta(days=2))
    soest_konferenz = make.event(organization=soest, format="konferenz", starts_at=now + timedelta(days=3))

    assert catalog.upcoming_events(session, now=now, format="konferenz") == [konferenz, soest_konferenz]
    assert catalog.upcoming_events(session, now=now, organization="soest") == [workshop, soest_konferenz]
    assert catalog.upcoming_events(session, now=now, format="konferenz", organization="soest") == [soest_konferenz]


def test_unknown_filter_values_are_a_validation_error(session, make, now):
    make.event(starts_at=now + timedelta(days=1))

    with pytest.raises(ValidationError) as unknown_format:
        catalog.upcoming_events(session, now=now, format="rave")
    with pytest.raises(ValidationError) as unknown_org:
        catalog.past_events(session, now=now, organization="gotham")

    assert set(unknown_format.value.fields) == {"format"}
    assert set(unknown_org.value.fields) == {"organization"}


def test_a_known_format_without_events_is_no_error(session, make, now):
    make.event(format="konferenz", starts_at=now + timedelta(days=1))

    assert catalog.upcoming_events(session, now=now, format="marktplatz") == []


def test_a_format_used_only_by_a_public_event_is_known(session, make, now):
    make.event(format="hackathon", starts_at=now - timedelta(days=30))
    make.event(format="geheim", status=EventStatus.DRAFT)

    assert catalog.upcoming_events(session, now=now, format="hackathon") == []
    with pytest.raises(ValidationError):
        catalog.upcoming_events(session, now=now, format="geheim")


def test_event_by_slug_finds_published_and_cancelled_events(session, make):
    published = make.event(slug="konferenz-2027")
    cancelled = make.event(slug="abgesagt", status=EventStatus.CANCELLED)

    assert catalog.event_by_slug(session, "konferenz-2027") is published
    assert catalog.event_by_slug(session, "abgesagt") is cancelled


@pytest.mark.parametrize("slug", ["does-not-exist", "draft-event"])
def test_event_by_slug_hides_unknown_and_draft_events(session, make, slug):
    make.event(slug="draft-event", status=EventStatus.DRAFT)

    with pytest.raises(NotFound):
        catalog.event_by_slug(session, slug)


def test_formats_in_use_are_distinct_sorted_and_public_only(session, make, now):
    make.event(format="workshop", starts_at=now + timedelta(days=1))
    make.event(format="konferenz", starts_at=now + timedelta(days=1))
    make.event(format="konferenz", starts_at=now + timedelta(days=2))
    make.event(format="austausch", starts_at=now - timedelta(days=2))
    make.event(format="geheim", status=EventStatus.DRAFT)

    assert catalog.formats_in_use(session) == ["austausch", "konferenz", "workshop"]
    assert catalog.formats_in_use(session, now=now) == ["konferenz", "workshop"]
    assert catalog.formats_in_use(session, now=now, past=True) == ["austausch"]


def test_organizations_with_events_only_lists_owners_of_public_events(session, make, now):
    arnsberg = make.organization(name="Stadt Arnsberg")
    brilon = make.organization(name="Stadt Brilon")
    make.organization(name="Stadt Werl")
    drafter = make.organization(name="Stadt Hemer")
    make.event(organization=brilon, starts_at=now + timedelta(days=1))
    make.event(organization=arnsberg, starts_at=now - timedelta(days=1))
    make.event(organization=drafter, status=EventStatus.DRAFT)

    assert catalog.organizations_with_events(session) == [arnsberg, brilon]
    assert catalog.organizations_with_events(session, now=now) == [brilon]
    assert catalog.organizations_with_events(session, now=now, past=True) == [arnsberg]


def test_availabilities_match_availability_per_event(session, make, now):
    full = make.event(capacity_on_site=2, capacity_online=3, starts_at=now + timedelta(days=3))
    for _ in range(2):
        make.registration(full, mode=Mode.ON_SITE)
    make.registration(full, mode=Mode.ONLINE, waiting_for=Mode.ON_SITE)
    make.registration(full, mode=Mode.ONLINE, status=RegistrationStatus.PENDING, expires_at=now + timedelta(hours=3))
    make.registration(
        full, mode=Mode.ON_SITE, status=RegistrationStatus.WAITLISTED, waiting_since=now - timedelta(hours=1)
    )
    make.registration(full, mode=Mode.ON_SITE, status=RegistrationStatus.CANCELLED)
    roomy = make.event(capacity_on_site=50, starts_at=now + timedelta(days=4))
    make.registration(roomy, mode=Mode.ON_SITE)
    cancelled = make.event(status=EventStatus.CANCELLED, starts_at=now + timedelta(days=5))
    events = [full, roomy, cancelled]

    many = catalog.availabilities(session, events, now=now)

    for event in events:
        assert many[event.id] == capacity.availability(session, event, now=now)
    assert many[full.id].modes[Mode.ON_SITE].seats_left == 0
    assert many[full.id].modes[Mode.ON_SITE].waiting == 2
    assert many[full.id].modes[Mode.ONLINE].seats_left == 1
    assert many[roomy.id].modes[Mode.ON_SITE].seats_left == 49
    assert many[roomy.id].state == "open"
    assert many[cancelled.id].state == "cancelled"


def test_availabilities_of_a_long_list_take_a_fixed_number_of_queries(session, make, now):
    def queries_for(number: int) -> int:
        events = [make.event(starts_at=now + timedelta(days=day + 1)) for day in range(number)]
        for event in events:
            make.registration(event)
        session.expire_all()
        with count_queries(session) as statements:
            listed = catalog.upcoming_events(session, now=now)
            catalog.availabilities(session, listed, now=now)
            for event in listed:
                assert event.organization.name
        return len(statements)

    few = queries_for(2)
    many = queries_for(12)

    assert many == few


def test_group_by_month_uses_berlin_time():
    class Stub:
        def __init__(self, starts_at: datetime) -> None:
            self.starts_at = starts_at

    january_late = Stub(datetime(2027, 1, 31, 23, 30, tzinfo=UTC))  # 1 Feb, 00:30 in Berlin
    february = Stub(datetime(2027, 2, 10, 9, 0, tzinfo=UTC))
    march = Stub(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))

    groups = catalog.group_by_month([january_late, february, march], tz=BERLIN)

    assert groups == [(date(2027, 2, 1), [january_late, february]), (date(2027, 3, 1), [march])]


def test_agency_is_the_organization_of_kind_agency(session, make):
    make.organization(kind="pioneer")
    agency = make.organization(kind="agency", name="Südwestfalen Agentur")

    assert catalog.agency(session) is agency


def test_organization_by_slug(session, make):
    soest = make.organization(slug="soest")

    assert catalog.organization_by_slug(session, "soest") is soest
    with pytest.raises(NotFound):
        catalog.organization_by_slug(session, "gotham")
