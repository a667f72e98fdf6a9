"""Who registered for an event: the organizer's filtered, ordered view of the registrations.

One filter (:class:`RosterFilter`) serves the registration list, its exports and messages
to "a filtered group", so that what an organizer sees on the page is exactly the group a
file or a mail reaches. :func:`roster_select` is the query all of them build on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from eventapp.models import (
    Attendance,
    AuditEntry,
    Event,
    Mode,
    OutboxMessage,
    Person,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from eventapp.services import audit, seats
from eventapp.services.errors import NotFound


@dataclass(frozen=True)
class RosterFilter:
    """What narrows an event's registrations; the defaults narrow nothing.

    ``search`` matches every whitespace-separated word (case-insensitive) somewhere in the
    given name, family name, email or organization; ``statuses`` is any of (empty = all);
    ``checked_in`` means an :class:`Attendance` record exists for the registration.
    """

    search: str = ""
    statuses: tuple[RegistrationStatus, ...] = ()
    mode: Mode | None = None
    checked_in: bool | None = None
    email_confirmed: bool | None = None

    @property
    def terms(self) -> list[str]:
        return self.search.split()

    @property
    def is_empty(self) -> bool:
        return self == RosterFilter()


#: The list's order (the index ``ix_registration_event_names`` serves it).
ROSTER_ORDER = (Registration.family_name, Registration.given_name, Registration.id)


def _matches(term: str) -> ColumnElement[bool]:
    """One search word anywhere in the names, the email or the organization (% and _ are literal).

    The email is matched in a subquery over persons rather than through a join, so that the
    database scans the person table once instead of looking up the person of every row.
    """
    return or_(
        *(
            column.icontains(term, autoescape=True)
            for column in (Registration.given_name, Registration.family_name, Registration.organization)
        ),
        Registration.person_id.in_(select(Person.id).where(Person.email.icontains(term, autoescape=True))),
    )


def checked_in_clause() -> ColumnElement[bool]:
    """True for a registration with an attendance record (in any mode)."""
    return exists().where(Attendance.registration_id == Registration.id)


def roster_conditions(event: Event, flt: RosterFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of :func:`roster_select`, on the registration alone (no join needed)."""
    conditions: list[ColumnElement[bool]] = [Registration.event_id == event.id]
    conditions += [_matches(term) for term in flt.terms]
    if flt.statuses:
        conditions.append(Registration.status.in_(flt.statuses))
    if flt.mode is not None:
        conditions.append(Registration.mode == flt.mode)
    if flt.checked_in is not None:
        conditions.append(checked_in_clause() if flt.checked_in else ~checked_in_clause())
    if flt.email_confirmed is not None:
        column = Registration.email_confirmed_at
        conditions.append(column.is_not(None) if flt.email_confirmed else column.is_(None))
    return conditions


def roster_select(event: Event, flt: RosterFilter) -> Select[tuple[Registration]]:
    """The event's registrations that pass ``flt``, with their person loaded, by family name,
    given name and id (the id keeps the order total, so pages neither repeat nor skip)."""
    return (
        select(Registration)
        .join(Registration.person)
        .options(contains_eager(Registration.person))
        .where(and_(*roster_conditions(event, flt)))
        .order_by(*ROSTER_ORDER)
    )


# --- the list, a page at a time -------------------------------------------------------------

#: Rows per page of the organizer's list, and the most a request may ask for.
PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass
class RosterPage:
    """One page of the filtered list, with what the page needs around it."""

    registrations: list[Registration]
    #: Registrations passing the filter, on all pages.
    total: int
    page: int
    per_page: int
    #: Ids of the registrations on this page that have an attendance record.
    checked_in: set[int] = field(default_factory=set)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """Number of the first row shown (1-based; 0 for an empty list)."""
        return (self.page - 1) * self.per_page + 1 if self.registrations else 0

    @property
    def last(self) -> int:
        return self.first + len(self.registrations) - 1 if self.registrations else 0


def roster_count(session: Session, event: Event, flt: RosterFilter) -> int:
    """How many registrations pass ``flt``."""
    return session.scalar(select(func.count(Registration.id)).where(*roster_conditions(event, flt))) or 0


def page_ids_select(event: Event, flt: RosterFilter) -> Select[tuple[int]]:
    """The ids of :func:`roster_select` in its order: on its own, the index answers it."""
    return select(Registration.id).where(*roster_conditions(event, flt)).order_by(*ROSTER_ORDER)


def _counted_ids(event: Event, flt: RosterFilter, page: int, per_page: int) -> Select[tuple[int, int]]:
    query = page_ids_select(event, flt).add_columns(func.count().over())
    return query.limit(per_page).offset((page - 1) * per_page)


def roster_page(
    session: Session, event: Event, flt: RosterFilter, *, page: int = 1, per_page: int = PER_PAGE
) -> RosterPage:
    """Page ``page`` (from 1; beyond the last it is the last) of the filtered, ordered list.

    Offset paging over the index on (event, family name, given name, id), with a deferred
    join: the page's ids come from the index alone (a covering scan, however deep the page),
    then only those rows are read with their persons. So even the last page of 20,000 stays
    quick (bench/roster_bench.py), and the organizer can jump to any page of a count they see.
    """
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    page = max(page, 1)
    ids: list[int] | None = None
    if flt.terms:
        # A search reads every row of the event anyway: the total comes with the page's ids
        # (a window count), so the rows are scanned once, not twice.
        found = session.execute(_counted_ids(event, flt, page, per_page)).all()
        total = found[0][1] if found else roster_count(session, event, flt)
        ids = [row[0] for row in found]
    else:
        # Without a search the count is an index-only scan; a window would materialise every id.
        total = roster_count(session, event, flt)
    last = max(1, math.ceil(total / per_page))
    if page > last:  # beyond the end (a page link after cancellations): the last page
        page, ids = last, None
    if ids is None:
        ids = list(session.scalars(page_ids_select(event, flt).limit(per_page).offset((page - 1) * per_page)))
    rows = (
        list(
            session.scalars(
                select(Registration)
                .join(Registration.person)
                .options(contains_eager(Registration.person))
                .where(Registration.id.in_(ids))
                .order_by(*ROSTER_ORDER)
            )
        )
        if ids
        else []
    )
    checked = set(session.scalars(select(Attendance.registration_id).where(Attendance.registration_id.in_(ids))))
    return RosterPage(rows, total, page, per_page, checked)


@dataclass
class RosterSummary:
    """The figures above the list: registrations per status and mode, arrivals."""

    #: (status, mode) → count, every pair present.
    counts: dict[tuple[RegistrationStatus, Mode], int]
    #: Registrations with an attendance record.
    checked_in: int

    def by_status(self, status: RegistrationStatus) -> int:
        return sum(count for (s, _mode), count in self.counts.items() if s is status)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def roster_summary(session: Session, event: Event) -> RosterSummary:
    """Counts per status and mode from one grouped query (the status/mode index serves it).

    The queues (email-confirmed waiters per mode) are ``capacity.availability``'s to tell.
    """
    R = Registration
    counts = {(status, mode): 0 for status in RegistrationStatus for mode in Mode}
    for status, mode, count in session.execute(
        select(R.status, R.mode, func.count()).where(R.event_id == event.id).group_by(R.status, R.mode)
    ):
        counts[(RegistrationStatus(status), Mode(mode))] = count
    arrived = session.scalar(
        select(func.count(func.distinct(Attendance.registration_id)))
        .join(R, R.id == Attendance.registration_id)
        .where(R.event_id == event.id)
    )
    return RosterSummary(counts, arrived or 0)


# --- one registration ----------------------------------------------------------------------


def registration_of(session: Session, event: Event, registration_id: int) -> Registration:
    """The registration ``registration_id`` of ``event``; NotFound for one of another event."""
    registration = session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound()
    return registration


@dataclass(frozen=True)
class Answer:
    """An answer as the organizer reads it: the question's label, the answer's words."""

    label: str
    value: Any
    sensitive: bool


def answers_of(registration: Registration, locale: str = "de") -> list[Answer]:
    """The registration's answers in the order of the event's questions; a choice by its label.

    Answers to questions removed since are listed at the end under their key, so nothing
    the person told is hidden from the organizer.
    """
    given = dict(registration.answers or {})
    result: list[Answer] = []
    for question in registration.event.questions:
        if question.key in given:
            result.append(
                Answer(
                    question.label_for(locale),
                    _answer_text(question, given.pop(question.key), locale),
                    question.sensitive,
                )
            )
    result += [Answer(key, value, False) for key, value in given.items()]
    return result


def _answer_text(question: Question, value: Any, locale: str) -> Any:
    if question.kind is QuestionKind.CHOICE:
        for choice in question.choices:
            if str(choice["value"]) == str(value):
                return choice.get(f"label_{locale}") or choice.get("label") or value
    return value


@dataclass
class RegistrationDetail:
    """Everything the detail page shows about one registration."""

    registration: Registration
    answers: list[Answer]
    attendances: list[Attendance]
    #: (place, length) in the queue it waits in, if any.
    queue_position: tuple[int, int] | None
    #: Mails about this registration, newest first (kind, status, times).
    mails: list[OutboxMessage]
    history: list[AuditEntry]


def registration_detail(session: Session, registration: Registration, *, locale: str = "de") -> RegistrationDetail:
    """The registration's data, answers, arrivals, mails and history (oldest entry first)."""
    attendances = list(
        session.scalars(
            select(Attendance).where(Attendance.registration_id == registration.id).order_by(Attendance.first_at)
        )
    )
    mails = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.registration_id == registration.id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(20)
        )
    )
    return RegistrationDetail(
        registration,
        answers_of(registration, locale),
        attendances,
        seats.queue_position(session, registration),
        mails,
        audit.history(session, registration),
    )
