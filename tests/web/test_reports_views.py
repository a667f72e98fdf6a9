"""The programme report page and its CSV/XLSX export (issue 8 Part 7)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.helpers import text
from tests.services.test_reports import build_programme
from tests.web.test_auth_views import login


@pytest.fixture
def programme(data):
    with data() as (session, make):
        build_programme(session, make)


def cells(page: str) -> list[list[str]]:
    """The report table's rows as text cells."""
    body = page.split('<table class="report-table">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        for row in rows
    ]


def test_an_organizer_sees_their_organizations_lines_and_a_total(client, programme):
    login(client, "orga@menden.de")
    response = client.get("/manage/reports?lang=de")
    assert response.status_code == 200
    table = cells(text(response))
    assert table[0][:4] == ["Monat", "Veranstalter", "Format", "Veranstaltungen"]
    assert ["2026-03", "Stadt Menden", "Konferenz", "1", "7", "5", "2", "1", "2", "40,0 %"] in table
    assert ["2026-03", "Stadt Menden", "Workshop", "1", "2", "2", "0", "0", "2", "100,0 %"] in table
    assert ["2027-02", "Stadt Menden", "Konferenz", "1", "1", "1", "0", "0", "0", "–"] in table
    assert all(row[1] != "Stadt Olpe" for row in table)
    assert table[-1] == ["Gesamt", "", "", "4", "11", "9", "3", "1", "4", "50,0 %"]


def test_an_admin_sees_both_organizations(client, programme):
    login(client, "admin@agentur.de")
    table = cells(text(client.get("/manage/reports?lang=de")))
    assert {row[1] for row in table[1:-1]} == {"Stadt Menden", "Stadt Olpe"}
    assert table[-1][:4] == ["Gesamt", "", "", "5"]


def test_the_period_narrows_the_report_in_berlin_dates(client, programme):
    login(client, "admin@agentur.de")
    table = cells(text(client.get("/manage/reports?lang=de&start=2026-03-01&end=2026-03-31")))
    assert {row[0] for row in table[1:-1]} == {"2026-03"}
    assert table[-1][3] == "3"
    # Typed by hand in German notation, the same.
    same = cells(text(client.get("/manage/reports?lang=de&start=01.03.2026&end=31.03.2026")))
    assert same == table


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=gestern", "Bitte geben Sie ein Datum ein, zum Beispiel 01.03.2026."),
        ("start=2026-04-01&end=2026-03-01", "Das Ende des Zeitraums kann nicht vor seinem Beginn liegen."),
    ],
)
def test_a_wrong_period_is_refused_in_german_with_the_form(client, programme, query, message):
    login(client, "orga@menden.de")
    for url in ("/manage/reports", "/manage/reports/export.csv"):
        response = client.get(f"{url}?lang=de&{query}")
        assert response.status_code == 400
        assert message in text(response)


def test_the_csv_export_reads_back_as_the_page_shows_it(client, programme):
    login(client, "orga@menden.de")
    page = cells(text(client.get("/manage/reports?lang=de&start=2026-03-01")))
    response = client.get("/manage/reports/export.csv?lang=de&start=2026-03-01")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="programme-report-')
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows == page


def test_the_xlsx_export_reads_back_as_the_page_shows_it(client, programme):
    login(client, "admin@agentur.de")
    page = cells(text(client.get("/manage/reports?lang=de")))
    response = client.get("/manage/reports/export.xlsx?lang=de")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    assert rows == page


def test_the_organizer_area_links_to_the_report(client, programme):
    login(client, "orga@menden.de")
    page = client.get("/manage/?lang=de").get_data(as_text=True)
    assert 'href="/manage/reports"' in page
