"""Programme reporting (issue 8 Part 7): per format, organization and Berlin month, across two
organizations, a date range, and the retention purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from eventapp.models import EventAttendance, EventStatus, Mode, Registration, RegistrationStatus
from eventapp.services import privacy
from eventapp.services.reports import ReportPeriod, programme_report
from tests.factories import Factories
from tests.services.test_dashboard import attend

S = RegistrationStatus
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Programme:
    menden_organizer: object
    olpe_organizer: object
    admin: object


def build_programme(session, make: Factories) -> Programme:
    """Menden: a hybrid conference on 18 March 2026 (3 confirmed on site, 2 arrived; 2 confirmed
    online, 1 joined; 1 pending, 1 cancelled, 1 expired), a conference that starts at 00:30 on
    1 April in Berlin (22:30 UTC on 31 March; 1 confirmed, arrived), a workshop on 5 March
    (2 confirmed, nobody came), an upcoming conference in 2027 (1 confirmed), a draft and a
    cancelled event (never counted). Olpe: an online exchange on 10 March (2 confirmed, both joined).
    """
    menden = make.organization(slug="menden", name="Stadt Menden")
    olpe = make.organization(slug="olpe", name="Stadt Olpe")

    def event(organization, starts_at, **values):
        return make.event(organization=organization, starts_at=starts_at, **values)

    conference = event(menden, datetime(2026, 3, 18, 9, tzinfo=UTC), attendance=EventAttendance.HYBRID)
    on_site = [make.registration(conference, mode=Mode.ON_SITE) for _ in range(3)]
    online = [make.registration(conference, mode=Mode.ONLINE) for _ in range(2)]
    make.registration(conference, status=S.PENDING, email_confirmed_at=None)
    make.registration(conference, status=S.CANCELLED)
    make.registration(conference, status=S.EXPIRED, email_confirmed_at=None)
    for registration in on_site[:2]:
        attend(session, registration, Mode.ON_SITE, conference.starts_at)
    attend(session, online[0], Mode.ONLINE, conference.starts_at)

    april = event(menden, datetime(2026, 3, 31, 22, 30, tzinfo=UTC))  # 1 April, 00:30 in Berlin
    attend(session, make.registration(april), Mode.ON_SITE, april.starts_at)

    workshop = event(menden, datetime(2026, 3, 5, 14, tzinfo=UTC), format="workshop")
    make.registration(workshop)
    make.registration(workshop)

    upcoming = event(menden, datetime(2027, 2, 1, 9, tzinfo=UTC))
    make.registration(upcoming)

    for status in (EventStatus.DRAFT, EventStatus.CANCELLED):
        hidden = event(menden, datetime(2026, 3, 20, 9, tzinfo=UTC), status=status)
        make.registration(hidden)

    exchange = event(olpe, datetime(2026, 3, 10, 17, tzinfo=UTC), format="austausch", attendance="online")
    for _ in range(2):
        attend(session, make.registration(exchange, mode=Mode.ONLINE), Mode.ONLINE, exchange.starts_at)

    return Programme(
        make.user(email="orga@menden.de", role="organizer", organizations=[menden]),
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe]),
        make.user(email="admin@agentur.de", role="admin"),
    )


def table(report) -> dict[tuple[str, str, str], tuple]:
    """month, organization, format → events, registrations, confirmed, on site, online, no-shows, rate."""
    return {
        (line.month.isoformat()[:7], line.organization, line.format): (
            line.events,
            line.registrations,
            line.confirmed,
            line.attended_on_site,
            line.joined_online,
            line.no_shows,
            None if line.no_show_rate is None else round(line.no_show_rate, 3),
        )
        for line in report.lines
    }


MENDEN = {
    ("2027-02", "Stadt Menden", "konferenz"): (1, 1, 1, 0, 0, 0, None),  # not over yet: no no-show rate
    ("2026-04", "Stadt Menden", "konferenz"): (1, 1, 1, 1, 0, 0, 0.0),
    ("2026-03", "Stadt Menden", "konferenz"): (1, 7, 5, 2, 1, 2, 0.4),
    ("2026-03", "Stadt Menden", "workshop"): (1, 2, 2, 0, 0, 2, 1.0),
}
OLPE = {("2026-03", "Stadt Olpe", "austausch"): (1, 2, 2, 0, 2, 0, 0.0)}


def test_an_organizer_sees_the_figures_of_their_organization_only(session, make):
    people = build_programme(session, make)
    assert table(programme_report(session, people.menden_organizer, ReportPeriod(), now=NOW)) == MENDEN
    assert table(programme_report(session, people.olpe_organizer, ReportPeriod(), now=NOW)) == OLPE


def test_an_admin_sees_every_organization_newest_month_first(session, make):
    people = build_programme(session, make)
    report = programme_report(session, people.admin, ReportPeriod(), now=NOW)
    assert table(report) == {**MENDEN, **OLPE}
    months = [line.month for line in report.lines]
    assert months == sorted(months, reverse=True)
    total = report.total
    assert (total.events, total.registrations, total.confirmed) == (5, 13, 11)
    assert (total.attended_on_site, total.joined_online, total.no_shows, total.confirmed_past) == (3, 3, 4, 10)
    assert total.no_show_rate == pytest.approx(0.4)


def test_the_period_is_in_berlin_dates(session, make):
    people = build_programme(session, make)
    march = ReportPeriod(date(2026, 3, 1), date(2026, 3, 31))
    # The conference at 00:30 on 1 April (Berlin) is April's, though it is still 31 March in UTC.
    assert table(programme_report(session, people.admin, march, now=NOW)) == {
        key: value for key, value in {**MENDEN, **OLPE}.items() if key[0] == "2026-03"
    }
    april_on = ReportPeriod(date(2026, 4, 1), None)
    assert set(table(programme_report(session, people.admin, april_on, now=NOW))) == {
        ("2027-02", "Stadt Menden", "konferenz"),
        ("2026-04", "Stadt Menden", "konferenz"),
    }
    until_5_march = ReportPeriod(None, date(2026, 3, 5))
    assert set(table(programme_report(session, people.admin, until_5_march, now=NOW))) == {
        ("2026-03", "Stadt Menden", "workshop")
    }


def test_the_figures_survive_the_anonymisation_of_every_registration(session, make):
    people = build_programme(session, make)
    before = programme_report(session, people.admin, ReportPeriod(), now=NOW)
    registrations = session.scalars(select(Registration)).all()
    for registration in registrations:
        assert privacy.anonymise(session, registration, now=NOW)
    session.expire_all()

    assert all(r.anonymised_at is not None and r.given_name == "" for r in session.scalars(select(Registration)))
    after = programme_report(session, people.admin, ReportPeriod(), now=NOW)
    assert table(after) == table(before)
    assert after.total == before.total


def test_the_report_takes_a_fixed_number_of_statements(session, make):
    from eventapp.extensions import db
    from tests.helpers import recorded_selects

    people = build_programme(session, make)
    session.expire_all()
    with recorded_selects(db.engine) as few:
        programme_report(session, people.admin, ReportPeriod(), now=NOW)
    organization = make.organization()
    for day in range(10):
        extra = make.event(
            organization=organization, starts_at=datetime(2026, 5, 1, 9, tzinfo=UTC) + timedelta(days=day)
        )
        for _ in range(5):
            make.registration(extra)
    session.expire_all()
    with recorded_selects(db.engine) as many:
        programme_report(session, people.admin, ReportPeriod(), now=NOW)
    assert len(many) == len(few)
