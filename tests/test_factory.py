"""The application factory and its configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventapp import create_app

ROOT = Path(__file__).resolve().parent.parent


def test_testing_config_is_used(app):
    assert app.config["TESTING"] is True


def test_templates_and_static_live_at_the_repository_root(app):
    assert Path(app.template_folder) == ROOT / "templates"
    assert Path(app.static_folder) == ROOT / "static"


def test_production_refuses_to_start_without_required_settings(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "BASE_URL", "MAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=None, SQLALCHEMY_DATABASE_URI=None, BASE_URL=None, MAIL_SERVER=None)


def test_unknown_config_name_is_a_clear_error():
    with pytest.raises(RuntimeError, match="Unknown EVENTAPP_CONFIG"):
        create_app("staging")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_plain_postgresql_urls_use_psycopg3(scheme):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"{scheme}://u@db.example/eventapp")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/eventapp"


def test_proxy_count_trusts_forwarded_client_address():
    app = create_app("testing", PROXY_COUNT=1)
    seen = {}

    @app.get("/_remote")
    def remote():
        from flask import request

        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get("/_remote", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["addr"] == "203.0.113.7"
