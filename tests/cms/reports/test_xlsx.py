import datetime
import io
from decimal import Decimal

import openpyxl
from django.test import SimpleTestCase

from cms.reports.xlsx import write_xlsx


class XlsxWriterTests(SimpleTestCase):
    def test_openpyxl_reads_back_numbers_text_and_dates(self):
        output = io.BytesIO()
        rows = [
            ["Ñuñoa <&>", 12, Decimal("42.9"), datetime.date(2026, 3, 22), None],
            ['=HYPERLINK("http://x")', 0, 1.5, "<5", "tab\x01"],
        ]
        write_xlsx(output, headings=["Comuna", "N", "Tasa", "Fecha", "Vacío"], rows=rows, sheet_name="comunas")
        workbook = openpyxl.load_workbook(io.BytesIO(output.getvalue()))
        sheet = workbook["comunas"]
        values = list(sheet.iter_rows(values_only=True))
        self.assertEqual(values[0], ("Comuna", "N", "Tasa", "Fecha", "Vacío"))
        self.assertEqual(values[1], ("Ñuñoa <&>", 12, 42.9, "22/03/2026", None))
        self.assertEqual(values[2], ('=HYPERLINK("http://x")', 0, 1.5, "<5", "tab"))
        self.assertEqual(sheet["A3"].data_type, "s")  # text, never a formula
        self.assertTrue(sheet["A1"].font.b)
