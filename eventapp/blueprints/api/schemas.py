"""Pydantic models of the JSON API v1: they validate requests, shape responses and are the
source of the OpenAPI document (``openapi.py``), so documentation and behaviour cannot drift.

Request models are strict (``"1"`` is not a number, ``1`` is not a string) and forbid
unknown fields, so a client's mistake is a clear 400 rather than a silent surprise.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import PydanticCustomError

from eventapp.services.submission import MAX_ANSWER, MAX_EMAIL, MAX_NAME, MAX_ORGANIZATION

ModeName = Literal["on_site", "online"]
#: Length of a question key (``Question.key``).
MAX_QUESTION_KEY = 60


# --- requests -----------------------------------------------------------------------------


def _one_answer_error(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """One clear message per answer instead of one per member of the ``str | bool`` union."""
    try:
        return handler(value)
    except ValueError:
        if isinstance(value, str):
            raise PydanticCustomError(
                "answer_too_long", "An answer has at most {max} characters.", {"max": MAX_ANSWER}
            ) from None
        raise PydanticCustomError("answer_type", "An answer is a string or a boolean.") from None


def _must_be_true(value: bool) -> bool:
    if value is not True:
        raise PydanticCustomError("consent_required", "Consent is required: send true.")
    return value


#: Text and choice answers are strings, checkbox answers booleans.
AnswerValue = Annotated[
    Annotated[str, StringConstraints(max_length=MAX_ANSWER)] | bool, WrapValidator(_one_answer_error)
]
#: A strict boolean that must be true (``Literal[True]`` would also accept ``1``).
TrueBool = Annotated[bool, AfterValidator(_must_be_true), Field(json_schema_extra={"const": True})]


#: What text fields may hold (services.submission checks it for the form and the API alike).
TEXT_RULE = "Control characters other than tab and line breaks are refused (`control_characters`)."
#: Which addresses are taken, beyond `format: email` (the same rule in every environment).
EMAIL_RULE = (
    "An address mail can be delivered to on the public internet: at most 64 characters before the @ "
    "(SMTP's limit) and 254 in all; special-use and reserved domains are refused "
    "(`.test`, `.localhost`, `.invalid`, `.local`, `.onion`, `.arpa`), while the documentation "
    "domains `example.org`, `example.com` and `.example` are accepted. Compared case-insensitively."
)


class RegistrationRequest(BaseModel):
    """A registration for an event (and, with the same fields, for a whole series).

    The answer is always ``202 {"status": "check_inbox"}``: what happened travels by
    mail only, so the response reveals nothing about the address.
    """

    model_config = ConfigDict(extra="forbid", strict=True, title="RegistrationRequest")

    given_name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)] = Field(description=TEXT_RULE)
    family_name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)] = Field(description=TEXT_RULE)
    email: Annotated[str, StringConstraints(min_length=1, max_length=MAX_EMAIL)] = Field(
        json_schema_extra={"format": "email"}, description=EMAIL_RULE
    )
    organization: Annotated[str, StringConstraints(max_length=MAX_ORGANIZATION)] = Field(
        "", description="Free text, e.g. the municipality the person works for. " + TEXT_RULE
    )
    mode: ModeName | None = Field(
        None, description="How the person takes part; required for hybrid events, implied otherwise."
    )
    waiting_for: ModeName | None = Field(
        None,
        description="Hybrid events: the preferred mode to wait for while holding a seat in `mode` "
        "(taken at once when it has room).",
    )
    answers: dict[Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUESTION_KEY)], AnswerValue] = Field(
        default_factory=dict,
        description="Question key → answer: a string for text and choice questions (a choice's `value`), "
        "a boolean for checkbox questions. " + TEXT_RULE,
    )
    privacy_consent: TrueBool = Field(description="Consent to the privacy notice; must be true.")
    sensitive_consent: bool = Field(
        False, description="Explicit consent to process answers to sensitive questions; required when one is answered."
    )
    locale: Literal["de", "en"] | None = Field(
        None, description="Language of the mails; defaults to the request's negotiated language."
    )


def _parse_moment(value: Any) -> Any:
    """``YYYY-MM-DD`` → date, anything longer → datetime (ISO 8601); other values untouched."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if not value:
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value)


#: The range of the list's ``from`` and ``to``: wider than any real query, and far enough from
#: years 1 and 9999 that adding a day or an offset never leaves what Python and the databases hold.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)


def in_list_range(value: date | datetime | None) -> date | datetime | None:
    """``value`` if its day lies within EARLIEST_DAY … LATEST_DAY (a 400 for the field otherwise)."""
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise PydanticCustomError(
            "out_of_range",
            "Must lie between {earliest} and {latest}.",
            {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()},
        )
    return value


class EventListQuery(BaseModel):
    """Query parameters of ``GET /api/v1/events``; other parameters (``lang``) are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, title="EventListQuery")

    format: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None, description="Format key, e.g. `konferenz`, `austausch`, `pausenhof`."
    )
    organization: Annotated[str, StringConstraints(max_length=80)] | None = Field(
        None, description="Slug of the organization that runs the events."
    )
    from_: datetime | date | None = Field(
        None,
        alias="from",
        description="Events still running at or after this moment (a date means its start, Europe/Berlin; "
        "a date-time without offset is Europe/Berlin time), between 1900-01-01 and 9998-12-31. "
        "Default: now, i.e. upcoming events.",
    )
    to: datetime | date | None = Field(
        None,
        description="Events starting before this moment (a date includes that whole day, Europe/Berlin), "
        "between 1900-01-01 and 9998-12-31.",
    )
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="The `next` value of the previous page; repeat the same filters with it."
    )
    limit: int = Field(20, ge=1, le=100, description="Events per page.")

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _moment(cls, value: Any) -> Any:
        return _parse_moment(value)

    @field_validator("from_", "to", mode="after")
    @classmethod
    def _in_range(cls, value: date | datetime | None) -> date | datetime | None:
        return in_list_range(value)


# --- responses ----------------------------------------------------------------------------


class OrganizationOut(BaseModel):
    slug: str
    name: str


class ModeOut(BaseModel):
    capacity: int | None = Field(description="Seats in this mode; null means unlimited.")
    seats_left: int | None = Field(description="Free seats; null means unlimited.")
    full: bool = Field(description="A new registration in this mode would go to the waiting list.")


class AgendaItemOut(BaseModel):
    starts_at: datetime | None
    ends_at: datetime | None
    title: str
    speaker: str
    description: str


class ChoiceOut(BaseModel):
    value: str
    label: str


class QuestionOut(BaseModel):
    key: str = Field(description="Key of the answer in the registration's `answers` object.")
    label: str
    kind: Literal["text", "choice", "checkbox"]
    choices: list[ChoiceOut] = Field(description="Allowed values of a choice question.")
    required: bool
    sensitive: bool = Field(
        description="Special category (Art. 9 DSGVO): answering needs `sensitive_consent`; deleted after the event."
    )


class EventOut(BaseModel):
    """A public event. Times are ISO 8601 with the Europe/Berlin offset."""

    slug: str
    title: str
    summary: str
    description: str
    format: str
    organization: OrganizationOut
    series: str | None = Field(description="Slug of the series this date belongs to.")
    attendance: Literal["on_site", "online", "hybrid"]
    starts_at: datetime
    ends_at: datetime | None
    venue: str
    address: str
    status: Literal["published", "cancelled"]
    cancel_message: str = Field(description="The organizer's message when the event was cancelled, else empty.")
    state: Literal["open", "waitlist", "not_yet_open", "closed", "cancelled"] = Field(
        description="Registration state: `waitlist` means every offered mode is full."
    )
    modes: dict[ModeName, ModeOut] = Field(description="The offered modes with their seats.")
    agenda: list[AgendaItemOut]
    questions: list[QuestionOut]
    url: str = Field(description="The event's public page.")


class EventList(BaseModel):
    events: list[EventOut]
    next: str | None = Field(description="Cursor of the next page, null on the last page.")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable error code, e.g. `validation_error`, `registration_closed`.")
    message: str
    fields: dict[str, str] = Field(description="Per-field messages (dotted paths such as `answers.diet`).")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class CheckInbox(BaseModel):
    status: Literal["check_inbox"]
