"""Health checks for the reverse proxy, the process manager and monitoring (DESIGN §5 ``/healthz``).

``/healthz`` answers whether this process can serve: it is up and reaches its database.
``/readyz`` also says whether the database schema is the one this code expects (the Alembic
head), so a deployment can hold traffic back until ``flask db upgrade`` has run. Both answer
small JSON, are never cached and carry no personal data.
"""

from __future__ import annotations

from functools import cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from flask.wrappers import Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from eventapp.extensions import db

bp = Blueprint("health", __name__)

#: Seconds a client should wait before asking again when the answer is 503.
RETRY_AFTER = "10"


@cache
def expected_revisions(directory: str) -> frozenset[str]:
    """The head revision(s) of the migration scripts shipped with this code."""
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _answer(code: int, **body: object) -> Response:
    response = jsonify(body)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    if code == 503:
        response.headers["Retry-After"] = RETRY_AFTER
    return response


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("health check: the database does not answer")
        return False
    return True


def _database_revisions() -> frozenset[str]:
    """The revisions recorded in the database (none when it was never migrated)."""
    try:
        return frozenset(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError:
        db.session.rollback()
        return frozenset()


@bp.get("/healthz")
def healthz() -> Response:
    """200 while the app runs and its database answers; 503 otherwise."""
    if not _database_answers():
        return _answer(503, status="unavailable", database="unreachable")
    return _answer(200, status="ok", database="ok")


@bp.get("/readyz")
def readyz() -> Response:
    """200 when the database answers and is migrated to this code's head; 503 otherwise."""
    if not _database_answers():
        return _answer(503, status="unavailable", database="unreachable")
    found = _database_revisions()
    directory = current_app.extensions["migrate"].directory
    if found != expected_revisions(directory):
        return _answer(503, status="unavailable", database="not migrated")
    return _answer(200, status="ok", database="ok")
