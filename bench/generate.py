"""Bench data in seconds, through bulk inserts (not HTTP, not the services): one hybrid event
with N registrations in every state and mode, their attendance (arrivals on site and joins
online spread over the event's first hours) and their mail, plus a second event of the same
size, so that every per-event query must pick its rows out of a table twice as large.

    python bench/generate.py --database sqlite:////tmp/bench.sqlite --registrations 20000

``bench/run.py`` calls :func:`fill` itself; run this file alone to look at the data.
The database's tables are dropped and created: never point it at one you need.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from eventapp.models import (  # noqa: E402
    Attendance,
    AttendanceSource,
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    Organization,
    OutboxMessage,
    OutboxStatus,
    Person,
    Registration,
    RegistrationStatus,
)

FAMILY = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"]
GIVEN = ["Anna", "Jonas", "Erika", "Max", "Lena", "Paul", "Mia", "Felix", "Sophie", "Lukas", "Emma", "Leon"]
ORGANIZATIONS = ["Stadt Menden", "Stadt Olpe", "Stadt Soest", "IT Sauerland GmbH", "Radverein Arnsberg", ""]
#: Share of each state among the registrations (they add up to 100).
STATES = {
    RegistrationStatus.CONFIRMED: 70,
    RegistrationStatus.PENDING: 8,
    RegistrationStatus.WAITLISTED: 7,
    RegistrationStatus.CANCELLED: 10,
    RegistrationStatus.EXPIRED: 5,
}
#: The bench event starts here (a past event, so that no-shows are counted too).
STARTS = datetime(2026, 3, 18, 9, 0, tzinfo=UTC)
CHUNK = 5000


def _insert(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start : start + CHUNK])


def fill(session: Session, *, registrations: int = 20_000, seed: int = 7) -> dict[str, int]:
    """Two events of ``registrations`` each (committed); returns the ids of ``event``, ``other`` and
    ``organization``, and the number of ``registrations`` per event."""
    rng = random.Random(seed)
    organization = Organization(slug="bench", name="Bench-Stadt", contact_email="bench@example.org")
    session.add(organization)
    session.flush()
    events = []
    for n in range(2):
        event = Event(
            slug=f"bench-{n}",
            title=f"Bench-Konferenz {n}",
            format="konferenz",
            attendance=EventAttendance.HYBRID,
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=6),
            capacity_on_site=registrations // 2,
            capacity_online=None,
            status=EventStatus.PUBLISHED,
            organization_id=organization.id,
            join_url="https://meet.example/bench",
        )
        session.add(event)
        events.append(event)
    session.flush()
    states = [state for state, share in STATES.items() for _ in range(share)]
    people: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for n, event in enumerate(events):
        for i in range(registrations):
            pid = n * registrations + i + 1
            people.append(
                {
                    "id": pid,
                    "email": f"p{pid}@example.org",
                    "language": "de",
                    "feed_token": f"f{pid}",
                    "created_at": STARTS,
                }
            )
            status = rng.choice(states)
            confirmed_email = status is not RegistrationStatus.EXPIRED and rng.random() > 0.1
            rows.append(
                {
                    "id": pid,
                    "event_id": event.id,
                    "person_id": pid,
                    "given_name": rng.choice(GIVEN),
                    "family_name": f"{rng.choice(FAMILY)}{rng.randint(1, 400)}",
                    "organization": rng.choice(ORGANIZATIONS),
                    "mode": Mode.ONLINE if i % 3 == 0 else Mode.ON_SITE,
                    "status": status,
                    "email_confirmed_at": STARTS - timedelta(days=3) if confirmed_email else None,
                    "manage_token": f"m{pid}",
                    "answers": {},
                    "created_at": STARTS - timedelta(days=30, minutes=i),
                    "updated_at": STARTS - timedelta(days=30, minutes=i),
                }
            )
    _insert(session, Person, people)
    _insert(session, Registration, rows)

    attendance: list[dict[str, Any]] = []
    mail: list[dict[str, Any]] = []
    for row in rows:
        mode = row["mode"]
        if row["status"] is RegistrationStatus.CONFIRMED and rng.random() < (0.6 if mode is Mode.ON_SITE else 0.7):
            at = STARTS + timedelta(minutes=rng.triangular(-45, 150, 5))
            source = AttendanceSource.QR if mode is Mode.ON_SITE else AttendanceSource.JOIN_LINK
            attendance.append(
                {
                    "registration_id": row["id"],
                    "event_id": row["event_id"],
                    "mode": mode,
                    "source": source,
                    "first_at": at,
                    "last_at": at,
                }
            )
        outcome = rng.random()
        status = OutboxStatus.SENT if outcome < 0.95 else OutboxStatus.FAILED if outcome < 0.97 else OutboxStatus.QUEUED
        mail.append(
            {
                "kind": "ticket",
                "to_address": f"p{row['person_id']}@example.org",
                "event_id": row["event_id"],
                "registration_id": row["id"],
                "status": status,
                "last_error": "550 5.1.1 mailbox unavailable" if status is OutboxStatus.FAILED else "",
                "context": {},
                "created_at": STARTS - timedelta(days=30),
                "next_attempt_at": STARTS - timedelta(days=30),
            }
        )
    _insert(session, Attendance, attendance)
    _insert(session, OutboxMessage, mail)
    session.commit()
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # What autovacuum does to a live table: statistics, and the visibility map that lets
        # index-only scans skip the heap.
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        session.execute(text("ANALYZE"))
        session.commit()
    return {
        "event": events[0].id,
        "other": events[1].id,
        "organization": organization.id,
        "registrations": registrations,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file, removed afterwards)")
    parser.add_argument("--registrations", type=int, default=20_000, help="per event (default 20,000)")
    args = parser.parse_args()
    from eventapp import create_app
    from eventapp.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, TICKET_SIGNING_KEY_FILE=f"{tmp}/key.pem")
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            ids = fill(db.session, registrations=args.registrations)
            print(
                f"{db.engine.dialect.name}: 2 events × {args.registrations} registrations "
                f"in {time.perf_counter() - started:.1f} s; ids {ids}"
            )


if __name__ == "__main__":
    main()
