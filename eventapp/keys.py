"""The app's ticket keyring: the signing key from ``TICKET_SIGNING_KEY_FILE`` plus retired keys.

- testing: a missing key file is created, so a fresh checkout's tests just run;
- production: the key is loaded at start (config already refuses to start without the file);
- development: a missing key only matters once a ticket is needed, so the app still starts
  and serves pages; :func:`current_keyring` then says how to create one.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app

from eventapp.services.tickets import Keyring, generate_private_key_pem

EXTENSION = "ticket_keyring"
HINT = "Run `flask --app wsgi create-signing-key` (make run does this)."


def write_private_key(path: Path) -> bool:
    """Create a new signing key file (mode 0600, parent folders created); False if one exists.

    ``O_EXCL`` makes creation atomic: two processes starting at once never overwrite each
    other's key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb") as file:
        file.write(generate_private_key_pem())
    return True


def load_keyring(app: Flask) -> Keyring:
    """Read the key file and ``TICKET_VERIFY_KEYS``; RuntimeError with a clear reason otherwise."""
    path = Path(app.config["TICKET_SIGNING_KEY_FILE"])
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        raise RuntimeError(f"The ticket signing key {path} does not exist. {HINT}") from None
    except OSError as error:
        raise RuntimeError(f"The ticket signing key {path} cannot be read: {error}") from None
    try:
        return Keyring.from_config(pem, app.config.get("TICKET_VERIFY_KEYS") or {})
    except ValueError as error:
        raise RuntimeError(f"Ticket keys are not usable ({path}, TICKET_VERIFY_KEYS): {error}") from None


def init_app(app: Flask) -> None:
    """Load the keyring into ``app.extensions["ticket_keyring"]`` (None until loaded in development)."""
    app.extensions[EXTENSION] = None
    if app.config.get("TESTING"):
        write_private_key(Path(app.config["TICKET_SIGNING_KEY_FILE"]))
    if app.config.get("TESTING") or app.config.get("NAME") == "production":
        app.extensions[EXTENSION] = load_keyring(app)


def current_keyring() -> Keyring:
    """The keyring of the current app, loading it on first use in development."""
    keyring = current_app.extensions.get(EXTENSION)
    if keyring is None:
        keyring = load_keyring(current_app)
        current_app.extensions[EXTENSION] = keyring
    return keyring
