"""Writing tables of text as CSV or XLSX bytes, safe to open in a spreadsheet program.

Pure functions: rows in, bytes out. Every cell goes through the OWASP "CSV injection"
advice, because an export is opened by an organizer in Excel or LibreOffice and holds
text typed by strangers (a name such as ``=HYPERLINK(...)`` or ``@SUM(...)``):

- **CSV**: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  gets a leading apostrophe, and every cell is quoted (doubled inner quotes). The file is
  UTF-8 with a byte order mark and ``;`` as delimiter with CRLF line ends — what German
  Excel opens correctly with a double click (it reads ``,`` files as one column and files
  without BOM as Windows-1252).
- **XLSX**: every cell is written as an explicit string cell (never a formula, whatever it
  starts with), and cells that begin like a formula also carry Excel's "quote prefix", so
  editing such a cell does not turn it into a formula either. The text itself is kept as
  typed. Characters XML cannot hold (control characters) are dropped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

#: First characters that make a spreadsheet program read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"  # UTF-8 with BOM
#: Excel's limit for a sheet name.
MAX_SHEET_TITLE = 31

Row = Sequence[str | None]


def looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet program could evaluate ``value`` as a formula."""
    return value.startswith(FORMULA_STARTS)


def neutralise(value: str | None) -> str:
    """A cell's text for CSV: a leading apostrophe in front of anything formula-like."""
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text


def to_csv(header: Row, rows: Iterable[Row]) -> bytes:
    """The table as CSV for German Excel: UTF-8 with BOM, ``;``, every cell quoted and neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode(CSV_ENCODING)


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip() or "Sheet"
    return cleaned[:MAX_SHEET_TITLE]


def to_xlsx(header: Row, rows: Iterable[Row], *, title: str) -> bytes:
    """The table as one XLSX sheet named ``title``: a bold header row, string cells only."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cells(values: Row, *, font: Font | None = None) -> list[WriteOnlyCell]:
        out = []
        for value in values:
            text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
            cell = WriteOnlyCell(sheet, text)
            cell.data_type = "s"  # openpyxl reads a leading "=" as a formula; this is text
            if looks_like_formula(text):
                cell.quotePrefix = True
            if font is not None:
                cell.font = font
            out.append(cell)
        return out

    sheet.append(cells(header, font=bold))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
