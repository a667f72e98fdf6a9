"""Persons: one per normalised address (DESIGN §2), created at the first submission."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eventapp.models import Person
from eventapp.models.registration import new_token


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
