"""The personal join link ``/j/<token>`` (DESIGN §5): a page, and a button that joins."""

from eventapp.blueprints.join.routes import bp

__all__ = ["bp"]
