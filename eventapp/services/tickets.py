"""Ticket tokens (DESIGN §3): the signed content of the QR code a person shows at the door.

A token is ``v1.<key id>.<payload>.<signature>``, every part base64url without padding:

- ``key id``: the first 8 characters of base64url(sha256(raw Ed25519 public key)), so a
  station finds the right public key without a table of names, and retired keys keep
  verifying under their own id (``TICKET_VERIFY_KEYS``).
- ``payload``: the compact JSON array ``[event id, ticket id, ticket serial]``. The ticket
  id is the registration's random ``ticket_id`` (never the row id, never personal data),
  the serial is raised on re-issue so that older tokens are revoked.
- ``signature``: Ed25519 over the ASCII text ``v1.<key id>.<payload>``, so the version and
  the key id are authenticated too.

Verification needs the public key alone and rejects malformed, unknown-key, forged,
altered and other-event tokens before any database access; only :func:`check_ticket`
then looks the registration up to catch re-issued (revoked) tickets.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.image.svg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import Event, Registration
from eventapp.services.errors import DomainError, InvalidState

VERSION = "v1"
#: Length of a key id (base64url characters of the public key's SHA-256).
KEY_ID_LENGTH = 8
#: Anything longer is not a token of ours; checked before any parsing.
MAX_TOKEN_LENGTH = 512
_SIGNATURE_LENGTH = 64
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
#: Ticket ids are random URL-safe strings (see :func:`new_ticket_id`); the column holds 32.
_TICKET_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_MAX_INT = 2**63 - 1
#: The serial of a first ticket (services.registration issues it); higher ones are re-issues.
FIRST_TICKET_SERIAL = 1


class InvalidTicket(DomainError):
    """The ticket is not valid."""

    code = "invalid"


@dataclass(frozen=True)
class TicketClaims:
    """What a verified token says: which ticket of which event, and which key signed it."""

    event_id: int
    ticket_id: str
    serial: int
    key_id: str


# --- encoding helpers -------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """base64url without padding (DESIGN §3)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of :func:`b64url_encode`.

    Rejects padding, foreign characters and non-canonical encodings (unused trailing
    bits), so that every token has exactly one spelling and an altered one never verifies.
    """
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key id of a public key: first 8 base64url characters of SHA-256 of its raw bytes."""
    return b64url_encode(hashlib.sha256(_raw_public_bytes(public_key)).digest())[:KEY_ID_LENGTH]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The raw public key as base64url, the form ``TICKET_VERIFY_KEYS`` and stations accept."""
    return b64url_encode(_raw_public_bytes(public_key))


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(
        "ascii"
    )


def generate_private_key_pem() -> bytes:
    """A new Ed25519 private key as unencrypted PKCS#8 PEM (the signing key file)."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    """Parse the signing key file; ValueError if it is not an unencrypted Ed25519 PEM key."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise ValueError(f"not an unencrypted PEM private key ({error})") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the private key is not an Ed25519 key")
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """Parse a public key given as PEM or as base64/base64url of the 32 raw bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the public key is not an Ed25519 key")
        return key
    cleaned = text.replace("+", "-").replace("/", "_").rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("the public key is neither PEM nor base64") from error
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


# --- keyring ------------------------------------------------------------------------------


class Keyring:
    """The signing key plus every public key that may verify, by key id.

    ``signing_key`` may be None on a station that only verifies; retired keys are public
    keys whose tokens stay valid after the signing key was replaced.
    """

    def __init__(
        self,
        signing_key: Ed25519PrivateKey | None,
        verify_keys: Mapping[str, Ed25519PublicKey] | None = None,
    ) -> None:
        self._signing_key = signing_key
        self._verify_keys: dict[str, Ed25519PublicKey] = {}
        for kid, public_key in (verify_keys or {}).items():
            actual = key_id(public_key)
            if kid != actual:
                raise ValueError(f"TICKET_VERIFY_KEYS: key id {kid!r} does not match its key (its id is {actual!r})")
            self._verify_keys[kid] = public_key
        self.signing_key_id: str | None = None
        if signing_key is not None:
            self.signing_key_id = key_id(signing_key.public_key())
            self._verify_keys[self.signing_key_id] = signing_key.public_key()

    @classmethod
    def from_config(cls, private_pem: bytes | None, retired: Mapping[str, str] | None = None) -> Keyring:
        """Build from the signing key file's content and ``TICKET_VERIFY_KEYS`` ({kid: PEM or base64})."""
        signing_key = load_private_key(private_pem) if private_pem is not None else None
        verify_keys = {kid: load_public_key(text) for kid, text in (retired or {}).items()}
        return cls(signing_key, verify_keys)

    @property
    def can_sign(self) -> bool:
        return self._signing_key is not None

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._verify_keys)

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return self._verify_keys.get(kid)

    def sign(self, message: bytes) -> tuple[str, bytes]:
        """Sign with the current key; returns (key id, signature)."""
        if self._signing_key is None or self.signing_key_id is None:
            raise RuntimeError("No ticket signing key is loaded.")
        return self.signing_key_id, self._signing_key.sign(message)


# --- tokens -------------------------------------------------------------------------------


def new_ticket_id() -> str:
    """A random ticket id (16 URL-safe characters, 96 bits) for ``Registration.ticket_id``."""
    return secrets.token_urlsafe(12)


def encode_token(keyring: Keyring, *, event_id: int, ticket_id: str, serial: int) -> str:
    """Sign the claims with the keyring's current key (lower level than :func:`ticket_token`)."""
    if not _TICKET_ID.fullmatch(ticket_id):
        raise ValueError("ticket ids are 1–32 URL-safe characters")
    payload = b64url_encode(json.dumps([event_id, ticket_id, serial], separators=(",", ":")).encode("ascii"))
    if keyring.signing_key_id is None:
        raise RuntimeError("No ticket signing key is loaded.")
    signed = f"{VERSION}.{keyring.signing_key_id}.{payload}"
    kid, signature = keyring.sign(signed.encode("ascii"))
    return f"{signed}.{b64url_encode(signature)}"


def ticket_token(keyring: Keyring, registration: Registration) -> str:
    """The token printed into the registration's QR code.

    Raises InvalidState when the registration has no ticket (it gets one with its seat).
    """
    if not registration.ticket_id:
        raise InvalidState("The registration has no ticket yet.")
    return encode_token(
        keyring,
        event_id=registration.event_id,
        ticket_id=registration.ticket_id,
        serial=registration.ticket_serial,
    )


def _invalid() -> InvalidTicket:
    return InvalidTicket("The ticket is not valid.")


def verify_ticket(keyring: Keyring, token: object, *, event_id: int | None = None) -> TicketClaims:
    """Check a token with the public keys alone; never touches the database.

    Raises InvalidTicket with code ``invalid`` for anything that is not an authentic token
    of ours, and with code ``wrong_event`` for an authentic token of another event.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise _invalid()
    # Scanners may add a line end or spaces; nothing else is forgiven.
    token = token.strip()
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION:
        raise _invalid()
    _, kid, payload_text, signature_text = parts
    public_key = keyring.public_key(kid)
    if public_key is None:
        raise _invalid()
    try:
        b64url_decode(payload_text)  # shape check before spending a signature verification
        signature = b64url_decode(signature_text)
    except ValueError:
        raise _invalid() from None
    if len(signature) != _SIGNATURE_LENGTH:
        raise _invalid()
    try:
        public_key.verify(signature, f"{VERSION}.{kid}.{payload_text}".encode("ascii"))
    except InvalidSignature:
        raise _invalid() from None
    claims = _parse_payload(payload_text, kid)
    if event_id is not None and claims.event_id != event_id:
        raise InvalidTicket("The ticket is for another event.", code="wrong_event")
    return claims


def _parse_payload(payload_text: str, kid: str) -> TicketClaims:
    """Decode a signed payload; only a bug on our side could make it malformed, but be strict anyway."""
    try:
        value = json.loads(b64url_decode(payload_text))
    except ValueError:
        raise _invalid() from None
    if not (isinstance(value, list) and len(value) == 3):
        raise _invalid()
    event_id, ticket_id, serial = value
    for number in (event_id, serial):
        if type(number) is not int or not 0 <= number <= _MAX_INT:
            raise _invalid()
    if not isinstance(ticket_id, str) or not _TICKET_ID.fullmatch(ticket_id):
        raise _invalid()
    return TicketClaims(event_id=event_id, ticket_id=ticket_id, serial=serial, key_id=kid)


def check_ticket(session: Session, keyring: Keyring, token: object, *, event_id: int) -> Registration:
    """Verify a token for ``event_id``, then find its registration.

    Raises InvalidTicket (``invalid`` / ``wrong_event``) for bad tokens, for unknown ticket ids
    and for re-issued tickets (a serial lower than the stored one). The registration's
    status is not judged here: that is check-in's job.
    """
    claims = verify_ticket(keyring, token, event_id=event_id)
    registration = session.scalar(
        select(Registration).where(Registration.ticket_id == claims.ticket_id, Registration.event_id == event_id)
    )
    if registration is None or claims.serial < registration.ticket_serial:
        raise _invalid()
    return registration


def revoked_tickets(session: Session, event: Event) -> list[tuple[str, int]]:
    """(ticket id, current serial) of the event's re-issued tickets, for offline stations.

    A station rejects a token whose ticket id is listed with a higher serial than its own.
    """
    rows = session.execute(
        select(Registration.ticket_id, Registration.ticket_serial)
        .where(
            Registration.event_id == event.id,
            Registration.ticket_id.is_not(None),
            Registration.ticket_serial > FIRST_TICKET_SERIAL,
        )
        .order_by(Registration.ticket_id)
    )
    return [(str(ticket_id), int(serial)) for ticket_id, serial in rows]


# --- QR images ----------------------------------------------------------------------------

#: Medium error correction survives a scratched or crumpled print; 4 modules of quiet zone
#: is what the QR standard asks for, so handheld scanners lock on quickly.
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QR_BORDER = 4
QR_BOX_SIZE = 8


def qr_code(data: str, *, image_factory: type | None = None, box_size: int = QR_BOX_SIZE) -> qrcode.QRCode:
    """The QR code (matrix included) that :func:`qr_png` and :func:`qr_svg` draw."""
    code = qrcode.QRCode(
        error_correction=QR_ERROR_CORRECTION, border=QR_BORDER, box_size=box_size, image_factory=image_factory
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str) -> bytes:
    """A black-on-white PNG of the QR code, for pages and mail attachments."""
    buffer = io.BytesIO()
    qr_code(data).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    """An SVG of the QR code (white background, scales without blur; one unit per module)."""
    # qrcode's SVG unit is box_size / 10 mm, so 10 gives a viewBox in whole modules.
    image = qr_code(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10).make_image()
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + image.to_string(encoding="unicode").encode("utf-8")
