"""Single-use, expiring links for accounts: password reset and invitation (issue 7 Part 1).

A link carries a token signed with the app's secret (itsdangerous, one salt per purpose)
that names the user, the time it was made and a fingerprint of what the link is about to
change — the password hash and the auth version. Setting the password changes both, so a
used link no longer matches: single use without storing tokens. Expiry is checked against
the caller's clock. Mails go through the outbox like every other mail; services receive
the finished link from a builder the web layer passes in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventapp.models import Organization, OutboxMessage, Role, User
from eventapp.services import accounts
from eventapp.services.audit import Actor, record
from eventapp.services.errors import DomainError, NotAllowed, ValidationError
from eventapp.services.outbox import enqueue
from eventapp.services.permissions import can_administer, can_manage

RESET = "password-reset"
#: At most one reset mail per address in this time (repeated requests are answered alike, silently).
RESET_MAIL_INTERVAL = timedelta(minutes=5)
INVITATION = "invitation"
PURPOSES = (RESET, INVITATION)


class LinkInvalid(DomainError):
    """The link is not valid (mistyped, forged, or already used)."""

    code = "account_link_invalid"


class AccountLinkExpired(DomainError):
    """The link has expired."""

    code = "account_link_expired"


def _serializer(secret: str, purpose: str) -> URLSafeSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeSerializer(secret, salt=f"eventapp.account.{purpose}")


def fingerprint(user: User) -> str:
    """Changes whenever the password is set or the user's sessions are ended."""
    material = f"{user.id}|{user.password_hash or ''}|{user.auth_version}|{user.active}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def make_token(user: User, *, purpose: str, secret: str, now: datetime) -> str:
    return _serializer(secret, purpose).dumps({"u": user.id, "f": fingerprint(user), "t": int(now.timestamp())})


def user_for_token(
    session: Session, token: str, *, purpose: str, secret: str, now: datetime, max_age: timedelta
) -> User:
    """The user a link is for, if it is genuine, unused and not older than ``max_age``."""
    try:
        payload: Any = _serializer(secret, purpose).loads(token)
    except BadSignature:
        raise LinkInvalid() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int) or not isinstance(payload.get("t"), int):
        raise LinkInvalid()
    user = session.get(User, payload["u"])
    if user is None or payload.get("f") != fingerprint(user):
        raise LinkInvalid()
    if now.timestamp() - payload["t"] > max_age.total_seconds():
        raise AccountLinkExpired()
    if not user.active:
        raise LinkInvalid()
    return user


def request_password_reset(
    session: Session,
    email: str,
    *,
    now: datetime,
    secret: str,
    link: Callable[[str], str],
    max_age: timedelta,
    locale: str = "de",
) -> bool:
    """Mail a reset link if an active user has this address; the caller answers the same either way."""
    user = accounts.user_by_email(session, email)
    if user is None or not user.active:
        return False
    recent = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.to_address == user.email,
        OutboxMessage.kind == "password_reset",
        OutboxMessage.created_at >= now - RESET_MAIL_INTERVAL,
    )
    if session.scalar(recent):
        return False  # one mail every few minutes is enough; the page says the same
    token = make_token(user, purpose=RESET, secret=secret, now=now)
    enqueue(
        session,
        "password_reset",
        to_address=user.email,
        now=now,
        locale=locale,
        context={"url": link(token), "hours": round(max_age.total_seconds() / 3600), "name": user.name},
    )
    record(session, Actor.system("password reset"), "user.password_reset_requested", user, now=now)
    return True


def set_password_from_link(
    session: Session,
    token: str,
    password: str,
    *,
    purpose: str,
    now: datetime,
    secret: str,
    max_age: timedelta,
    name: str | None = None,
) -> User:
    """Check the link, then set the password (which uses the link up and ends other sessions)."""
    user = user_for_token(session, token, purpose=purpose, secret=secret, now=now, max_age=max_age)
    if name is not None:
        if len(name) > accounts.MAX_NAME:
            raise ValidationError("The name is too long.", fields={"name": "too_long"})
        user.name = name.strip()
    accounts.set_password(session, user, password, now=now, actor=Actor.user(user))
    return user


def may_invite(inviter: User, role: Role, organizations: Iterable[Organization]) -> bool:
    """Admins invite anyone; organizers invite organizers and staff into their own organizations."""
    members = list(organizations)
    if can_administer(inviter):
        return True
    if role is Role.ADMIN or not members:
        return False
    return inviter.role is Role.ORGANIZER and all(can_manage(inviter, org) for org in members)


def invite_user(
    session: Session,
    *,
    inviter: User,
    email: str,
    role: Role | str,
    organizations: Iterable[Organization],
    now: datetime,
    secret: str,
    link: Callable[[str], str],
    max_age: timedelta,
    name: str = "",
    locale: str = "de",
) -> User:
    """Create an account without a password and mail its holder a link to set one.

    Inviting an address again whose holder has not set a password yet sends a fresh link.
    """
    role = Role(role)
    members = list(organizations)
    if not may_invite(inviter, role, members):
        raise NotAllowed("You may not invite this user.")
    actor = Actor.user(inviter)
    existing = accounts.user_by_email(session, email)
    if existing is not None and existing.password_hash is None and existing.active:
        user = existing
        record(session, actor, "user.invited_again", user, now=now)
    else:
        user = accounts.create_user(
            session, email=email, role=role, name=name, organizations=members, now=now, actor=actor
        )
    token = make_token(user, purpose=INVITATION, secret=secret, now=now)
    enqueue(
        session,
        "invitation",
        to_address=user.email,
        now=now,
        locale=locale,
        context={
            "url": link(token),
            "days": round(max_age.total_seconds() / 86400),
            "inviter": inviter.label,
            "role": str(user.role),
            "organizations": [o.name for o in user.organizations],
            "name": user.name,
        },
    )
    return user
