"""External URLs come from BASE_URL alone (Part 1 §3), and a foreign Host gets 400 (Part 3 §5).

The proxy case: BASE_URL is ``https://events.example.org/veranstaltungen`` while the
app is reached over plain http without the prefix (the proxy terminated TLS and
stripped the path). Every link in mails, calendars, pages and API answers must still
be the public https address with its prefix.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from flask import Flask
from werkzeug.serving import make_server

from config import url_settings
from eventapp import create_app
from eventapp.extensions import db
from eventapp.mail import SMTPTransport, deliver_outbox
from eventapp.models import EventAttendance, Mode, RegistrationStatus
from eventapp.services import outbox
from eventapp.services.tickets import new_ticket_id
from tests.factories import Factories
from tests.helpers import text
from tests.smtp_server import SMTPServer

PUBLIC = "https://events.example.org/veranstaltungen"
#: How the request reaches the app behind the proxy: plain http, no prefix.
INTERNAL = "http://events.example.org"
URL = re.compile(r"""(?:https?|webcal)://[^\s"'<>\\]+""")


def own_urls(body: str) -> list[str]:
    """Every absolute URL in ``body`` that points at this app (not Google, Outlook, …)."""
    return [url for url in URL.findall(body) if urlsplit(url).hostname == "events.example.org"]


def assert_public(urls: list[str]) -> None:
    assert urls, "no link to the app found"
    for url in urls:
        assert url.startswith((PUBLIC + "/", "webcal://events.example.org/veranstaltungen/")), url


@pytest.fixture
def proxied(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    keys = tmp_path_factory.mktemp("proxied-keys")
    application = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        TICKET_SIGNING_KEY_FILE=str(keys / "key.pem"),
        BASE_URL=PUBLIC + "/",
        RATELIMIT_ENABLED=False,
    )
    yield application
    dispose(application)


def dispose(application: Flask) -> None:
    """Close a test app's pooled connections (PostgreSQL warns about connections left open)."""
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def programme(app: Flask, proxied: Flask, now) -> dict:
    """One public hybrid event and a confirmed online registration, committed."""
    with proxied.app_context():
        make = Factories(db.session)
        series = make.series(slug="pausenhof")
        event = make.event(
            slug="konferenz", attendance=EventAttendance.HYBRID, series=series, starts_at=now + timedelta(days=30)
        )
        registration = make.registration(
            event, status=RegistrationStatus.CONFIRMED, mode=Mode.ON_SITE, ticket_id=new_ticket_id(), ticket_serial=1
        )
        db.session.commit()
        found = {
            "slug": event.slug,
            "token": registration.manage_token,
            "feed": registration.person.feed_token,
            "registration": registration.id,
        }
        db.session.remove()
    return found


def test_base_url_gives_flask_its_url_settings():
    assert url_settings("https://Events.example.org/veranstaltungen/") == {
        "BASE_URL": "https://events.example.org/veranstaltungen",
        "SERVER_NAME": "events.example.org",
        "PREFERRED_URL_SCHEME": "https",
        "APPLICATION_ROOT": "/veranstaltungen",
    }
    assert url_settings("http://127.0.0.1:5000")["APPLICATION_ROOT"] == "/"
    for broken in ("events.example.org", "ftp://events.example.org", "https://", "https://x.org/?a=1"):
        with pytest.raises(RuntimeError, match="BASE_URL"):
            url_settings(broken)


def test_trusted_hosts_follow_base_url(proxied: Flask):
    assert proxied.config["SERVER_NAME"] == "events.example.org"
    assert proxied.config["APPLICATION_ROOT"] == "/veranstaltungen"
    assert proxied.config["BASE_URL"] == PUBLIC
    assert proxied.config["TRUSTED_HOSTS"][0] == "events.example.org"
    production = create_app(
        "production",
        SECRET_KEY="x",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        BASE_URL=PUBLIC,
        MAIL_SERVER="mail.example.org",
        TICKET_SIGNING_KEY_FILE=proxied.config["TICKET_SIGNING_KEY_FILE"],
        EXTRA_TRUSTED_HOSTS=["eventapp.internal"],
    )
    dispose(production)
    assert production.config["TRUSTED_HOSTS"] == ["events.example.org", "eventapp.internal"]


def test_pages_feeds_and_api_link_to_the_public_address(proxied: Flask, programme: dict):
    client = proxied.test_client()
    slug, token = programme["slug"], programme["token"]

    event_page = text(client.get(f"/events/{slug}", base_url=INTERNAL))
    assert f"{PUBLIC}/series/pausenhof/calendar.ics" in event_page
    assert f'href="/veranstaltungen/events/{slug}.ics"' in event_page
    assert_public(own_urls(event_page))
    manage_page = text(client.get(f"/r/{token}", base_url=INTERNAL))
    assert f"webcal://events.example.org/veranstaltungen/calendar/{programme['feed']}.ics" in manage_page
    assert_public(own_urls(manage_page))
    # The pages' own links carry the prefix too, whether the proxy strips it or passes it on.
    for page in (event_page, manage_page, text(client.get(f"/veranstaltungen/events/{slug}", base_url=INTERNAL))):
        local = re.findall(r'(?:href|src|action)="(/[^"]*)"', page)
        assert "/veranstaltungen/static/css/app.css" in local
        assert all(link.startswith("/veranstaltungen/") for link in local), local

    for path in ("/calendar.ics", "/series/pausenhof/calendar.ics", f"/calendar/{programme['feed']}.ics"):
        response = client.get(path, base_url=INTERNAL)
        assert response.status_code == 200, path
        urls = [str(vevent["URL"]) for vevent in icalendar.Calendar.from_ical(response.data).walk("VEVENT")]
        assert urls == [f"{PUBLIC}/events/{slug}"], path
        assert "http://" not in response.get_data(as_text=True).replace("\r\n ", "")
    single = client.get(f"/events/{slug}.ics", base_url=INTERNAL)
    assert str(icalendar.Calendar.from_ical(single.data).walk("VEVENT")[0]["URL"]) == f"{PUBLIC}/events/{slug}"

    api = client.get(f"/api/v1/events/{slug}", base_url=INTERNAL).get_json()
    assert api["url"] == f"{PUBLIC}/events/{slug}"
    listed = client.get("/api/v1/events", base_url=INTERNAL).get_json()
    assert [event["url"] for event in listed["events"]] == [f"{PUBLIC}/events/{slug}"]
    document = client.get("/api/v1/openapi.json", base_url=INTERNAL).get_json()
    assert document["servers"] == [{"url": PUBLIC}]


def test_mails_link_to_the_public_address(proxied: Flask, programme: dict, now):
    server = SMTPServer()
    server.start()
    try:
        with proxied.app_context():
            from eventapp.models import Registration

            registration = db.session.get(Registration, programme["registration"])
            outbox.mail_registrant(db.session, registration, "ticket", now=now, reason="confirmed")
            pending = Factories(db.session).registration(
                registration.event,
                status=RegistrationStatus.PENDING,
                email_confirmed_at=None,
                expires_at=now + timedelta(hours=24),
            )
            outbox.mail_registrant(db.session, pending, "confirm_email", now=now, waitlisted=False)
            db.session.commit()
            pending_token = pending.manage_token
            transport = SMTPTransport(server.host, server.port)
            report = deliver_outbox(db.session, now=now, transport=transport)
            transport.close()
            db.session.remove()
        assert len(report.sent) == 2
        ticket, confirm = server.messages
        body = ticket.get_body(preferencelist=("plain",)).get_content()
        html = ticket.get_body(preferencelist=("html",)).get_content()
        assert f"{PUBLIC}/r/{programme['token']}" in body
        assert_public(own_urls(body) + own_urls(html))
        invite = next(part for part in ticket.walk() if part.get_filename() == "invite.ics")
        vevent = icalendar.Calendar.from_ical(invite.get_content()).walk("VEVENT")[0]
        assert str(vevent["URL"]) == f"{PUBLIC}/events/{programme['slug']}"
        confirm_text = confirm.get_body(preferencelist=("plain",)).get_content()
        assert f"{PUBLIC}/r/{pending_token}/confirm" in confirm_text
        assert_public(own_urls(confirm_text))
    finally:
        server.stop()


# --- hosts and the language link (Part 3 §5) ----------------------------------------


def test_a_foreign_host_gets_400_and_no_link_built_from_it(client):
    for path in ("/", "/events//x", "/api/v1/events", "/nowhere"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert "Location" not in response.headers
        assert b"evil" not in response.data
    api = client.get("/api/v1/events", headers={"Host": "evil.example"})
    assert api.get_json() == {
        "error": {"code": "validation_error", "message": "Unknown host.", "fields": {"Host": "unknown"}}
    }
    assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_the_language_link_on_a_404_page_stays_on_this_site(client):
    response = client.get("/%5Cevil.example")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'href="/%5Cevil.example?lang=en"' in page
    assert "\\evil" not in page


def test_the_language_link_keeps_the_path_prefix(proxied: Flask, programme: dict):
    """Behind a proxy that says where it mounts the app (X-Forwarded-Prefix, PROXY_COUNT=1)."""
    behind = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=proxied.config["SQLALCHEMY_DATABASE_URI"],
        TICKET_SIGNING_KEY_FILE=proxied.config["TICKET_SIGNING_KEY_FILE"],
        BASE_URL=PUBLIC,
        PROXY_COUNT=1,
    )
    headers = {
        "Host": "127.0.0.1:8000",
        "X-Forwarded-Host": "events.example.org",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Prefix": "/veranstaltungen",
        "X-Forwarded-For": "192.0.2.1",
    }
    page = behind.test_client().get(f"/events/{programme['slug']}", headers=headers).get_data(as_text=True)
    assert f'href="/veranstaltungen/events/{programme["slug"]}?lang=en"' in page
    # The forwarded host is the one checked: a proxy passing on a foreign name gets 400.
    assert behind.test_client().get("/", headers={**headers, "X-Forwarded-Host": "evil.example"}).status_code == 400
    dispose(behind)


def _raw_get(port: int, target: str, host: str) -> tuple[str, dict[str, str]]:
    """One HTTP/1.1 request over a socket, so the Host header is exactly what an attacker sends."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return head[0], headers


@pytest.fixture
def real_server(app: Flask) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_a_real_server_refuses_foreign_hosts_and_redirects_only_to_its_own(real_server: int, data):
    with data() as (_session, make):
        make.event(slug="konferenz")
    status, headers = _raw_get(real_server, "//events//konferenz", "evil.example")
    assert " 400 " in status
    assert "Location" not in headers
    status, headers = _raw_get(real_server, "//events//konferenz", f"localhost:{real_server}")
    assert " 308 " in status
    assert headers["Location"] == "http://localhost/events/konferenz"  # from BASE_URL, not from the Host header
    # A path that starts with // on a 404 page: the language link stays a path on this site.
    status, _headers = _raw_get(real_server, "//evil.example/x", f"localhost:{real_server}")
    assert " 404 " in status
    for host in (f"127.0.0.1:{real_server}", f"localhost:{real_server}"):
        status, _headers = _raw_get(real_server, "/events/konferenz", host)
        assert " 200 " in status, host


def test_development_answers_at_127_0_0_1_and_localhost(database_url: str, tmp_path):
    """``make run``: BASE_URL is http://127.0.0.1:$PORT; Flask 3.1 no longer refuses other hosts by SERVER_NAME."""
    dev = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=database_url,
        TICKET_SIGNING_KEY_FILE=str(tmp_path / "key.pem"),
        BASE_URL=None,
        PORT=5123,
    )
    assert dev.config["BASE_URL"] == "http://127.0.0.1:5123"
    assert dev.config["SERVER_NAME"] == "127.0.0.1:5123"
    server = make_server("127.0.0.1", 0, dev, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            status, _headers = _raw_get(port, "/", host)
            assert " 200 " in status, host
        status, _headers = _raw_get(port, "/", "evil.example")
        assert " 400 " in status
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        dispose(dev)
