"""Public pages: the event list, the archive, event details and the privacy notice."""

from eventapp.blueprints.public.routes import bp

__all__ = ["bp"]
