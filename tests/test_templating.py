"""Date ranges as people read them, in Europe/Berlin and per locale."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import force_locale, get_locale

from eventapp.templating import event_when, format_date, format_datetime, format_time, moment


def test_same_day_range(app):
    with app.test_request_context(), force_locale("de"):
        text = event_when(datetime(2027, 1, 14, 9, tzinfo=UTC), datetime(2027, 1, 14, 15, tzinfo=UTC))
    assert text == "Donnerstag, 14. Januar 2027, 10:00–16:00"


def test_range_past_midnight_names_both_days_without_seconds_or_zone(app):
    with app.test_request_context(), force_locale("de"):
        text = event_when(datetime(2027, 1, 14, 17, tzinfo=UTC), datetime(2027, 1, 14, 23, tzinfo=UTC))
    assert text == "Donnerstag, 14. Januar 2027, 18:00 – Freitag, 15. Januar 2027, 00:00"


def test_summer_time_and_english_in_british_order_with_24_hour_clock(app):
    with app.test_request_context(), force_locale("en"):
        text = event_when(datetime(2027, 7, 1, 8, tzinfo=UTC), None)
    assert text == "Thursday, 1 July 2027, 10:00"


def test_english_range_uses_day_month_order_and_24_hour_clock(app):
    with app.test_request_context(), force_locale("en"):
        text = event_when(datetime(2027, 1, 14, 9, tzinfo=UTC), datetime(2027, 1, 14, 15, tzinfo=UTC))
    assert text == "Thursday, 14 January 2027, 10:00–16:00"


def test_english_filters_and_moment_follow_en_gb(app):
    value = datetime(2027, 1, 14, 13, 5, tzinfo=UTC)
    with app.test_request_context(), force_locale("en"):
        assert format_date(value, "long") == "14 January 2027"
        assert format_time(value, "short") == "14:05"
        assert format_datetime(value, "short") == "14/01/2027, 14:05"
        assert moment(value) == "Thursday, 14 January 2027, 14:05"
        # The language itself stays "en" (pages keep lang="en", catalogs stay as they are).
        assert str(get_locale()) == "en"


def test_german_filters_unchanged(app):
    value = datetime(2027, 1, 14, 13, 5, tzinfo=UTC)
    with app.test_request_context(), force_locale("de"):
        assert format_date(value, "long") == "14. Januar 2027"
        assert moment(value) == "Donnerstag, 14. Januar 2027, 14:05"
