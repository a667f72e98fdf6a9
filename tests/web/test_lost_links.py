"""Lost links: "Anmeldung wiederfinden" mails an address its manage links (issue 6, Part 2 §6).

The page answers alike for known and unknown addresses – status, body and the work
done (the same SQL statements) – and the worker sends one mail, only to a known
address, through the real SMTP server; per client the POST is rate-limited, per
address one request counts every few minutes. Broken token links lead to the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import (
    ActorKind,
    AuditEntry,
    LinkRequest,
    Mode,
    OutboxMessage,
    RegistrationStatus,
    SeriesRegistration,
    SeriesRegistrationStatus,
    utcnow,
)
from eventapp.services import audit, lost_links
from tests.helpers import DB, csrf_token, text

KNOWN = "erika.mustermann@example.org"
UNKNOWN = "niemand@example.org"
MAILED = "registration.links_mailed"


def ask(client, email: str):
    """POST the form as a browser does after opening it."""
    token = csrf_token(client, "/find-registration")
    return client.post("/find-registration", data={"email": email, "csrf_token": token})


@pytest.fixture
def known(data: DB) -> dict[str, str]:
    """A person with a confirmed single registration, a waiting one, a series registration and an old one."""
    now = utcnow()
    with data() as (session, make):
        person = make.person(email=KNOWN, language="de")
        konferenz = make.event(title="Smart Cities: Konferenz", starts_at=now + timedelta(days=30))
        austausch = make.event(title="Smart Cities: Austausch", starts_at=now + timedelta(days=40))
        past = make.event(title="Vergangene Veranstaltung", starts_at=now - timedelta(days=30))
        cancelled = make.event(title="Abgesagte Anmeldung", starts_at=now + timedelta(days=50))
        series = make.series(title="Pausenhof")
        date = make.event(title="Pausenhof am Donnerstag", series=series, starts_at=now + timedelta(days=7))
        confirmed = make.registration(konferenz, person=person, ticket_id="t-lost-1", ticket_serial=1)
        waiting = make.registration(austausch, person=person, status=RegistrationStatus.WAITLISTED)
        make.registration(past, person=person, ticket_id="t-lost-2", ticket_serial=1)
        make.registration(cancelled, person=person, status=RegistrationStatus.CANCELLED)
        series_registration = SeriesRegistration(
            series=series,
            person=person,
            mode=Mode.ONLINE,
            given_name="Erika",
            family_name="Mustermann",
            status=SeriesRegistrationStatus.ACTIVE,
            email_confirmed_at=now,
        )
        session.add(series_registration)
        session.flush()
        make.registration(
            date, person=person, mode=Mode.ONLINE, series_registration=series_registration, ticket_id="t-lost-3"
        )
        return {
            "confirmed": confirmed.manage_token,
            "waiting": waiting.manage_token,
            "series": series_registration.manage_token,
        }


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement the app runs meanwhile, with its parameters' shape (not their values)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engines[None]
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


def requests_in_db(data: DB) -> int:
    with data() as (session, _make):
        return session.scalar(select(func.count(LinkRequest.id)))


# --- the page ---------------------------------------------------------------------------


def test_the_page_asks_for_the_address_and_the_footer_links_it(client):
    page = text(client.get("/find-registration"))
    assert "<h1>Anmeldung wiederfinden</h1>" in page
    assert 'type="email"' in page and 'autocomplete="email"' in page
    assert 'href="/find-registration">Anmeldung wiederfinden</a>' in text(client.get("/"))


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_work(app, client, data, known):
    ask(client, "warm-up@example.org")  # first-request effects (caches, CSRF session) out of the comparison
    with app.app_context(), statements() as for_known:
        known_answer = ask(client, KNOWN)
    with app.app_context(), statements() as for_unknown:
        unknown_answer = ask(client, UNKNOWN)

    assert known_answer.status_code == unknown_answer.status_code == 303
    assert known_answer.headers["Location"] == unknown_answer.headers["Location"] == "/find-registration/sent"
    assert known_answer.get_data() == unknown_answer.get_data()
    # Same work: the request only records the address; the look-up happens in the worker.
    assert for_known == for_unknown
    assert for_known and all("person" not in statement and "registration" not in statement for statement in for_known)
    assert requests_in_db(data) == 3

    known_page = client.get("/find-registration/sent")
    unknown_page = client.get("/find-registration/sent")
    assert known_page.status_code == unknown_page.status_code == 200
    assert known_page.get_data() == unknown_page.get_data()
    assert "Wenn es zu dieser Adresse aktuelle Anmeldungen gibt" in text(known_page)


def test_an_address_that_is_no_address_is_refused_on_the_form(client, data):
    response = ask(client, "kein-at-zeichen")

    assert response.status_code == 400
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein" in text(response)
    assert requests_in_db(data) == 0


# --- the mail -----------------------------------------------------------------------------


def test_the_worker_mails_the_links_of_a_known_address_once_and_nothing_to_an_unknown_one(
    client, runner, data, known, smtp_server
):
    assert ask(client, KNOWN.upper()).status_code == 303
    assert ask(client, UNKNOWN).status_code == 303

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    (received,) = smtp_server.messages  # nothing goes to the unknown address
    assert received["To"] == KNOWN
    assert received["Subject"] == "Ihre Anmeldungen und ihre Links"
    assert received["Content-Language"] == "de"
    body = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    for link in (f"/r/{known['confirmed']}", f"/r/{known['waiting']}", f"/s/{known['series']}"):
        assert f"http://localhost{link}" in body
        assert f'href="http://localhost{link}"' in html
    assert "Smart Cities: Konferenz" in body and "Smart Cities: Austausch" in body
    assert "Reihe: Pausenhof" in body
    # What each registration holds, as everywhere else.
    assert "Sie stehen auf der Warteliste für die Teilnahme vor Ort und haben noch keinen Platz." in body
    # Past, cancelled and series dates (the series page lists those) are left out.
    for absent in ("Vergangene Veranstaltung", "Abgesagte Anmeldung", "Pausenhof am Donnerstag"):
        assert absent not in body
    assert len(re.findall(r"http://localhost/[rs]/", body)) == 3
    # Each listed registration's history shows that its links were sent again.
    with data() as (session, _make):
        actions = session.execute(
            select(AuditEntry.object_type, AuditEntry.actor_kind).where(AuditEntry.action == MAILED)
        ).all()
    system = ActorKind.SYSTEM
    assert sorted(actions) == [("registration", system), ("registration", system), ("series_registration", system)]


def test_the_mail_is_written_in_the_language_of_the_page(client, runner, known, smtp_server):
    client.get("/find-registration?lang=en")
    ask(client, KNOWN)

    runner.invoke(args=["worker", "--once"])

    (received,) = smtp_server.messages
    assert received["Subject"] == "Your registrations and their links"
    assert "You are on the waiting list for taking part on site" in received.get_body(("plain",)).get_content()


def test_one_request_per_address_counts_every_few_minutes(app, client, data, known, session):
    for _ in range(3):
        assert ask(client, KNOWN).status_code == 303
    assert requests_in_db(data) == 1

    now = utcnow()
    interval = timedelta(minutes=app.config["RESEND_INTERVAL_MINUTES"])
    assert lost_links.answer_link_requests(session, now=now, interval=interval, actor=audit.SYSTEM) == 1
    # Answered once:
    assert lost_links.answer_link_requests(session, now=now, interval=interval, actor=audit.SYSTEM) == 0
    session.commit()
    assert session.scalar(select(func.count(OutboxMessage.id))) == 1

    # After the interval the address may ask again, and the old request is gone.
    later = now + interval + timedelta(seconds=1)
    lost_links.request_links(session, KNOWN, locale="de", now=later, interval=interval)
    assert lost_links.answer_link_requests(session, now=later, interval=interval, actor=audit.SYSTEM) == 1
    session.commit()
    assert session.scalar(select(func.count(LinkRequest.id))) == 1
    assert session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_the_form_is_rate_limited_per_client(app, client, data, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOST_LINKS", "2 per minute")

    answers = [ask(client, f"person{n}@example.org").status_code for n in range(3)]

    assert answers == [303, 303, 429]
    assert requests_in_db(data) == 2


# --- broken links lead to the page ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/r/no-such-token", "/r/no-such-token/cancel", "/s/no-such-token"])
def test_unknown_manage_links_point_to_the_page(client, path):
    response = client.get(path)

    assert response.status_code == 404
    page = text(response)
    assert "Zu diesem Link haben wir keine Anmeldung gefunden" in page
    assert 'href="/find-registration"' in page


def test_an_unknown_feed_link_names_the_page(client):
    response = client.get("/calendar/no-such-token.ics")

    assert response.status_code == 404
    assert "http://localhost/find-registration" in response.get_data(as_text=True)


def test_other_missing_pages_stay_plain(client):
    page = text(client.get("/no-such-page"))
    assert 'href="/find-registration">Anmeldung wiederfinden</a>' in page  # the footer only
    assert "Zu diesem Link haben wir keine Anmeldung gefunden" not in page
