"""The organizer area (``/manage/``): an organization's events, their registrations and messages."""

from eventapp.blueprints.manage.routes import bp

__all__ = ["bp"]
