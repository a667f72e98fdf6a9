"""Organization logos (issue 7 Part 7): PNG or JPEG only, judged by their bytes, re-encoded.

An upload is opened by Pillow with only the PNG and JPEG decoders enabled, so the file name
and the declared content type count for nothing: an SVG (which can carry script), a GIF or a
text file named ``logo.png`` is refused. Before decoding, the pixel count is capped so a small
file that unpacks into gigabytes (a decompression bomb) is refused too. What is stored is a
fresh image drawn from the decoded pixels — turned upright by its EXIF orientation, scaled down
to :data:`MAX_SIDE`, without any metadata (EXIF, GPS, text chunks, ICC profile) — in the
database, so every app process serves the same logo.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from eventapp.models import Organization
from eventapp.services.audit import Actor, record
from eventapp.services.errors import ValidationError

#: Largest upload accepted (bytes).
MAX_BYTES = 2 * 1024 * 1024
#: Largest decoded image accepted (width × height), checked before the pixels are decoded.
MAX_PIXELS = 40_000_000
#: The stored logo fits into a square of this many pixels (logos are shown small).
MAX_SIDE = 512
#: The version in a logo's URL: this many hex digits of its digest.
VERSION_LENGTH = 16
#: Pillow format → content type of what is stored.
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class Logo:
    """A re-encoded logo, ready to store."""

    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _refuse(code: str, message: str) -> ValidationError:
    return ValidationError(message, fields={"logo": code})


def prepare_logo(data: bytes) -> Logo:
    """Check an upload by its bytes and re-encode it; ValidationError (field ``logo``) if it is not
    a PNG or JPEG image of sane size. Codes: ``empty``, ``too_large``, ``not_png_or_jpeg``,
    ``too_many_pixels``, ``unreadable``."""
    if not data:
        raise _refuse("empty", "The file is empty.")
    if len(data) > MAX_BYTES:
        raise _refuse("too_large", f"The file is larger than {MAX_BYTES} bytes.")
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that; here any bomb is an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(BytesIO(data), formats=tuple(CONTENT_TYPES))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse("too_many_pixels", "The image has too many pixels.") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise _refuse("not_png_or_jpeg", "The file is not a PNG or JPEG image.") from None
        with image:
            kind = image.format or ""
            width, height = image.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise _refuse("too_many_pixels", "The image has too many pixels.")
            try:
                image.load()
                upright = ImageOps.exif_transpose(image)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _refuse("too_many_pixels", "The image has too many pixels.") from None
            except (OSError, ValueError, SyntaxError):
                raise _refuse("unreadable", "The image is damaged or incomplete.") from None
    return _reencode(upright, kind)


def _reencode(image: Image.Image, kind: str) -> Logo:
    """A new image from the pixels alone: no metadata survives, at most MAX_SIDE on each side."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if kind == "PNG" and has_alpha else "RGB"
    pixels = image.convert(mode)
    pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    out = BytesIO()
    if kind == "PNG":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="JPEG", quality=85, optimize=True)
    return Logo(out.getvalue(), CONTENT_TYPES[kind], clean.width, clean.height)


def set_logo(session: Session, organization: Organization, data: bytes, *, now: datetime, actor: Actor) -> bool:
    """Check, re-encode and store an uploaded logo; False if it is the same image as before."""
    logo = prepare_logo(data)
    if organization.logo_digest == logo.digest:
        return False
    organization.logo = logo.data
    organization.logo_type = logo.content_type
    organization.logo_digest = logo.digest
    session.flush()
    detail = {"type": logo.content_type, "bytes": len(logo.data), "width": logo.width, "height": logo.height}
    record(session, actor, "organization.logo_set", organization, now=now, detail=detail)
    return True


def remove_logo(session: Session, organization: Organization, *, now: datetime, actor: Actor) -> bool:
    """Remove the logo; False if there was none."""
    if organization.logo_digest is None:
        return False
    organization.logo = None
    organization.logo_type = None
    organization.logo_digest = None
    session.flush()
    record(session, actor, "organization.logo_removed", organization, now=now)
    return True


def stored_logo(session: Session, organization_id: int) -> tuple[bytes, str, str] | None:
    """(bytes, content type, digest) of an organization's logo, or None without one."""
    organization = session.get(Organization, organization_id)
    if organization is None or organization.logo is None or not organization.logo_type or not organization.logo_digest:
        return None
    return organization.logo, organization.logo_type, organization.logo_digest
