"""Registration: the form, the "check your inbox" page, the manage link's pages and lost links."""

from eventapp.blueprints.registration import (
    certificate,  # noqa: F401 - registers the certificate download and its verification page
    changes,  # noqa: F401 - registers the details and handover pages
    lost,  # noqa: F401 (registers the lost-link pages on bp)
)
from eventapp.blueprints.registration.routes import bp

__all__ = ["bp"]
