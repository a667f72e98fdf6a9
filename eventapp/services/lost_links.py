"""Lost links ("Anmeldung wiederfinden"): mail an address the manage links of its registrations.

The page answers exactly the same whether or not an address is known, in what it says
and in how long it takes: the request only records the address (:func:`request_links`,
the same work for every address), and the worker looks it up later
(:func:`answer_link_requests`) and queues one mail through the outbox – or none, for an
address without active registrations, so strangers' inboxes get nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from eventapp.models import (
    ACTIVE_STATUSES,
    Event,
    LinkRequest,
    Person,
    Registration,
    SeriesRegistration,
    SeriesRegistrationStatus,
)
from eventapp.services import audit, outbox
from eventapp.services.submission import normalize_email

#: The mail kind that carries the links (templates/emails/registration_links.*).
MAIL_KIND = "registration_links"
#: Series registrations that still have a manage page worth mailing.
SERIES_ACTIVE = (SeriesRegistrationStatus.PENDING, SeriesRegistrationStatus.ACTIVE)


def request_links(session: Session, email: str, *, locale: str, now: datetime, interval: timedelta) -> None:
    """Record that someone asked for the links of ``email`` (at most one request per address per ``interval``).

    Raises ValidationError (field ``email``) for an address that is not one; otherwise
    it does the same for every address and tells the caller nothing.
    """
    address = normalize_email(email)
    recent = session.scalar(
        select(func.count(LinkRequest.id)).where(LinkRequest.email == address, LinkRequest.created_at > now - interval)
    )
    if not recent:
        session.add(LinkRequest(email=address, locale=locale, created_at=now))
        session.flush()


@dataclass(frozen=True)
class Found:
    """What an address holds: active registrations of events still to come, and active series registrations."""

    registrations: list[Registration]
    series_registrations: list[SeriesRegistration]

    def __bool__(self) -> bool:
        return bool(self.registrations or self.series_registrations)


def registrations_of(session: Session, person: Person, *, now: datetime) -> Found:
    """The person's registrations worth a manage link; dates of a listed series registration are left
    out (its own page links each date)."""
    series_registrations = list(
        session.scalars(
            select(SeriesRegistration)
            .where(SeriesRegistration.person_id == person.id, SeriesRegistration.status.in_(SERIES_ACTIVE))
            .order_by(SeriesRegistration.id)
        )
    )
    listed_series = [found.id for found in series_registrations]
    query = (
        select(Registration)
        .join(Event, Registration.event_id == Event.id)
        .where(
            Registration.person_id == person.id,
            Registration.status.in_(ACTIVE_STATUSES),
            func.coalesce(Event.ends_at, Event.starts_at) >= now,
        )
        .order_by(Event.starts_at, Registration.id)
    )
    if listed_series:
        in_listed_series = Registration.series_registration_id.in_(listed_series)
        query = query.where(or_(Registration.series_registration_id.is_(None), ~in_listed_series))
    return Found(list(session.scalars(query)), series_registrations)


def answer_link_requests(
    session: Session, *, now: datetime, interval: timedelta, actor: audit.Actor, limit: int = 100
) -> int:
    """The worker's job: answer open requests with one mail each (to known addresses only).

    Each registration whose link went out gets an audit entry, so its history shows when
    its links were sent again.

    Requests older than ``interval`` no longer limit anything and are deleted, so no
    address stays stored. Safe with several workers (rows are claimed with SKIP LOCKED).
    Returns the number of mails queued.
    """
    open_requests = list(
        session.scalars(
            select(LinkRequest)
            .where(LinkRequest.done_at.is_(None))
            .order_by(LinkRequest.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    queued = 0
    for request in open_requests:
        request.done_at = now
        person = session.scalar(select(Person).where(Person.email == request.email))
        found = registrations_of(session, person, now=now) if person is not None else None
        if found:
            outbox.enqueue(
                session,
                MAIL_KIND,
                to_address=person.email,  # type: ignore[union-attr]
                now=now,
                locale=request.locale,
                context={
                    "registrations": [registration.id for registration in found.registrations],
                    "series_registrations": [series.id for series in found.series_registrations],
                },
            )
            for subject in [*found.registrations, *found.series_registrations]:
                audit.record(session, actor, "registration.links_mailed", subject, now=now)
            queued += 1
    session.execute(
        delete(LinkRequest).where(LinkRequest.done_at.is_not(None), LinkRequest.created_at <= now - interval)
    )
    session.flush()
    return queued
