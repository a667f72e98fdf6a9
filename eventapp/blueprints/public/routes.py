"""Public pages: ``/`` (upcoming events), ``/archive``, ``/events/<slug>``, ``/privacy`` and ``/imprint``.

The handlers stay thin: read the filters, ask :mod:`eventapp.services.catalog`,
render. Template helpers (filters, labels) are app-wide, in :mod:`eventapp.templating`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask.wrappers import Response
from flask_babel import gettext as _

from eventapp.blueprints.errors import error_page
from eventapp.extensions import db
from eventapp.models import BERLIN, utcnow
from eventapp.services import capacity, catalog
from eventapp.services import series as series_service
from eventapp.services.errors import NotFound, ValidationError

bp = Blueprint("public", __name__)

# --- pages ------------------------------------------------------------------------


def _filters() -> tuple[str | None, str | None]:
    return (request.args.get("format") or None, request.args.get("organization") or None)


def _filter_error(error: ValidationError) -> Response:
    """Unknown filter values: a 400 page saying which value we did not recognise."""
    if "format" in error.fields:
        message = _('There is no event format "%(value)s". Please choose one from the list.', value=_filters()[0])
    else:
        message = _('There is no organizer "%(value)s". Please choose one from the list.', value=_filters()[1])
    return error_page(400, message)


def _listing_page(template: str, *, past: bool) -> Response | str:
    now = utcnow()
    format, organization = _filters()
    session = db.session
    try:
        if past:
            events = catalog.past_events(session, now=now, format=format, organization=organization)
        else:
            events = catalog.upcoming_events(session, now=now, format=format, organization=organization)
    except ValidationError as error:
        return _filter_error(error)
    formats = catalog.formats_in_use(session, now=now, past=past)
    if format and format not in formats:
        formats = sorted([*formats, format])
    organizations = catalog.organizations_with_events(session, now=now, past=past)
    if organization and organization not in {org.slug for org in organizations}:
        organizations = [*organizations, catalog.organization_by_slug(session, organization)]
    return render_template(
        template,
        groups=catalog.group_by_month(events, tz=BERLIN),
        count=len(events),
        # The archive shows no seats, so it needs no counts.
        availabilities={} if past else catalog.availabilities(session, events, now=now),
        formats=formats,
        organizations=organizations,
        selected_format=format or "",
        selected_organization=organization or "",
        filtered=bool(format or organization),
        # The start page links each series with dates to come (the archive does not).
        series=[] if past else series_service.series_with_upcoming_dates(session, now=now),
        now=now,
    )


@bp.get("/")
def index() -> Response | str:
    """Upcoming public events, soonest first, grouped by month."""
    return _listing_page("public/index.html", past=False)


@bp.get("/archive")
def archive() -> Response | str:
    """Past events, newest first."""
    return _listing_page("public/archive.html", past=True)


@bp.get("/events/<slug>")
def event(slug: str) -> Response | str:
    """One event: when, where, agenda, seats per mode and the way to register."""
    now = utcnow()
    try:
        found = catalog.event_by_slug(db.session, slug)
    except NotFound:
        return error_page(404, _("We could not find this event. It may have been moved or removed."))
    availability = capacity.availability(db.session, found, now=now)
    return render_template(
        "public/event.html",
        event=found,
        availability=availability,
        past=(found.ends_at or found.starts_at) < now,
        now=now,
    )


@bp.get("/privacy")
def privacy() -> str:
    """The privacy notice that registration forms link to (and whose version consent records)."""
    return render_template(
        "public/privacy.html",
        version=current_app.config["PRIVACY_CONSENT_VERSION"],
        retention_days=current_app.config["PERSONAL_DATA_RETENTION_DAYS"],
        agency=catalog.agency(db.session),
    )


def _lines(value: str | None) -> list[str]:
    """Address lines from a setting: separated by "|" or newlines."""
    return [line.strip() for line in (value or "").replace("\n", "|").split("|") if line.strip()]


@bp.get("/imprint")
def imprint() -> str:
    """The Impressum German sites must have; the operator's details come from the IMPRINT_* settings."""
    config = current_app.config
    return render_template(
        "public/imprint.html",
        placeholder=config["IMPRINT_PLACEHOLDER"],
        name=config["IMPRINT_NAME"],
        address=_lines(config["IMPRINT_ADDRESS"]),
        email=config["IMPRINT_EMAIL"],
        phone=config["IMPRINT_PHONE"],
        representative=config["IMPRINT_REPRESENTATIVE"],
        register=config["IMPRINT_REGISTER"],
        vat_id=config["IMPRINT_VAT_ID"],
        responsible=config["IMPRINT_RESPONSIBLE"],
    )
