"""One anonymiser for registrations and series registrations (the retention purge's tool)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventapp.models import (
    PERSONAL_FIELDS,
    ActorKind,
    Mode,
    Person,
    PersonalData,
    Registration,
    SeriesRegistration,
    SeriesRegistrationStatus,
)
from eventapp.services import audit, privacy
from eventapp.services.audit import Actor


def _series_registration(session, make, now) -> SeriesRegistration:
    series = make.series()
    found = SeriesRegistration(
        series=series,
        person=make.person(),
        given_name="Max",
        family_name="Muster",
        organization="Stadt Olpe",
        mode=Mode.ONLINE,
        status=SeriesRegistrationStatus.ACTIVE,
        answers={"diet": "vegan"},
        locale="en",
        privacy_consent_version="2026-11",
        privacy_consent_at=now,
        sensitive_consent_at=now,
        created_at=now,
    )
    session.add(found)
    session.flush()
    return found


def test_both_kinds_share_the_personal_columns():
    for model in (Registration, SeriesRegistration):
        assert issubclass(model, PersonalData)
        columns = set(model.__table__.c.keys())
        assert {"given_name", "family_name", "organization", "answers", "anonymised_at", *PERSONAL_FIELDS} <= columns


def test_anonymise_registration_clears_personal_data_and_keeps_the_figures(session, make, now):
    event = make.event()
    registration = make.registration(event, answers={"q": "Rollstuhl"}, organization="Stadt Menden")
    person_email = registration.person.email
    assert privacy.anonymise(session, registration, now=now + timedelta(days=30)) is True
    session.expire_all()
    found = session.get(Registration, registration.id)
    assert (found.given_name, found.family_name, found.organization, found.answers) == ("", "", "", {})
    assert found.anonymised_at == now + timedelta(days=30)
    # What the figures need stays: event, mode, status.
    assert (found.event_id, found.mode, found.status) == (event.id, registration.mode, registration.status)
    # The address belongs to the person, who may have other registrations: left for the purge to decide.
    assert session.get(Person, found.person_id).email == person_email


def test_anonymise_series_registration_with_the_same_function(session, make, now):
    series_registration = _series_registration(session, make, now)
    assert privacy.anonymise(session, series_registration, now=now) is True
    assert (series_registration.full_name, series_registration.organization, series_registration.answers) == (
        "",
        "",
        {},
    )
    assert series_registration.anonymised_at == now


def test_anonymise_clears_names_from_the_history_but_keeps_the_entries(session, make, now):
    event = make.event()
    registration = make.registration(event, given_name="Erika", family_name="Mustermann")
    other = make.registration(event, given_name="Karl", family_name="Klammer")
    audit.record(session, Actor.attendee(registration), "registration.submitted", registration, now=now)
    audit.record(
        session,
        Actor.attendee(registration),
        "registration.details_changed",
        registration,
        now=now,
        detail={"fields": ["given_name"], "given_name": "Erika"},
    )
    audit.record(session, audit.SYSTEM, "registration.promoted", registration, now=now, detail={"mode": "on_site"})
    audit.record(session, Actor.attendee(other), "registration.submitted", other, now=now)
    privacy.anonymise(session, registration, now=now)
    entries = audit.history(session, registration)
    assert [entry.action for entry in entries] == [
        "registration.submitted",
        "registration.details_changed",
        "registration.promoted",
    ]
    assert [entry.actor_label for entry in entries] == ["", "", "system"]
    assert entries[0].actor_kind is ActorKind.ATTENDEE
    assert entries[1].detail == {"fields": ["given_name"]}
    assert entries[2].detail == {"mode": "on_site"}
    # Someone else's history is untouched.
    assert audit.history(session, other)[0].actor_label == "Karl Klammer"


def test_anonymise_twice_changes_nothing(session, make, now):
    registration = make.registration(make.event())
    assert privacy.anonymise(session, registration, now=now) is True
    assert privacy.anonymise(session, registration, now=now + timedelta(days=1)) is False
    assert registration.anonymised_at == now


def test_anonymise_refuses_what_holds_no_personal_data(session, make, now):
    with pytest.raises(TypeError):
        privacy.anonymise(session, make.event(), now=now)  # type: ignore[arg-type]


def test_decline_marker_copies_personal_data_without_answers(session, make, now):
    series_registration = _series_registration(session, make, now)
    marker = Registration()
    marker.copy_personal_from(series_registration)
    assert (marker.person_id, marker.given_name, marker.family_name, marker.organization, marker.locale) == (
        series_registration.person_id,
        "Max",
        "Muster",
        "Stadt Olpe",
        "en",
    )
    assert marker.privacy_consent_at == now
    assert marker.answers in (None, {})
    assert marker.sensitive_consent_at is None
