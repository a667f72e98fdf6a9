"""``flask --app wsgi requeue-mail [--failed-since ISO]``: put failed mail back in the outbox.

For when the cause is gone: the relay answered 4xx for longer than MAIL_RETRY_HOURS,
refused a sender by mistake, or lacked SMTPUTF8. The worker delivers the messages
again on its next pass, each with a fresh retry horizon; a message that no longer
applies (a confirm mail whose registration ended) is dropped there, not sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import click
from flask.cli import with_appcontext

from eventapp.commands.events import parse_when
from eventapp.extensions import db
from eventapp.models import BERLIN, utcnow
from eventapp.services import outbox


def parse_since(value: str) -> datetime:
    """ISO 8601 date and time (see parse_when), or a date meaning its midnight in Europe/Berlin."""
    text = value.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise click.ClickException(f"--failed-since: {value!r} is not an ISO 8601 date (e.g. 2026-12-01)") from None
        return datetime(day.year, day.month, day.day, tzinfo=BERLIN).astimezone(UTC)
    return parse_when(value, "--failed-since")


@click.command("requeue-mail")
@click.option("--failed-since", help="Only mail that failed at or after this moment (ISO 8601; a date means 00:00).")
@with_appcontext
def requeue_mail_command(failed_since: str | None) -> None:
    """Put failed mail back in the outbox; the worker sends it on its next pass."""
    since = parse_since(failed_since) if failed_since else None
    try:
        count = outbox.requeue_failed(db.session, now=utcnow(), failed_since=since)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        reason = (str(error).splitlines() or [""])[0]
        raise click.ClickException(f"Cannot requeue mail: {type(error).__name__}: {reason}") from None
    scope = f" that failed since {since.astimezone(BERLIN):%Y-%m-%d %H:%M %Z}" if since else ""
    if count:
        click.echo(f"Requeued {count} failed message(s){scope}; the worker sends them on its next pass.")
    else:
        click.echo(f"No failed mail{scope} to requeue.")
