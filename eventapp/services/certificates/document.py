"""The certificate itself: what it says in the registration's language, and the PDF.

Drawn with fpdf2 in the DejaVu font vendored under ``eventapp/fonts/`` so umlauts and ß
render on any machine.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from babel import dates
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy.orm import Session

from eventapp.models import BERLIN, Event, Mode, Registration
from eventapp.services.certificates.rules import (
    CertificateUnavailable,
    attended_modes,
    refusal,
    verification_code,
)
from eventapp.services.translations import gettext_for, ngettext_for

#: The vendored font (DejaVu 2.37, Bitstream Vera licence beside it): regular and bold.
FONT_DIR = Path(__file__).resolve().parent.parent.parent / "fonts" / "dejavu-2.37"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
#: Locale whose date conventions a language uses (as the pages: English dates the British way).
DATE_LOCALES = {"en": "en_GB"}

# fpdf2 subsets the font with fontTools, which logs every table it prunes at INFO: noise in the worker's log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


def filename(registration: Registration, *, locale: str) -> str:
    """An ASCII file name: ``Teilnahmebescheinigung-<event slug>.pdf`` / ``Certificate-of-attendance-….pdf``."""
    stem = "Teilnahmebescheinigung" if locale[:2] == "de" else "Certificate-of-attendance"
    slug = unicodedata.normalize("NFKD", registration.event.slug).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", slug).strip("-")[:80]
    return f"{stem}-{slug}.pdf" if slug else f"{stem}.pdf"


def _date_locale(locale: str) -> str:
    language = locale[:2]
    return DATE_LOCALES.get(language, language)


def _duration(event: Event, locale: str) -> str:
    """'6 Stunden', '1 Stunde 30 Minuten'; several days as days."""
    ngettext = ngettext_for(locale)
    if event.ends_at is None:
        return ""
    minutes = max(int((event.ends_at - event.starts_at).total_seconds() // 60), 0)
    first, last = event.starts_at.astimezone(BERLIN).date(), event.ends_at.astimezone(BERLIN).date()
    if first != last:
        days = (last - first).days + 1
        return ngettext("%(num)d day", "%(num)d days", days) % {"num": days}
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours})
    if rest or not hours:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", rest) % {"num": rest})
    return " ".join(parts)


def _when(event: Event, locale: str) -> tuple[str, str]:
    """(date, time) in Berlin time: 'Donnerstag, 18. März 2027', '10:00–16:00 Uhr'."""
    _ = gettext_for(locale)
    where = _date_locale(locale)
    start = event.starts_at.astimezone(BERLIN)
    day = dates.format_date(start, "full", locale=where)
    start_time = dates.format_time(start, "short", locale=where)
    if event.ends_at is None:
        return day, _("%(time)s (Berlin time)") % {"time": start_time}
    end = event.ends_at.astimezone(BERLIN)
    if end.date() != start.date():
        day = f"{day} – {dates.format_date(end, 'full', locale=where)}"
    times = f"{start_time}–{dates.format_time(end, 'short', locale=where)}"
    return day, _("%(time)s (Berlin time)") % {"time": times}


def _place(event: Event, modes: list[Mode], locale: str) -> str:
    _ = gettext_for(locale)
    on_site = ", ".join(part for part in (event.venue.strip(), event.address.strip()) if part) or _("on site")
    if Mode.ON_SITE in modes and Mode.ONLINE in modes:
        return _("%(place)s and online") % {"place": on_site}
    return on_site if Mode.ON_SITE in modes else _("Online")


@dataclass(frozen=True)
class Certificate:
    """What one certificate says, in its language (the PDF is drawn from this)."""

    locale: str
    name: str
    organization: str
    event_title: str
    day: str
    time: str
    duration: str
    place: str
    organizer: str
    issued: str
    code: str
    verify_url: str
    logo: bytes | None


def certificate(
    session: Session, registration: Registration, *, now: datetime, secret: str, verify_url: str, locale: str
) -> Certificate:
    """The content of ``registration``'s certificate; CertificateUnavailable when it has none.

    ``verify_url`` is the finished URL of the verification page for this certificate's code
    (services build no URLs); ``locale`` is ``de`` or ``en`` (German for anything else).
    """
    reason = refusal(session, registration, now=now)
    if reason is not None:
        raise CertificateUnavailable(reason)
    locale = "en" if locale[:2] == "en" else "de"
    event = registration.event
    day, time = _when(event, locale)
    issued = dates.format_date(now.astimezone(BERLIN), "long", locale=_date_locale(locale))
    return Certificate(
        locale=locale,
        name=registration.full_name,
        organization=registration.organization,
        event_title=event.title,
        day=day,
        time=time,
        duration=_duration(event, locale),
        place=_place(event, attended_modes(session, registration), locale),
        organizer=event.organization.name,
        issued=issued,
        code=verification_code(registration, secret=secret),
        verify_url=verify_url,
        logo=event.organization.logo if event.organization.logo_digest else None,
    )


def build_pdf(
    session: Session, registration: Registration, *, now: datetime, secret: str, verify_url: str, locale: str
) -> bytes:
    """The certificate of ``registration`` as PDF bytes (A4); CertificateUnavailable when it has none."""
    return render_pdf(
        certificate(session, registration, now=now, secret=secret, verify_url=verify_url, locale=locale),
        now=now,
    )


#: Page geometry (millimetres, A4 portrait) and colours (the site's dark blue and grey).
MARGIN = 22
INK = (28, 42, 68)
MUTED = (90, 98, 110)
ACCENT = (0, 92, 151)
#: multi_cell: continue at the left margin on the next line.
NEXT_LINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def render_pdf(cert: Certificate, *, now: datetime) -> bytes:
    """Draw ``cert`` on one A4 page."""
    _ = gettext_for(cert.locale)
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    for style, path in FONT_FILES.items():
        pdf.add_font("DejaVu", style, str(path))
    title = _("Certificate of attendance")
    pdf.set_title(f"{title}: {cert.event_title}")
    pdf.set_author(cert.organizer)
    pdf.set_creator("eventapp")
    pdf.set_lang(cert.locale)
    pdf.set_creation_date(now)
    pdf.add_page()
    width = pdf.w - 2 * MARGIN

    # Head: the organizer's logo (if any) and name.
    if cert.logo:
        try:
            pdf.image(BytesIO(cert.logo), x=MARGIN, y=MARGIN, h=22, keep_aspect_ratio=True)
            pdf.set_y(MARGIN + 26)
        except Exception:  # a damaged logo must not cost the certificate
            pdf.set_y(MARGIN)
    pdf.set_font("DejaVu", "", 11)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(width, 6, cert.organizer, align="L", **NEXT_LINE)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, pdf.get_y() + 3, MARGIN + width, pdf.get_y() + 3)

    pdf.ln(22)
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "B", 26)
    pdf.multi_cell(width, 12, title, align="C", **NEXT_LINE)
    pdf.ln(12)

    def centred(text: str, size: float, style: str = "", height: float = 8) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, height, text, align="C", **NEXT_LINE)

    centred(_("This is to certify that"), 12)
    pdf.ln(4)
    centred(cert.name, 20, "B", 10)
    if cert.organization:
        pdf.set_text_color(*MUTED)
        centred(cert.organization, 11, "", 7)
        pdf.set_text_color(*INK)
    pdf.ln(4)
    centred(_("attended the event"), 12)
    pdf.ln(4)
    centred(cert.event_title, 16, "B", 9)
    pdf.ln(4)
    # German closes the sentence after the title ("… am 18. März 2027 teilgenommen hat.").
    centred(_("on %(date)s.") % {"date": cert.day}, 12)
    pdf.ln(12)

    rows = [
        (_("Date"), cert.day),
        (_("Time"), cert.time),
        (_("Duration"), cert.duration),
        (_("Place"), cert.place),
        (_("Organizer"), cert.organizer),
    ]
    label_width = 42
    for label, value in rows:
        if not value:
            continue
        pdf.set_x(MARGIN + 10)
        pdf.set_font("DejaVu", "B", 11)
        y = pdf.get_y()
        pdf.cell(label_width, 7, label)
        pdf.set_xy(MARGIN + 10 + label_width, y)
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(width - 20 - label_width, 7, value, align="L", **NEXT_LINE)
        pdf.ln(1)

    pdf.ln(14)
    pdf.set_font("DejaVu", "", 11)
    issued = _("Issued on %(date)s by %(organizer)s.") % {"date": cert.issued, "organizer": cert.organizer}
    pdf.multi_cell(width, 6, issued, align="L", **NEXT_LINE)
    pdf.set_text_color(*MUTED)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        width,
        5,
        _("This certificate was created electronically and is valid without a signature."),
        align="L",
        **NEXT_LINE,
    )

    # Foot: the verification line.
    pdf.set_y(pdf.h - MARGIN - 16)
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.2)
    pdf.line(MARGIN, pdf.get_y(), MARGIN + width, pdf.get_y())
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.multi_cell(width, 4.5, _("Certificate no. %(code)s") % {"code": cert.code}, align="L", **NEXT_LINE)
    pdf.multi_cell(
        width,
        4.5,
        _("Check that it is genuine: %(url)s") % {"url": cert.verify_url},
        align="L",
        link=cert.verify_url,
        **NEXT_LINE,
    )
    return bytes(pdf.output())
