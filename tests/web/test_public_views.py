"""Public pages: event list, filters, archive, event detail, privacy notice, language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from eventapp.models import AgendaItem, EventAttendance, EventStatus, Mode, RegistrationStatus

EN = {"Accept-Language": "en"}


@pytest.fixture
def real_now() -> datetime:
    """Pages use the clock, so events are placed relative to the real time."""
    return datetime.now(UTC).replace(microsecond=0)


def get(client, url: str, **kwargs):
    kwargs.setdefault("headers", EN)
    return client.get(url, **kwargs)


def text(response) -> str:
    return response.get_data(as_text=True)


#: Attributes that make the browser fetch something (or send a form) on its own.
RESOURCE_ATTRIBUTES = {"src", "srcset", "action", "formaction", "poster", "data", "background"}


def _is_other_host(url: str) -> bool:
    parts = urlsplit(url.strip().split(" ")[0])
    return parts.netloc not in ("", "localhost")


class _Urls(HTMLParser):
    """Collects URLs the page would request by itself, and outbound links."""

    def __init__(self) -> None:
        super().__init__()
        self.requested: list[str] = []
        self.outbound: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        values = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            if name in RESOURCE_ATTRIBUTES or (tag == "link" and name == "href"):
                self.requested.append(value)
            elif name == "style" and "url(" in value:
                self.requested.append(value)
            elif tag == "a" and name == "href" and _is_other_host(value):
                self.outbound.append((value, values.get("rel") or ""))


def requests_to_other_hosts(html: str) -> list[str]:
    """URLs on other hosts that rendering the page would fetch: there must be none."""
    parser = _Urls()
    parser.feed(html)
    return [url for url in parser.requested if _is_other_host(url) or "url(http" in url or "url(//" in url]


def leaky_outbound_links(html: str) -> list[str]:
    """Links to other hosts are only followed when clicked; they must not pass on the referrer."""
    parser = _Urls()
    parser.feed(html)
    return [url for url, rel in parser.outbound if "noreferrer" not in rel.split()]


# --- the list -----------------------------------------------------------------------


def test_index_lists_upcoming_published_events_in_order(client, make, real_now):
    make.event(title="Spätere Konferenz", starts_at=real_now + timedelta(days=40))
    make.event(title="Frühes Austauschtreffen", starts_at=real_now + timedelta(days=3))
    make.event(title="Entwurf", starts_at=real_now + timedelta(days=5), status=EventStatus.DRAFT)
    make.event(title="Vergangene Eröffnung", starts_at=real_now - timedelta(days=5))

    page = text(get(client, "/"))

    assert "Frühes Austauschtreffen" in page
    assert "Spätere Konferenz" in page
    assert page.index("Frühes Austauschtreffen") < page.index("Spätere Konferenz")
    assert "Entwurf" not in page
    assert "Vergangene Eröffnung" not in page
    assert 'href="/archive"' in page


def test_index_cards_show_when_where_who_and_badges(client, make, real_now):
    org = make.organization(name="Stadt Menden")
    event = make.event(
        title="Zukunfts.Werk.Stadt",
        organization=org,
        format="marktplatz",
        attendance=EventAttendance.ON_SITE,
        venue="Zukunfts.Werk.Stadt Menden",
        capacity_on_site=500,
        starts_at=real_now + timedelta(days=9),
    )
    make.registration(event)

    page = text(get(client, "/"))

    assert f'href="/events/{event.slug}"' in page
    assert f'datetime="{event.starts_at.isoformat()}"' in page
    assert "Stadt Menden" in page
    assert "Zukunfts.Werk.Stadt Menden" in page
    assert "Marketplace" in page
    assert "On site" in page
    assert "Registration open" in page
    assert "499 seats left" in page


def test_index_shows_cancelled_events_as_cancelled(client, make, real_now):
    make.event(title="Abgesagtes Treffen", status=EventStatus.CANCELLED, starts_at=real_now + timedelta(days=2))

    page = text(get(client, "/"))

    assert "Abgesagtes Treffen" in page
    assert "badge-cancelled" in page


def test_index_filters_by_format_and_organization(client, make, real_now):
    soest = make.organization(slug="soest", name="Stadt Soest")
    make.event(title="Workshop in Soest", organization=soest, format="workshop", starts_at=real_now + timedelta(days=1))
    make.event(title="Konferenz in Soest", organization=soest, format="konferenz", starts_at=real_now + timedelta(2))
    make.event(title="Konferenz anderswo", format="konferenz", starts_at=real_now + timedelta(days=3))

    by_format = text(get(client, "/?format=konferenz"))
    by_org = text(get(client, "/?organization=soest"))
    both = text(get(client, "/?format=konferenz&organization=soest"))
    everything = text(get(client, "/?format=&organization="))

    assert "Konferenz in Soest" in by_format and "Konferenz anderswo" in by_format
    assert "Workshop in Soest" not in by_format
    assert "Workshop in Soest" in by_org and "Konferenz anderswo" not in by_org
    assert "Konferenz in Soest" in both and "Workshop in Soest" not in both and "Konferenz anderswo" not in both
    assert all(title in everything for title in ("Workshop in Soest", "Konferenz in Soest", "Konferenz anderswo"))
    assert '<option value="konferenz" selected>' in by_format
    assert '<option value="soest" selected>' in by_org


def test_filter_form_is_a_plain_get_form_with_labelled_selects(client, make, real_now):
    make.event(starts_at=real_now + timedelta(days=1))

    page = text(get(client, "/"))

    assert '<form class="filters" method="get" action="/"' in page
    assert '<label for="filter-format">' in page and '<select id="filter-format" name="format">' in page
    assert '<label for="filter-organization">' in page
    assert '<select id="filter-organization" name="organization">' in page


@pytest.mark.parametrize(
    ("query", "word"),
    [("format=rave", "rave"), ("organization=gotham", "gotham"), ("format=%3Cb%3Ex%3C%2Fb%3E", "&lt;b&gt;x&lt;/b&gt;")],
)
@pytest.mark.parametrize("path", ["/", "/archive"])
def test_unknown_filter_values_give_a_plain_400_page(client, make, real_now, path, query, word):
    make.event(starts_at=real_now + timedelta(days=1))

    response = get(client, f"{path}?{query}")

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert word in text(response)
    assert "<b>x</b>" not in text(response)


def test_empty_list_says_so(client):
    response = get(client, "/")

    assert response.status_code == 200
    assert "There are no upcoming events at the moment" in text(response)


# --- the archive --------------------------------------------------------------------


def test_archive_lists_past_events_newest_first(client, make, real_now):
    make.event(title="Konferenz 2021", starts_at=real_now - timedelta(days=400))
    make.event(title="Konferenz 2025", starts_at=real_now - timedelta(days=30))
    make.event(title="Kommende Konferenz", starts_at=real_now + timedelta(days=30))
    make.event(title="Alter Entwurf", starts_at=real_now - timedelta(days=60), status=EventStatus.DRAFT)

    page = text(get(client, "/archive"))

    assert page.index("Konferenz 2025") < page.index("Konferenz 2021")
    assert "Kommende Konferenz" not in page
    assert "Alter Entwurf" not in page
    assert "seats left" not in page


# --- the event page -----------------------------------------------------------------


def test_event_page_shows_details_agenda_and_register_button(client, make, session, real_now):
    starts = real_now.replace(hour=9, minute=0, second=0) + timedelta(days=10)
    event = make.event(
        slug="smart-cities-konferenz",
        title="Smart Cities: Konferenz",
        summary="Die fünf Pionierkommunen stellen ihre Strategien vor.",
        description="Erster Absatz.\n\nZweiter Absatz\nmit Zeilenumbruch.",
        venue="Sauerlandhalle",
        address="Hauptstraße 1, 59821 Arnsberg",
        starts_at=starts,
        capacity_on_site=100,
        capacity_online=None,
    )
    session.add(AgendaItem(event=event, position=1, title="Begrüßung", speaker="Dr. Erika Muster", starts_at=starts))
    session.flush()
    make.registration(event, mode=Mode.ON_SITE)

    response = get(client, "/events/smart-cities-konferenz")
    page = text(response)

    assert response.status_code == 200
    assert "<h1" in page and "Smart Cities: Konferenz" in page
    assert "Die fünf Pionierkommunen" in page
    assert "<p>Erster Absatz.</p>" in page
    assert "<p>Zweiter Absatz<br>\nmit Zeilenumbruch.</p>" in page
    assert "Sauerlandhalle" in page and "Hauptstraße 1, 59821 Arnsberg" in page
    assert "Begrüßung" in page and "Dr. Erika Muster" in page
    assert f'datetime="{starts.isoformat()}"' in page
    assert "99 seats left" in page
    assert "unlimited" in page
    assert 'href="/events/smart-cities-konferenz/register"' in page
    assert "Register now" in page


def test_agenda_times_are_berlin_time(client, make, session):
    starts = datetime(2030, 7, 4, 8, 0, tzinfo=UTC)  # 10:00 in Berlin (summer time)
    event = make.event(slug="sommer", starts_at=starts)
    session.add(AgendaItem(event=event, position=1, title="Begrüßung", starts_at=starts))
    session.flush()

    page = text(client.get("/events/sommer", headers={"Accept-Language": "de"}))
    agenda = page.split('class="agenda"')[1].split("</ol>")[0]

    assert f'<time datetime="{starts.isoformat()}">10:00</time>' in agenda


def test_description_is_escaped(client, make, real_now):
    make.event(slug="x", description="<script>alert(1)</script>", starts_at=real_now + timedelta(days=1))

    page = text(get(client, "/events/x"))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("slug", ["nope", "geheimer-entwurf"])
def test_unknown_and_draft_events_are_404(client, make, real_now, slug):
    make.event(slug="geheimer-entwurf", status=EventStatus.DRAFT, starts_at=real_now + timedelta(days=1))

    response = get(client, f"/events/{slug}")

    assert response.status_code == 404
    assert "We could not find this event" in text(response)


def test_cancelled_event_shows_the_message_and_no_register_button(client, make, real_now):
    make.event(
        slug="abgesagt",
        status=EventStatus.CANCELLED,
        cancel_message="Wegen Sturmwarnung fällt die Veranstaltung aus.",
        starts_at=real_now + timedelta(days=3),
    )

    page = text(get(client, "/events/abgesagt"))

    assert "This event has been cancelled." in page
    assert "Wegen Sturmwarnung fällt die Veranstaltung aus." in page
    assert "/events/abgesagt/register" not in page


def test_full_event_offers_the_waiting_list(client, make, real_now):
    event = make.event(
        slug="voll",
        attendance=EventAttendance.ON_SITE,
        capacity_on_site=2,
        starts_at=real_now + timedelta(days=3),
    )
    make.registration(event)
    make.registration(event, status=RegistrationStatus.PENDING, expires_at=real_now + timedelta(hours=2))

    page = text(get(client, "/events/voll"))

    assert "Waiting list" in page
    assert "fully booked" in page
    assert "Join the waiting list" in page
    assert 'href="/events/voll/register"' in page


def test_hybrid_event_with_one_full_mode_stays_open(client, make, real_now):
    event = make.event(slug="halb", capacity_on_site=1, capacity_online=5, starts_at=real_now + timedelta(days=3))
    make.registration(event, mode=Mode.ON_SITE)
    make.registration(event, mode=Mode.ONLINE)

    page = text(get(client, "/events/halb"))

    assert "Register now" in page
    assert "fully booked" in page
    assert "4 seats left" in page


def test_not_yet_open_event_says_when_registration_opens(client, make, real_now):
    opens = datetime(2030, 5, 4, 8, 0, tzinfo=UTC)  # 10:00 in Berlin
    make.event(slug="bald", registration_opens_at=opens, starts_at=datetime(2030, 6, 1, 8, 0, tzinfo=UTC))

    page = text(get(client, "/events/bald"))

    assert "Registration opens on" in page
    assert f'<time datetime="{opens.isoformat()}">' in page
    assert "4 May 2030, 10:00" in page  # en-GB: day before month
    assert "/events/bald/register" not in page


def test_closed_event_says_so(client, make, real_now):
    make.event(
        slug="zu",
        registration_closes_at=real_now - timedelta(hours=1),
        starts_at=real_now + timedelta(days=1),
    )

    page = text(get(client, "/events/zu"))

    assert "Registration for this event is closed." in page
    assert "/events/zu/register" not in page


def test_past_event_page_says_it_took_place(client, make, real_now):
    make.event(slug="vorbei", starts_at=real_now - timedelta(days=10))

    page = text(get(client, "/events/vorbei"))

    assert "This event has already taken place." in page
    assert "/events/vorbei/register" not in page


def test_event_in_a_series_links_to_the_series_page(client, make, real_now):
    series = make.series(slug="pausenhof", title="Pausenhof")
    make.event(slug="pausenhof-1", series=series, starts_at=real_now + timedelta(days=3))

    page = text(get(client, "/events/pausenhof-1"))

    assert 'href="/series/pausenhof"' in page


# --- privacy, language, layout ------------------------------------------------------


def test_privacy_page_shows_version_legal_bases_and_retention(client, app, make):
    make.organization(kind="agency", name="Südwestfalen Agentur", contact_email="smartcities@example.org")

    page = text(get(client, "/privacy"))

    assert app.config["PRIVACY_CONSENT_VERSION"] in page
    assert "Art. 6(1)(a)" in page and "Art. 6(1)(b)" in page and "Art. 9(2)(a)" in page
    assert "deleted right after the event" in page
    assert "anonymised" in page
    assert "mailto:smartcities@example.org" in page


def test_footer_links_the_privacy_notice_and_the_imprint(client):
    page = text(client.get("/"))
    assert 'href="/privacy">Datenschutz</a></li>\n          <li><a href="/imprint">Impressum</a>' in page


def test_imprint_is_a_marked_placeholder_until_the_operator_sets_it(client):
    response = client.get("/imprint")
    page = text(response)

    assert response.status_code == 200
    assert '<h1 id="imprint-title">Impressum</h1>' in page
    assert "Platzhalter" in page and "IMPRINT_NAME" in page
    assert "Betreiber dieser Plattform (Platzhalter)" in page


def test_imprint_shows_the_operator_from_the_configuration(client, app, monkeypatch):
    settings = {
        "IMPRINT_PLACEHOLDER": False,
        "IMPRINT_NAME": "Südwestfalen Agentur GmbH",
        "IMPRINT_ADDRESS": "Martinstraße 15 | 57462 Olpe",
        "IMPRINT_EMAIL": "info@example.org",
        "IMPRINT_PHONE": "+49 2761 000000",
        "IMPRINT_REPRESENTATIVE": "Erika Mustermann",
        "IMPRINT_REGISTER": "Amtsgericht Siegen, HRB 0000",
        "IMPRINT_VAT_ID": "DE000000000",
        "IMPRINT_RESPONSIBLE": "Max Mustermann",
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)

    page = text(get(client, "/imprint"))

    assert "Placeholder" not in page
    assert "Südwestfalen Agentur GmbH<br>\n      Martinstraße 15<br>\n      57462 Olpe" in page
    assert 'href="mailto:info@example.org"' in page
    for value in ("+49 2761 000000", "Erika Mustermann", "HRB 0000", "DE000000000", "Max Mustermann"):
        assert value in page


def test_imprint_placeholder_follows_the_settings():
    from config import Config, DevelopmentConfig

    placeholder = {key: getattr(DevelopmentConfig, key) for key in dir(Config) if key.isupper()}
    DevelopmentConfig.finalize(placeholder)
    assert placeholder["IMPRINT_PLACEHOLDER"] is True
    given = {**{key: getattr(DevelopmentConfig, key) for key in dir(Config) if key.isupper()}, "IMPRINT_NAME": "Stadt"}
    DevelopmentConfig.finalize(given)
    assert given["IMPRINT_PLACEHOLDER"] is False
    assert given["IMPRINT_NAME"] == "Stadt"


def test_english_pages_use_day_month_order_and_the_24_hour_clock(client, make):
    starts_at = datetime(2027, 1, 14, 9, 0, tzinfo=UTC)
    event = make.event(slug="konferenz", starts_at=starts_at, ends_at=starts_at + timedelta(hours=6))
    make.session.add(AgendaItem(event=event, position=1, title="Begrüßung", starts_at=starts_at.replace(hour=13)))
    make.session.flush()

    page = text(client.get("/events/konferenz?lang=en"))

    assert '<html lang="en">' in page
    assert "Thursday, 14 January 2027, 10:00–16:00" in page
    assert ">14:00</time>" in page
    assert " AM" not in page and " PM" not in page and "\u202fAM" not in page and "\u202fPM" not in page


def test_german_is_the_default_language(client):
    page = text(client.get("/"))

    assert '<html lang="de">' in page


def test_accept_language_english_is_honoured(client):
    page = text(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}))

    assert '<html lang="en">' in page


def test_lang_parameter_sets_a_cookie_that_is_remembered(client):
    first = client.get("/?lang=en", headers={"Accept-Language": "de"})

    assert '<html lang="en">' in text(first)
    assert "lang=en" in first.headers["Set-Cookie"]
    later = client.get("/privacy", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in text(later)


def test_language_switch_keeps_the_filters(client, make, real_now):
    make.event(format="konferenz", starts_at=real_now + timedelta(days=1))

    page = text(client.get("/?format=konferenz"))

    assert 'href="/?format=konferenz&amp;lang=en"' in page


def test_pages_have_landmarks_skip_link_and_csrf_meta(client, make, real_now):
    make.event(slug="e", starts_at=real_now + timedelta(days=1))

    for url in ("/", "/archive", "/events/e", "/privacy"):
        page = text(get(client, url))
        assert '<a class="skip-link" href="#main">' in page
        assert '<main id="main"' in page
        assert "<header" in page and "<footer" in page and "<nav" in page
        assert '<meta name="csrf-token"' in page
        assert page.count("<h1") == 1, url


def test_no_page_makes_requests_to_another_host(client, make, session, real_now):
    make.organization(kind="agency", contact_email="info@example.org")
    series = make.series(slug="reihe")
    event = make.event(slug="alles", series=series, starts_at=real_now + timedelta(days=2))
    session.add(AgendaItem(event=event, position=1, title="Begrüßung", starts_at=event.starts_at))
    make.event(slug="alt", starts_at=real_now - timedelta(days=2))
    make.event(slug="weg", status=EventStatus.CANCELLED, starts_at=real_now + timedelta(days=2))
    session.flush()

    urls = ["/", "/archive", "/events/alles", "/events/alt", "/events/weg", "/privacy", "/?format=x", "/events/nix"]
    for url in urls:
        for headers in ({}, EN):
            page = text(client.get(url, headers=headers))
            assert requests_to_other_hosts(page) == [], url
            assert leaky_outbound_links(page) == [], url
            assert "@import" not in page


def test_stylesheet_and_favicon_are_served_and_self_contained(client):
    css = client.get("/static/css/app.css")
    icon = client.get("/static/favicon.svg")

    assert css.status_code == 200 and icon.status_code == 200
    body = css.get_data(as_text=True)
    assert "http:" not in body and "https:" not in body and "@import" not in body
    assert ":focus-visible" in body
    css.close()
    icon.close()
