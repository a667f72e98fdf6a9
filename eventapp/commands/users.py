"""``flask create-user EMAIL --role admin|organizer|staff [--organization SLUG]`` (DESIGN §5).

The password comes from a prompt (asked twice) on a terminal, else from the first line of
standard input — so scripts can pipe it without it showing up in the process list.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from eventapp.extensions import db
from eventapp.models import Role, utcnow
from eventapp.services import accounts
from eventapp.services.audit import CLI
from eventapp.services.errors import DomainError

#: Service field codes → the CLI's one-line reasons.
REASONS = {
    ("password", "too_short"): f"the password needs at least {accounts.MIN_PASSWORD_LENGTH} characters",
    ("password", "too_long"): "the password is too long",
    ("email", "required"): "an email address is required",
    ("email", "invalid"): "the email address is not valid",
    ("email", "too_long"): "the email address is too long",
    ("email", "taken"): "a user with this email address already exists",
    ("organization", "required"): "organizers and staff need --organization SLUG",
}


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException("no password on standard input")
    return line.rstrip("\r\n")


def _reason(error: DomainError) -> str:
    for field, code in error.fields.items():
        if (field, code) in REASONS:
            return REASONS[(field, code)]
    return error.message


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]), help="The user's role.")
@click.option(
    "--organization",
    "organizations",
    multiple=True,
    metavar="SLUG",
    help="An organization the user belongs to (repeatable; required for organizers and staff).",
)
@click.option("--name", default="", help="The name shown in lists and histories.")
@with_appcontext
def create_user_command(email: str, role: str, organizations: tuple[str, ...], name: str) -> None:
    """Create an account that signs in at /login."""
    try:
        members = accounts.organizations_by_slug(db.session, organizations)
        password = _read_password()
        user = accounts.create_user(
            db.session,
            email=email,
            role=role,
            password=password,
            name=name,
            organizations=members,
            now=utcnow(),
            actor=CLI,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(_reason(error)) from None
    click.echo(f"Created {user.role} {user.email}" + (f" of {', '.join(organizations)}" if organizations else ""))
