"""``flask update-event`` and ``flask cancel-event``: organizer changes from the shell.

Both go through the events service, so registrants are told exactly as when the
change is made anywhere else.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from eventapp.extensions import db
from eventapp.models import BERLIN, utcnow
from eventapp.services import events as event_service
from eventapp.services.audit import CLI
from eventapp.services.errors import DomainError


def parse_when(value: str, option: str) -> datetime:
    """ISO 8601 with an offset, or a naive local time meaning Europe/Berlin; returns UTC."""
    text = value.strip()
    example = "e.g. 2027-11-18T10:00 or 2027-11-18T10:00+01:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise click.ClickException(f"{option}: {value!r} is not an ISO 8601 date and time ({example})") from None
    if len(text) <= 10:  # a date without a time
        raise click.ClickException(f"{option}: {value!r} has no time of day ({example})")
    if parsed.tzinfo is None:
        aware = parsed.replace(tzinfo=BERLIN)
        if aware.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None) != parsed:
            raise click.ClickException(f"{option}: {value!r} does not exist in Europe/Berlin (clocks go forward)")
        parsed = aware
    return parsed.astimezone(UTC)


def _berlin(moment: datetime | None) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z") if moment else "-"


@click.command("update-event")
@click.argument("event_slug")
@click.option("--starts-at", help="New start, ISO 8601 (without offset: Europe/Berlin). Keeps the duration.")
@click.option("--ends-at", help="New end, ISO 8601 (without offset: Europe/Berlin).")
@click.option("--venue", help="New venue.")
@with_appcontext
def update_event_command(event_slug: str, starts_at: str | None, ends_at: str | None, venue: str | None) -> None:
    """Reschedule or move an event; confirmed registrants are told by mail."""
    if starts_at is None and ends_at is None and venue is None:
        raise click.ClickException("Nothing to update: give --starts-at, --ends-at and/or --venue")
    new_start = parse_when(starts_at, "--starts-at") if starts_at is not None else None
    new_end = parse_when(ends_at, "--ends-at") if ends_at is not None else None
    try:
        event = event_service.event_by_slug(db.session, event_slug)
        change = event_service.update_event(
            db.session, event, now=utcnow(), actor=CLI, starts_at=new_start, ends_at=new_end, venue=venue
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"Cannot update {event_slug!r}: {exc.message}") from exc
    event = change.event
    if not change.changed:
        click.echo(f"Nothing changed for {event.slug!r}.")
        return
    click.echo(
        f"Updated {event.slug!r}: {_berlin(event.starts_at)} – {_berlin(event.ends_at)}, venue {event.venue!r}; "
        f"sequence {event.sequence}; {change.notified} registrant(s) notified."
    )


@click.command("cancel-event")
@click.argument("event_slug")
@click.option("--message", default="", help="Message to the registrants (why, what next).")
@with_appcontext
def cancel_event_command(event_slug: str, message: str) -> None:
    """Cancel an event; every registration ends and registrants are told by mail."""
    try:
        event = event_service.event_by_slug(db.session, event_slug)
        change = event_service.cancel_event(db.session, event, now=utcnow(), actor=CLI, message=message)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"Cannot cancel {event_slug!r}: {exc.message}") from exc
    click.echo(f"Cancelled {change.event.slug!r}; {change.notified} registrant(s) notified.")
