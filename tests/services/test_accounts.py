"""Accounts: creation, passwords, and what ends a session (issue 7 Part 1)."""

from __future__ import annotations

import pytest

from eventapp.models import AuditEntry, Role
from eventapp.services import accounts
from eventapp.services.audit import CLI, Actor
from eventapp.services.errors import NotFound, ValidationError
from tests.factories import PASSWORD


def test_create_user_normalises_the_address_hashes_the_password_and_records_it(session, make, now):
    org = make.organization(slug="menden")
    user = accounts.create_user(
        session,
        email="  Anna.Admin@Example.ORG ",
        role="organizer",
        password=PASSWORD,
        organizations=[org],
        now=now,
        actor=CLI,
    )
    assert user.email == "anna.admin@example.org"
    assert user.role is Role.ORGANIZER
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert [o.slug for o in user.organizations] == ["menden"]
    entry = session.query(AuditEntry).filter_by(object_type="user_account", object_id=user.id).one()
    assert (entry.action, entry.actor_label, entry.detail["role"]) == ("user.created", "cli", "organizer")


def test_the_same_address_in_another_case_is_taken(session, make, now):
    make.user(email="eva@example.org", role="admin")
    with pytest.raises(accounts.EmailTaken) as caught:
        accounts.create_user(session, email="EVA@example.org", role="admin", password=PASSWORD, now=now, actor=CLI)
    assert caught.value.fields == {"email": "taken"}


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"email": "not-an-address", "role": "admin", "password": PASSWORD}, "email", "invalid"),
        ({"email": "a@example.org", "role": "admin", "password": "kurz"}, "password", "too_short"),
        ({"email": "a@example.org", "role": "organizer", "password": PASSWORD}, "organization", "required"),
        ({"email": "a@example.org", "role": "staff", "password": PASSWORD}, "organization", "required"),
    ],
)
def test_create_user_refuses_bad_input(session, now, values, field, code):
    with pytest.raises(ValidationError) as caught:
        accounts.create_user(session, now=now, actor=CLI, **values)
    assert caught.value.fields == {field: code}


def test_unknown_role_and_organization_are_refused(session, now):
    with pytest.raises(ValueError):
        accounts.create_user(session, email="a@example.org", role="king", password=PASSWORD, now=now, actor=CLI)
    with pytest.raises(NotFound):
        accounts.organizations_by_slug(session, ["nirgendwo"])


def test_authenticate_accepts_the_right_password_in_any_address_case(session, make, now):
    user = make.user(email="olga@example.org", role="admin")
    assert accounts.authenticate(session, "OLGA@example.org", PASSWORD, now=now) is user
    assert user.last_login_at == now


def test_authenticate_refuses_wrong_password_unknown_address_and_inactive_user_alike(session, make, now):
    user = make.user(email="olga@example.org", role="admin")
    assert accounts.authenticate(session, "olga@example.org", "falsches-passwort", now=now) is None
    assert accounts.authenticate(session, "nobody@example.org", PASSWORD, now=now) is None
    assert accounts.authenticate(session, "", PASSWORD, now=now) is None
    accounts.deactivate(session, user, now=now, actor=CLI)
    assert accounts.authenticate(session, "olga@example.org", PASSWORD, now=now) is None


def test_an_unknown_address_costs_a_full_password_check(session, make, now, monkeypatch):
    """Same timing for unknown address and wrong password: both run one argon2 verification."""
    make.user(email="olga@example.org", role="admin")
    calls: list[str] = []
    real = accounts._hasher

    class Spy:
        def verify(self, stored, password):
            calls.append(stored)
            return real.verify(stored, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(accounts, "_hasher", Spy())
    accounts.authenticate(session, "nobody@example.org", PASSWORD, now=now)
    accounts.authenticate(session, "olga@example.org", "falsches-passwort", now=now)
    assert len(calls) == 2
    assert all(stored.startswith("$argon2id$") for stored in calls)


def test_an_invited_user_without_password_cannot_sign_in(session, make, now):
    org = make.organization()
    accounts.create_user(session, email="neu@example.org", role="organizer", organizations=[org], now=now, actor=CLI)
    assert accounts.authenticate(session, "neu@example.org", "", now=now) is None
    assert accounts.authenticate(session, "neu@example.org", PASSWORD, now=now) is None


def test_deactivation_and_a_new_password_invalidate_the_session_id(session, make, now):
    user = make.user(email="olga@example.org", role="admin")
    old = user.get_id()
    assert accounts.load_session_user(session, old) is user
    accounts.set_password(session, user, "ein-ganz-neues-passwort", now=now, actor=Actor.user(user))
    assert accounts.load_session_user(session, old) is None
    current = user.get_id()
    assert accounts.load_session_user(session, current) is user
    accounts.deactivate(session, user, now=now, actor=CLI)
    assert accounts.load_session_user(session, current) is None
    assert accounts.load_session_user(session, user.get_id()) is None  # inactive: no version loads
    accounts.reactivate(session, user, now=now, actor=CLI)
    assert accounts.load_session_user(session, current) is None  # reactivation does not revive old sessions
    assert accounts.load_session_user(session, user.get_id()) is user
    actions = [e.action for e in session.query(AuditEntry).filter_by(object_id=user.id).order_by(AuditEntry.id)]
    assert actions == ["user.created", "user.password_set", "user.deactivated", "user.reactivated"]


@pytest.mark.parametrize("value", ["", "abc", "1", "1.x", "x.1", "999.1", "1.1.1"])
def test_malformed_or_unknown_session_ids_load_nobody(session, value):
    assert accounts.load_session_user(session, value) is None
