"""JSON API v1 under ``/api/v1/`` (DESIGN §5)."""

from eventapp.blueprints.api.routes import bp

__all__ = ["bp"]
