"""An organization's logo (issue 7 Part 7): uploaded in the admin area, judged by its bytes,
served by the app at a stable, cacheable URL and shown on the organization's event pages."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventapp.models import AuditEntry, EventStatus, Organization, utcnow
from tests.helpers import csrf_token, text
from tests.services.test_logos import SVG, jpeg, png
from tests.web.test_auth_views import login

FORM = {"name": "Stadt Menden", "slug": "menden", "contact_email": "digital@menden.de", "kind": "pioneer"}


@pytest.fixture
def world(data):
    with data() as (session, make):
        menden = make.organization(**FORM)
        make.user(email="admin@agentur.de", role="admin", name="Anna Admin")
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        event = make.event(
            organization=menden, slug="eroeffnung", status=EventStatus.PUBLISHED, starts_at=utcnow() + timedelta(days=9)
        )
        return {"menden": menden.id, "event": event.id}


def multipart(client, url: str, values: dict[str, object]):
    """POST a multipart form as a browser does, encoded in memory (the test client would spool a
    large body to a temporary file it never closes)."""
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def upload(client, organization: int, data: bytes | None, filename: str, content_type: str, **extra: str):
    url = f"/admin/organizations/{organization}"
    values: dict[str, object] = {**FORM, "csrf_token": csrf_token(client, url), **extra}
    if data is not None:
        values["logo"] = FileStorage(BytesIO(data), filename=filename, content_type=content_type)
    return multipart(client, url + "?lang=de", values)


def stored(data, organization: int) -> tuple[str | None, str | None]:
    with data() as (session, _make):
        org = session.get(Organization, organization)
        return org.logo_type, org.logo_digest


def logo_src(page: str) -> str:
    match = re.search(r'<img class="org-logo[^"]*" src="([^"]+)"', page)
    assert match, "no logo on the page"
    return match.group(1)


def test_an_admin_uploads_a_png_that_is_served_and_shown_on_the_event_pages(client, world, data):
    assert login(client, "admin@agentur.de").status_code == 303

    response = upload(client, world["menden"], png(), "logo.png", "image/png")

    assert response.status_code == 303
    kind, digest = stored(data, world["menden"])
    assert kind == "image/png"
    src = logo_src(text(client.get(f"/admin/organizations/{world['menden']}")))
    assert src == f"/logos/{world['menden']}?v={digest[:16]}"
    assert logo_src(text(client.get("/admin/organizations"))) == src
    assert logo_src(text(client.get(f"/manage/events/{world['event']}"))) == src

    visitor = client.application.test_client()
    assert logo_src(text(visitor.get("/events/eroeffnung"))) == src
    served = visitor.get(src)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert Image.open(BytesIO(served.data)).format == "PNG"
    assert "immutable" in served.headers["Cache-Control"] and "max-age=31536000" in served.headers["Cache-Control"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'")
    unversioned = visitor.get(f"/logos/{world['menden']}")
    assert "no-cache" in unversioned.headers["Cache-Control"]
    again = visitor.get(f"/logos/{world['menden']}", headers={"If-None-Match": unversioned.headers["ETag"]})
    assert again.status_code == 304
    with data() as (session, _make):
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "organization")).all()
        assert actions == ["organization.logo_set"]


def test_a_jpeg_replaces_the_logo_and_gets_a_new_url_and_the_tick_box_removes_it(client, world, data):
    login(client, "admin@agentur.de")
    assert upload(client, world["menden"], png(), "logo.png", "image/png").status_code == 303
    _, first = stored(data, world["menden"])
    assert upload(client, world["menden"], jpeg(), "foto.jpg", "image/jpeg").status_code == 303
    kind, second = stored(data, world["menden"])
    assert kind == "image/jpeg" and second != first
    served = client.get(f"/logos/{world['menden']}?v={second[:16]}")
    assert served.mimetype == "image/jpeg" and Image.open(BytesIO(served.data)).size == (512, 288)

    assert upload(client, world["menden"], None, "", "", remove_logo="y").status_code == 303
    assert stored(data, world["menden"]) == (None, None)
    assert client.get(f"/logos/{world['menden']}").status_code == 404
    assert 'class="org-logo' not in text(client.get("/events/eroeffnung"))


NOT_AN_IMAGE = "Diese Datei ist kein PNG- oder JPEG-Bild. Andere Formate wie SVG, GIF oder PDF werden nicht angenommen."


@pytest.mark.parametrize(
    ("content", "filename", "content_type", "message"),
    [
        (SVG, "logo.svg", "image/svg+xml", NOT_AN_IMAGE),
        (SVG, "logo.png", "image/png", NOT_AN_IMAGE),
        (b"Ich bin nur Text.\n", "logo.png", "image/png", NOT_AN_IMAGE),
        (b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024), "gross.png", "image/png", "größer als 2 MB"),
    ],
    ids=["svg", "svg named png", "text named png", "over 2 MB"],
)
def test_anything_but_png_or_jpeg_is_refused_in_german_and_nothing_changes(
    client, world, data, content, filename, content_type, message
):
    login(client, "admin@agentur.de")
    response = upload(client, world["menden"], content, filename, content_type, name="Neuer Name")
    assert response.status_code == 400
    assert message in text(response)
    assert stored(data, world["menden"]) == (None, None)
    with data() as (session, _make):
        assert session.get(Organization, world["menden"]).name == "Stadt Menden"


def test_a_body_beyond_the_upload_cap_is_refused_before_it_is_read(client, world):
    login(client, "admin@agentur.de")
    response = upload(client, world["menden"], bytes(5 * 1024 * 1024), "riesig.png", "image/png")
    assert response.status_code == 413


def test_other_forms_keep_the_small_body_cap(client, world):
    login(client, "orga@menden.de")
    values = {"csrf_token": csrf_token(client, "/manage/invite"), "name": "x" * (100 * 1024)}
    assert client.post("/manage/invite", data=values).status_code == 413


def test_a_new_organization_can_bring_its_logo(client, world, data):
    login(client, "admin@agentur.de")
    values = {
        "name": "Stadt Soest",
        "slug": "soest",
        "contact_email": "digital@soest.de",
        "kind": "pioneer",
        "csrf_token": csrf_token(client, "/admin/organizations/new"),
        "logo": FileStorage(BytesIO(jpeg((300, 300))), filename="soest.jpeg", content_type="image/jpeg"),
    }
    response = multipart(client, "/admin/organizations/new", values)
    assert response.status_code == 303
    with data() as (session, _make):
        soest = session.scalar(select(Organization).where(Organization.slug == "soest"))
        assert soest.logo_type == "image/jpeg"
