"""The one writer behind every CSV and XLSX file: no formulas, real numbers and dates, Chilean local time."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
from django.test import SimpleTestCase
from openpyxl.utils.escape import unescape

from courses.spreadsheets import (
    DOWNLOAD_FORMATS,
    EXCEL_CHILE,
    MAX_WIDTH,
    PROGRAMS,
    csv_bytes,
    csv_text,
    download_file,
    filename_ending,
    write_xlsx,
)
from tests.csv_files import csv_rows

# Names a hostile learner could type, and what every export must write instead.
HOSTILE = ['=HYPERLINK("http://x","click")', "+1", "-2+3", "@SUM(A1)", "\tfoo", "\rbar"]
NEUTRALISED = ["'" + text for text in HOSTILE]
SUMMER = datetime.datetime(2026, 12, 6, 18, 56, tzinfo=datetime.UTC)  # 15:56 in Santiago (UTC-3, summer time)
WINTER = datetime.datetime(2026, 7, 6, 18, 56, tzinfo=datetime.UTC)  # 14:56 in Santiago (UTC-4)


def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


class XlsxWriterTests(SimpleTestCase):
    def test_openpyxl_reads_back_numbers_text_and_dates(self):
        output = io.BytesIO()
        rows = [
            ["Ñuñoa <&>", 12, Decimal("42.9"), datetime.date(2026, 3, 22), None],
            ["<5", 0, 1.5, SUMMER, "tab\x01"],
        ]
        write_xlsx(output, headings=["Comuna", "N", "Tasa", "Fecha", "Vacío"], rows=rows, sheet_name="comunas")
        workbook = openpyxl.load_workbook(io.BytesIO(output.getvalue()))
        sheet = workbook["comunas"]
        values = list(sheet.iter_rows(values_only=True))
        self.assertEqual(values[0], ("Comuna", "N", "Tasa", "Fecha", "Vacío"))
        self.assertEqual(values[1], ("Ñuñoa <&>", 12, 42.9, datetime.datetime(2026, 3, 22), None))
        self.assertEqual(values[2], ("<5", 0, 1.5, datetime.datetime(2026, 12, 6, 15, 56), "tab"))
        self.assertEqual((sheet["D2"].number_format, sheet["D3"].number_format), ("dd/mm/yyyy", "dd/mm/yyyy hh:mm"))
        self.assertTrue(sheet["A1"].font.b)

    def test_text_that_could_run_as_a_formula_is_neutralised_and_numbers_stay_numbers(self):
        output = io.BytesIO()
        write_xlsx(output, headings=["Nombre", "Número"], rows=[[text, -2] for text in HOSTILE] + [["-", -1.5]])
        sheet = read_xlsx(output.getvalue())
        names = [sheet.cell(row=row, column=1) for row in range(2, 2 + len(HOSTILE))]
        # OOXML spells a carriage return in a string _x000D_ (Excel and LibreOffice read it back as one).
        self.assertEqual([unescape(cell.value) for cell in names], NEUTRALISED)
        self.assertEqual({cell.data_type for cell in names}, {"s"})
        self.assertEqual((sheet["B2"].value, sheet["B2"].data_type), (-2, "n"))
        self.assertEqual((sheet.cell(row=8, column=1).value, sheet.cell(row=8, column=2).value), ("'-", -1.5))

    def test_times_are_chilean_wall_clock_in_summer_and_in_winter(self):
        output = io.BytesIO()
        write_xlsx(output, headings=["Cuándo"], rows=[[SUMMER], [WINTER], [datetime.time(16, 3)]])
        sheet = read_xlsx(output.getvalue())
        self.assertEqual(sheet["A2"].value, datetime.datetime(2026, 12, 6, 15, 56))
        self.assertEqual(sheet["A3"].value, datetime.datetime(2026, 7, 6, 14, 56))
        self.assertEqual((sheet["A4"].value, sheet["A4"].number_format), (datetime.time(16, 3), "hh:mm"))

    def test_a_sheet_name_excel_would_refuse_is_cleaned(self):
        output = io.BytesIO()
        write_xlsx(output, headings=["a"], rows=[], sheet_name="informe: comunas/regiones [2026] de Chile entero")
        self.assertEqual(read_xlsx(output.getvalue()).title, "informe- comunas-regiones -2026")


class XlsxWorkbookLayoutTests(SimpleTestCase):
    """Issue 13, item 3: typed cells, a bold frozen heading row with a filter, Spanish sheet names, widths that fit.
    Read back with openpyxl, an independent reader."""

    def workbook(self, headings, rows, **kwargs):
        output = io.BytesIO()
        write_xlsx(output, headings=headings, rows=rows, **kwargs)
        return output.getvalue(), openpyxl.load_workbook(io.BytesIO(output.getvalue()))

    def test_heading_row_is_bold_frozen_and_filtered(self):
        _body, workbook = self.workbook(["Nombre", "Nota"], [["Ana", 6], ["Berta", 5]], sheet_name="Inscripciones")
        sheet = workbook["Inscripciones"]
        self.assertEqual(workbook.sheetnames, ["Inscripciones"])
        self.assertTrue(sheet["A1"].font.b and sheet["B1"].font.b)
        self.assertFalse(sheet["A2"].font.b)
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet.auto_filter.ref, "A1:B3")

    def test_column_widths_fit_the_heading_and_the_longest_value(self):
        long_name = "María José Nguyễn Muñoz Agüero de la Fuente"
        _body, workbook = self.workbook(
            ["Nombre", "Inscrita el", "N"],
            [["Ana", SUMMER, 1], [long_name, WINTER, 12345]],
        )
        sheet = workbook.active
        widths = {column: sheet.column_dimensions[column].width for column in "ABC"}
        self.assertGreaterEqual(widths["A"], len(long_name))
        self.assertLess(widths["A"], len(long_name) + 6)
        self.assertGreaterEqual(widths["B"], len("22/03/2026 16:03"))  # a date and time, as Excel shows it
        self.assertGreaterEqual(widths["C"], len("N") + 3)  # the heading and its filter button
        self.assertLess(widths["C"], 12)

    def test_very_long_text_is_capped_and_a_width_hint_wins(self):
        _body, workbook = self.workbook(["Texto", "Otro"], [["x" * 500, "y"]], widths={1: 30})
        sheet = workbook.active
        self.assertAlmostEqual(sheet.column_dimensions["A"].width, MAX_WIDTH, delta=1)  # some writers add padding
        self.assertAlmostEqual(sheet.column_dimensions["B"].width, 30, delta=1)

    def test_cells_are_typed_numbers_decimals_dates_and_yes_no(self):
        _body, workbook = self.workbook(
            ["Entero", "Decimal", "Fecha", "Hora local", "Aprobado", "Texto"],
            [[7, Decimal("6.5"), datetime.date(2026, 3, 22), SUMMER, True, "007"], [0, 92.25, None, WINTER, False, ""]],
        )
        sheet = workbook.active
        self.assertEqual((sheet["A2"].value, sheet["A2"].data_type), (7, "n"))
        self.assertEqual((sheet["B2"].value, sheet["B2"].data_type, sheet["B2"].number_format), (6.5, "n", "0.0#"))
        self.assertEqual((sheet["B3"].value, sheet["B3"].number_format), (92.25, "0.0#"))
        self.assertEqual((sheet["C2"].value, sheet["C2"].number_format), (datetime.datetime(2026, 3, 22), "dd/mm/yyyy"))
        self.assertTrue(sheet["C2"].is_date)
        self.assertEqual(
            (sheet["D2"].value, sheet["D2"].number_format), (datetime.datetime(2026, 12, 6, 15, 56), "dd/mm/yyyy hh:mm")
        )
        self.assertEqual(sheet["D3"].value, datetime.datetime(2026, 7, 6, 14, 56))
        self.assertEqual((sheet["E2"].value, sheet["E3"].value), ("Sí", "No"))
        self.assertEqual((sheet["F2"].value, sheet["F2"].data_type), ("007", "s"))  # text that looks like a number
        self.assertIsNone(sheet["F3"].value)

    def test_no_cell_is_a_formula(self):
        body, workbook = self.workbook(["Nombre"], [[text] for text in HOSTILE])
        sheet = workbook.active
        self.assertEqual({sheet.cell(row=row, column=1).data_type for row in range(2, 2 + len(HOSTILE))}, {"s"})
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            xml = archive.read("xl/worksheets/sheet1.xml").decode()
        self.assertNotIn("<f>", xml)
        self.assertNotIn("<f ", xml)

    def test_sheet_names_excel_refuses_are_cleaned(self):
        for name, expected in (
            ("Inscripciones", "Inscripciones"),
            ("Participantes por tipo de participante", "Participantes por tipo de parti"),
            ("'a:b'", "a-b"),
            ("", "Hoja1"),
        ):
            with self.subTest(name=name):
                _body, workbook = self.workbook(["a"], [], sheet_name=name)
                self.assertEqual(workbook.sheetnames, [expected])


class CsvWriterTests(SimpleTestCase):
    """The default dialect is Excel set to Chilean Spanish; "CSV para programas" differs only in separator, decimal
    mark and byte order mark."""

    def test_text_that_could_run_as_a_formula_is_neutralised_in_both_dialects(self):
        for dialect in (EXCEL_CHILE, PROGRAMS):
            with self.subTest(dialect=dialect.name):
                text = csv_text([["nombre"], *[[value] for value in HOSTILE]], dialect=dialect)
                rows = csv_rows(text, dialect=dialect.name)
                self.assertEqual([row[0] for row in rows[1:]], NEUTRALISED)

    def test_excel_chile_is_bom_semicolon_and_decimal_comma(self):
        text = csv_text([[-2, Decimal("-1.5"), 4.5, "-2", "+56 9 1234 5678", None, True, 1234567, "a;b"]])
        self.assertEqual(text, "\ufeff-2;-1,5;4,5;'-2;'+56 9 1234 5678;;Sí;1234567;\"a;b\"\r\n")

    def test_programs_is_comma_and_decimal_point_without_bom(self):
        text = csv_text([[-2, Decimal("-1.5"), 4.5, "-2", None, False, "a,b"]], dialect=PROGRAMS)
        self.assertEqual(text, '-2,-1.5,4.5,\'-2,,No,"a,b"\r\n')

    def test_a_decimal_keeps_its_digits_and_never_turns_scientific(self):
        self.assertEqual(
            csv_text([[Decimal("42.90"), Decimal("1E+2"), Decimal("0.0001")]]), "\ufeff42,90;100;0,0001\r\n"
        )

    def test_times_are_chilean_local_time_as_day_month_year_in_both_dialects(self):
        row = [SUMMER, WINTER, datetime.date(2026, 3, 22), datetime.time(16, 3)]
        self.assertEqual(csv_text([row]), "\ufeff06/12/2026 15:56;06/07/2026 14:56;22/03/2026;16:03\r\n")
        self.assertEqual(csv_text([row], dialect=PROGRAMS), "06/12/2026 15:56,06/07/2026 14:56,22/03/2026,16:03\r\n")

    def test_accents_survive_as_utf8_with_the_bom_first(self):
        data = csv_bytes([["Ñuñoa", "Región de Ñuble"]])
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"))
        self.assertEqual(data.decode("utf-8-sig"), "Ñuñoa;Región de Ñuble\r\n")

    def test_download_choices(self):
        body, content_type = download_file("csv-programas", headings=["Tasa"], rows=[[0.5]], sheet_name="x")
        self.assertEqual((body, content_type), (b"Tasa\r\n0.5\r\n", "text/csv; charset=utf-8"))
        body, _ = download_file("csv", headings=["Tasa"], rows=[[0.5]], sheet_name="x")
        self.assertEqual(body, "\ufeffTasa\r\n0,5\r\n".encode())
        body, content_type = download_file("xlsx", headings=["Tasa"], rows=[[0.5]], sheet_name="x")
        self.assertEqual(read_xlsx(body)["A2"].value, 0.5)
        self.assertEqual([filename_ending(kind) for kind in DOWNLOAD_FORMATS], [".csv", "-programas.csv", ".xlsx"])
