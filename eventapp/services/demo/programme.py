"""The demo programme's data (DESIGN §6): organizations, the single events and the Pausenhof series.

Only data and the date pickers that place each event relative to today; the
loader (:mod:`.loader`) turns it into rows.
"""

from __future__ import annotations

from datetime import time

from eventapp.models import EventAttendance, QuestionKind
from eventapp.services.demo.days import FRIDAY, THURSDAY, TUESDAY, in_weeks, weeks_ago
from eventapp.services.demo.specs import AgendaSpec, EventSpec, OrganizationSpec, QuestionSpec

#: Pausenhof: how many upcoming dates the demo keeps, and their rhythm.
PAUSENHOF_DATES = 6
PAUSENHOF_INTERVAL = 2  # weeks
PAUSENHOF_SERIES_SLUG = "pausenhof"


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
    day=in_weeks(7, THURSDAY),
    venue="Rathaus Arnsberg",
    address="Rathausplatz 1, 59759 Arnsberg",
    capacity_on_site=150,
    capacity_online=None,
    livestream_url="https://stream.example/smart-cities-konferenz",
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
            "Die Online-Veranstaltung ist Teil des Bundesmodellprojekts „Smart Cities: 5 für Südwestfalen“. "
            "Angemeldete Teilnehmende erhalten mit der Bestätigung ihren persönlichen Teilnahme-Link per E-Mail.",
        )
    ),
    format="austausch",
    attendance=EventAttendance.ONLINE,
    start=time(18, 0),
    end=time(20, 0),
    day=in_weeks(3, TUESDAY),
    venue=ONLINE_VENUE,
    capacity_online=60,
    join_url="https://meet.example/smart-cities-austausch",
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
    day=in_weeks(5, FRIDAY),
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
    day=weeks_ago(10, THURSDAY),
    archive=True,
    venue=ONLINE_VENUE,
    join_url="https://meet.example/smart-cities-rahmenstrategie",
    recording_url="https://video.example/smart-cities-rahmenstrategie",
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
    day=weeks_ago(6, TUESDAY),
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


def pausenhof_spec(number: int) -> EventSpec:
    """The Pausenhof date with demo key ``pausenhof-<number>`` (its day comes from the series rhythm)."""
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
        join_url="https://meet.example/pausenhof",
    )
