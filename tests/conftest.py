"""Shared fixtures: the app on SQLite (default) or on DATABASE_URL (PostgreSQL in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from eventapp import create_app
from eventapp.extensions import db as _db
from eventapp.extensions import limiter
from tests import factories
from tests.helpers import DB
from tests.smtp_server import SMTPServer

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """TEST_DATABASE_URL (e.g. PostgreSQL) or a fresh SQLite file for this run."""
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2 with its production cost takes most of a second on a busy test machine; the tests
    check what is done with hashes, not their cost, so they hash with the smallest parameters."""
    from argon2 import PasswordHasher

    from eventapp.services import accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    patch = pytest.MonkeyPatch()
    patch.setattr(accounts, "_hasher", cheap)
    patch.setattr(accounts, "_DUMMY_HASH", cheap.hash("dummy"))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    keydir = tmp_path_factory.mktemp("keys")
    maildir = tmp_path_factory.mktemp("mail")
    application = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        TICKET_SIGNING_KEY_FILE=str(keydir / "ticket-signing-key.pem"),
        MAIL_OUTBOX_DIR=str(maildir),
    )
    with application.app_context():
        _db.drop_all()
        _db.create_all()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts on empty tables; rows are deleted (not rolled back) so that
    tests with several connections see committed data."""
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        _db.session.rollback()
        for table in reversed(_db.metadata.sorted_tables):
            _db.session.execute(table.delete())
        _db.session.commit()
        _db.session.remove()
    limiter.reset()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        _db.session.remove()


@pytest.fixture
def session(app_ctx: Flask) -> Session:
    """The Flask-SQLAlchemy session inside an app context."""
    return _db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def make(session: Session) -> factories.Factories:
    """Factory functions bound to the session: ``make.event(capacity_on_site=3)``."""
    return factories.Factories(session)


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def data(app: Flask) -> DB:
    """``with data() as (session, make):`` – a short app context that commits at the end.

    For web tests: each request runs in its own app context (as in production), so they
    prepare and inspect data in such blocks and hold no context during requests.
    """

    @contextmanager
    def block() -> Iterator[tuple[Session, factories.Factories]]:
        with app.app_context():
            try:
                yield _db.session, factories.Factories(_db.session)
                _db.session.commit()
            finally:
                _db.session.remove()

    return block


_MAIL_SETTINGS = (
    "MAIL_TRANSPORT",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_TIMEOUT",
)


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SMTPServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 with the app's MAIL_* settings pointing at it.

    ``smtp_server.messages`` are the received mails (parsed); ``fail_temporarily(address)``,
    ``reject(address)``, ``stop()`` and ``start()`` script failures (see tests/smtp_server.py).
    """
    server = SMTPServer()
    server.start()
    saved = {key: app.config.get(key) for key in _MAIL_SETTINGS}
    app.config.update(
        MAIL_TRANSPORT="smtp",
        MAIL_SERVER=server.host,
        MAIL_PORT=server.port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
        MAIL_TIMEOUT=5,
    )
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved)
