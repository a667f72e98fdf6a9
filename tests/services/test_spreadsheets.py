"""CSV and XLSX writers: parsed back, formula-like cells neutralised (OWASP), umlauts intact."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from eventapp.services.spreadsheets import neutralise, to_csv, to_xlsx

HOSTILE = ['=HYPERLINK("http://x")', "+49 2931 1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]
HEADER = ["Vorname", "Nachname", "Organisation"]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_like_cells_get_a_leading_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Jürgen", "Müller-Lüdenscheidt", "", "a=b", "1-2", "Smart Cities: Schule"])
def test_ordinary_cells_stay_as_typed(value):
    assert neutralise(value) == value


def test_csv_round_trips_with_neutralised_cells_umlauts_and_separators():
    rows = [[value, "Weiß; Straße", 'sagt "hallo"\nzweite Zeile'] for value in HOSTILE]
    rows.append(["Jörg", "Größe", None])

    data = to_csv(HEADER, rows)

    parsed = read_csv(data)
    assert parsed[0] == HEADER
    assert [row[0] for row in parsed[1:-1]] == ["'" + value for value in HOSTILE]
    assert parsed[1][1:] == ["Weiß; Straße", 'sagt "hallo"\nzweite Zeile']
    assert parsed[-1] == ["Jörg", "Größe", ""]
    assert b"\r\n" in data and data.split(b"\r\n")[0].endswith(b'"Organisation"'), "every cell quoted, CRLF"


def test_xlsx_round_trips_with_string_cells_only():
    rows = [[value, "Größe", "x"] for value in HOSTILE] + [["Jörg", None, "bell\x07"]]

    data = to_xlsx(HEADER, rows, title="Anmeldungen: Konferenz/2027 [alle]")

    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "Anmeldungen  Konferenz 2027  al"[:31]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    # Text kept as typed (XML turns a lone carriage return into a line feed).
    assert [row[0] for row in values[1:-1]] == [value.replace("\r", "\n") for value in HOSTILE]
    assert values[-1] == ["Jörg", None, "bell"]
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None)
    assert all(sheet.cell(row=index, column=1).quotePrefix for index in range(2, 2 + len(HOSTILE)))
    assert not sheet.cell(row=len(HOSTILE) + 2, column=1).quotePrefix
    assert sheet.cell(row=1, column=1).font.bold
