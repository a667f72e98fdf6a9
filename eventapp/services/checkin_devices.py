"""Check-in devices (issue 9 Part 2): Bearer tokens for the stations at an event's door.

An organizer (or ``flask create-checkin-token``) creates one per event and station and
hands it to a volunteer's phone or scanner; the token is shown once and stored only as
its SHA-256. It implies the event, works until it is revoked or 12 hours after the
event's end, and names the station in every check-in it records.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from eventapp.models import ActorKind, CheckinDevice, Event, EventStatus, User
from eventapp.services import audit
from eventapp.services.audit import Actor
from eventapp.services.calendar import event_end
from eventapp.services.errors import DomainError, EventCancelled, ValidationError

#: A device token works until this long after the event's end (issue 9 Part 2).
VALID_AFTER_END = timedelta(hours=12)
#: Tokens carry this prefix, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "ck_"  # noqa: S105 (a prefix, not a secret)
#: Longer strings are not tokens of ours; refused before hashing.
MAX_TOKEN_LENGTH = 100
MAX_STATION = 100


class EventOver(DomainError):
    """The event is over: a device token would not work any more."""

    code = "event_over"


class DeviceUnauthorized(DomainError):
    """The device token is unknown, revoked or expired."""

    code = "unauthorized"


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256): a leaked table lets nobody scan."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def valid_until(event: Event) -> datetime:
    """When a device of ``event`` stops working unless revoked earlier."""
    return event_end(event) + VALID_AFTER_END


def clean_station(station: str) -> str:
    """A station name as stored: trimmed, one line, 1–100 characters."""
    name = " ".join((station or "").split())
    if not name:
        raise ValidationError("A station name is required.", fields={"station": "required"})
    if len(name) > MAX_STATION:
        raise ValidationError("The station name is too long.", fields={"station": "too_long"})
    return name


def create_device(
    session: Session, event: Event, station: str, *, now: datetime, actor: Actor, created_by: User | None = None
) -> tuple[CheckinDevice, str]:
    """A new device of ``event`` at ``station``; returns it with its token (shown once, never stored)."""
    name = clean_station(station)
    if event.status is EventStatus.CANCELLED:
        raise EventCancelled()
    if now >= valid_until(event):
        raise EventOver()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = CheckinDevice(
        event_id=event.id,
        station=name,
        token_hash=hash_token(token),
        created_by_id=created_by.id if created_by is not None else None,
        created_at=now,
    )
    session.add(device)
    session.flush()
    audit.record(
        session, actor, "event.checkin_device_created", event, now=now, detail={"device": device.id, "station": name}
    )
    return device, token


def revoke_device(session: Session, device: CheckinDevice, *, now: datetime, actor: Actor) -> CheckinDevice:
    """Stop a device at once (a lost phone); revoking twice changes nothing."""
    if device.revoked_at is None:
        device.revoked_at = now
        session.flush()
        audit.record(
            session,
            actor,
            "event.checkin_device_revoked",
            device.event,
            now=now,
            detail={"device": device.id, "station": device.station},
        )
    return device


def device_by_token(session: Session, token: str, *, now: datetime) -> CheckinDevice:
    """The working device of ``token``; DeviceUnauthorized for unknown, revoked and expired ones."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.startswith(TOKEN_PREFIX):
        raise DeviceUnauthorized()
    device = session.scalar(
        select(CheckinDevice)
        .options(joinedload(CheckinDevice.event))
        .where(CheckinDevice.token_hash == hash_token(token))
    )
    if device is None or device.revoked_at is not None or now >= valid_until(device.event):
        raise DeviceUnauthorized()
    return device


def devices_of(session: Session, event: Event) -> list[CheckinDevice]:
    """The event's devices, newest first (revoked ones too, marked by ``revoked_at``)."""
    return list(
        session.scalars(
            select(CheckinDevice)
            .where(CheckinDevice.event_id == event.id)
            .order_by(CheckinDevice.created_at.desc(), CheckinDevice.id.desc())
        )
    )


def device_actor(device: CheckinDevice) -> Actor:
    """The audit actor of a device: its id and station name."""
    return Actor(ActorKind.DEVICE, device.id, device.station[: audit.MAX_LABEL])
