"""Every page and mail says exactly what a registration holds (issue 6, Part 2 §3).

A seat held until the confirmation deadline, a place on the waiting list (no seat),
or a confirmed seat in one mode while waiting for the other (the hybrid fallback) –
in German and English, asserted as people read them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eventapp import mail
from eventapp.models import Mode, RegistrationStatus
from eventapp.services import outbox
from eventapp.services.tickets import new_ticket_id
from tests.helpers import text

#: The conftest clock is 2026-11-22 09:00 UTC; the deadline 24 hours later is 10:00 in Berlin.
DEADLINE = {"de": "Montag, 23. November 2026, 10:00", "en": "Monday, 23 November 2026, 10:00"}

PENDING = {"status": RegistrationStatus.PENDING, "email_confirmed_at": None}
FALLBACK_PENDING = {**PENDING, "mode": Mode.ONLINE, "waiting_for": Mode.ON_SITE}
WAITING_UNCONFIRMED = {"status": RegistrationStatus.WAITLISTED, "email_confirmed_at": None}
WAITING = {"status": RegistrationStatus.WAITLISTED}
FALLBACK_CONFIRMED = {"status": RegistrationStatus.CONFIRMED, "mode": Mode.ONLINE, "waiting_for": Mode.ON_SITE}

#: What each case says, per language ({deadline} is filled in).
HOLDS = {
    "seat held": {
        "de": "Wir halten Ihnen bis {deadline} einen Platz für die Teilnahme vor Ort frei. Wenn Sie Ihre "
        "E-Mail-Adresse bis dahin bestätigen, gehört der Platz Ihnen und wir senden Ihnen Ihr Ticket; "
        "sonst wird er freigegeben.",
        "en": "We are holding a seat for taking part on site for you until {deadline}. When you confirm your email "
        "address by then, the seat is yours and we send you your ticket; otherwise it is released.",
    },
    "fallback held": {
        "de": "Für die Teilnahme vor Ort ist gerade kein Platz frei, deshalb halten wir Ihnen bis {deadline} einen "
        "Platz für die Teilnahme online frei. Wenn Sie Ihre E-Mail-Adresse bis dahin bestätigen, gehört dieser "
        "Platz mit Ihrem Ticket Ihnen, und Sie stehen auf der Warteliste für die Teilnahme vor Ort: Wird dort ein "
        "Platz frei, wechseln Sie automatisch. Bis dahin nehmen Sie online teil.",
        "en": "No seat for taking part on site is free at the moment, so we are holding a seat for taking part "
        "online for you until {deadline}. When you confirm your email address by then, that seat is yours with "
        "your ticket, and you are on the waiting list for taking part on site: if a seat becomes free there, we "
        "move you over automatically. Until then you take part online.",
    },
    "waiting, unconfirmed": {
        "de": "Sie stehen auf der Warteliste für die Teilnahme vor Ort und haben noch keinen Platz. Bitte bestätigen "
        "Sie Ihre E-Mail-Adresse bis {deadline}, um Ihren Platz in der Warteschlange einzunehmen.",
        "en": "You are on the waiting list for taking part on site and do not hold a seat yet. Please confirm your "
        "email address by {deadline} to take your place in the queue.",
    },
    "waiting": {
        "de": "Sie stehen auf der Warteliste für die Teilnahme vor Ort und haben noch keinen Platz. Sobald ein Platz "
        "für Sie frei wird, gehört er Ihnen: Wir bestätigen ihn automatisch und senden Ihnen Ihr Ticket.",
        "en": "You are on the waiting list for taking part on site and do not hold a seat yet. As soon as a seat "
        "becomes free for you, it is yours: we confirm it automatically and send you your ticket.",
    },
    "fallback confirmed": {
        "de": "Sie haben einen bestätigten Platz für die Teilnahme online und stehen auf der Warteliste für die "
        "Teilnahme vor Ort. Wird dort ein Platz frei, wechseln Sie automatisch, Ihr bisheriger Platz wird "
        "freigegeben und Sie erhalten eine Bestätigung; bis dahin nehmen Sie online teil. Ihr Ticket bleibt gültig.",
        "en": "You have a confirmed seat for taking part online and are on the waiting list for taking part on "
        "site. If a seat becomes free there, we move you over automatically, release your seat and send you a "
        "confirmation; until then you take part online. Your ticket stays valid.",
    },
}

#: Words that promise a seat; a waiting person must never read them.
SEAT_PROMISE = {"de": "halten Ihnen", "en": "holding a seat"}


def said(case: str, locale: str) -> str:
    return HOLDS[case][locale].format(deadline=DEADLINE[locale])


def one_line(value: str) -> str:
    return " ".join(value.split())


# --- mails ----------------------------------------------------------------------------


@pytest.fixture
def registration_in(make, now):
    # No free on-site seat: someone unconfirmed waits because the mode is full (with free seats
    # they would wait only because of the cap on unconfirmed holds: see test_holds.py).
    event = make.event(title="Smart Cities: Konferenz", slug="konferenz", capacity_on_site=0)

    def build(locale: str, **state):
        values = {"locale": locale, "expires_at": now + timedelta(hours=24), "email_confirmed_at": now}
        values.update(state)
        if values.get("status") is RegistrationStatus.CONFIRMED:
            values.update(ticket_id=new_ticket_id(), ticket_serial=1)
        return make.registration(event, **values)

    return build


def delivered_text(session, registration, kind, now, smtp_server, **context) -> tuple[str, str]:
    outbox.mail_registrant(session, registration, kind, now=now, **context)
    session.commit()
    mail.deliver_outbox(session, now=now)
    (received,) = smtp_server.messages
    plain = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    return one_line(plain), one_line(html)


MAIL_CASES = [
    ("confirm_email", PENDING, {"waitlisted": False}, "seat held"),
    ("confirm_email", FALLBACK_PENDING, {"waitlisted": False}, "fallback held"),
    ("confirm_email", WAITING_UNCONFIRMED, {"waitlisted": True}, "waiting, unconfirmed"),
    ("waitlisted", WAITING, {"mode": "on_site"}, "waiting"),
    ("ticket", FALLBACK_CONFIRMED, {"reason": "confirmed"}, "fallback confirmed"),
    ("manage_link", FALLBACK_CONFIRMED, {"waitlisted": False}, "fallback confirmed"),
    ("manage_link", WAITING, {"waitlisted": True}, "waiting"),
]


@pytest.mark.parametrize("locale", ["de", "en"])
@pytest.mark.parametrize(("kind", "state", "context", "case"), MAIL_CASES)
def test_each_mail_says_what_the_registration_holds(
    kind, state, context, case, locale, session, registration_in, smtp_server, now
):
    registration = registration_in(locale, **state)

    plain, html = delivered_text(session, registration, kind, now, smtp_server, **context)

    assert said(case, locale) in plain
    assert said(case, locale) in html
    if case.startswith("waiting"):
        assert SEAT_PROMISE[locale] not in plain


# --- pages ------------------------------------------------------------------------------

#: A deadline ahead of the real clock the pages use: 17 January 2030, 10:00 in Berlin.
PAGE_EXPIRES = datetime(2030, 1, 17, 9, 0, tzinfo=UTC)
PAGE_DEADLINE = {"de": "Donnerstag, 17. Januar 2030, 10:00", "en": "Thursday, 17 January 2030, 10:00"}

PAGE_CASES = [
    (PENDING, "seat held"),
    (FALLBACK_PENDING, "fallback held"),
    (WAITING_UNCONFIRMED, "waiting, unconfirmed"),
    (WAITING, "waiting"),
    (FALLBACK_CONFIRMED, "fallback confirmed"),
]


@pytest.mark.parametrize("locale", ["de", "en"])
@pytest.mark.parametrize(("state", "case"), PAGE_CASES)
def test_the_manage_page_says_what_the_registration_holds(state, case, locale, client, data):
    with data() as (_session, make):
        event = make.event(starts_at=datetime(2030, 2, 1, 9, tzinfo=UTC), capacity_on_site=0)
        values = {"expires_at": PAGE_EXPIRES, "waiting_since": PAGE_EXPIRES - timedelta(days=1), **state}
        if values.get("status") is RegistrationStatus.CONFIRMED:
            values.update(ticket_id=new_ticket_id(), ticket_serial=1)
        token = make.registration(event, **values).manage_token

    page = one_line(text(client.get(f"/r/{token}?lang={locale}")))

    assert HOLDS[case][locale].format(deadline=PAGE_DEADLINE[locale]) in page
    if case.startswith("waiting"):
        assert SEAT_PROMISE[locale] not in page


@pytest.mark.parametrize(
    ("locale", "promise"), [("de", "halten wir Ihren Platz"), ("en", "until then we hold your place")]
)
def test_form_and_inbox_page_promise_no_seat_to_someone_put_on_the_waiting_list(locale, promise, client, data):
    with data() as (_session, make):
        slug = make.event(starts_at=datetime(2030, 2, 1, 9, tzinfo=UTC), capacity_on_site=0).slug

    form = one_line(text(client.get(f"/events/{slug}/register?lang={locale}")))
    inbox = one_line(text(client.get(f"/events/{slug}/registered?lang={locale}")))

    for page in (form, inbox):
        assert promise not in page
    assert {"de": "Platz auf der Warteliste", "en": "place on the waiting list"}[locale] in inbox
    assert {"de": "Platz auf der Warteliste", "en": "place on the waiting list"}[locale] in form
