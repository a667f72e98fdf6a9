"""/healthz and /readyz (DESIGN §5): what a reverse proxy or process manager asks before sending traffic."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text

from eventapp import create_app
from tests.test_migrations import flask_db


def test_healthz_answers_ok_while_the_database_answers(app: Flask) -> None:
    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_with_retry_after_when_the_database_is_gone(tmp_path: Path) -> None:
    unreachable = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'db.sqlite'}")

    response = unreachable.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert response.headers["Retry-After"] == "10"
    assert unreachable.test_client().get("/readyz").status_code == 503


def test_readyz_holds_traffic_back_until_the_database_is_migrated(app: Flask) -> None:
    # The suite's database is made by create_all, without Alembic's version table.
    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "not migrated"}


def test_readyz_is_ok_at_the_head_and_not_at_another_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    upgraded = flask_db(url, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    served = create_app("testing", SQLALCHEMY_DATABASE_URI=url)

    assert served.test_client().get("/readyz").get_json() == {"status": "ok", "database": "ok"}

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'an0lder0rev'"))
    engine.dispose()
    response = served.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "not migrated"
