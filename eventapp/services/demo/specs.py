"""The shapes the demo programme's data is written in (plain frozen dataclasses, no database)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

from eventapp.models import EventAttendance, QuestionKind


@dataclass(frozen=True)
class OrganizationSpec:
    slug: str
    name: str
    kind: str

    @property
    def contact_email(self) -> str:
        return f"smartcity@{self.slug}.example"


@dataclass(frozen=True)
class AgendaSpec:
    title: str
    speaker: str = ""
    start: time | None = None
    end: time | None = None
    description: str = ""


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    label: str
    label_en: str
    kind: QuestionKind = QuestionKind.TEXT
    #: (value, German label, English label)
    choices: tuple[tuple[str, str, str], ...] = ()
    required: bool = False
    sensitive: bool = False


@dataclass(frozen=True)
class EventSpec:
    key: str
    slug: str
    organization: str
    title: str
    summary: str
    description: str
    format: str
    attendance: EventAttendance
    start: time
    end: time
    #: Today's date in Berlin → the event's date (in Berlin).
    day: Callable[[date], date]
    archive: bool = False
    venue: str = ""
    address: str = ""
    capacity_on_site: int | None = None
    capacity_online: int | None = None
    agenda: tuple[AgendaSpec, ...] = ()
    questions: tuple[QuestionSpec, ...] = ()
    #: Illustrative hybrid details on an ``.example`` host (reserved, never resolves): the
    #: meeting an online event's join links lead to, a hybrid event's livestream, a recording.
    join_url: str | None = None
    livestream_url: str | None = None
    recording_url: str | None = None


#: The hybrid details a demo event may carry (see :class:`EventSpec`).
LINK_FIELDS = ("join_url", "livestream_url", "recording_url")
