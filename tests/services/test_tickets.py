"""Ticket tokens: signing, verification before any database access, revocation, QR images."""

from __future__ import annotations

import base64
import io
import itertools
import json
import xml.etree.ElementTree as ET

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from sqlalchemy import event as sa_event

from eventapp.models import RegistrationStatus
from eventapp.services import registration as registration_service
from eventapp.services import tickets
from eventapp.services.errors import InvalidState
from eventapp.services.tickets import InvalidTicket, Keyring, TicketClaims


@pytest.fixture(scope="module")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def keyring(signing_key: Ed25519PrivateKey) -> Keyring:
    return Keyring(signing_key)


def _token(keyring: Keyring, event_id: int = 7, ticket_id: str = "AbC-d_123", serial: int = 1) -> str:
    return tickets.encode_token(keyring, event_id=event_id, ticket_id=ticket_id, serial=serial)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- format ------------------------------------------------------------------------------


def test_token_has_the_documented_format(keyring, signing_key):
    token = _token(keyring)
    version, kid, payload, signature = token.split(".")
    assert version == "v1"
    assert kid == tickets.key_id(signing_key.public_key()) == keyring.signing_key_id
    assert len(kid) == 8
    assert json.loads(tickets.b64url_decode(payload)) == [7, "AbC-d_123", 1]
    assert len(tickets.b64url_decode(signature)) == 64
    assert "=" not in token and "+" not in token and "/" not in token


def test_token_carries_no_personal_data_and_no_url(keyring, make, session):
    event = make.event()
    registration = make.registration(event, ticket_id="T0k3n-id", ticket_serial=1, given_name="Erika")
    token = tickets.ticket_token(keyring, registration)
    payload = json.loads(tickets.b64url_decode(token.split(".")[2]))
    assert payload == [event.id, "T0k3n-id", 1]
    assert "http" not in token and "Erika" not in token and registration.person.email not in token


def test_round_trip(keyring):
    claims = tickets.verify_ticket(keyring, _token(keyring), event_id=7)
    assert claims == TicketClaims(event_id=7, ticket_id="AbC-d_123", serial=1, key_id=keyring.signing_key_id)


def test_event_check_is_optional(keyring):
    assert tickets.verify_ticket(keyring, _token(keyring, event_id=9)).event_id == 9


def test_scanner_line_end_is_forgiven(keyring):
    assert tickets.verify_ticket(keyring, _token(keyring) + "\r\n", event_id=7).serial == 1


def test_ticket_token_requires_a_ticket(keyring, make):
    registration = make.registration(make.event(), status=RegistrationStatus.PENDING, ticket_id=None)
    with pytest.raises(InvalidState):
        tickets.ticket_token(keyring, registration)


def test_keyring_without_signing_key_cannot_sign(keyring):
    verifier = Keyring(None, {keyring.signing_key_id: keyring.public_key(keyring.signing_key_id)})
    with pytest.raises(RuntimeError):
        _token(verifier)
    assert tickets.verify_ticket(verifier, _token(keyring), event_id=7).ticket_id == "AbC-d_123"


# --- rejections --------------------------------------------------------------------------


def _code(keyring: Keyring, token: object, event_id: int | None = 7) -> str:
    with pytest.raises(InvalidTicket) as info:
        tickets.verify_ticket(keyring, token, event_id=event_id)
    return info.value.code


def test_wrong_event(keyring):
    assert _code(keyring, _token(keyring, event_id=8)) == "wrong_event"


def test_forged_signature(keyring):
    """Signed by someone else's key but claiming our key id."""
    version, kid, payload, _ = _token(keyring).split(".")
    forged = Ed25519PrivateKey.generate().sign(f"{version}.{kid}.{payload}".encode())
    assert _code(keyring, f"{version}.{kid}.{payload}.{_b64(forged)}") == "invalid"


def test_flipped_signature_bit(keyring):
    version, kid, payload, signature = _token(keyring).split(".")
    raw = bytearray(tickets.b64url_decode(signature))
    raw[10] ^= 0x01
    assert _code(keyring, f"{version}.{kid}.{payload}.{_b64(bytes(raw))}") == "invalid"


@pytest.mark.parametrize(
    "claims",
    [[8, "AbC-d_123", 1], [7, "AbC-d_124", 1], [7, "AbC-d_123", 2], [7, "AbC-d_123", 1, 0]],
    ids=["event", "ticket", "serial", "extra"],
)
def test_altered_payload(keyring, claims):
    version, kid, _, signature = _token(keyring).split(".")
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    # An altered event id must be "invalid", not "wrong_event": the signature fails first.
    assert _code(keyring, f"{version}.{kid}.{payload}.{signature}") == "invalid"


def test_non_canonical_encoding_of_the_signature_is_rejected(keyring):
    """86 base64 characters carry 2 unused bits; a second spelling must not verify."""
    token = _token(keyring)
    last = token[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    variant = token[:-1] + alphabet[alphabet.index(last) ^ 1]
    assert base64.urlsafe_b64decode(variant.split(".")[3] + "==") == base64.urlsafe_b64decode(
        token.split(".")[3] + "=="
    )
    assert _code(keyring, variant) == "invalid"


def test_other_version(keyring):
    assert _code(keyring, "v2" + _token(keyring)[2:]) == "invalid"


def test_unknown_key_id(keyring):
    other = Keyring(Ed25519PrivateKey.generate())
    assert _code(keyring, _token(other)) == "invalid"


def test_token_signed_by_another_key_under_a_known_key_id(keyring):
    other = Keyring(Ed25519PrivateKey.generate())
    version, _, payload, signature = _token(other).split(".")
    assert _code(keyring, f"{version}.{keyring.signing_key_id}.{payload}.{signature}") == "invalid"


def test_signed_but_malformed_payloads_are_invalid(keyring, signing_key):
    """Even content signed with our key must have the exact payload shape."""
    kid = keyring.signing_key_id
    for claims in ([7, "x", -1], [7, "x"], {"e": 7}, [True, "x", 1], [7, "bad id!", 1], [7, "x", 1.0], "x"):
        payload = _b64(json.dumps(claims).encode())
        signature = _b64(signing_key.sign(f"v1.{kid}.{payload}".encode()))
        assert _code(keyring, f"v1.{kid}.{payload}.{signature}", event_id=None) == "invalid", claims


GARBAGE = [
    None,
    7,
    b"v1.abc.def.ghi",
    ["v1"],
    "",
    " ",
    ".",
    "...",
    "v1...",
    "v1.a.b.c",
    "v1.a.b.c.d",
    "https://example.org/r/abc",
    "v1.\x00\x00.\x00.\x00",
    "v1.ÄÖÜ.äöü.ß",
    "v1.🙂🙂🙂🙂🙂🙂🙂🙂.x.y",
    "v1." + "A" * 8 + "." + "A" * 5 + "." + "A" * 86,
    "v1.AAAAAAAA.====.====",
    "x" * 100_000,
    "v1." + "." * 1000,
    "\ud800",
    "v1.AAAAAAAA.e30.%%%",
]


@pytest.mark.parametrize("token", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_is_always_invalid(keyring, token):
    assert _code(keyring, token) == "invalid"


def test_mutations_of_a_real_token_never_raise_anything_else(keyring):
    token = _token(keyring)
    seen_valid = 0
    for index in range(len(token)):
        for replacement in ("", "A", "-", ".", "=", "ä", token[index] * 2):
            mutated = token[:index] + replacement + token[index + 1 :]
            try:
                tickets.verify_ticket(keyring, mutated, event_id=7)
            except InvalidTicket:
                continue
            seen_valid += 1
            assert mutated == token
    assert seen_valid <= len(token)  # only identity "mutations" (same character) verify


def test_verification_touches_no_database(app, keyring, session):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        for token in [_token(keyring), _token(keyring, event_id=8), "garbage", *GARBAGE[:6]]:
            try:
                tickets.verify_ticket(keyring, token, event_id=7)
            except InvalidTicket:
                pass
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    assert statements == []


# --- keys ----------------------------------------------------------------------------------


def test_retired_key_from_config_still_verifies(keyring):
    old_key = Ed25519PrivateKey.generate()
    old_token = _token(Keyring(old_key))
    old_kid = tickets.key_id(old_key.public_key())
    for text in (tickets.public_key_pem(old_key.public_key()), tickets.public_key_text(old_key.public_key())):
        current_pem = tickets.generate_private_key_pem()
        rotated = Keyring.from_config(current_pem, {old_kid: text})
        assert tickets.verify_ticket(rotated, old_token, event_id=7).key_id == old_kid
        assert rotated.signing_key_id != old_kid
        new_token = _token(rotated)
        assert new_token.split(".")[1] == rotated.signing_key_id
        assert tickets.verify_ticket(rotated, new_token, event_id=7).key_id == rotated.signing_key_id


def test_standard_base64_public_key_is_accepted():
    key = Ed25519PrivateKey.generate().public_key()
    raw = tickets.load_public_key(tickets.public_key_text(key)).public_bytes_raw()
    standard = base64.b64encode(raw).decode()
    assert tickets.load_public_key(standard).public_bytes_raw() == raw


def test_retired_key_under_a_wrong_key_id_is_a_configuration_error():
    key = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(ValueError, match="does not match"):
        Keyring.from_config(None, {"AAAAAAAA": tickets.public_key_text(key)})


@pytest.mark.parametrize("text", ["", "not a key", base64.b64encode(b"short").decode()])
def test_unusable_public_key_text_is_a_configuration_error(text):
    with pytest.raises(ValueError):
        tickets.load_public_key(text)


def test_non_ed25519_private_key_is_rejected():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="Ed25519"):
        tickets.load_private_key(pem)
    with pytest.raises(ValueError):
        tickets.load_private_key(b"garbage")


# --- database checks -----------------------------------------------------------------------


_emails = itertools.count(1)


def _confirmed(make, now, event=None):
    """A confirmed registration with a ticket, made by the registration service."""
    event = event or make.event()
    data = registration_service.RegistrationInput(
        given_name="Erika",
        family_name="Mustermann",
        email=f"erika{next(_emails)}@example.org",
        mode="on_site",
        privacy_consent=True,
    )
    outcome = registration_service.submit(make.session, event, data, now=now, confirm_email=False)
    assert outcome.registration.status is RegistrationStatus.CONFIRMED
    return outcome.registration


def test_check_ticket_finds_the_registration(keyring, make, session, now):
    registration = _confirmed(make, now)
    token = tickets.ticket_token(keyring, registration)
    assert tickets.check_ticket(session, keyring, token, event_id=registration.event_id) is registration


def test_reissued_ticket_revokes_the_old_token(keyring, make, session, now):
    registration = _confirmed(make, now)
    old = tickets.ticket_token(keyring, registration)
    registration_service.reissue_ticket(session, registration, now=now)
    new = tickets.ticket_token(keyring, registration)
    assert new != old
    # The old token is still authentic: only the database knows it was replaced.
    assert tickets.verify_ticket(keyring, old, event_id=registration.event_id).serial == 1
    with pytest.raises(InvalidTicket) as info:
        tickets.check_ticket(session, keyring, old, event_id=registration.event_id)
    assert info.value.code == "invalid"
    assert tickets.check_ticket(session, keyring, new, event_id=registration.event_id) is registration


def test_check_ticket_rejects_other_event_and_unknown_ticket(keyring, make, session, now):
    registration = _confirmed(make, now)
    other = make.event()
    token = tickets.ticket_token(keyring, registration)
    with pytest.raises(InvalidTicket) as info:
        tickets.check_ticket(session, keyring, token, event_id=other.id)
    assert info.value.code == "wrong_event"
    unknown = tickets.encode_token(keyring, event_id=registration.event_id, ticket_id="nobody", serial=1)
    with pytest.raises(InvalidTicket) as info:
        tickets.check_ticket(session, keyring, unknown, event_id=registration.event_id)
    assert info.value.code == "invalid"


def test_ticket_of_one_event_does_not_match_a_registration_of_another(keyring, make, session, now):
    """A ticket id is looked up within the verified event only."""
    registration = _confirmed(make, now)
    other = make.event()
    forged_event = tickets.encode_token(keyring, event_id=other.id, ticket_id=registration.ticket_id, serial=1)
    with pytest.raises(InvalidTicket):
        tickets.check_ticket(session, keyring, forged_event, event_id=other.id)


def test_revocation_list_names_reissued_tickets_only(keyring, make, session, now):
    event = make.event()
    first = _confirmed(make, now, event)
    second = _confirmed(make, now, event)
    _confirmed(make, now, make.event())  # another event's
    registration_service.reissue_ticket(session, second, now=now)
    registration_service.reissue_ticket(session, second, now=now)
    assert tickets.revoked_tickets(session, event) == [(second.ticket_id, 3)]
    assert first.ticket_serial == tickets.FIRST_TICKET_SERIAL


# --- QR images -----------------------------------------------------------------------------


def _modules_from_png(png: bytes, size: int) -> list[list[bool]]:
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width == image.height
    box = image.width // size
    assert box * size == image.width
    return [[image.getpixel((x * box + box // 2, y * box + box // 2)) < 128 for x in range(size)] for y in range(size)]


def test_qr_png_holds_exactly_the_token(keyring):
    token = _token(keyring)
    png = tickets.qr_png(token)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    expected = tickets.qr_code(token).get_matrix()
    assert _modules_from_png(png, len(expected)) == expected
    # A QR code of something else does not match: the comparison can fail.
    assert _modules_from_png(tickets.qr_png(token + "x"), len(tickets.qr_code(token + "x").get_matrix())) != expected


def test_qr_has_a_quiet_zone_and_medium_error_correction(keyring):
    code = tickets.qr_code(_token(keyring))
    matrix = code.get_matrix()
    assert code.error_correction == tickets.qrcode.constants.ERROR_CORRECT_M
    for ring in range(tickets.QR_BORDER):
        assert not any(matrix[ring]) and not any(matrix[-1 - ring])
        assert not any(row[ring] or row[-1 - ring] for row in matrix)
    assert any(matrix[tickets.QR_BORDER])


def test_qr_svg_is_svg_of_the_same_matrix(keyring):
    token = _token(keyring)
    svg = tickets.qr_svg(token)
    root = ET.fromstring(svg)  # noqa: S314 (our own output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    size = len(tickets.qr_code(token).get_matrix())
    assert root.get("viewBox") == f"0 0 {size} {size}"
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    dark = {tuple(map(int, cell.split("H")[0].split(","))) for cell in path.strip("M").rstrip("z").split("zM")}
    matrix = tickets.qr_code(token).get_matrix()
    assert dark == {(x, y) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}
