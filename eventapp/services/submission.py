"""What a person submits, and its one validation (DESIGN §3): the HTML form, the JSON
API, single events and series all pass through :func:`clean_input`, so a rule about
input holds everywhere at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email

from eventapp.models import Mode, Question, QuestionKind
from eventapp.services.errors import ModeNotOffered, ValidationError

#: Maximum lengths shared by the HTML form and the JSON schema.
MAX_NAME = 100
MAX_ORGANIZATION = 200
MAX_EMAIL = 254
MAX_ANSWER = 1000
#: SMTP's limit on the part before the @ (RFC 5321 §4.5.3.1.1), in octets.
MAX_LOCAL_PART = 64
LOCALES = ("de", "en")
#: Control characters (C0, DEL, C1) other than tab and line feed; a CRLF counts as a line feed.
#: They have no place in a name or an answer, would reach mails (ESC, DEL), and PostgreSQL
#: refuses NUL in text outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Field error code for such a character.
CONTROL_CHARACTERS = "control_characters"


def has_control_characters(value: str) -> bool:
    """Whether ``value`` holds a control character other than tab and line breaks."""
    return _CONTROL.search(value.replace("\r\n", "\n")) is not None


@dataclass
class RegistrationInput:
    """What a person submits, from the form or the JSON API."""

    given_name: str
    family_name: str
    email: str
    organization: str = ""
    #: Required for hybrid events; defaults to the only mode otherwise.
    mode: str | None = None
    #: The other mode, to wait for while holding a seat in ``mode`` (hybrid only).
    waiting_for: str | None = None
    #: Question key → answer (str for text/choice, bool for checkbox).
    answers: dict[str, Any] = field(default_factory=dict)
    privacy_consent: bool = False
    sensitive_consent: bool = False
    locale: str = "de"


def normalize_email(raw: str) -> str:
    """Validate and normalise an address; persons are keyed on the result (case-insensitive)."""
    value = (raw or "").strip()
    if not value:
        raise ValidationError("Email is required.", fields={"email": "required"})
    if len(value) > MAX_EMAIL:
        raise ValidationError("Email is too long.", fields={"email": "too_long"})
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError("Email is not valid.", fields={"email": "invalid"}) from exc
    if len(result.local_part.encode("utf-8")) > MAX_LOCAL_PART:
        # email-validator lets a longer one through; SMTP servers refuse it.
        raise ValidationError("The part before the @ is too long.", fields={"email": "too_long"})
    return result.normalized.lower()


def _clean_text(name: str, value: Any, max_length: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text.", fields={name: "invalid"})
    if has_control_characters(value):
        raise ValidationError(f"{name} contains control characters.", fields={name: CONTROL_CHARACTERS})
    value = " ".join(value.split())  # also removes CR/LF and tabs
    if required and not value:
        raise ValidationError(f"{name} is required.", fields={name: "required"})
    if len(value) > max_length:
        raise ValidationError(f"{name} is too long.", fields={name: "too_long"})
    return value


def _parse_mode(name: str, value: str | None) -> Mode | None:
    if value in (None, ""):
        return None
    try:
        return Mode(value)
    except ValueError:
        raise ValidationError(f"Unknown {name}.", fields={name: "invalid"}) from None


def _clean_answers(questions_list: Iterable[Question], answers: Any) -> tuple[dict[str, Any], bool]:
    """Check answers against the questions; returns (answers, any sensitive answered)."""
    if not isinstance(answers, dict):
        raise ValidationError("answers must be an object.", fields={"answers": "invalid"})
    questions = {q.key: q for q in questions_list}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise ValidationError("Unknown question.", fields={f"answers.{key}": "unknown" for key in unknown})
    cleaned: dict[str, Any] = {}
    sensitive = False
    errors: dict[str, str] = {}
    for key, question in questions.items():
        value = answers.get(key)
        if question.kind is QuestionKind.CHECKBOX:
            if value in (None, ""):
                value = False
            if not isinstance(value, bool):
                errors[f"answers.{key}"] = "invalid"
                continue
            given = value
        else:
            if value is None:
                value = ""
            if not isinstance(value, str):
                errors[f"answers.{key}"] = "invalid"
                continue
            value = value.strip().replace("\r\n", "\n")
            if has_control_characters(value):
                errors[f"answers.{key}"] = CONTROL_CHARACTERS
                continue
            if len(value) > MAX_ANSWER:
                errors[f"answers.{key}"] = "too_long"
                continue
            if question.kind is QuestionKind.CHOICE and value and value not in {c["value"] for c in question.choices}:
                errors[f"answers.{key}"] = "invalid"
                continue
            given = bool(value)
        if question.required and not given:
            errors[f"answers.{key}"] = "required"
            continue
        if given:
            cleaned[key] = value
            sensitive = sensitive or question.sensitive
    if errors:
        raise ValidationError("Some answers are not valid.", fields=errors)
    return cleaned, sensitive


def clean_names(given_name: Any, family_name: Any, organization: Any) -> tuple[str, str, str]:
    """Names and organization checked as at registration (for corrections and handovers)."""
    return (
        _clean_text("given_name", given_name, MAX_NAME, required=True),
        _clean_text("family_name", family_name, MAX_NAME, required=True),
        _clean_text("organization", organization, MAX_ORGANIZATION, required=False),
    )


def clean_answers(questions: Iterable[Question], answers: Any) -> tuple[dict[str, Any], bool]:
    """Answers checked against the questions as at registration; returns (answers, any sensitive answered)."""
    return _clean_answers(questions, answers)


@dataclass
class CleanInput:
    """A submission after validation and normalisation."""

    given_name: str
    family_name: str
    organization: str
    email: str
    mode: Mode
    waiting_for: Mode | None
    answers: dict[str, Any]
    #: Whether a sensitive question (Art. 9 DSGVO) was answered.
    sensitive: bool
    locale: str


def clean_input(data: RegistrationInput, *, modes: Sequence[Mode], questions: Iterable[Question]) -> CleanInput:
    """Validate a submission against the offered modes and the questions.

    The one validation of the form and the API, for single events and series alike;
    raises ValidationError (with field codes) or ModeNotOffered.
    """
    given_name = _clean_text("given_name", data.given_name, MAX_NAME, required=True)
    family_name = _clean_text("family_name", data.family_name, MAX_NAME, required=True)
    organization = _clean_text("organization", data.organization, MAX_ORGANIZATION, required=False)
    email = normalize_email(data.email)
    mode = _parse_mode("mode", data.mode)
    waiting_for = _parse_mode("waiting_for", data.waiting_for)
    if mode is None:
        if len(modes) != 1:
            raise ValidationError("Choose how you take part.", fields={"mode": "required"})
        mode = modes[0]
    if mode not in modes or (waiting_for is not None and waiting_for not in modes):
        raise ModeNotOffered(fields={"mode": "not_offered"})
    if waiting_for == mode:
        waiting_for = None
    answers, sensitive = _clean_answers(questions, data.answers)
    if not data.privacy_consent:
        raise ValidationError("Consent to the privacy notice is required.", fields={"privacy_consent": "required"})
    if sensitive and not data.sensitive_consent:
        raise ValidationError(
            "Answers to sensitive questions need explicit consent.", fields={"sensitive_consent": "required"}
        )
    locale = data.locale if data.locale in LOCALES else "de"
    return CleanInput(given_name, family_name, organization, email, mode, waiting_for, answers, sensitive, locale)
