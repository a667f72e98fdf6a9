"""``flask create-checkin-token EVENT_SLUG --station NAME``: a device token for a station at the door."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from eventapp.extensions import db
from eventapp.models import BERLIN, utcnow
from eventapp.services import checkin_devices
from eventapp.services import events as event_service
from eventapp.services.audit import CLI
from eventapp.services.errors import DomainError


@click.command("create-checkin-token")
@click.argument("event_slug")
@click.option("--station", required=True, help='The station\'s name, e.g. "Eingang Nord".')
@with_appcontext
def create_checkin_token_command(event_slug: str, station: str) -> None:
    """Create a check-in device token for one event and station; prints the token alone on its last line.

    The token is shown only now (it is stored hashed). It works until revoked in the
    organizer area or 12 hours after the event's end.
    """
    try:
        event = event_service.event_by_slug(db.session, event_slug)
        device, token = checkin_devices.create_device(db.session, event, station, now=utcnow(), actor=CLI)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        reason = "; ".join(f"{name}: {code}" for name, code in exc.fields.items()) or exc.message
        raise click.ClickException(f"Cannot create a check-in token for {event_slug!r}: {reason}") from exc
    until = checkin_devices.valid_until(event).astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z")
    click.echo(
        f"Check-in token for {event.slug!r}, station {device.station!r} (device {device.id}), valid until {until}:"
    )
    click.echo(token)
