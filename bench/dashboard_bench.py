"""Bench cases of an event's dashboard (issue 8 Part 4) with 20,000 registrations."""

from __future__ import annotations

from datetime import timedelta

from bench.generate import STARTS
from bench.harness import Case, Context
from eventapp.models import Event
from eventapp.services.dashboard import event_dashboard

#: Issue 11's target for the dashboard of an event with 20,000 registrations (server time).
TARGET_MS = 150


def cases(ctx: Context) -> list[Case]:
    event_id = ctx.ids["event"]
    after = STARTS + timedelta(days=1)

    def service() -> object:
        return event_dashboard(ctx.session, ctx.session.get(Event, event_id), now=after)

    def endpoint() -> object:
        response = ctx.client.get(f"/manage/events/{event_id}/dashboard.json")
        assert response.status_code == 200, response.status_code
        return response

    def page() -> object:
        response = ctx.client.get(f"/manage/events/{event_id}/dashboard")
        assert response.status_code == 200, response.status_code
        return response

    return [
        Case("dashboard service (6 grouped queries)", service, baseline="rows", ceiling=15, target_ms=TARGET_MS),
        Case("dashboard.json (signed-in GET)", endpoint, baseline="rows", ceiling=18, target_ms=TARGET_MS),
        Case("dashboard page (HTML)", page, baseline="rows", ceiling=18, target_ms=TARGET_MS),
    ]
