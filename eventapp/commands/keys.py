"""``flask --app wsgi create-signing-key``: the Ed25519 key that signs ticket tokens."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from eventapp.keys import write_private_key
from eventapp.services.tickets import key_id, load_private_key, public_key_pem, public_key_text


@click.command("create-signing-key")
@with_appcontext
def create_signing_key() -> None:
    """Write a new ticket signing key to TICKET_SIGNING_KEY_FILE unless one exists.

    An existing key is never replaced: tickets already mailed would stop verifying.
    To rotate, move the old key's public half into TICKET_VERIFY_KEYS first.
    """
    path = Path(current_app.config["TICKET_SIGNING_KEY_FILE"])
    try:
        created = write_private_key(path)
    except OSError as error:
        raise click.ClickException(f"Cannot write {path}: {error.strerror or error}") from None
    try:
        private_key = load_private_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise click.ClickException(f"{path} exists but is not a usable Ed25519 private key: {error}") from None
    public_key = private_key.public_key()
    if created:
        click.echo(f"Created ticket signing key {path}")
    else:
        click.echo(f"Ticket signing key {path} already exists; left unchanged.")
    click.echo(f"Key id: {key_id(public_key)}")
    click.echo(f"Public key (raw, base64url): {public_key_text(public_key)}")
    click.echo(public_key_pem(public_key).rstrip())
