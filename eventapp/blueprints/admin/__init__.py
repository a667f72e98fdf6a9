"""The admin area (``/admin``): organizations, users and roles, staff assignments. Admins only."""

from eventapp.blueprints.admin import users  # noqa: F401  (registers its views on bp)
from eventapp.blueprints.admin.routes import bp

__all__ = ["bp"]
