"""An event's dashboard (issue 8 Part 4): the page, and the small JSON document its script polls.

Both are built from one :func:`eventapp.services.dashboard.event_dashboard` call; the page
works without JavaScript (reload to refresh), and static/js/dashboard.js fetches the JSON
every few seconds and writes the new figures into the page.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l

from eventapp.blueprints.manage.charts import arrivals_chart, time_label
from eventapp.blueprints.manage.events import load_event
from eventapp.blueprints.manage.roster_labels import MAIL_KIND_LABELS
from eventapp.blueprints.manage.routes import bp
from eventapp.extensions import db
from eventapp.models import Mode, OutboxStatus, RegistrationStatus, utcnow
from eventapp.services.dashboard import OUTBOX_STATES, Dashboard, event_dashboard

#: Outbox states as organizers read them.
OUTBOX_LABELS = {
    OutboxStatus.QUEUED: _l("Waiting to be sent"),
    OutboxStatus.SENDING: _l("Waiting to be sent"),
    OutboxStatus.RETRY: _l("Retrying after a temporary error"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Failed"),
    OutboxStatus.DROPPED: _l("Not sent (no longer needed)"),
}


def outbox_label(status: OutboxStatus | str) -> str:
    """An outbox state as a heading (the registration page's lower-case labels go inside sentences)."""
    return str(OUTBOX_LABELS[OutboxStatus(status)])


def mail_kind_label(kind: str) -> str:
    """What a mail is about (kinds added later show their key until they get a label)."""
    label = MAIL_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


#: How often the page's script asks for new figures (milliseconds; data-interval on the page).
POLL_INTERVAL_MS = 5000


def dashboard_json(dashboard: Dashboard) -> dict[str, Any]:
    """The figures the page shows, keyed as its ``data-figure`` attributes name them."""
    label = time_label(dashboard.timeline, dashboard.bucket_minutes)
    modes = {}
    for mode, figures in dashboard.modes.items():
        modes[mode.value] = {
            "registered": figures.registered,
            **{status.value: figures.counts[status] for status in RegistrationStatus},
            "capacity": figures.capacity,
            "taken": figures.taken,
            "seats_left": figures.seats_left,
            "percent_taken": figures.percent_taken,
            "waiting": figures.waiting,
            "attended": figures.attended,
            "no_shows": figures.confirmed_absent if dashboard.finished else None,
        }
    return {
        "as_of": dashboard.as_of.isoformat(),
        "finished": dashboard.finished,
        "modes": modes,
        "arrived_on_site": dashboard.arrived_on_site,
        "joined_online": dashboard.joined_online,
        "no_shows": dashboard.no_shows,
        "outbox": {status.value: dashboard.outbox[status] for status in OUTBOX_STATES},
        "outbox_problems": len(dashboard.outbox_problems),
        "chart": arrivals_chart(dashboard.timeline, dashboard.bucket_minutes).as_json(),
        "chart_rows": [
            {"time": label(bucket.starts_at), "on_site": bucket.on_site, "online": bucket.online}
            for bucket in dashboard.timeline
            if bucket.total
        ],
    }


@bp.get("/events/<int:event_id>/dashboard")
def event_dashboard_page(event_id: int) -> str:
    """Registrations, seats, arrivals over time, no-shows and mail of one event, updating itself."""
    event = load_event(event_id)
    dashboard = event_dashboard(db.session, event, now=utcnow())
    return render_template(
        "manage/dashboard.html",
        event=event,
        dashboard=dashboard,
        chart=arrivals_chart(dashboard.timeline, dashboard.bucket_minutes),
        time_label=time_label(dashboard.timeline, dashboard.bucket_minutes),
        Mode=Mode,
        Status=RegistrationStatus,
        Outbox=OutboxStatus,
        outbox_states=OUTBOX_STATES,
        poll_interval=POLL_INTERVAL_MS,
        outbox_label=outbox_label,
        mail_kind_label=mail_kind_label,
    )


@bp.get("/events/<int:event_id>/dashboard.json")
def event_dashboard_json(event_id: int) -> Response:
    """The dashboard's figures for its script (session-authorised GET; never cached)."""
    event = load_event(event_id)
    response = jsonify(dashboard_json(event_dashboard(db.session, event, now=utcnow())))
    response.headers["Cache-Control"] = "no-store"
    return response
