"""Factories for test data: sensible defaults, every field overridable."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from eventapp.models import (
    Event,
    EventAttendance,
    EventStatus,
    Mode,
    Organization,
    Person,
    Question,
    Registration,
    RegistrationStatus,
    Series,
)

_counter = itertools.count(1)


class Factories:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _add(self, obj: Any) -> Any:
        self.session.add(obj)
        self.session.flush()
        return obj

    def user(self, **overrides: Any) -> Any:
        """A user with :data:`PASSWORD` (``email``, ``role``, ``organizations`` as in create-user)."""
        overrides.setdefault("email", f"user{next(_counter)}@example.org")
        return make_user(self.session, **overrides)

    def organization(self, **overrides: Any) -> Organization:
        n = next(_counter)
        values: dict[str, Any] = {
            "slug": f"org-{n}",
            "name": f"Stadt {n}",
            "contact_email": f"kontakt{n}@example.org",
            "kind": "pioneer",
        }
        values.update(overrides)
        return self._add(Organization(**values))

    def series(self, **overrides: Any) -> Series:
        n = next(_counter)
        if "organization" not in overrides and "organization_id" not in overrides:
            overrides["organization"] = self.organization()
        values: dict[str, Any] = {"slug": f"series-{n}", "title": f"Reihe {n}", "format": "pausenhof"}
        values.update(overrides)
        return self._add(Series(**values))

    def event(self, **overrides: Any) -> Event:
        n = next(_counter)
        if "organization" not in overrides and "organization_id" not in overrides:
            overrides["organization"] = self.organization()
        starts_at = overrides.pop("starts_at", datetime(2027, 3, 18, 9, 0, tzinfo=UTC))
        values: dict[str, Any] = {
            "slug": f"event-{n}",
            "title": f"Veranstaltung {n}",
            "summary": "Kurzbeschreibung",
            "format": "konferenz",
            "attendance": EventAttendance.HYBRID,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=6),
            "venue": "Sauerlandhalle",
            "address": "Hauptstraße 1, 59821 Arnsberg",
            "capacity_on_site": 10,
            "capacity_online": None,
            "status": EventStatus.PUBLISHED,
        }
        values.update(overrides)
        return self._add(Event(**values))

    def question(self, event: Event, **overrides: Any) -> Question:
        n = next(_counter)
        values: dict[str, Any] = {"event": event, "key": f"q{n}", "label": f"Frage {n}", "position": n}
        values.update(overrides)
        return self._add(Question(**values))

    def person(self, **overrides: Any) -> Person:
        n = next(_counter)
        values: dict[str, Any] = {"email": f"person{n}@example.org", "language": "de"}
        values.update(overrides)
        return self._add(Person(**values))

    def registration(self, event: Event, **overrides: Any) -> Registration:
        """A registration row as it would be after the given status (no rules run)."""
        if "person" not in overrides:
            overrides["person"] = self.person()
        values: dict[str, Any] = {
            "event": event,
            "given_name": "Erika",
            "family_name": "Mustermann",
            "organization": "Stadt Arnsberg",
            "mode": Mode.ON_SITE,
            "status": RegistrationStatus.CONFIRMED,
            "email_confirmed_at": datetime(2026, 11, 1, tzinfo=UTC),
        }
        values.update(overrides)
        return self._add(Registration(**values))


#: The password every factory-made user has (long enough for the rules).
PASSWORD = "richtig-langes-passwort"


def make_user(session: Session, *, email: str, role: str = "organizer", organizations: Any = (), **overrides: Any):
    """A user with :data:`PASSWORD`, created through the accounts service (as the CLI does)."""
    from eventapp.services import accounts
    from eventapp.services.audit import CLI

    user = accounts.create_user(
        session,
        email=email,
        role=role,
        password=overrides.pop("password", PASSWORD),
        organizations=list(organizations),
        now=datetime.now(UTC),
        actor=CLI,
        **overrides,
    )
    return user
