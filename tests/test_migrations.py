"""`flask db upgrade` on an empty database gives exactly the schema the models describe.

Runs the real command in a subprocess (so Alembic's logging setup stays out of the
test process) against a fresh SQLite file, and — in the PostgreSQL run — against a
schema of its own, so it never touches the tables of the shared ``app`` fixture.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from eventapp.models import Base

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the dialect under test."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    schema = f"migrations_{secrets.token_hex(4)}"
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def flask_db(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EVENTAPP_CONFIG": "testing", "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_migrations_have_a_single_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrade_from_empty_matches_the_models(empty_database: str):
    flask_db(empty_database, "upgrade")

    assert differences(empty_database) == []
    engine = create_engine(empty_database)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_downgrade_to_empty_and_upgrade_again(empty_database: str):
    flask_db(empty_database, "upgrade")
    flask_db(empty_database, "downgrade", "base")

    engine = create_engine(empty_database)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    flask_db(empty_database, "upgrade")
    assert differences(empty_database) == []
