"""Booleans read "Sí" / "No", never "True" / "False" (issue 13, item 5): admin listings, inspect views and every
export (one writer, courses.spreadsheets)."""

import io

import openpyxl
from django.template.loader import render_to_string
from django.test import SimpleTestCase
from django.utils import translation
from wagtail.admin.views.generic import IndexView, InspectView

from courses import spreadsheets
from courses.viewset_utils import YesNoIndexMixin, YesNoInspectMixin, platform_view_class
from tests.cms.roles_setup import RolesTestCase
from tests.csv_files import csv_rows


class WriterTests(SimpleTestCase):
    def test_csv_writes_si_and_no(self):
        with translation.override("es-cl"):
            text = spreadsheets.csv_text([["aprobado", "vigente"], [True, False]])
        rows = csv_rows(text)
        self.assertEqual(rows[1], ["Sí", "No"])
        self.assertNotIn("True", text)

    def test_xlsx_writes_si_and_no_as_text(self):
        output = io.BytesIO()
        with translation.override("es-cl"):
            spreadsheets.write_xlsx(output, headings=["aprobado", "vigente"], rows=[[True, False]])
        sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue())).active
        self.assertEqual([sheet["A2"].value, sheet["B2"].value], ["Sí", "No"])

    def test_numbers_stay_numbers(self):
        self.assertEqual(spreadsheets.csv_cell(1), 1)
        self.assertEqual(spreadsheets.csv_cell(0), 0)


class AdminViewTests(SimpleTestCase):
    def test_every_platform_listing_and_inspect_view_gets_the_mixins(self):
        self.assertTrue(issubclass(platform_view_class(IndexView), YesNoIndexMixin))
        self.assertTrue(issubclass(platform_view_class(InspectView), YesNoInspectMixin))

    def test_inspect_values(self):
        class Base:
            def get_field_display_value(self, field_name, field):
                return {"yes": True, "no": False, "count": 1}[field_name]

        view = type("View", (YesNoInspectMixin, Base), {})()
        with translation.override("es-cl"):
            self.assertEqual(
                [view.get_field_display_value(name, None) for name in ("yes", "no", "count")], ["Sí", "No", 1]
            )

    def test_wagtails_boolean_cell_names_the_value_in_spanish(self):
        with translation.override("es-cl"):
            html = render_to_string("wagtailadmin/tables/boolean_cell.html", {"value": False, "column": None})
            html += render_to_string("wagtailadmin/tables/boolean_cell.html", {"value": True, "column": None})
        self.assertNotIn("False", html)
        self.assertNotIn("True", html)
        self.assertIn(">No<", html.replace("\n", "").replace(" ", ""))
        self.assertIn("Sí", html)


class ListingTests(RolesTestCase):
    def test_the_certificate_template_listing_shows_si(self):
        self.client.force_login(self.academy)
        response = self.client.get("/admin/snippets/certificates/certificatetemplate/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Sí")
        self.assertNotContains(response, ">True<")
        self.assertNotRegex(response.content.decode(), r">\s*True\s*<")
