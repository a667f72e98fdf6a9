"""A live HTTP server for the session's app and headless Debian Chromium driven by Playwright.

Without /usr/bin/chromium the browser tests are skipped, except in CI (``CI=true``),
where a missing browser fails the run instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Set EVENTAPP_SHOTS=1 to keep screenshots of each step (for looking at the pages).
SHOTS = Path("/tmp/eventapp-shots")


@contextmanager
def serving(wsgi_app: WSGIApplication, name: str = "live-server") -> Iterator[str]:
    """``wsgi_app`` behind a real HTTP server on a free loopback port, for the block; yields its base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app behind a real HTTP server on a free loopback port; yields its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium not installed: {CHROMIUM} (required when CI=true)")
        pytest.skip(f"Chromium not installed: {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, live_server: str) -> Iterator[object]:
    """A fresh browser tab (own cookies) whose relative URLs go to the live server; German browser."""
    context = chromium.new_context(base_url=live_server, locale="de-DE", viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def shot(page) -> object:
    """``shot("name")`` saves a full-page screenshot when EVENTAPP_SHOTS is set."""

    def take(name: str) -> None:
        if os.environ.get("EVENTAPP_SHOTS"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return take
