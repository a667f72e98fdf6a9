"""The signing key: `create-signing-key`, and how each configuration loads the keyring."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from eventapp import create_app
from eventapp.extensions import db
from eventapp.keys import current_keyring
from eventapp.services import tickets


@pytest.fixture
def key_path(app, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "nested" / "dir" / "ticket-signing-key.pem"
    monkeypatch.setitem(app.config, "TICKET_SIGNING_KEY_FILE", str(path))
    return path


def test_creates_a_key_once_and_never_overwrites(runner, key_path):
    result = runner.invoke(args=["create-signing-key"])
    assert result.exit_code == 0, result.output
    assert "Created" in result.output
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    pem = key_path.read_bytes()
    public_key = tickets.load_private_key(pem).public_key()
    assert f"Key id: {tickets.key_id(public_key)}" in result.output
    assert tickets.public_key_text(public_key) in result.output
    assert "BEGIN PUBLIC KEY" in result.output
    assert "PRIVATE" not in result.output

    again = runner.invoke(args=["create-signing-key"])
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output
    assert f"Key id: {tickets.key_id(public_key)}" in again.output
    assert key_path.read_bytes() == pem


def test_unusable_existing_file_fails_with_a_reason(runner, key_path):
    key_path.parent.mkdir(parents=True)
    key_path.write_text("not a key")
    result = runner.invoke(args=["create-signing-key"])
    assert result.exit_code != 0
    assert "not a usable Ed25519 private key" in result.output
    assert key_path.read_text() == "not a key"


def test_testing_app_creates_its_key(app):
    assert Path(app.config["TICKET_SIGNING_KEY_FILE"]).is_file()
    with app.app_context():
        assert current_keyring().can_sign


def _development_app(tmp_path: Path, **overrides):
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.sqlite'}",
        "TICKET_SIGNING_KEY_FILE": str(tmp_path / "instance" / "key.pem"),
    }
    settings.update(overrides)
    return create_app("development", **settings)


def test_development_starts_without_a_key_and_explains_when_one_is_needed(tmp_path):
    application = _development_app(tmp_path)
    key_file = Path(application.config["TICKET_SIGNING_KEY_FILE"])
    assert not key_file.exists()
    with application.app_context():
        with pytest.raises(RuntimeError, match="create-signing-key"):
            current_keyring()
    # Created later (make run does it before serving): picked up without a restart.
    result = application.test_cli_runner().invoke(args=["create-signing-key"])
    assert result.exit_code == 0, result.output
    with application.app_context():
        keyring = current_keyring()
        assert keyring.can_sign
        assert current_keyring() is keyring
    with application.app_context():
        db.engine.dispose()


def test_retired_keys_come_from_config(tmp_path):
    old_key = Ed25519PrivateKey.generate()
    old_token = tickets.encode_token(tickets.Keyring(old_key), event_id=1, ticket_id="abc", serial=1)
    retired = {tickets.key_id(old_key.public_key()): tickets.public_key_pem(old_key.public_key())}
    application = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 't.sqlite'}",
        TICKET_SIGNING_KEY_FILE=str(tmp_path / "key.pem"),
        TICKET_VERIFY_KEYS=retired,
    )
    with application.app_context():
        keyring = current_keyring()
        assert tickets.verify_ticket(keyring, old_token, event_id=1).ticket_id == "abc"
        assert keyring.signing_key_id != tickets.key_id(old_key.public_key())
        db.engine.dispose()


def test_production_refuses_an_unusable_key(tmp_path):
    key_file = tmp_path / "key.pem"
    key_file.write_text("not a key")
    with pytest.raises(RuntimeError, match="Ticket keys are not usable"):
        create_app(
            "production",
            SECRET_KEY="s",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite'}",
            BASE_URL="https://events.example.org",
            MAIL_SERVER="localhost",
            TICKET_SIGNING_KEY_FILE=str(key_file),
        )
