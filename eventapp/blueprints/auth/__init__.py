"""Sign-in for organizers, staff and admins: ``/login``, ``/logout``."""

from eventapp.blueprints.auth.routes import bp

__all__ = ["bp"]
