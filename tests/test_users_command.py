"""``flask create-user EMAIL --role … [--organization SLUG]`` (DESIGN §5, issue 7 Part 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from eventapp.models import AuditEntry, User
from eventapp.services import accounts
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_create_user_reads_the_password_from_standard_input(runner, session, make, now):
    make.organization(slug="menden")
    session.commit()
    result = runner.invoke(
        args=["create-user", "Orga@Menden.de", "--role", "organizer", "--organization", "menden"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Created organizer orga@menden.de of menden"
    session.expire_all()
    user = session.scalar(select(User).where(User.email == "orga@menden.de"))
    assert [o.slug for o in user.organizations] == ["menden"]
    assert accounts.authenticate(session, "orga@menden.de", PASSWORD, now=now) is user
    entry = session.scalar(select(AuditEntry).where(AuditEntry.object_type == "user_account"))
    assert (entry.action, entry.actor_kind, entry.actor_label) == ("user.created", "system", "cli")


def test_an_admin_needs_no_organization(runner, session):
    result = runner.invoke(args=["create-user", "admin@agentur.de", "--role", "admin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert session.scalar(select(User.role).where(User.email == "admin@agentur.de")) == "admin"


@pytest.mark.parametrize(
    ("args", "password", "reason"),
    [
        (["x@example.org", "--role", "organizer"], PASSWORD, "organizers and staff need --organization SLUG"),
        (
            ["x@example.org", "--role", "staff", "--organization", "nirgendwo"],
            PASSWORD,
            "No organization with the slug 'nirgendwo'",
        ),
        (["x@example.org", "--role", "admin"], "kurz", "the password needs at least 10 characters"),
        (["x@example.org", "--role", "admin"], None, "no password on standard input"),
        (["kein-at-zeichen", "--role", "admin"], PASSWORD, "the email address is not valid"),
        (["taken@example.org", "--role", "admin"], PASSWORD, "a user with this email address already exists"),
    ],
)
def test_create_user_fails_with_a_one_line_reason(runner, session, make, args, password, reason):
    make.user(email="taken@example.org", role="admin")
    session.commit()
    result = runner.invoke(args=["create-user", *args], input=None if password is None else password + "\n")
    assert reason in one_line_error(result)
    session.expire_all()
    assert session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_an_unknown_role_is_a_usage_error(runner):
    result = runner.invoke(args=["create-user", "x@example.org", "--role", "king"], input=PASSWORD + "\n")
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output


def test_the_real_command_with_a_piped_password(database_url, app, tmp_path):
    """As an operator runs it: ``echo … | flask --app wsgi create-user …``, exit status and one line."""
    env = {**os.environ, "EVENTAPP_CONFIG": "testing", "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "create-user"]
    ok = subprocess.run(
        [*command, "erste@agentur.de", "--role", "admin"],
        input=PASSWORD + "\n",
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "Created admin erste@agentur.de"
    again = subprocess.run(
        [*command, "ERSTE@agentur.de", "--role", "admin"],
        input=PASSWORD + "\n",
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 1
    assert again.stderr.strip() == "Error: a user with this email address already exists"
