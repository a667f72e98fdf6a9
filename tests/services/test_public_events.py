"""One definition of a public event and one query for it, used by every public view."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from eventapp.models import Event, EventStatus
from eventapp.services import calendar, catalog, listing, series


def test_is_public_agrees_in_python_and_sql(session, make):
    events = {status: make.event(status=status) for status in EventStatus}
    in_sql = set(session.scalars(select(Event.id).where(Event.is_public)))
    assert in_sql == {event.id for event in events.values() if event.is_public}
    assert {status for status, event in events.items() if event.is_public} == {
        EventStatus.PUBLISHED,
        EventStatus.CANCELLED,
    }


def test_every_public_view_shows_cancelled_events_and_hides_drafts(session, make, now):
    sequence = make.series(slug="pausenhof-test")
    start = now + timedelta(days=3)
    published = make.event(series=sequence, starts_at=start)
    cancelled = make.event(series=sequence, starts_at=start + timedelta(days=1), status=EventStatus.CANCELLED)
    make.event(series=sequence, starts_at=start + timedelta(days=2), status=EventStatus.DRAFT)
    expected = [published.id, cancelled.id]
    assert [e.id for e in catalog.upcoming_events(session, now=now)] == expected
    assert [e.id for e in series.series_dates(session, sequence)] == expected
    assert [e.id for e in listing.public_event_page(session, ends_after=now).events] == expected
    scope = calendar.FeedScope(series=sequence.slug, window_start=now.date())
    assert [e.id for e in calendar.public_feed_events(session, scope)] == expected
    # Shown, but not bookable.
    assert catalog.availabilities(session, [cancelled], now=now)[cancelled.id].state == "cancelled"
    assert [e.id for e in series.upcoming_dates(session, sequence, now=now)] == [published.id]
