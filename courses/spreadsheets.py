"""Every CSV and XLSX file the platform writes goes through this module, so every cell follows one rule:

- **No formulas.** Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  apostrophe (OWASP, "CSV injection"), in CSV and in XLSX alike: ``=HYPERLINK(…)`` is written ``'=HYPERLINK(…)``.
- **Numbers stay numbers.** ``int``, ``float`` and ``Decimal`` values are never neutralised: in XLSX they are numeric
  cells (``-2`` is the number -2), in CSV they are written in the dialect's decimal mark (``-2``, ``4,5``). A number
  cannot carry a formula; text that only looks like a number (``"-2"``, ``"+56 9…"``) is text, and is neutralised.
- **Chilean local time.** An aware datetime is shown in the default time zone (``TIME_ZONE``, America/Santiago,
  summer time included). XLSX gets real date cells (a naive local datetime formatted ``dd/mm/yyyy hh:mm``, dates
  ``dd/mm/yyyy``); CSV gets the text ``22/03/2026 16:03`` (dates ``22/03/2026``).

**Two CSV dialects.** ``EXCEL_CHILE`` (the default, for people) is what Excel set to Chilean Spanish opens without
an import wizard: UTF-8 with a byte order mark, ``;`` between cells, decimal comma (``4,5``). ``PROGRAMS`` ("CSV para
programas") is the plain comma CSV a script expects: no byte order mark, ``,`` between cells, decimal point (``4.5``).
Only the separator, the decimal mark and the byte order mark differ: dates (``22/03/2026``), times (Santiago wall
clock, ``22/03/2026 16:03``), "Sí" / "No" and the neutralised formulas are the same in both, so one file can be
checked against the other. Integers are written without thousands separators in both.

No ORM here: values in, text or bytes out. Wagtail's listing exports (``courses.viewset_utils``), the school's
reports, the learner's data download and the certificate ZIP's index all write through it.

**XLSX** is written with XlsxWriter in constant-memory mode (rows go to a temporary file as they come, so a national
export does not sit in memory): one named sheet (the export's title in Spanish, at most 31 characters), a bold
heading row that stays in view with a filter on every column, numbers as numbers (non-integers with the format
``0.0#``), dates and times as real date cells, "Sí" / "No", and text always through ``write_string`` (never a
formula). Column widths fit the heading and the first ``WIDTH_SAMPLE_ROWS`` rows, because constant-memory mode
cannot look back at rows already written; an export whose later rows are longer passes ``widths``.
Speed: docs/ARCHITECTURE.md, section 5, and ``make bench-reports`` (``export_xlsx_max_s``).
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is spelt: the cell separator, the decimal mark of non-integer numbers and the byte order mark."""

    name: str
    delimiter: str
    decimal_mark: str
    bom: bool


EXCEL_CHILE = CsvDialect(name="excel-cl", delimiter=";", decimal_mark=",", bom=True)
PROGRAMS = CsvDialect(name="programas", delimiter=",", decimal_mark=".", bom=False)
CSV_DIALECTS = {dialect.name: dialect for dialect in (EXCEL_CHILE, PROGRAMS)}
CSV_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
CSV_DATE_FORMAT = "%d/%m/%Y"
CSV_TIME_FORMAT = "%H:%M"
XLSX_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
XLSX_DATE_FORMAT = "dd/mm/yyyy"
XLSX_TIME_FORMAT = "hh:mm"


def neutralise(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet could read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def local_naive(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime as the naive wall-clock time of Chile (``TIME_ZONE``); naive values are taken as local."""
    if timezone.is_aware(value):
        return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None)
    return value


def yes_no(value: bool) -> str:
    """A boolean as a person reads it: "Sí" / "No", never "True" / "False"."""
    return gettext("Yes") if value else gettext("No")


def _number_text(value: float | Decimal, decimal_mark: str) -> str:
    text = format(value, "f") if isinstance(value, Decimal) else repr(value)
    return text.replace(".", decimal_mark) if decimal_mark != "." else text


def csv_cell(value, dialect: CsvDialect = EXCEL_CHILE):
    """The CSV text of one value (integers are returned as they are, for the csv module to write)."""
    if isinstance(value, str):
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return _number_text(value, dialect.decimal_mark)
    if isinstance(value, datetime.datetime):
        return local_naive(value).strftime(CSV_DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return value.strftime(CSV_DATE_FORMAT)
    if isinstance(value, datetime.time):
        return value.strftime(CSV_TIME_FORMAT)
    return neutralise(str(value))


class _Echo:
    """A file for ``csv.writer`` that hands each written line back, for streaming responses."""

    def write(self, value):
        return value


def csv_lines(rows: Iterable[Iterable], *, dialect: CsvDialect = EXCEL_CHILE) -> Iterator[str]:
    """Each row as one line of CSV text in ``dialect`` (``\\r\\n`` line ends), the first row being the headings.
    The Excel-Chile dialect starts with a UTF-8 byte order mark, so that Excel reads the accents right."""
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter)
    if dialect.bom:
        yield "\ufeff"
    for row in rows:
        yield writer.writerow([csv_cell(value, dialect) for value in row])


def csv_text(rows: Iterable[Iterable], *, dialect: CsvDialect = EXCEL_CHILE) -> str:
    """``csv_lines`` as one string."""
    return "".join(csv_lines(rows, dialect=dialect))


def csv_bytes(rows: Iterable[Iterable], *, dialect: CsvDialect = EXCEL_CHILE) -> bytes:
    """``csv_text`` encoded in UTF-8, for a response or a file in a ZIP."""
    return csv_text(rows, dialect=dialect).encode("utf-8")


# XLSX --------------------------------------------------------------------------------------------------------

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_NAME_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
XLSX_DECIMAL_FORMAT = "0.0#"  # 6,5 and 92,25 as typed (Excel shows the decimal comma of its locale)
# Column widths, in characters: measured on the headings and the first WIDTH_SAMPLE_ROWS rows (constant-memory mode
# streams rows to disk, so the writer looks at a bounded sample instead of keeping every value).
WIDTH_SAMPLE_ROWS = 500
MIN_WIDTH, MAX_WIDTH = 6, 60
_DATETIME_WIDTH, _DATE_WIDTH, _TIME_WIDTH = 16, 10, 5


def _sheet_name(name: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``, no apostrophe at either end."""
    return _SHEET_NAME_ILLEGAL.sub("-", str(name))[:31].strip("'") or "Hoja1"


def _width(value) -> int:
    """How many characters a value takes in its cell, as written."""
    if isinstance(value, str):
        return max(map(len, value.split("\n"))) if "\n" in value else len(value)
    if value is None:
        return 0
    if isinstance(value, bool):
        return 2
    if isinstance(value, datetime.datetime):
        return _DATETIME_WIDTH
    if isinstance(value, datetime.date):
        return _DATE_WIDTH
    if isinstance(value, datetime.time):
        return _TIME_WIDTH
    if isinstance(value, int | float | Decimal):
        return len(f"{value:,}") if isinstance(value, int) else len(f"{value:,.2f}")
    return len(str(value))


class _XlsxSheet:
    """One worksheet written row by row through XlsxWriter; cells typed as the module says."""

    def __init__(self, workbook, worksheet):
        self.sheet = worksheet
        self.formats = {
            "heading": workbook.add_format({"bold": True}),
            "datetime": workbook.add_format({"num_format": XLSX_DATETIME_FORMAT}),
            "date": workbook.add_format({"num_format": XLSX_DATE_FORMAT}),
            "time": workbook.add_format({"num_format": XLSX_TIME_FORMAT}),
            "decimal": workbook.add_format({"num_format": XLSX_DECIMAL_FORMAT}),
        }
        sheet, formats = self.sheet, self.formats
        self._by_type = {
            str: self._string,
            int: sheet.write_number,
            float: lambda r, c, v: sheet.write_number(r, c, v, formats["decimal"]),
            Decimal: lambda r, c, v: sheet.write_number(r, c, float(v), formats["decimal"]),
            bool: lambda r, c, v: sheet.write_string(r, c, yes_no(v)),
            type(None): lambda r, c, v: None,
            datetime.datetime: lambda r, c, v: sheet.write_datetime(r, c, local_naive(v), formats["datetime"]),
            datetime.date: lambda r, c, v: sheet.write_datetime(r, c, v, formats["date"]),
            datetime.time: lambda r, c, v: sheet.write_datetime(r, c, v, formats["time"]),
        }

    def _string(self, row: int, col: int, text: str) -> None:
        # write_string, never write(): a cell is text even when it starts with "=" (and it is neutralised first).
        if text:
            self.sheet.write_string(row, col, _ILLEGAL.sub("", neutralise(text)))

    def _writer(self, value):
        writer = self._by_type.get(type(value))
        if writer is not None:
            return writer
        for kind in (bool, int, float, Decimal, datetime.datetime, datetime.date, datetime.time):  # subclasses
            if isinstance(value, kind):
                return self._by_type[kind]
        return lambda r, c, v: self._string(r, c, str(v))

    def write_row(self, row: int, values) -> None:
        by_type = self._by_type
        for col, value in enumerate(values):
            (by_type.get(type(value)) or self._writer(value))(row, col, value)


def write_xlsx(
    output: IO[bytes] | str,
    *,
    headings: Iterable,
    rows: Iterable[Iterable],
    sheet_name: str = "Hoja1",
    widths: dict[int, int] | None = None,
):
    """Write a one-sheet workbook to ``output`` with XlsxWriter in constant-memory mode: a bold heading row that
    stays in view (frozen) with a filter on every column, then ``rows`` (cells as the module says). Column widths
    fit the headings and the first ``WIDTH_SAMPLE_ROWS`` rows (between ``MIN_WIDTH`` and ``MAX_WIDTH`` characters);
    ``widths`` (column index → characters) overrides the measurement for columns whose later values are longer."""
    headings = [str(heading) for heading in headings]
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    worksheet = workbook.add_worksheet(_sheet_name(sheet_name))
    sheet = _XlsxSheet(workbook, worksheet)
    measured = [len(heading) + 3 for heading in headings]  # bold, and the filter's arrow button
    for col, heading in enumerate(headings):
        worksheet.write_string(0, col, heading, sheet.formats["heading"])
    last = 0
    for last, values in enumerate(rows, start=1):
        if last <= WIDTH_SAMPLE_ROWS:
            values = list(values)
            for col, value in enumerate(values):
                if col >= len(measured):
                    measured.append(0)
                measured[col] = max(measured[col], _width(value) + 1)
        sheet.write_row(last, values)
    for col, width in {**dict(enumerate(measured)), **(widths or {})}.items():
        worksheet.set_column(col, col, min(MAX_WIDTH, max(MIN_WIDTH, width)))
    if headings:
        worksheet.freeze_panes(1, 0)
        worksheet.autofilter(0, 0, last, len(headings) - 1)
    workbook.close()


# Downloads ------------------------------------------------------------------------------------------------------

# The value of a page's ``formato`` (or Wagtail's ``export``) parameter for each download it offers: "csv" is the
# Excel-Chile CSV, "csv-programas" the comma CSV for programs, "xlsx" the workbook.
CSV_FOR_PROGRAMS = "csv-programas"
DOWNLOAD_FORMATS = ("csv", CSV_FOR_PROGRAMS, "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_dialect_for(kind: str) -> CsvDialect:
    """The CSV dialect of a download choice: the comma CSV for "csv-programas", Excel-Chile otherwise."""
    return PROGRAMS if kind == CSV_FOR_PROGRAMS else EXCEL_CHILE


def filename_ending(kind: str) -> str:
    """What a download's file name ends with: ``.csv``, ``-programas.csv`` or ``.xlsx``."""
    return "-programas.csv" if kind == CSV_FOR_PROGRAMS else f".{kind}"


def download_file(kind: str, *, headings: list, rows: Iterable[Iterable], sheet_name: str) -> tuple[bytes, str]:
    """The body and content type of one of ``DOWNLOAD_FORMATS`` for a table (headings, then rows)."""
    if kind == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(buffer, headings=headings, rows=rows, sheet_name=sheet_name)
        return buffer.getvalue(), XLSX_CONTENT_TYPE
    return csv_bytes([headings, *rows], dialect=csv_dialect_for(kind)), CSV_CONTENT_TYPE
