"""Registration: the form, the "check your inbox" page and the manage link's pages."""

from eventapp.blueprints.registration.routes import bp

__all__ = ["bp"]
