"""Jinja helpers shared by pages and mails: dates in Europe/Berlin, per locale."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_time, get_locale

from eventapp import labels


def event_when(starts_at: datetime, ends_at: datetime | None) -> str:
    """'Donnerstag, 18. November 2027, 10:00–16:00' in the current locale and Berlin time."""
    day = format_date(starts_at, "full")
    start = format_time(starts_at, "short")
    if ends_at is None:
        return f"{day}, {start}"
    if format_date(ends_at, "short") == format_date(starts_at, "short"):
        return f"{day}, {start}–{format_time(ends_at, 'short')}"
    return f"{day}, {start} – {format_date(ends_at, 'full')}, {format_time(ends_at, 'short')}"


def url_with_lang(lang: str) -> str:
    """The current URL with ``?lang=`` replaced, for the language switch."""
    args = request.args.to_dict()
    args["lang"] = lang
    return f"{request.path}?{urlencode(args)}"


def init_app(app: Flask) -> None:
    labels.init_app(app)
    app.jinja_env.globals.update(event_when=event_when, url_with_lang=url_with_lang, get_locale=get_locale)
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, time=format_time)
