"""Sign-in for organizers, staff and admins: ``/login``, ``/logout``, password reset, invitations."""

from eventapp.blueprints.auth import links  # noqa: F401  (registers its views on bp)
from eventapp.blueprints.auth.routes import bp

__all__ = ["bp"]
