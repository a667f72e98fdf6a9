"""eventapp: event and conference registration for the Smart Cities: 5 für Südwestfalen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS

ROOT = Path(__file__).resolve().parent.parent


def _settings(config_name: str | None, overrides: dict[str, Any]) -> dict[str, Any]:
    name = config_name or os.environ.get("EVENTAPP_CONFIG") or "development"
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown EVENTAPP_CONFIG {name!r}; use one of {', '.join(CONFIGS)}") from None
    settings = {key: getattr(config_class, key) for key in dir(config_class) if key.isupper()}
    settings.update(overrides)
    config_class.finalize(settings)
    return settings


def create_app(config_name: str | None = None, **overrides: Any) -> Flask:
    """Build the application; ``config_name`` defaults to ``EVENTAPP_CONFIG`` (development)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(_settings(config_name, overrides))
    if app.config.get("APPLICATION_ROOT", "/") != "/":
        from eventapp.urls import PathPrefix

        app.wsgi_app = PathPrefix(app.wsgi_app, app.config["APPLICATION_ROOT"])  # type: ignore[method-assign]
    if app.config["PROXY_COUNT"]:
        # Behind nginx & co.: client address (rate limits), scheme, host (checked against
        # TRUSTED_HOSTS) and path prefix of the pages' own links from X-Forwarded-*.
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )
    Path(app.instance_path).mkdir(exist_ok=True)

    from eventapp import i18n, keys, security, templating
    from eventapp.blueprints import register_blueprints
    from eventapp.commands import register_commands
    from eventapp.database import configure_engine
    from eventapp.extensions import babel, csrf, db, limiter, migrate
    from eventapp.models import TZID

    # Derived from the one time-zone constant, not configured (DESIGN §3 "Time").
    app.config["BABEL_DEFAULT_TIMEZONE"] = TZID

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    keys.init_app(app)
    with app.app_context():
        configure_engine(db.engine)

    register_blueprints(app)
    register_commands(app)
    return app
