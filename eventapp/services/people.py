"""Persons: one per normalised address (DESIGN §2), created at the first submission.

Also the INSERT of a submission's registration: both rows are written with ON CONFLICT
DO NOTHING, so a repeated submission runs the same statements as a first one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eventapp.models import Person, Registration
from eventapp.models.registration import ACTIVE_SQL, new_token


def insert_person(session: Session, email: str, locale: str, *, now: datetime) -> None:
    """INSERT the person unless the address exists (ON CONFLICT DO NOTHING: no SAVEPOINT,
    and a concurrent first submission of the same address is no error)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(Person)
        .values(email=email, language=locale, feed_token=new_token(), created_at=now)
        .on_conflict_do_nothing(index_elements=[Person.email])
    )


def person_for(session: Session, email: str, locale: str, *, now: datetime) -> Person:
    """The person with this (normalised) address, created at the first submission."""
    insert_person(session, email, locale, now=now)
    return session.scalars(select(Person).where(Person.email == email)).one()


def insert_registration(session: Session, values: dict[str, Any]) -> Registration | None:
    """INSERT the registration unless the person has an active one for the event (ON CONFLICT
    DO NOTHING on the partial unique index): a repeat runs this very statement, which then
    inserts nothing and returns None, so new and known addresses do the same work (issue 6,
    Part 3 §8). The event's lock makes the conflict the case the caller already read; the
    index's predicate is repeated literally, as PostgreSQL infers the index only from that."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    R = Registration
    return session.scalars(
        insert(R)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[R.event_id, R.person_id], index_where=text(ACTIVE_SQL))
        .returning(R)
    ).one_or_none()
