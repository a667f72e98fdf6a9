"""The attendance certificate behind the manage link, and the page that confirms one is genuine.

The download is a GET that changes nothing: the PDF is drawn anew from the registration
(services.certificates), in the registration's language unless the person chose another
(``?lang``). Before the end of the event, without an arrival or after a cancellation the
person gets a page saying why, not an error.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.wrappers import Response

from eventapp.blueprints.limits import certificate_budget
from eventapp.blueprints.registration.common import keep_private
from eventapp.blueprints.registration.routes import _registration, bp
from eventapp.extensions import db
from eventapp.models import utcnow
from eventapp.services import certificates
from eventapp.services.certificates import CertificateUnavailable
from eventapp.urls import certificate_url


def _locale(registration_locale: str) -> str:
    asked = request.args.get("lang")
    return asked if asked in current_app.config["LANGUAGES"] else registration_locale


@bp.get("/r/<token>/certificate.pdf")
@certificate_budget
def certificate(token: str) -> Response | tuple[str, int]:
    """The certificate of attendance as a PDF download, or a page saying why there is none (409)."""
    reg = _registration(token)
    now = utcnow()
    try:
        pdf = certificates.build_pdf(
            db.session,
            reg,
            now=now,
            secret=current_app.config["SECRET_KEY"],
            verify_url=certificate_url(reg),
            locale=_locale(reg.locale),
        )
    except CertificateUnavailable as error:
        page = render_template(
            "registration/certificate_unavailable.html", reg=reg, event=reg.event, reason=error.reason
        )
        return page, 409
    response = current_app.response_class(pdf, mimetype="application/pdf")
    name = certificates.filename(reg, locale=_locale(reg.locale))
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    return response


@bp.get("/certificates/<code>")
def verify_certificate(code: str) -> Response:
    """Confirms a certificate: whose it is, for which event; a code that is not genuine (or whose
    registration no longer has one) gets the same "cannot be confirmed" page (404)."""
    found = certificates.verify(db.session, code, secret=current_app.config["SECRET_KEY"], now=utcnow())
    status = 200 if found is not None else 404
    page = render_template(
        "registration/certificate_verify.html",
        reg=found,
        event=found.event if found else None,
        modes=certificates.attended_modes(db.session, found) if found else [],
    )
    return keep_private(current_app.response_class(page, status=status))
