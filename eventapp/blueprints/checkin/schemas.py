"""Pydantic models of the check-in API (DESIGN §5 ``/api/v1/checkin``): they validate the
requests and shape the answers, and the OpenAPI document is built from them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from eventapp.services.checkin import MAX_NONCE, Result
from eventapp.services.checkin_devices import MAX_STATION
from eventapp.services.submission import MAX_EMAIL, MAX_NAME, MAX_ORGANIZATION

ResultName = Literal[
    "ok",
    "already_checked_in",
    "wrong_event",
    "wrong_mode",
    "cancelled",
    "waitlisted",
    "not_confirmed",
    "invalid",
]
assert set(ResultName.__args__) == {result.value for result in Result}  # noqa: S101 (kept in step)

Slug = Annotated[str, StringConstraints(max_length=200)]
Station = Annotated[str, StringConstraints(max_length=MAX_STATION)]
Nonce = Annotated[str, StringConstraints(max_length=MAX_NONCE)]
#: The most scans one offline batch may carry; a station syncs more in several batches.
MAX_BATCH = 500


class CheckinRequest(BaseModel):
    """One scan. ``code`` is the raw QR content: any string is judged (``invalid`` if it is
    not a ticket of ours); only a missing or non-string code is a 400."""

    model_config = ConfigDict(extra="forbid", strict=True, title="CheckinRequest")

    code: str = Field(description="The raw content of the scanned QR code.")
    event: Slug | None = Field(
        default=None, description="The event's slug; required with a staff session, implied by a device token."
    )
    station: Station | None = Field(
        default=None, description="The station's name (a staff session; a device token names its own)."
    )
    nonce: Nonce | None = Field(
        default=None, description="A client-chosen id of this scan; a repeat from the same device changes nothing."
    )


class BatchScan(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, title="BatchScan")

    code: str = Field(description="The raw content of the scanned QR code.")
    nonce: Nonce = Field(description="The station's id of this scan; sent again, it changes nothing.")
    scanned_at: datetime = Field(
        strict=False,
        description="When the station scanned it (ISO 8601 with offset); times in the future or long before the "
        "event are replaced by the time of the sync.",
    )
    station: Station | None = None


class BatchRequest(BaseModel):
    """Scans an offline station recorded, sent once the network is back."""

    model_config = ConfigDict(extra="forbid", strict=True, title="BatchRequest")

    event: Slug | None = Field(default=None, description="Required with a staff session, implied by a device token.")
    scans: list[BatchScan] = Field(max_length=MAX_BATCH)


class StationRequest(BaseModel):
    """Body of the actions on one registration (check-in by search, undo, admit on site)."""

    model_config = ConfigDict(extra="forbid", strict=True, title="StationRequest")

    station: Station | None = None
    nonce: Nonce | None = None


class WalkInRequest(BaseModel):
    """Someone without a registration at the door: registered (confirmed) and checked in at once,
    while the on-site mode has a free seat; the ticket mail goes to the address."""

    model_config = ConfigDict(extra="forbid", strict=True, title="WalkInRequest")

    given_name: Annotated[str, StringConstraints(max_length=MAX_NAME)]
    family_name: Annotated[str, StringConstraints(max_length=MAX_NAME)]
    email: Annotated[str, StringConstraints(max_length=MAX_EMAIL)]
    organization: Annotated[str, StringConstraints(max_length=MAX_ORGANIZATION)] = ""
    station: Station | None = None


# --- answers ------------------------------------------------------------------------------


class CheckinRegistration(BaseModel):
    id: int
    ticket_id: str | None
    name: str
    organization: str
    mode: Literal["on_site", "online"]
    status: Literal["pending", "waitlisted", "confirmed", "cancelled", "expired"]


class CheckinResponse(BaseModel):
    result: ResultName
    registration: CheckinRegistration | None
    checked_in_at: datetime | None = Field(description="The on-site check-in's first time (ok and already).")
    station: str | None = Field(default=None, description="Where it was checked in (already_checked_in).")


class BatchResult(CheckinResponse):
    nonce: str
    duplicate: bool = Field(
        description="This scan was not counted: the ticket was in before, or the nonce was sent before."
    )
    clock_adjusted: bool = Field(description="scanned_at was implausible and the sync time was recorded instead.")


class BatchResponse(BaseModel):
    results: list[BatchResult]


class OfflineTicket(BaseModel):
    name: str
    organization: str
    mode: Literal["on_site", "online"]
    status: Literal["pending", "waitlisted", "confirmed", "cancelled", "expired"]
    serial: int
    checked_in_at: datetime | None


class RevokedTicket(BaseModel):
    ticket_id: str
    serial: int = Field(description="The current serial: tokens with a lower one are revoked.")


class OfflinePackage(BaseModel):
    """What a station needs to judge scans for one event without the network."""

    event: str
    event_id: int
    title: str
    ends_at: datetime
    station: str | None = Field(description="The device's station (null for a staff session).")
    keys: dict[str, str] = Field(description="Ed25519 public keys (raw, base64url) by key id.")
    revoked: list[RevokedTicket]
    tickets: dict[str, OfflineTicket] = Field(description="By ticket id: names for display and who is in.")
    generated_at: datetime


class SearchHit(BaseModel):
    id: int
    name: str
    organization: str
    mode: Literal["on_site", "online"]
    status: Literal["pending", "waitlisted", "confirmed", "cancelled", "expired"]
    checked_in_at: datetime | None


class SearchResponse(BaseModel):
    registrations: list[SearchHit]
    next: None = None
