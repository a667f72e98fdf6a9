"""Organization logos (issue 7 Part 7): PNG or JPEG judged by their bytes, re-encoded without metadata."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import select

from eventapp.models import AuditEntry
from eventapp.services import logos
from eventapp.services.audit import Actor
from eventapp.services.errors import ValidationError

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def png(size: tuple[int, int] = (40, 20), *, mode: str = "RGBA", text: str | None = None) -> bytes:
    image = Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else 0)
    out = BytesIO()
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def jpeg(size: tuple[int, int] = (1600, 900), *, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Kamera GmbH"  # Make
    exif[0x8825] = {2: (51.0, 26.0, 0.0)}  # GPS latitude
    if orientation:
        exif[0x0112] = orientation
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_png_is_re_encoded_without_its_text_chunks():
    logo = logos.prepare_logo(png(text="Geheimer Kommentar"))
    assert (logo.content_type, logo.width, logo.height) == ("image/png", 40, 20)
    image = Image.open(BytesIO(logo.data))
    assert image.format == "PNG" and image.mode == "RGBA"
    assert "Comment" not in image.info and b"Geheimer" not in logo.data


def test_a_jpeg_is_scaled_down_turned_upright_and_loses_its_exif():
    logo = logos.prepare_logo(jpeg(orientation=6))  # "rotate 90°": portrait once upright
    assert logo.content_type == "image/jpeg"
    assert (logo.width, logo.height) == (288, 512)
    image = Image.open(BytesIO(logo.data))
    assert image.format == "JPEG" and not image.getexif()
    assert b"Kamera" not in logo.data and "exif" not in image.info


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (SVG, "not_png_or_jpeg"),
        (b"Dies ist eine Textdatei namens logo.png\n", "not_png_or_jpeg"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not_png_or_jpeg"),
        (b"%PDF-1.7\n", "not_png_or_jpeg"),
        (png()[:60], "unreadable"),
        (b"\x89PNG\r\n\x1a\n" + bytes(logos.MAX_BYTES), "too_large"),
    ],
    ids=["empty", "svg", "text", "gif", "pdf", "truncated", "too large"],
)
def test_anything_but_a_sane_png_or_jpeg_is_refused(data, code):
    with pytest.raises(ValidationError) as caught:
        logos.prepare_logo(data)
    assert caught.value.fields == {"logo": code}


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = png((10_000, 10_000), mode="1")  # a few KB that would unpack into 100 million pixels
    assert len(bomb) < 100_000
    with pytest.raises(ValidationError) as caught:
        logos.prepare_logo(bomb)
    assert caught.value.fields == {"logo": "too_many_pixels"}


def test_set_and_remove_a_logo_with_their_history(session, make, now):
    organization = make.organization(slug="menden")
    admin = make.user(role="admin", name="Anna Admin")
    actor = Actor.user(admin)
    assert logos.set_logo(session, organization, png(), now=now, actor=actor) is True
    assert organization.logo_type == "image/png" and len(organization.logo_digest) == 64
    assert logos.stored_logo(session, organization.id)[1:] == ("image/png", organization.logo_digest)
    assert logos.set_logo(session, organization, png(), now=now, actor=actor) is False  # the same image
    with pytest.raises(ValidationError):
        logos.set_logo(session, organization, SVG, now=now, actor=actor)
    assert organization.logo_type == "image/png"
    assert logos.remove_logo(session, organization, now=now, actor=actor) is True
    assert logos.remove_logo(session, organization, now=now, actor=actor) is False
    assert logos.stored_logo(session, organization.id) is None
    entries = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "organization")).all()
    assert [(e.action, e.actor_label) for e in entries] == [
        ("organization.logo_set", "Anna Admin"),
        ("organization.logo_removed", "Anna Admin"),
    ]
    assert entries[0].detail == {"type": "image/png", "bytes": entries[0].detail["bytes"], "width": 40, "height": 20}
