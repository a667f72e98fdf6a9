"""Registration: the form, the "check your inbox" page and the manage link's pages."""

from eventapp.blueprints.registration import changes  # noqa: F401 - registers the details and handover pages
from eventapp.blueprints.registration.routes import bp

__all__ = ["bp"]
