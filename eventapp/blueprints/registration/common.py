"""What the registration pages of one event and of a whole series share.

Both forms submit the same fields (forms.py) to a service with the same settings
and rate limit (the JSON API uses them too) and show a refusal the same way. Behind
both manage links (``/r/<token>``, ``/s/<token>``) the pages speak the person's
language and stay out of caches and Referers, and a one-button POST runs one
service call. Keeping that here makes the series pages behave exactly like the
single-event pages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypedDict, TypeVar

from flask import current_app, flash, g, redirect, render_template, url_for
from flask.wrappers import Response
from flask_babel import get_locale
from sqlalchemy import select

from eventapp.blueprints.errors import domain_message
from eventapp.blueprints.registration.forms import RegistrationForm
from eventapp.extensions import db
from eventapp.models import Event, EventAttendance, Organization, Registration, Series, SeriesRegistration
from eventapp.services.errors import DomainError, ModeNotOffered, ValidationError
from eventapp.services.submission import RegistrationInput

# --- the form -----------------------------------------------------------------------


class SubmitSettings(TypedDict):
    """The keyword arguments of ``registration.submit`` and ``series.submit_series`` that come from the config."""

    confirm_email: bool
    consent_version: str
    resend_interval: timedelta


def submit_settings() -> SubmitSettings:
    """The app's settings for a submission, the same for the pages and the JSON API."""
    config = current_app.config
    return SubmitSettings(
        confirm_email=config["REGISTRATION_CONFIRM_EMAIL"],
        consent_version=config["PRIVACY_CONSENT_VERSION"],
        resend_interval=timedelta(minutes=config["RESEND_INTERVAL_MINUTES"]),
    )


def hold_settings() -> dict[str, float]:
    """The settings only a single event's submission takes (series dates are created confirmed)."""
    return {"pending_hold_share": current_app.config["PENDING_HOLD_SHARE"]}


def form_locale() -> str:
    """The page's language: question labels follow it, and the person's mails are written in it."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def organization_names() -> list[str]:
    """Suggestions for the organization field: every organization we know, by name."""
    return list(db.session.scalars(select(Organization.name).order_by(Organization.name)))


def form_context(event: Event, form: RegistrationForm) -> dict[str, Any]:
    """What templates/registration/_form_fields.html needs besides the page's own values.

    ``event`` is the event the form was built for (for a series: its next date).
    """
    return {
        "event": event,
        "form": form,
        "organizations": organization_names(),
        "hybrid": event.attendance is EventAttendance.HYBRID,
        "confirm_email": current_app.config["REGISTRATION_CONFIRM_EMAIL"],
    }


def inbox_page(template: str, **values: Any) -> str:
    """The "check your inbox" page after a submission; a repeated registration gets the same page,
    so it reveals nothing about the address."""
    return render_template(template, confirm_email=current_app.config["REGISTRATION_CONFIRM_EMAIL"], **values)


def commit_submission(
    form: RegistrationForm,
    submit: Callable[..., object],
    target: Event | Series,
    data: RegistrationInput,
    *,
    now: datetime,
    **extra: Any,
) -> int | None:
    """Submit ``data`` for ``target`` through ``submit`` (``registration.submit`` or
    ``series.submit_series``) with the app's settings, and commit.

    Returns None when it went through. A refusal the person can fix on the form is
    rolled back and shown on it: the service's field errors (status 400) or "mode not
    offered" above the fields (409, the event changed since the form was opened); the
    status to render the form with is returned. Any other domain error (registration
    not open, closed, cancelled) is rolled back and raised for the caller's own page.
    """
    try:
        submit(db.session, target, data, now=now, **submit_settings(), **extra)
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        form.add_service_errors(error.fields)
        return 400
    except ModeNotOffered as error:
        db.session.rollback()
        form.form_errors.append(domain_message(error))
        return 409
    except DomainError:
        db.session.rollback()
        raise
    return None


# --- behind a manage link -------------------------------------------------------------


#: A registration for one event or for a series; each has its own manage link.
Found = TypeVar("Found", Registration, SeriesRegistration)


def in_their_language(found: Found) -> Found:
    """Pages about a registration speak the person's language unless they chose another (``?lang``)."""
    g.person_language = found.person.language
    return found


def keep_private(response: Response) -> Response:
    """Headers for a page behind a manage token: never cached, the token never leaks as a Referer, not indexed."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def to_manage(found: Registration | SeriesRegistration) -> Response:
    """Back to the manage page (the current blueprint's ``manage``) after a POST, with 303."""
    return redirect(url_for(".manage", token=found.manage_token), 303)


def commit_action(action: Callable[[], object], *, reraise: tuple[type[DomainError], ...] = ()) -> bool:
    """Run the service call behind a one-button page's POST and commit; True when it went through.

    A refusal (the registration changed meanwhile, say) is rolled back and flashed as an
    error, so the caller only flashes its success and redirects either way. Errors of the
    ``reraise`` types are rolled back and raised, for the caller to show a page of its own.
    """
    try:
        action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, reraise):
            raise
        flash(domain_message(error), "error")
        return False
    return True
