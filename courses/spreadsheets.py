# ruff: noqa: E501 (the OOXML package parts below are kept verbatim, one element per line)
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

**XLSX** is streamed into the zip as it is written (rows are never all in memory): one named sheet (the export's title in Spanish, at most 31 characters), a bold
heading row that stays in view with a filter on every column, numbers as numbers (non-integers with the format
``0.0#``), dates and times as real date cells, "Sí" / "No", and text always an inline string (never a formula).
Column widths fit the heading and the first ``WIDTH_SAMPLE_ROWS`` rows, because Excel wants the widths before the
rows and a streamed writer cannot look back; an export whose later rows are longer passes ``widths``.

The writer is ours, not XlsxWriter's or openpyxl's: for the national learners report (100,000 rows × 11 columns)
XlsxWriter in constant-memory mode spends 11.8 s of CPU in the web process, more than the 10 s that a whole export
may take (``export_max_s``), and openpyxl about 15 s; this one spends 3.3 s (docs/ARCHITECTURE.md, section 5;
``make bench-reports``, ``export_xlsx_max_s``).
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import IO
from xml.sax.saxutils import escape, quoteattr

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
_XML_CR = {"\r": "&#13;"}  # a bare carriage return would be read back as a line feed
_SHEET_NAME_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
_CHUNK_ROWS = 2000
_EPOCH = datetime.datetime(1899, 12, 30)
_EPOCH_DATE = _EPOCH.date()
XLSX_DECIMAL_FORMAT = "0.0#"  # 6,5 and 92,25 as typed (Excel shows the decimal comma of its locale)
# Column widths, in characters: measured on the headings and the first WIDTH_SAMPLE_ROWS rows (the writer streams,
# and Excel wants the widths before the rows, so it looks at a bounded sample instead of keeping every value).
WIDTH_SAMPLE_ROWS = 500
MIN_WIDTH, MAX_WIDTH = 6, 60
_DATETIME_WIDTH, _DATE_WIDTH, _TIME_WIDTH = 16, 10, 5

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
# The filter's range is also named _xlnm._FilterDatabase, as Excel itself writes it.
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets>{defined_names}
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
# Cell styles (cellXfs, by position): 0 plain, 1 bold (headings), 2 date and time, 3 date, 4 time, 5 decimal.
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="4"><numFmt numFmtId="164" formatCode="{XLSX_DATETIME_FORMAT}"/><numFmt numFmtId="165" formatCode="{XLSX_DATE_FORMAT}"/><numFmt numFmtId="166" formatCode="{XLSX_TIME_FORMAT}"/><numFmt numFmtId="167" formatCode="{XLSX_DECIMAL_FORMAT}"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
# The heading row stays in view: a frozen pane under row 1.
_FROZEN_HEADING = (
    '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
)


def _text_cell(text: str, style: str) -> str:
    text = escape(_ILLEGAL.sub("", neutralise(text)), _XML_CR)
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>'


def _cell(value, style: str = "") -> str:
    """One cell. Text is always an inline string (``t="inlineStr"``): a cell is never a formula (``<f>``)."""
    if isinstance(value, str):
        return _text_cell(value, style) if value else "<c/>"
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return _text_cell(yes_no(value), style)
    if isinstance(value, int):
        return f"<c{style}><v>{value}</v></c>"
    if isinstance(value, float | Decimal):
        return f'<c s="5"><v>{value}</v></c>'
    if isinstance(value, datetime.datetime):
        moment = local_naive(value) - _EPOCH
        serial = moment.days + (moment.seconds + moment.microseconds / 1_000_000) / 86400
        return f'<c s="2"><v>{serial!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c s="3"><v>{(value - _EPOCH_DATE).days}</v></c>'
    if isinstance(value, datetime.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000
        return f'<c s="4"><v>{seconds / 86400!r}</v></c>'
    return _text_cell(str(value), style)


def _sheet_name(name: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``, no apostrophe at either end."""
    return _SHEET_NAME_ILLEGAL.sub("-", str(name))[:31].strip("'") or "Hoja1"


def _width(value) -> int:
    """How many characters a value takes in its cell, as Excel shows it."""
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
    if isinstance(value, int):
        return len(str(value))
    if isinstance(value, float | Decimal):
        return len(f"{value:.2f}")
    return len(str(value))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def write_xlsx(
    output: IO[bytes],
    *,
    headings: Iterable,
    rows: Iterable[Iterable],
    sheet_name: str = "Hoja1",
    widths: dict[int, int] | None = None,
):
    """Write a one-sheet workbook to ``output``, streamed: a bold heading row that stays in view (frozen) with a
    filter on every column, then ``rows`` (cells as the module says). Column widths fit the headings and the first
    ``WIDTH_SAMPLE_ROWS`` rows (between ``MIN_WIDTH`` and ``MAX_WIDTH`` characters); ``widths`` (column index →
    characters) overrides the measurement for columns whose later values are longer."""
    headings = list(headings)
    rows = iter(rows)
    sample = [list(row) for _, row in zip(range(WIDTH_SAMPLE_ROWS), rows, strict=False)]
    measured = [len(str(heading)) + 3 for heading in headings]  # bold, and the filter's arrow button
    for row in sample:
        for col, value in enumerate(row):
            if col >= len(measured):
                measured.append(0)
            measured[col] = max(measured[col], _width(value) + 1)
    columns = {**dict(enumerate(measured)), **(widths or {})}
    cols = "".join(
        f'<col min="{col + 1}" max="{col + 1}" width="{min(MAX_WIDTH, max(MIN_WIDTH, width))}" customWidth="1"/>'
        for col, width in sorted(columns.items())
    )
    name = _sheet_name(sheet_name)
    last_row = 1
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            head = "".join(_cell(heading, ' s="1"') for heading in headings)
            sheet.write(f"{_SHEET_START}{_FROZEN_HEADING}<cols>{cols}</cols><sheetData><row>{head}</row>".encode())
            chunk = []
            for row in chain(sample, rows):
                chunk.append("<row>" + "".join(map(_cell, row)) + "</row>")
                if len(chunk) >= _CHUNK_ROWS:
                    sheet.write("".join(chunk).encode())
                    last_row += len(chunk)
                    chunk = []
            last_row += len(chunk)
            last_column = _column_letter(max(len(headings), 1) - 1)
            area = f"A1:{last_column}{last_row}"
            sheet.write(("".join(chunk) + f'</sheetData><autoFilter ref="{area}"/></worksheet>').encode())
        defined = (
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{escape(quote_sheet(name))}!$A$1:${last_column}${last_row}</definedName></definedNames>"
        )
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=quoteattr(name), defined_names=defined))


def quote_sheet(name: str) -> str:
    """A sheet name as a formula reference spells it: ``'Participantes por comuna'``."""
    return "'" + name.replace("'", "''") + "'"


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
