"""Exports of an event's registration list (issue 7 Part 6): which rows, which columns, and the record of it.

The rows are the registration list's own filter (:func:`eventapp.services.roster.roster_select`),
so a file holds exactly what the organizer saw on the page. Columns are the registrant's
details and one per question; answers to sensitive questions (Art. 9 DSGVO, DESIGN §3
"Privacy") only when the organizer asks for them explicitly. Every export is written to the
audit trail — who, when, which event, which columns, how many rows, whether sensitive answers
were in it — because a file leaves the system's care. The bytes come from
:mod:`eventapp.services.spreadsheets`; words (headers, labels) from the web layer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import Attendance, Event, Mode, Question, Registration
from eventapp.services import audit
from eventapp.services.audit import Actor
from eventapp.services.errors import ValidationError
from eventapp.services.roster import RosterFilter, roster_select

FORMATS = ("csv", "xlsx")
#: The registrant's own columns, in file order.
DETAIL_COLUMNS = (
    "given_name",
    "family_name",
    "email",
    "organization",
    "mode",
    "status",
    "waiting_for",
    "registered_at",
    "confirmed_at",
    "checked_in",
    "join_link",
)
#: What an export holds when nothing else is chosen.
DEFAULT_COLUMNS = ("given_name", "family_name", "email", "organization", "mode", "status")
#: Prefix of a question's column key (``answer:<question key>``).
ANSWER = "answer:"


@dataclass(frozen=True)
class Column:
    """One column: a registrant detail, or the answers to one question."""

    key: str
    question: Question | None = None

    @property
    def sensitive(self) -> bool:
        return self.question is not None and self.question.sensitive


def columns_of(event: Event) -> list[Column]:
    """Every column an export of ``event`` can have: the details (the personal join link only where
    the event is online in part), then the questions in form order."""
    details = [key for key in DETAIL_COLUMNS if key != "join_link" or event.offers(Mode.ONLINE)]
    return [Column(key) for key in details] + [Column(ANSWER + q.key, q) for q in event.questions]


def filter_detail(flt: RosterFilter) -> dict[str, Any]:
    """The parts of a filter that narrow, as plain JSON for a record (messages, exports, audit)."""
    detail: dict[str, Any] = {}
    if flt.statuses:
        detail["statuses"] = sorted(status.value for status in flt.statuses)
    if flt.mode is not None:
        detail["mode"] = flt.mode.value
    if flt.checked_in is not None:
        detail["checked_in"] = flt.checked_in
    if flt.email_confirmed is not None:
        detail["email_confirmed"] = flt.email_confirmed
    if flt.search.strip():
        detail["search"] = flt.search.strip()[:100]
    return detail


@dataclass(frozen=True)
class Export:
    """The rows and columns of one export; :meth:`value` gives a cell's raw value."""

    event: Event
    columns: list[Column]
    registrations: list[Registration]
    checked_in: frozenset[int]
    include_sensitive: bool

    def value(self, registration: Registration, column: Column) -> Any:
        """The raw value (str, bool, enum, datetime or None); the web layer puts it into words."""
        if column.question is not None:
            return (registration.answers or {}).get(column.question.key)
        if column.key == "email":
            return registration.person.email
        if column.key == "registered_at":
            return registration.created_at
        if column.key == "checked_in":
            return registration.id in self.checked_in
        if column.key == "join_link":
            # The token of the person's own /j/ link while it works — never the meeting URL
            # (DESIGN §3 "Privacy"); the web layer makes the link of it.
            return registration.join_token if registration.joins_online else None
        return getattr(registration, column.key)


def _chosen(event: Event, keys: Sequence[str], include_sensitive: bool) -> list[Column]:
    available = columns_of(event)
    known = {column.key for column in available}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ValidationError("Unknown column.", fields={"columns": "invalid"})
    wanted = set(keys)
    # Sensitive answers only on the explicit choice, and then all of them (one decision, one record).
    chosen = [c for c in available if (c.key in wanted and not c.sensitive) or (c.sensitive and include_sensitive)]
    if not chosen:
        raise ValidationError("No column chosen.", fields={"columns": "required"})
    return chosen


def _column_detail(columns: list[Column]) -> dict[str, Any]:
    """The column keys for the audit entry; a very long list is cut so the entry stays a record of facts."""
    keys = [column.key for column in columns]
    while len(json.dumps(keys)) > audit.MAX_DETAIL // 2:
        keys = keys[: len(keys) // 2]
    detail: dict[str, Any] = {"columns": keys}
    if len(keys) < len(columns):
        detail["columns_total"] = len(columns)
    return detail


def export_registrations(
    session: Session,
    event: Event,
    flt: RosterFilter,
    *,
    columns: Sequence[str],
    include_sensitive: bool,
    file_format: str,
    now: datetime,
    actor: Actor,
) -> Export:
    """The filtered registration list with the chosen columns, and its audit entry (``event.exported``).

    Answers to sensitive questions are in it only with ``include_sensitive`` (then every
    sensitive question's column is, and the entry says so). Raises ValidationError for an
    unknown format or column, or when no column is left.
    """
    if file_format not in FORMATS:
        raise ValidationError("Unknown format.", fields={"format": "invalid"})
    chosen = _chosen(event, columns, include_sensitive)
    registrations = list(session.scalars(roster_select(event, flt)))
    checked_in: frozenset[int] = frozenset()
    if any(column.key == "checked_in" for column in chosen):
        ids = [registration.id for registration in registrations]
        checked_in = frozenset(
            session.scalars(select(Attendance.registration_id).where(Attendance.registration_id.in_(ids)))
        )
    include = include_sensitive and any(column.sensitive for column in chosen)
    detail = {
        "format": file_format,
        "rows": len(registrations),
        "sensitive": include,
        **_column_detail(chosen),
        "filter": filter_detail(flt),
    }
    audit.record(session, actor, "event.exported", event, now=now, detail=detail)
    session.flush()
    return Export(event, chosen, registrations, checked_in, include)
