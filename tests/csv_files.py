"""Reading back the CSV files the platform writes, in the dialect each one promises (``courses.spreadsheets``).

``csv_rows`` checks the Excel-Chile spelling on the way (a UTF-8 byte order mark first, ``;`` between cells) and
fails the test when a file is written otherwise; ``dialect="programas"`` checks the comma CSV instead (no byte order
mark)."""

import csv
import io

BOM = "\ufeff"


def csv_body(source) -> str:
    """The text of a response (streamed or not), of bytes or of a str, as it was written (BOM included)."""
    if hasattr(source, "streaming"):
        source = b"".join(source.streaming_content) if source.streaming else source.content
    return source.decode("utf-8") if isinstance(source, bytes) else source


def csv_rows(source, *, dialect: str = "excel-cl") -> list[list[str]]:
    """The rows of a CSV written in ``dialect`` ("excel-cl", the default, or "programas")."""
    text = csv_body(source)
    if dialect == "programas":
        assert not text.startswith(BOM), "the CSV for programs has no byte order mark"
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=","))
    assert text.startswith(BOM), f"an Excel-Chile CSV starts with a UTF-8 byte order mark: {text[:40]!r}"
    text = text.removeprefix(BOM)
    first_line = text.split("\r\n", 1)[0]
    assert ";" in first_line or "," not in first_line, f"an Excel-Chile CSV separates cells with ';': {first_line!r}"
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def csv_dicts(source, *, dialect: str = "excel-cl") -> list[dict[str, str]]:
    """``csv_rows`` as one dict per row, keyed by the headings."""
    headings, *rows = csv_rows(source, dialect=dialect)
    return [dict(zip(headings, row, strict=False)) for row in rows]
