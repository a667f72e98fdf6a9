"""CLI commands (``flask --app wsgi ...``); they call the same services as the web."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    pass
