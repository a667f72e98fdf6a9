"""Series registrations (DESIGN §2–3): one sign-up for every date of a series.

A series registration is confirmed once by email; from then on the person gets a
registration for every upcoming date and for dates added later — created through
the registration service with the email already confirmed, so each date's seat,
waiting list and ticket mail follow that date's own rules. A date the person
declines ("diesmal nicht") is cancelled with reason ``declined`` and is never
created again; neither is a series-made registration the person cancelled from
that date's own manage page (it counts as declined).

The package is split by idea: :mod:`.dates` finds series and their dates,
:mod:`.signup` takes and confirms a series registration, :mod:`.sync` creates the
registrations for the dates (and is the worker's job), :mod:`.manage` is what the
person does on their series manage page (see the dates, decline one, join it again, leave).
"""

from __future__ import annotations

from eventapp.services.series.dates import (
    date_of_series,
    date_topic,
    form_date,
    series_by_slug,
    series_dates,
    series_registration_by_token,
    series_with_upcoming_dates,
    upcoming_dates,
)
from eventapp.services.series.manage import DateEntry, cancel_series, date_overview, decline_date, rejoin_date
from eventapp.services.series.signup import SeriesOutcome, activate, confirm_series, submit_series
from eventapp.services.series.sync import (
    expire_series_registrations,
    sync_all_series,
    sync_person,
    sync_series_registrations,
)

__all__ = [
    "DateEntry",
    "SeriesOutcome",
    "activate",
    "cancel_series",
    "confirm_series",
    "date_of_series",
    "date_overview",
    "date_topic",
    "decline_date",
    "rejoin_date",
    "expire_series_registrations",
    "form_date",
    "series_by_slug",
    "series_dates",
    "series_registration_by_token",
    "series_with_upcoming_dates",
    "submit_series",
    "sync_all_series",
    "sync_person",
    "sync_series_registrations",
    "upcoming_dates",
]
