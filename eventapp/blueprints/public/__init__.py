"""Public pages: the event list, the archive, event details, the privacy notice and organizations' logos."""

from eventapp.blueprints.public import logos  # noqa: F401 - registers the logo route on bp
from eventapp.blueprints.public.routes import bp

__all__ = ["bp"]
