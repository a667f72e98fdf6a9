"""``flask demo-data``: the demo programme of DESIGN §6, through the services."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from eventapp.extensions import db
from eventapp.models import utcnow
from eventapp.services import demo
from eventapp.services.errors import DomainError


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load the demo programme; running it again creates what is missing and re-dates
    the demo events (upcoming ones stay upcoming). Sends no mail."""
    try:
        result = demo.build_programme(db.session, now=utcnow())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"demo-data failed: {exc.message}") from exc
    click.echo(
        f"Demo programme ready: {result.organizations_created} organization(s), {result.series_created} series and "
        f"{len(result.events_created)} event(s) created, {len(result.events_redated)} event(s) re-dated."
    )
