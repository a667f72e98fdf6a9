"""Accounts: create users, check passwords, change what a session depends on.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).
Whatever ends a user's sessions — deactivation, a new password — raises
``User.auth_version``, which every session and remember-me cookie carries
(``User.get_id``), so they stop working at the next request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventapp.models import Organization, Role, User
from eventapp.services.audit import Actor, record
from eventapp.services.errors import DomainError, NotFound, ValidationError
from eventapp.services.submission import normalize_email

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "authenticate",
    "create_user",
    "deactivate",
    "load_session_user",
    "normalize_email",
    "reactivate",
    "set_password",
    "user_by_email",
]

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
MAX_NAME = 200

_hasher = PasswordHasher()
#: Verified against when no user has the given address, so that an unknown address and a wrong
#: password take the same time (issue 7 "same message and timing").
_DUMMY_HASH = _hasher.hash("not a password: only here to spend the same time")


class EmailTaken(DomainError):
    """A user with this email address already exists."""

    code = "email_taken"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    """At least MIN_PASSWORD_LENGTH characters (NIST SP 800-63B: length, no composition rules)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.", fields={"password": "too_short"}
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("The password is too long.", fields={"password": "too_long"})


def user_by_email(session: Session, email: str) -> User | None:
    try:
        address = normalize_email(email)
    except ValidationError:
        return None
    return session.scalar(select(User).where(User.email == address))


def user_by_id(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def organizations_by_slug(session: Session, slugs: Iterable[str]) -> list[Organization]:
    wanted = list(dict.fromkeys(slugs))
    found = {o.slug: o for o in session.scalars(select(Organization).where(Organization.slug.in_(wanted)))}
    missing = [slug for slug in wanted if slug not in found]
    if missing:
        raise NotFound(f"No organization with the slug {missing[0]!r}.", fields={"organization": "unknown"})
    return [found[slug] for slug in wanted]


def create_user(
    session: Session,
    *,
    email: str,
    role: Role | str,
    now: datetime,
    actor: Actor,
    password: str | None = None,
    name: str = "",
    organizations: Iterable[Organization] = (),
) -> User:
    """A new account. Without ``password`` it cannot sign in until one is set (an invitation).

    Organizers and staff belong to at least one organization: an organizer manages its
    events, staff are assigned to them.
    """
    address = normalize_email(email)
    role = Role(role)
    members = list(organizations)
    if role is not Role.ADMIN and not members:
        raise ValidationError(
            f"A user with the role {role} needs an organization.", fields={"organization": "required"}
        )
    if len(name) > MAX_NAME:
        raise ValidationError("The name is too long.", fields={"name": "too_long"})
    if session.scalar(select(func.count(User.id)).where(User.email == address)):
        raise EmailTaken(f"A user with the address {address} already exists.", fields={"email": "taken"})
    password_hash = None
    if password is not None:
        check_password_rules(password)
        password_hash = hash_password(password)
    user = User(
        email=address,
        name=name.strip(),
        role=role,
        password_hash=password_hash,
        active=True,
        auth_version=1,
        created_at=now,
        organizations=members,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.created",
        user,
        now=now,
        detail={"role": str(role), "organizations": [o.slug for o in members]},
    )
    return user


def authenticate(session: Session, email: str, password: str, *, now: datetime) -> User | None:
    """The active user with this address and password, or None — the same way and in about the
    same time whether the address is unknown, the password wrong or the account inactive."""
    user = user_by_email(session, email)
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
        verified = stored is not _DUMMY_HASH
    except (VerificationError, InvalidHashError):
        verified = False
    if user is None or not verified or not user.active:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    session.flush()
    return user


def load_session_user(session: Session, user_id: str) -> User | None:
    """The user a session or remember-me cookie names (``<id>.<auth_version>``), if still valid."""
    ident, _, version = user_id.partition(".")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = session.get(User, int(ident))
    if user is None or not user.active or user.auth_version != int(version):
        return None
    return user


def set_password(session: Session, user: User, password: str, *, now: datetime, actor: Actor) -> None:
    """A new password; every existing session of the user ends."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.auth_version += 1
    session.flush()
    record(session, actor, "user.password_set", user, now=now)


def deactivate(session: Session, user: User, *, now: datetime, actor: Actor) -> None:
    """The user can no longer sign in, and their sessions and remember-me cookies stop working."""
    if not user.active:
        return
    user.active = False
    user.auth_version += 1
    session.flush()
    record(session, actor, "user.deactivated", user, now=now)


def reactivate(session: Session, user: User, *, now: datetime, actor: Actor) -> None:
    if user.active:
        return
    user.active = True
    session.flush()
    record(session, actor, "user.reactivated", user, now=now)
