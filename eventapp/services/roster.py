"""Who registered for an event: the organizer's filtered, ordered view of the registrations.

One filter (:class:`RosterFilter`) serves the registration list, its exports and messages
to "a filtered group", so that what an organizer sees on the page is exactly the group a
file or a mail reaches. :func:`roster_select` is the query all of them build on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import contains_eager

from eventapp.models import Attendance, Event, Mode, Person, Registration, RegistrationStatus


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
    """One search word anywhere in the names, the email or the organization (% and _ are literal)."""
    return or_(
        *(
            column.icontains(term, autoescape=True)
            for column in (Registration.given_name, Registration.family_name, Person.email, Registration.organization)
        )
    )


def checked_in_clause() -> ColumnElement[bool]:
    """True for a registration with an attendance record (in any mode)."""
    return exists().where(Attendance.registration_id == Registration.id)


def roster_conditions(event: Event, flt: RosterFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of :func:`roster_select` (also for counting without ordering)."""
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
