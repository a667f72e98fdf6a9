"""Series: the series page, registering for every date, and the series manage link's pages."""

from eventapp.blueprints.series.routes import bp

__all__ = ["bp"]
