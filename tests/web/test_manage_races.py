"""Races on the manage page (issue 6, Part 3 §6): many simultaneous clicks act once.

Real parallel requests, each in its own app context and database connection, as
from several browser tabs of one person — on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from eventapp.models import AuditEntry, Mode, OutboxMessage, Registration, utcnow
from tests.helpers import DB, csrf_token

STARTS_AT = (utcnow() + timedelta(days=30)).replace(microsecond=0)


def _at_once(app: Flask, client: FlaskClient, url: str, values: dict[str, Any], count: int) -> list[int]:
    """POST ``values`` to ``url`` from ``count`` clients sharing one browser session, all at once."""
    values = {**values, "csrf_token": csrf_token(client, url)}
    cookie = client.get_cookie("session")
    assert cookie is not None
    clients = [app.test_client() for _ in range(count)]
    for browser in clients:
        browser.set_cookie("session", cookie.value)
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def post(browser: FlaskClient) -> None:
        barrier.wait()
        statuses.append(browser.post(url, data=values).status_code)

    threads = [threading.Thread(target=post, args=(browser,)) for browser in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _counts(data: DB, token: str, action: str, reason: str) -> tuple[Registration, int, int]:
    with data() as (session, _make):
        reg = session.scalars(select(Registration).where(Registration.manage_token == token)).one()
        mails = [m for m in session.scalars(select(OutboxMessage)) if (m.context or {}).get("reason") == reason]
        entries = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))
        session.expunge(reg)
        return reg, len(mails), entries


def test_twenty_simultaneous_new_ticket_clicks_give_one_new_ticket(app, client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT)
        token = make.registration(event, ticket_id="t-race-1", ticket_serial=1).manage_token
    statuses = _at_once(app, client, f"/r/{token}/reissue", {"serial": "1"}, 20)
    assert statuses == [303] * 20
    reg, mails, entries = _counts(data, token, "registration.ticket_reissued", "reissued")
    assert (reg.ticket_serial, mails, entries) == (2, 1, 1)


def test_a_stale_new_ticket_form_changes_nothing(app, client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT)
        token = make.registration(event, ticket_id="t-race-2", ticket_serial=3).manage_token
    assert _at_once(app, client, f"/r/{token}/reissue", {"serial": "2"}, 1) == [303]
    assert client.post(f"/r/{token}/reissue", data={"csrf_token": csrf_token(client, f"/r/{token}")}).status_code == 303
    reg, mails, entries = _counts(data, token, "registration.ticket_reissued", "reissued")
    assert (reg.ticket_serial, mails, entries) == (3, 0, 0)


def test_simultaneous_switch_clicks_switch_once(app, client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT, capacity_online=None)
        token = make.registration(event, mode=Mode.ON_SITE, ticket_id="t-race-3", ticket_serial=1).manage_token
    statuses = _at_once(app, client, f"/r/{token}/switch", {"mode": "online"}, 6)
    assert statuses == [303] * 6
    reg, mails, entries = _counts(data, token, "registration.mode_switched", "switched")
    assert (reg.mode, reg.waiting_for, reg.change_count, mails, entries) == (Mode.ONLINE, None, 1, 1, 1)
    # A later repeat of the same form (back button, reload) changes nothing either.
    values = {"mode": "online", "csrf_token": csrf_token(client, f"/r/{token}")}
    assert client.post(f"/r/{token}/switch", data=values).status_code == 303
    reg, mails, entries = _counts(data, token, "registration.mode_switched", "switched")
    assert (reg.mode, reg.change_count, mails, entries) == (Mode.ONLINE, 1, 1, 1)


def test_the_forms_carry_the_serial_and_the_target_mode(client, data):
    with data() as (_session, make):
        event = make.event(starts_at=STARTS_AT)
        token = make.registration(event, mode=Mode.ON_SITE, ticket_id="t-race-4", ticket_serial=4).manage_token
    assert 'name="serial" value="4"' in client.get(f"/r/{token}/reissue").get_data(as_text=True)
    assert 'name="mode" value="online"' in client.get(f"/r/{token}/switch").get_data(as_text=True)
