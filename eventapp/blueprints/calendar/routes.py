"""iCalendar over HTTP: ``/calendar.ics``, ``/series/<slug>/calendar.ics``,
``/calendar/<token>.ics`` and ``/events/<slug>.ics`` (DESIGN §5).

Each feed first computes its validators (ETag, Last-Modified) with one aggregate
query and answers a conditional request with 304 before building anything;
only a changed feed is built. Errors are short plain-text bodies: calendar
clients show them verbatim, and a 404 for a personal feed says nothing about
whether the token ever existed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventapp.blueprints.limits import link_budget, manage_budget
from eventapp.extensions import db
from eventapp.models import Person, utcnow
from eventapp.services import calendar, catalog, registration
from eventapp.services import series as series_service
from eventapp.services.errors import NotFound, ValidationError
from eventapp.urls import event_url, external_url, join_url

bp = Blueprint("calendar", __name__)

MIME = "text/calendar; charset=utf-8"
PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, max-age=300"
PROGRAMME = _l("Smart Cities: 5 für Südwestfalen – events")


def _feed_locale() -> str:
    """Feeds speak German unless ``?lang=`` says otherwise (subscriptions keep their URL)."""
    asked = request.args.get("lang")
    return asked if asked in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _plain(status: int, message: str) -> Response:
    response = current_app.response_class(message + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _not_modified(etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and last_modified is not None and last_modified <= since


def _calendar_response(
    version: calendar.FeedVersion,
    build: Callable[[], bytes],
    *,
    filename: str,
    cache: str,
    private: bool = False,
) -> Response:
    """304 when the client's copy is current, else the built calendar, with validators."""
    response = current_app.response_class(status=304)
    if not _not_modified(version.etag, version.last_modified):
        response = current_app.response_class(build(), status=200, content_type=MIME)
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(version.etag)
    if version.last_modified is not None:
        response.last_modified = version.last_modified
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    if private:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _format_name(key: str) -> str:
    label = current_app.jinja_env.globals.get("format_label")
    return str(label(key)) if callable(label) else key


@bp.get("/calendar.ics")
def feed() -> Response:
    """The public programme, optionally one format or one organization (slug)."""
    format = request.args.get("format") or None
    organization = request.args.get("organization") or None
    now = utcnow()
    scope = calendar.FeedScope(
        window_start=calendar.feed_window_start(now), format=format, organization=organization, locale=_feed_locale()
    )
    try:
        version = calendar.public_feed_version(db.session, scope)
    except ValidationError as error:
        if "format" in error.fields:
            return _plain(400, _('Unknown format "%(value)s".', value=format))
        return _plain(400, _('Unknown organization "%(value)s".', value=organization))

    def build() -> bytes:
        # The name follows ?lang= only, like the content, so one ETag always means the same bytes.
        with force_locale(scope.locale):
            parts = [str(PROGRAMME)]
            if format:
                parts.append(_format_name(format))
        if organization:
            parts.append(catalog.organization_by_slug(db.session, organization).name)
        return calendar.public_feed(db.session, scope, event_url=event_url, name=" – ".join(parts))

    return _calendar_response(version, build, filename="calendar.ics", cache=PUBLIC_CACHE)


@bp.get("/series/<slug>/calendar.ics")
def series_feed(slug: str) -> Response:
    """Every date of one series (each its own VEVENT and UID, no RRULE)."""
    now = utcnow()
    scope = calendar.FeedScope(window_start=calendar.feed_window_start(now), series=slug, locale=_feed_locale())
    try:
        version = calendar.public_feed_version(db.session, scope)
    except NotFound:
        return _plain(404, _("There is no such series."))

    def build() -> bytes:
        series = series_service.series_by_slug(db.session, slug)
        return calendar.public_feed(
            db.session, scope, event_url=event_url, name=series.title, description=series.summary
        )

    return _calendar_response(version, build, filename=f"{slug}.ics", cache=PUBLIC_CACHE)


@bp.get("/calendar/<token>.ics")
def personal_feed(token: str) -> Response:
    """The person's own feed: the events they are registered for, with their mode.

    Unknown and revoked tokens get the same short 404.
    """
    now = utcnow()
    try:
        version = calendar.personal_feed_version(db.session, token, now=now)
    except NotFound:
        found_again = external_url("registration.find")
        return _plain(404, _("Not found. Lost your link? Have it sent again: %(url)s", url=found_again))

    def build() -> bytes:
        person = calendar.person_by_feed_token(db.session, token)
        with force_locale(person.language or "de"):
            name = _("My events – Smart Cities")
        return calendar.personal_feed(db.session, person, now=now, event_url=event_url, name=name, join_url=join_url)

    return _calendar_response(version, build, filename="my-events.ics", cache=PRIVATE_CACHE, private=True)


@bp.get("/events/<slug>.ics")
def event_ics(slug: str) -> Response:
    """One public event as a file to open in any calendar (no METHOD: it is not an invitation)."""
    try:
        event = catalog.event_by_slug(db.session, slug)
    except NotFound:
        return _plain(404, _("There is no such event."))
    version = calendar.FeedVersion(
        etag=calendar.event_etag(event), last_modified=event.updated_at.replace(microsecond=0)
    )
    return _calendar_response(
        version,
        lambda: calendar.event_calendar(event, event_url=event_url),
        filename=f"{event.slug}.ics",
        cache=PUBLIC_CACHE,
    )


def _renew_feed(person: Person, manage_url: str) -> Response:
    """Revoke the person's feed address, make a new one, and go back to the calendar box of the manage page."""
    calendar.revoke_feed_token(db.session, person)
    db.session.commit()
    flash(
        _("Your personal calendar has a new address. The old address no longer works; please subscribe again."),
        "success",
    )
    return redirect(manage_url + "#personal-calendar", 303)


@bp.post("/r/<token>/calendar/renew")
@manage_budget
@link_budget
def renew_feed(token: str) -> Response:
    """Revoke the personal feed address and make a new one (from the manage page)."""
    reg = registration.registration_by_token(db.session, token)
    return _renew_feed(reg.person, url_for("registration.manage", token=token))


@bp.post("/s/<token>/calendar/renew")
@manage_budget
@link_budget
def renew_series_feed(token: str) -> Response:
    """The same from the series manage page."""
    found = series_service.series_registration_by_token(db.session, token)
    return _renew_feed(found.person, url_for("series.manage", token=token))
