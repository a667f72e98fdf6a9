"""Date ranges as people read them, in Europe/Berlin and per locale."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import force_locale

from eventapp.templating import event_when


def test_same_day_range(app):
    with app.test_request_context(), force_locale("de"):
        text = event_when(datetime(2027, 1, 14, 9, tzinfo=UTC), datetime(2027, 1, 14, 15, tzinfo=UTC))
    assert text == "Donnerstag, 14. Januar 2027, 10:00–16:00"


def test_range_past_midnight_names_both_days_without_seconds_or_zone(app):
    with app.test_request_context(), force_locale("de"):
        text = event_when(datetime(2027, 1, 14, 17, tzinfo=UTC), datetime(2027, 1, 14, 23, tzinfo=UTC))
    assert text == "Donnerstag, 14. Januar 2027, 18:00 – Freitag, 15. Januar 2027, 00:00"


def test_summer_time_and_english(app):
    with app.test_request_context(), force_locale("en"):
        text = event_when(datetime(2027, 7, 1, 8, tzinfo=UTC), None)
    assert text == "Thursday, July 1, 2027, 10:00\u202fAM"
