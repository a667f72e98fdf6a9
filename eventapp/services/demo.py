"""The demo programme (DESIGN §6), drawn from the project's source documents.

``build_programme`` is safe to run any number of times: it creates what is
missing and re-dates the demo events it created earlier (found by their
``demo_key``), so that upcoming events stay upcoming, archive events stay in the
past and the Pausenhof keeps its every-other-Thursday rhythm. Dates are chosen as
local dates and wall-clock times in Europe/Berlin and only then converted to
UTC, so 10:00 stays 10:00 on both sides of a DST change. It sends no mail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import (
    AgendaItem,
    Event,
    EventAttendance,
    EventStatus,
    Organization,
    Question,
    QuestionKind,
    Series,
)
from eventapp.services import events as event_service

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)

#: Pausenhof: how many upcoming dates the demo keeps, and their rhythm.
PAUSENHOF_DATES = 6
PAUSENHOF_INTERVAL = timedelta(days=14)
PAUSENHOF_SERIES_SLUG = "pausenhof"


# --- organizations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationSpec:
    slug: str
    name: str
    kind: str

    @property
    def contact_email(self) -> str:
        return f"smartcity@{self.slug}.example"


ORGANIZATIONS: tuple[OrganizationSpec, ...] = (
    OrganizationSpec("suedwestfalen-agentur", "Südwestfalen Agentur", "agency"),
    # The five pioneer municipalities of "Smart Cities: 5 für Südwestfalen".
    OrganizationSpec("arnsberg", "Stadt Arnsberg", "pioneer"),
    OrganizationSpec("bad-berleburg", "Stadt Bad Berleburg", "pioneer"),
    OrganizationSpec("menden", "Stadt Menden (Sauerland)", "pioneer"),
    OrganizationSpec("olpe", "Stadt Olpe", "pioneer"),
    OrganizationSpec("soest", "Stadt Soest", "pioneer"),
    # Members of the "Smart Cities: Schule" network.
    OrganizationSpec("attendorn", "Hansestadt Attendorn", "network"),
    OrganizationSpec("brilon", "Stadt Brilon", "network"),
    OrganizationSpec("burbach", "Gemeinde Burbach", "network"),
    OrganizationSpec("drolshagen", "Stadt Drolshagen", "network"),
    OrganizationSpec("hemer", "Stadt Hemer", "network"),
    OrganizationSpec("iserlohn", "Stadt Iserlohn", "network"),
    OrganizationSpec("lippstadt", "Stadt Lippstadt", "network"),
    OrganizationSpec("luedenscheid", "Stadt Lüdenscheid", "network"),
    OrganizationSpec("marsberg", "Stadt Marsberg", "network"),
    OrganizationSpec("plettenberg", "Stadt Plettenberg", "network"),
    OrganizationSpec("siegen", "Universitätsstadt Siegen", "network"),
    OrganizationSpec("wendener-land", "Wendener Land", "network"),
    OrganizationSpec("werdohl", "Stadt Werdohl", "network"),
    OrganizationSpec("werl", "Stadt Werl", "network"),
    OrganizationSpec("winterberg", "Stadt Winterberg", "network"),
)


# --- events --------------------------------------------------------------------------------------


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


def weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's name)
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def is_day_off(day: date) -> bool:
    """Public holidays in North Rhine-Westphalia and the days between Christmas and New Year.

    Demo dates avoid them, as real organizers would.
    """
    if (day.month, day.day) in {(1, 1), (5, 1), (10, 3), (11, 1)} or (day.month == 12 and day.day >= 24):
        return True
    easter = easter_sunday(day.year)
    return (day - easter).days in {
        -2,
        1,
        39,
        50,
        60,
    }  # Good Friday, Easter Monday, Ascension, Whit Monday, Corpus Christi


def _in_weeks(weeks: int, weekday: int) -> Callable[[date], date]:
    def pick(today: date) -> date:
        day = weekday_on_or_after(today + timedelta(weeks=weeks), weekday)
        while is_day_off(day):
            day += timedelta(weeks=1)
        return day

    return pick


def _weeks_ago(weeks: int, weekday: int) -> Callable[[date], date]:
    def pick(today: date) -> date:
        day = weekday_on_or_before(today - timedelta(weeks=weeks), weekday)
        while is_day_off(day):
            day -= timedelta(weeks=1)
        return day

    return pick


ONLINE_VENUE = "Online (Videokonferenz)"

PIONEERS_NOTE = (
    "Das Modellprojekt „Smart Cities: 5 für Südwestfalen“ wird von den Pionierkommunen Arnsberg, Bad Berleburg, "
    "Menden, Olpe und Soest gemeinsam mit der Südwestfalen Agentur getragen und im Rahmen des Modellvorhabens "
    "„Smart Cities made in Germany“ gefördert. Profitieren und teilhaben sollen alle südwestfälischen Kommunen."
)

KONFERENZ = EventSpec(
    key="konferenz",
    slug="smart-cities-konferenz",
    organization="suedwestfalen-agentur",
    title="Smart Cities: Konferenz",
    summary=(
        "Die Pionierkommunen Arnsberg, Bad Berleburg, Menden, Olpe und Soest stellen ihre Smart-City-Strategien vor "
        "– vor Ort in Arnsberg und im Livestream."
    ),
    description="\n\n".join(
        (
            "Auf der jährlich stattfindenden „Smart Cities: Konferenz“ präsentieren die Pionierkommunen des "
            "Modellprojekts „Smart Cities: 5 für Südwestfalen“, was sie geplant haben und wie ihre Strategien "
            "entstanden sind. Die Konferenz bietet Interessierten aus der gesamten Region die Möglichkeit, sich über "
            "den aktuellen Stand des Modellprojekts zu informieren, sich auszutauschen und eigene Ideen einzubringen.",
            "Alle fünf Pionierkommunen haben im Austausch mit den Bürgerinnen und Bürgern ihre eigene kommunale "
            "Smart-City-Strategie entwickelt. Die Ansätze sind unterschiedlich: Soest setzt sich das Ziel, bis 2030 "
            "eine „Klimaneutrale Smart City“ zu sein, in Bad Berleburg soll das Thema Smart City auf die bestehende "
            "Nachhaltigkeitsstrategie einzahlen, und in Menden möchte man ein „Neues Wir“ schaffen – Innovation und "
            "Fortschritt gemeinschaftlich und in allen Lebensbereichen angehen.",
            "Der Nachmittag steht unter dem Motto „Mit Digitalisierung Raum gestalten“ ganz im Zeichen konkreter "
            "Beispiele aus der Region. Auf dem Marktplatz kommen Sie mit den Projektteams ins Gespräch.",
            "Sie können vor Ort teilnehmen (begrenzte Plätze) oder die Konferenz im Livestream verfolgen "
            "(unbegrenzte Plätze).",
            PIONEERS_NOTE,
        )
    ),
    format="konferenz",
    attendance=EventAttendance.HYBRID,
    start=time(10, 0),
    end=time(16, 0),
    day=_in_weeks(7, THURSDAY),
    venue="Rathaus Arnsberg",
    address="Rathausplatz 1, 59759 Arnsberg",
    capacity_on_site=150,
    capacity_online=None,
    agenda=(
        AgendaSpec("Begrüßung", "Südwestfalen Agentur", time(10, 0), time(10, 15)),
        AgendaSpec(
            "Smart Cities: 5 für Südwestfalen – Stand des Modellprojekts",
            "Südwestfalen Agentur, Koordination des Modellprojekts",
            time(10, 15),
            time(10, 45),
        ),
        AgendaSpec("Die Smart-City-Strategie der Stadt Arnsberg", "Stadt Arnsberg", time(10, 45), time(11, 15)),
        AgendaSpec(
            "Bad Berleburg: Smart City als Beitrag zur Nachhaltigkeitsstrategie",
            "Stadt Bad Berleburg",
            time(11, 15),
            time(11, 45),
        ),
        AgendaSpec("Menden: ein „Neues Wir“", "Stadt Menden (Sauerland)", time(11, 45), time(12, 15)),
        AgendaSpec("Mittagspause", "", time(12, 15), time(13, 0)),
        AgendaSpec("Die Smart-City-Strategie der Stadt Olpe", "Stadt Olpe", time(13, 0), time(13, 30)),
        AgendaSpec("Soest: auf dem Weg zur „Klimaneutralen Smart City“ 2030", "Stadt Soest", time(13, 30), time(14, 0)),
        AgendaSpec(
            "Mit Digitalisierung Raum gestalten – Beispiele aus der Region",
            "Projektteams der Pionierkommunen",
            time(14, 0),
            time(15, 0),
            "Vom Ehrenamtsportal über New-Work-Ansätze in der Verwaltung bis zu Mobilitäts-Hubs, digital "
            "unterstützten Naturerlebnispfaden, smarten Bürgerhäusern, der Neunutzung von Leerständen und "
            "Lastenrädern für einen klimafreundlichen Lieferverkehr.",
        ),
        AgendaSpec(
            "Marktplatz: Austausch mit den Projektteams",
            "",
            time(15, 0),
            time(15, 45),
            "Bringen Sie eigene Ideen ein und kommen Sie mit den Pionierkommunen ins Gespräch.",
        ),
        AgendaSpec("Ausblick und Verabschiedung", "Südwestfalen Agentur", time(15, 45), time(16, 0)),
    ),
    questions=(
        QuestionSpec(
            "bereich",
            "In welchem Bereich sind Sie tätig?",
            "What is your field of work?",
            QuestionKind.CHOICE,
            (
                ("verwaltung", "Kommunalverwaltung", "Local government"),
                ("politik", "Politik", "Politics"),
                ("wirtschaft", "Wirtschaft", "Business"),
                ("wissenschaft", "Wissenschaft und Bildung", "Research and education"),
                ("zivilgesellschaft", "Zivilgesellschaft und Ehrenamt", "Civil society and volunteering"),
                ("sonstiges", "Sonstiges", "Other"),
            ),
        ),
        QuestionSpec(
            "ideen",
            "Welche Fragen oder Ideen möchten Sie in die Konferenz einbringen?",
            "Which questions or ideas would you like to bring to the conference?",
        ),
        QuestionSpec(
            "beduerfnisse",
            "Benötigen Sie Unterstützung zur Barrierefreiheit oder haben Sie besondere Ernährungsbedürfnisse "
            "(z. B. vegetarisch, Allergien)?",
            "Do you need accessibility support or do you have dietary requirements (e.g. vegetarian, allergies)?",
            sensitive=True,
        ),
    ),
)

AUSTAUSCH = EventSpec(
    key="austausch",
    slug="smart-cities-austausch",
    organization="suedwestfalen-agentur",
    title="Smart Cities: Austausch – Ressourcen aus der Region für die Region",
    summary=(
        "Online-Abend für Unternehmen und Interessierte: Ressourcen aus der Region für die Region smart "
        "zusammengedacht."
    ),
    description="\n\n".join(
        (
            "Banken, IT-Unternehmen, Fahrradclubs, Wirtschaftsförderungen, Industriebetriebe, "
            "Wohnungsbaugesellschaften: Beim „Smart Cities: Austausch“ kommen Unternehmen und Interessierte aus "
            "ganz Südwestfalen online zusammen. Schon die Liste der Teilnehmenden zeigt, wie vielfältig „Smart "
            "Cities“ gedacht werden können – und sollen in Südwestfalen. Je mehr mitmachen und mitdenken, umso "
            "besser das Ergebnis.",
            "Im Mittelpunkt steht diesmal die Frage, wie sich Ressourcen aus der Region für die Region smart "
            "zusammendenken lassen.",
            "Die Online-Veranstaltung ist Teil des Bundesmodellprojekts „Smart Cities: 5 für Südwestfalen“. Die "
            "Zugangsdaten erhalten angemeldete Teilnehmende vor Beginn per E-Mail.",
        )
    ),
    format="austausch",
    attendance=EventAttendance.ONLINE,
    start=time(18, 0),
    end=time(20, 0),
    day=_in_weeks(3, TUESDAY),
    venue=ONLINE_VENUE,
    capacity_online=60,
    agenda=(
        AgendaSpec("Begrüßung und Einführung", "Südwestfalen Agentur", time(18, 0), time(18, 15)),
        AgendaSpec(
            "Impulse: Ressourcen aus der Region für die Region",
            "Pionierkommunen und Partner aus der Region",
            time(18, 15),
            time(18, 45),
        ),
        AgendaSpec("Austausch in kleinen Gruppen", "", time(18, 45), time(19, 40)),
        AgendaSpec("Ergebnisse und Ausblick", "Südwestfalen Agentur", time(19, 40), time(20, 0)),
    ),
    questions=(
        QuestionSpec(
            "ressource",
            "Welche Ressource aus Ihrer Region möchten Sie in den Austausch einbringen?",
            "Which resource from your region would you like to bring to the exchange?",
        ),
    ),
)

STANDS = (
    "3D-Druck",
    "Die virtuelle Mendener Synagoge",
    "Offene regionale Datenplattform",
    "Digitale Behördengänge",
    "Stadtführungen mit VR- und AR-Brillen",
    "Automatische Parkplatzanzeige",
    "Ehrenamtsportal",
    "Lastenräder für einen klimafreundlichen Lieferverkehr",
    "Mobilitäts-Hubs",
    "Mitmachangebote der Zukunfts.Werk.Stadt",
)

MENDEN = EventSpec(
    key="zukunftswerkstadt-menden",
    slug="eroeffnung-zukunfts-werk-stadt-menden",
    organization="menden",
    title="Eröffnung der Zukunfts.Werk.Stadt Menden",
    summary=(
        "Offizielle Eröffnung mit Zukunfts-Marktplatz: An 10 Ständen erleben Sie unter anderem 3D-Druck und die "
        "virtuelle Mendener Synagoge."
    ),
    description="\n\n".join(
        (
            "Die Zukunfts.Werk.Stadt Menden wird offiziell eröffnet. Auf einem Zukunfts-Marktplatz können Sie an "
            "10 Ständen unter anderem 3D-Druck oder die virtuelle Mendener Synagoge erleben.",
            "Die Veranstaltung ist für alle Bürgerinnen und Bürger offen und stellt die anstehenden Angebote und das "
            "Förderprojekt „Smart Cities“ vor. Infos zum laufenden Angebot finden Sie unter www.menden.de/zws.",
        )
    ),
    format="marktplatz",
    attendance=EventAttendance.ON_SITE,
    start=time(14, 0),
    end=time(18, 0),
    day=_in_weeks(5, FRIDAY),
    venue="Zukunfts.Werk.Stadt Menden",
    address="Innenstadt, 58706 Menden (Sauerland)",
    capacity_on_site=500,
    agenda=(
        AgendaSpec("Begrüßung und offizielle Eröffnung", "Stadt Menden (Sauerland)", time(14, 0), time(14, 30)),
        AgendaSpec(
            "Zukunfts-Marktplatz mit 10 Ständen",
            "",
            time(14, 30),
            time(18, 0),
            "Zum Anschauen, Ausprobieren und Mitmachen.",
        ),
        *(AgendaSpec(f"Stand {number}: {stand}") for number, stand in enumerate(STANDS, start=1)),
    ),
)

ARCHIVE_KONFERENZ = EventSpec(
    key="archiv-erste-konferenz",
    slug="erste-smart-cities-konferenz",
    organization="suedwestfalen-agentur",
    title="Erste Smart Cities: Konferenz – Vorstellung der Rahmenstrategie",
    summary="Die Südwestfalen Agentur und die Pionierkommunen stellten die „Smart Cities Rahmenstrategie“ vor.",
    description="\n\n".join(
        (
            "Die Chancen der Digitalisierung nutzen, um die Lebensqualität in den Städten und Gemeinden "
            "Südwestfalens nachhaltig zu verbessern: Was in fünf Kommunen beginnt, soll die ganze Region "
            "voranbringen. Diese Botschaft vermittelte die Südwestfalen Agentur zusammen mit den Pionierkommunen "
            "Arnsberg, Bad Berleburg, Menden, Olpe und Soest bei der Vorstellung der „Smart Cities Rahmenstrategie“. "
            "Über 80 Interessierte aus der Region folgten der Einladung zur Videokonferenz.",
            "Die Rahmenstrategie ist eine Art Leitfaden: Sie erklärt, was Südwestfalen unter einer Smart City "
            "versteht, warum Smart Cities Bürgerinnen und Bürgern, Kommunen und Unternehmen in der Region nützen, und "
            "wie die Region bei dem Thema zusammenarbeiten will.",
        )
    ),
    format="konferenz",
    attendance=EventAttendance.ONLINE,
    start=time(10, 0),
    end=time(12, 30),
    day=_weeks_ago(10, THURSDAY),
    archive=True,
    venue=ONLINE_VENUE,
    agenda=(
        AgendaSpec("Begrüßung", "Südwestfalen Agentur", time(10, 0), time(10, 15)),
        AgendaSpec("Die Smart Cities Rahmenstrategie für Südwestfalen", "Südwestfalen Agentur", time(10, 15)),
        AgendaSpec("Einblicke in die Pläne der Pionierkommunen", "Arnsberg, Bad Berleburg, Menden, Olpe, Soest"),
        AgendaSpec("Fragen und Austausch", ""),
    ),
)

ARCHIVE_AUSTAUSCH = EventSpec(
    key="archiv-austausch-gutes-leben",
    slug="smart-cities-austausch-das-gute-leben",
    organization="suedwestfalen-agentur",
    title="Smart Cities: Austausch – Das gute Leben",
    summary=(
        "Der Austausch für Unternehmen und Interessierte zum Thema „Smart Cities“: Diesmal ging es um das „gute Leben“."
    ),
    description="\n\n".join(
        (
            "Banken, IT-Unternehmen, Fahrradclubs, Wirtschaftsförderungen, Industriebetriebe und "
            "Wohnungsbaugesellschaften waren mit Vertreterinnen und Vertretern beim Austausch für Unternehmen und "
            "Interessierte zum Thema „Smart Cities“ in Südwestfalen dabei. Dieses Mal drehte es sich um das „gute "
            "Leben“.",
            "Die Online-Veranstaltung ist Teil des Bundesmodellprojekts „Smart Cities: 5 für Südwestfalen“.",
        )
    ),
    format="austausch",
    attendance=EventAttendance.ONLINE,
    start=time(18, 0),
    end=time(20, 0),
    day=_weeks_ago(6, TUESDAY),
    archive=True,
    venue=ONLINE_VENUE,
    capacity_online=60,
)

SINGLE_EVENTS: tuple[EventSpec, ...] = (KONFERENZ, AUSTAUSCH, MENDEN, ARCHIVE_KONFERENZ, ARCHIVE_AUSTAUSCH)

PAUSENHOF_SERIES = {
    "slug": PAUSENHOF_SERIES_SLUG,
    "organization": "suedwestfalen-agentur",
    "title": "Pausenhof",
    "summary": "Die virtuelle Pause der Smart Cities: Schule – jeden zweiten Donnerstag von 12:30 bis 13:00 Uhr.",
    "description": "\n\n".join(
        (
            "Der Gong ertönt … Pause gefällig? Im Rahmen der Smart Cities: Schule treffen wir uns – ganz informell – "
            "zu einer virtuellen Pause für thematische Gespräche mit Kolleginnen und Kollegen aus südwestfälischen "
            "Kommunalverwaltungen.",
            "Der Pausenhof richtet sich an die Beschäftigten der Kommunen der Smart Cities: Schule. Sie können sich "
            "für einen einzelnen Termin oder für die ganze Reihe anmelden.",
        )
    ),
    "format": "pausenhof",
    "rhythm": "Jeden zweiten Donnerstag, 12:30–13:00 Uhr",
}

#: One topic per Pausenhof date (demo keys pausenhof-1 … pausenhof-6).
PAUSENHOF_TOPICS = (
    "Die offene regionale Datenplattform",
    "Leitfäden als Wissenstransfer: der Katalog für alle Kommunen",
    "Digitale Behördengänge",
    "Datenstrategie und Datenhoheit – das Beispiel Soest",
    "Projekte im Smart-City-Navigator finden und zeigen",
    "Der Anschluss an die Rahmenstrategie per Ratsbeschluss",
)


def _pausenhof_spec(number: int) -> EventSpec:
    topic = PAUSENHOF_TOPICS[(number - 1) % len(PAUSENHOF_TOPICS)]
    return EventSpec(
        key=f"pausenhof-{number}",
        slug="pausenhof",  # completed with the date
        organization=PAUSENHOF_SERIES["organization"],
        title=f"Pausenhof: {topic}",
        summary=f"Die virtuelle Pause der Smart Cities: Schule. Thema: {topic}.",
        description=PAUSENHOF_SERIES["description"],
        format="pausenhof",
        attendance=EventAttendance.ONLINE,
        start=time(12, 30),
        end=time(13, 0),
        day=lambda today: today,  # chosen by the series rhythm
        venue=ONLINE_VENUE,
        capacity_online=25,
    )


# --- building ------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    """What one run did, for the command's summary."""

    organizations_created: int = 0
    series_created: int = 0
    events_created: list[str] = field(default_factory=list)
    events_redated: list[str] = field(default_factory=list)


def local(day: date, clock: time) -> datetime:
    """Wall-clock time in Berlin on ``day``, as an aware UTC datetime."""
    return datetime.combine(day, clock, tzinfo=BERLIN).astimezone(UTC)


def berlin_date(moment: datetime) -> date:
    return moment.astimezone(BERLIN).date()


def build_programme(session: Session, *, now: datetime) -> DemoResult:
    """Create what is missing and re-date stale demo events; flushes, never commits."""
    result = DemoResult()
    organizations = _organizations(session, result)
    by_key = {e.demo_key: e for e in session.scalars(select(Event).where(Event.demo_key.is_not(None)))}
    today = berlin_date(now)

    for spec in SINGLE_EVENTS:
        day = spec.day(today)
        existing = by_key.get(spec.key)
        if existing is None:
            _create(session, spec, organizations, day, now=now, result=result)
        elif _stale(existing, spec, now):
            _redate(session, existing, spec, day, now=now, result=result)

    series = _pausenhof_series(session, organizations, now=now, result=result)
    _pausenhof_dates(session, series, organizations, by_key, today, now=now, result=result)
    session.flush()
    return result


def _organizations(session: Session, result: DemoResult) -> dict[str, Organization]:
    existing = {o.slug: o for o in session.scalars(select(Organization))}
    for spec in ORGANIZATIONS:
        if spec.slug not in existing:
            organization = Organization(
                slug=spec.slug, name=spec.name, contact_email=spec.contact_email, kind=spec.kind
            )
            session.add(organization)
            existing[spec.slug] = organization
            result.organizations_created += 1
    session.flush()
    return existing


def _stale(event: Event, spec: EventSpec, now: datetime) -> bool:
    """Upcoming demo events that have begun, and archive ones that are not past, move."""
    if spec.archive:
        return (event.ends_at or event.starts_at) >= now
    return event.starts_at <= now


def _free_slug(session: Session, wanted: str, event: Event | None = None) -> str:
    slug, number = wanted, 1
    while True:
        holder = session.scalar(select(Event).where(Event.slug == slug))
        if holder is None or holder is event:
            return slug
        number += 1
        slug = f"{wanted}-{number}"


def _window(spec: EventSpec, starts_at: datetime, now: datetime) -> dict[str, datetime]:
    """Registration opens now for upcoming demo events and closes when they start."""
    if spec.archive:
        return {"registration_opens_at": starts_at - timedelta(weeks=6), "registration_closes_at": starts_at}
    return {"registration_opens_at": now, "registration_closes_at": starts_at}


def _create(
    session: Session,
    spec: EventSpec,
    organizations: dict[str, Organization],
    day: date,
    *,
    now: datetime,
    result: DemoResult,
    series: Series | None = None,
    slug: str | None = None,
) -> Event:
    starts_at = local(day, spec.start)
    fields: dict[str, Any] = {
        "demo_key": spec.key,
        "slug": _free_slug(session, slug or spec.slug),
        "organization": organizations[spec.organization],
        "series": series,
        "title": spec.title,
        "summary": spec.summary,
        "description": spec.description,
        "format": spec.format,
        "attendance": spec.attendance,
        "starts_at": starts_at,
        "ends_at": local(day, spec.end),
        "venue": spec.venue,
        "address": spec.address,
        "capacity_on_site": spec.capacity_on_site,
        "capacity_online": spec.capacity_online,
        "status": EventStatus.PUBLISHED,
        **_window(spec, starts_at, now),
    }
    event = event_service.create_event(session, now=now, **fields)
    for position, item in enumerate(spec.agenda, start=1):
        event.agenda_items.append(
            AgendaItem(
                position=position,
                title=item.title,
                speaker=item.speaker,
                description=item.description,
                starts_at=local(day, item.start) if item.start else None,
                ends_at=local(day, item.end) if item.end else None,
            )
        )
    for position, question in enumerate(spec.questions, start=1):
        event.questions.append(
            Question(
                position=position,
                key=question.key,
                label=question.label,
                label_translations={"en": question.label_en},
                kind=question.kind,
                choices=[{"value": v, "label": de, "label_en": en} for v, de, en in question.choices],
                required=question.required,
                sensitive=question.sensitive,
            )
        )
    session.flush()
    result.events_created.append(spec.key)
    return event


def _moved(moment: datetime | None, old_day: date, new_day: date) -> datetime | None:
    """The same Berlin wall-clock time, ``new_day - old_day`` days later (DST-safe)."""
    if moment is None:
        return None
    local_moment = moment.astimezone(BERLIN)
    return local(new_day + (local_moment.date() - old_day), local_moment.time().replace(tzinfo=None))


def _redate(
    session: Session,
    event: Event,
    spec: EventSpec,
    day: date,
    *,
    now: datetime,
    result: DemoResult,
    slug: str | None = None,
) -> None:
    """Move a demo event to ``day`` at the programme's wall-clock times; no mail (demo data only).

    The sequence is raised so that calendars that already hold the event update it.
    """
    old_day = berlin_date(event.starts_at)
    event.starts_at = local(day, spec.start)
    event.ends_at = local(day, spec.end)
    for index, item in enumerate(event.agenda_items):
        planned = spec.agenda[index] if index < len(spec.agenda) else None
        if planned is not None and planned.title == item.title:
            item.starts_at = local(day, planned.start) if planned.start else None
            item.ends_at = local(day, planned.end) if planned.end else None
        else:  # an item added by hand: same wall-clock time on the new day
            item.starts_at = _moved(item.starts_at, old_day, day)
            item.ends_at = _moved(item.ends_at, old_day, day)
    window = _window(spec, event.starts_at, now)
    if not spec.archive and event.registration_opens_at is not None and event.registration_opens_at < now:
        window["registration_opens_at"] = event.registration_opens_at
    event.registration_opens_at = window["registration_opens_at"]
    event.registration_closes_at = window["registration_closes_at"]
    if slug is not None:
        event.slug = _free_slug(session, slug, event)
    event.sequence += 1
    event.updated_at = now
    session.flush()
    result.events_redated.append(spec.key)


def _pausenhof_series(
    session: Session, organizations: dict[str, Organization], *, now: datetime, result: DemoResult
) -> Series:
    series = session.scalar(select(Series).where(Series.slug == PAUSENHOF_SERIES_SLUG))
    if series is None:
        values = dict(PAUSENHOF_SERIES)
        series = Series(
            organization=organizations[values.pop("organization")], created_at=now, updated_at=now, **values
        )
        session.add(series)
        session.flush()
        result.series_created += 1
    return series


def _pausenhof_slots(today: date, anchor: date | None) -> Iterator[date]:
    """Every other Thursday after today, in the phase of ``anchor`` (an earlier date)."""
    if anchor is None:
        slot = weekday_on_or_after(today + timedelta(days=1), THURSDAY)
    else:
        periods = -(-((today - anchor).days + 1) // PAUSENHOF_INTERVAL.days)  # ceil, first slot after today
        slot = anchor + PAUSENHOF_INTERVAL * max(periods, 0)
    while True:
        if not is_day_off(slot):  # a holiday skips one date; the rhythm stays
            yield slot
        slot += PAUSENHOF_INTERVAL


def _pausenhof_dates(
    session: Session,
    series: Series,
    organizations: dict[str, Organization],
    by_key: dict[str | None, Event],
    today: date,
    *,
    now: datetime,
    result: DemoResult,
) -> None:
    """Keep PAUSENHOF_DATES upcoming dates: upcoming ones stay, past or missing ones take
    the next free slots of the rhythm."""
    specs = [_pausenhof_spec(number) for number in range(1, PAUSENHOF_DATES + 1)]
    existing = {spec.key: by_key.get(spec.key) for spec in specs}
    known_days = sorted(berlin_date(e.starts_at) for e in existing.values() if e is not None)
    taken = {berlin_date(e.starts_at) for e in existing.values() if e is not None and e.starts_at > now}
    free = (day for day in _pausenhof_slots(today, known_days[0] if known_days else None) if day not in taken)
    for spec in specs:
        event = existing[spec.key]
        if event is not None and event.starts_at > now:
            continue
        day = next(free)
        slug = f"pausenhof-{day.isoformat()}"
        if event is None:
            _create(session, spec, organizations, day, now=now, result=result, series=series, slug=slug)
        else:
            _redate(session, event, spec, day, now=now, result=result, slug=slug)
