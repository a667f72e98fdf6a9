"""Blueprint registry: one blueprint per feature."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from eventapp.blueprints import errors, hardening

    errors.init_app(app)
    hardening.init_app(app)

    from eventapp.blueprints.health import bp as health_bp

    app.register_blueprint(health_bp)

    from eventapp.blueprints.api import bp as api_bp

    app.register_blueprint(api_bp)

    from eventapp.blueprints.checkin.api import bp as checkin_bp

    app.register_blueprint(checkin_bp)

    from eventapp.blueprints.checkin.page import bp as checkin_page_bp

    app.register_blueprint(checkin_page_bp)

    from eventapp.blueprints.public import bp as public_bp

    app.register_blueprint(public_bp)

    from eventapp.blueprints.registration import bp as registration_bp

    app.register_blueprint(registration_bp)

    from eventapp.blueprints.join import bp as join_bp

    app.register_blueprint(join_bp)

    from eventapp.blueprints.calendar import bp as calendar_bp

    app.register_blueprint(calendar_bp)

    from eventapp.blueprints.series import bp as series_bp

    app.register_blueprint(series_bp)

    from eventapp.blueprints.auth import bp as auth_bp

    app.register_blueprint(auth_bp)

    from eventapp.blueprints.manage import bp as manage_bp

    app.register_blueprint(manage_bp)

    from eventapp.blueprints.admin import bp as admin_bp

    app.register_blueprint(admin_bp)
