"""Exports and printable lists in the organizer area (issue 7 Part 6): files parsed back with the
csv module and openpyxl — formula-like names neutralised, umlauts intact, answers as columns,
sensitive answers only when ticked — every export audited, another organization refused."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from eventapp.models import AuditEntry, Mode, QuestionKind, RegistrationStatus, utcnow
from tests.helpers import csrf_token, text
from tests.web.test_auth_views import login

HOSTILE = ['=HYPERLINK("http://evil","x")', "+49 2373 1", "-1+2", "@SUM(1)"]


@pytest.fixture
def world(data):
    soon = utcnow() + timedelta(days=14)
    with data() as (session, make):
        menden = make.organization(slug="menden", name="Stadt Menden")
        olpe = make.organization(slug="olpe", name="Stadt Olpe")
        event = make.event(
            organization=menden,
            title="Eröffnung der Zukunfts.Werk.Stadt",
            starts_at=soon,
            venue="Zukunfts.Werk.Stadt",
            address="Unnaer Straße 1, 58706 Menden",
            join_url="https://meet.example/zukunftswerkstadt",
        )
        make.question(event, key="diaet", label="Ernährung", sensitive=True, position=1)
        make.question(
            event,
            key="stand",
            label="Stand",
            kind=QuestionKind.CHOICE,
            choices=[{"value": "druck", "label": "3D-Druck"}, {"value": "synagoge", "label": "Virtuelle Synagoge"}],
            position=2,
        )
        make.question(event, key="foto", label="Fotos erlaubt", kind=QuestionKind.CHECKBOX, position=3)
        for n, name in enumerate(HOSTILE):
            make.registration(event, given_name=name, family_name=f"Feind{n}", organization="=1+1")
        make.registration(
            event,
            given_name="Jürgen",
            family_name="Größe",
            organization="Stadt Lüdenscheid",
            answers={"diaet": "vegan", "stand": "synagoge", "foto": True},
        )
        make.registration(
            event, given_name="Olga", family_name="Online", mode=Mode.ONLINE, join_token="olgas-join-token"
        )
        make.registration(event, given_name="Wanda", family_name="Warte", status=RegistrationStatus.WAITLISTED)
        other = make.event(organization=olpe, starts_at=soon)
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        return {"event": event.id, "other": other.id}


def export(client, event_id: int, group: str = "status=confirmed&mode=on_site", **values):
    """POST the export form to the page of ``group`` (the registration list's filter, in the URL)."""
    values.setdefault("columns", ["given_name", "family_name", "organization", "answer:stand", "answer:foto"])
    values.setdefault("file_format", "csv")
    values = {key: value for key, value in values.items() if value is not None}
    return client.post(
        f"/manage/events/{event_id}/export?lang=de&{group}",
        data={"csrf_token": csrf_token(client, "/manage/"), **values},
    )


def read_csv(response) -> list[list[str]]:
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))


def read_xlsx(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None)
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def audit_entries(data) -> list[dict]:
    with data() as (session, _make):
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "event.exported").order_by(AuditEntry.id))
        return [entry.detail for entry in rows]


def test_csv_export_is_neutralised_german_and_has_answers_as_columns(client, world, data):
    login(client, "orga@menden.de")

    response = export(client, world["event"])

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert 'attachment; filename="anmeldungen-' in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["Vorname", "Nachname", "Organisation", "Stand", "Fotos erlaubt"]
    by_family = {row[1]: row for row in rows[1:]}
    assert sorted(by_family) == ["Feind0", "Feind1", "Feind2", "Feind3", "Größe"], "confirmed, on site"
    assert [by_family[f"Feind{n}"][0] for n in range(4)] == ["'" + name for name in HOSTILE]
    assert by_family["Feind0"][2] == "'=1+1"
    assert by_family["Größe"] == ["Jürgen", "Größe", "Stadt Lüdenscheid", "Virtuelle Synagoge", "ja"]
    assert "Ernährung" not in rows[0] and "vegan" not in response.data.decode("utf-8-sig")


def test_xlsx_export_writes_every_cell_as_text(client, world, data):
    login(client, "orga@menden.de")

    response = export(client, world["event"], file_format="xlsx", include_sensitive="y")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response)
    assert rows[0] == ["Vorname", "Nachname", "Organisation", "Ernährung", "Stand", "Fotos erlaubt"]
    by_family = {row[1]: row for row in rows[1:]}
    assert [by_family[f"Feind{n}"][0] for n in range(4)] == HOSTILE, "kept as typed, but as text"
    assert by_family["Größe"] == ["Jürgen", "Größe", "Stadt Lüdenscheid", "vegan", "Virtuelle Synagoge", "ja"]


def test_sensitive_answers_only_when_ticked_and_every_export_is_audited(client, world, data):
    login(client, "orga@menden.de")

    plain = read_csv(export(client, world["event"], columns=["family_name"]))
    # A sensitive column is not among the column choices: asked for directly, the form refuses it.
    assert export(client, world["event"], columns=["family_name", "answer:diaet"]).status_code == 400
    ticked = read_csv(
        export(client, world["event"], columns=["family_name"], include_sensitive="y", group="mode=on_site")
    )

    assert plain[0] == ["Nachname"]
    assert ticked[0] == ["Nachname", "Ernährung"]
    assert ["Größe", "vegan"] in ticked
    assert len(ticked) == 1 + 6, "no status ticked: everyone on site"
    first, second = audit_entries(data)
    assert first == {
        "format": "csv",
        "rows": 5,
        "sensitive": False,
        "columns": ["family_name"],
        "filter": {"statuses": ["confirmed"], "mode": "on_site"},
    }
    assert second["sensitive"] is True and second["columns"] == ["family_name", "answer:diaet"]
    assert second["rows"] == 6 and second["filter"] == {"mode": "on_site"}


def test_an_export_may_carry_each_persons_join_link_and_never_the_meeting_url(client, world, data):
    login(client, "orga@menden.de")

    response = export(client, world["event"], group="status=confirmed", columns=["family_name", "join_link"])

    rows = read_csv(response)
    assert rows[0] == ["Nachname", "Persönlicher Teilnahme-Link"]
    links = {row[0]: row[1] for row in rows[1:]}
    assert links["Online"] == "http://localhost/j/olgas-join-token"
    assert links["Größe"] == "", "an on-site seat has no join link"
    assert "meet.example" not in response.data.decode("utf-8-sig")
    assert audit_entries(data)[-1]["columns"] == ["family_name", "join_link"]


def test_an_on_site_event_offers_no_join_link_column(data):
    from eventapp.models import EventAttendance
    from eventapp.services import exports

    with data() as (session, make):
        event = make.event(attendance=EventAttendance.ON_SITE)
        assert "join_link" not in [column.key for column in exports.columns_of(event)]
        hybrid = make.event()
        assert "join_link" in [column.key for column in exports.columns_of(hybrid)]


def test_the_export_page_offers_the_columns_and_the_sensitive_box(client, world):
    login(client, "orga@menden.de")
    page = client.get(f"/manage/events/{world['event']}/export?lang=de&status=waitlisted&mode=on_site")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert '<input checked id="columns-11" name="columns" type="checkbox" value="answer:stand">' in body
    assert 'value="answer:diaet"' not in body, "sensitive answers only through their own box"
    assert 'name="include_sensitive"' in body and "Ernährung" in text(page)
    assert "error-summary" not in body, "an untouched form shows no errors"
    assert '<option selected value="waitlisted">' in body, "the list's filter comes along"
    assert f'action="/manage/events/{world["event"]}/export?status=waitlisted&amp;mode=on_site"' in body
    assert "1 Anmeldung in dieser Gruppe." in text(page)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"columns": None}, "Bitte wählen Sie mindestens eine Spalte."),
        ({"columns": "password"}, "Bitte wählen Sie aus den angebotenen Möglichkeiten."),
        ({"group": "status=gone"}, "Bitte wählen Sie eine der Möglichkeiten."),
        ({"file_format": "pdf"}, "Keine gültige Auswahl"),
    ],
)
def test_a_bad_form_is_answered_with_the_form_and_nothing_is_recorded(client, world, data, values, message):
    login(client, "orga@menden.de")
    response = export(client, world["event"], **values)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    assert message in text(response)
    assert audit_entries(data) == []


def test_another_organization_gets_403_and_nothing_is_recorded(client, world, data):
    login(client, "orga@olpe.de")
    assert client.get(f"/manage/events/{world['event']}/export").status_code == 403
    assert export(client, world["event"]).status_code == 403
    assert client.get(f"/manage/events/{world['event']}/sign-in-list").status_code == 403
    assert client.get(f"/manage/events/{world['event']}/badges").status_code == 403
    with data() as (session, _make):
        assert session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "event.exported")) == 0


def test_the_sign_in_list_has_the_event_on_top_and_an_empty_signature_column(client, world):
    login(client, "orga@menden.de")

    page = client.get(f"/manage/events/{world['event']}/sign-in-list?lang=de")

    assert page.status_code == 200
    body = text(page)
    head = body.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "Eröffnung der Zukunfts.Werk.Stadt" in head and "Zukunfts.Werk.Stadt, Unnaer Straße 1" in head
    assert "Unterschrift" in head
    assert "Größe, Jürgen" in body and "Stadt Lüdenscheid" in body
    assert "Online, Olga" not in body and "Warte, Wanda" not in body, "confirmed, on site by default"
    assert body.count('<td class="signature"></td>') == 5
    assert "css/outreach.css" in body and "style=" not in body.split("<main", 1)[1]


def test_the_sign_in_list_takes_the_filter_from_the_query(client, world):
    login(client, "orga@menden.de")
    body = text(client.get(f"/manage/events/{world['event']}/sign-in-list?status=active"))
    assert "Warte, Wanda" in body and "Online, Olga" in body


def test_name_badges_show_name_and_organization(client, world):
    login(client, "orga@menden.de")
    page = client.get(f"/manage/events/{world['event']}/badges")
    assert page.status_code == 200
    assert text(page).count('class="name-badge"') == 5
    assert "Jürgen Größe" in text(page)


def test_the_registration_list_links_its_group_to_messages_and_exports(client, world):
    login(client, "orga@menden.de")
    body = client.get(f"/manage/events/{world['event']}/registrations?status=waitlisted&q=warte").get_data(as_text=True)
    for endpoint in ("messages/new", "export"):
        assert f'href="/manage/events/{world["event"]}/{endpoint}?q=warte&amp;status=waitlisted"' in body
