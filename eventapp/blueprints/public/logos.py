"""``/logos/<organization id>``: an organization's logo, served by the app from the database.

Pages link it with ``?v=<digest>`` (``logo_url`` in eventapp/templating.py), so a browser may keep that URL for a
year: a new logo gets a new URL. Without (or with an old) ``v`` the answer is revalidated by
ETag. The bytes were re-encoded by Pillow on upload; the response still gets ``nosniff`` and a
policy that lets nothing run, in case someone opens it directly.
"""

from __future__ import annotations

from flask import abort, request
from flask.wrappers import Response

from eventapp.blueprints.public.routes import bp
from eventapp.extensions import db
from eventapp.services import logos

#: How long a versioned logo URL may be cached (it never changes).
FOREVER = 365 * 24 * 3600


@bp.get("/logos/<int:organization_id>")
def logo(organization_id: int) -> Response:
    stored = logos.stored_logo(db.session, organization_id)
    if stored is None:
        abort(404)
    data, content_type, digest = stored
    response = Response(data, mimetype=content_type)
    response.set_etag(digest)
    if request.args.get("v") == digest[: logos.VERSION_LENGTH]:
        response.cache_control.public = True
        response.cache_control.max_age = FOREVER
        response.cache_control.immutable = True
    else:
        response.cache_control.public = True
        response.cache_control.no_cache = True
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)
