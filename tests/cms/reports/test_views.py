import io

import openpyxl
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from learners.models import AuditEvent
from tests.cms.reports.fixtures import build_report_data
from tests.csv_files import csv_rows

REPORT_URLS = [
    "cms_reports_courses",
    "cms_reports_comunas",
    "cms_reports_regions",
    "cms_reports_learner_types",
    "cms_reports_learners",
]


def xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


class ReportTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_report_data(cls)

    def setUp(self):
        self.client.force_login(self.academy)


class ReportPagesTests(ReportTestCase):
    def test_every_report_renders_with_and_without_filters(self):
        query = f"?course={self.course_a.pk}&region=13&learner_type=citizen&date_from=2026-01-01"
        for name in REPORT_URLS:
            for suffix in ("", query):
                with self.subTest(name=name, suffix=suffix):
                    self.assertEqual(self.client.get(reverse(name) + suffix).status_code, 200)
                    self.assertEqual(self.client.get(reverse(f"{name}_results") + suffix).status_code, 200)

    def test_course_report_shows_the_figures(self):
        response = self.client.get(reverse("cms_reports_courses"))
        self.assertContains(response, "Santiago 1")
        self.assertContains(response, "42,9 %")  # es-CL number format
        self.assertContains(response, "66,7 %")
        self.assertContains(response, "export=xlsx&amp;publication=1")

    def test_permission_is_required(self):
        self.client.force_login(self.nobody)
        for name in REPORT_URLS:
            with self.subTest(name=name):
                self.assertNotEqual(self.client.get(reverse(name)).status_code, 200)
                self.assertNotEqual(self.client.get(reverse(name) + "?export=csv").status_code, 200)
        learner_url = reverse("cms_reports_learner", args=[self.s[0].learner_profile.pk])
        self.assertNotEqual(self.client.get(learner_url).status_code, 200)
        self.assertFalse(AuditEvent.objects.exists())

    def test_a_limited_account_without_a_municipality_sees_no_report(self):
        from tests.cms.reports.fixtures import grant_reports
        from tests.factories.learners import make_user

        unassigned = grant_reports(make_user(email="coordinacion-nueva@example.cl"))
        self.client.force_login(unassigned)
        response = self.client.get(reverse("cms_reports_courses"))
        self.assertRedirects(response, reverse("wagtailadmin_home"), fetch_redirect_response=False)
        self.assertNotContains(self.client.get(reverse("wagtailadmin_home")), "cms_reports")

    def test_menu_items_follow_the_permission(self):
        self.assertContains(self.client.get(reverse("wagtailadmin_home")), reverse("cms_reports_courses"))
        self.client.force_login(self.nobody)
        self.assertNotContains(self.client.get(reverse("wagtailadmin_home")), reverse("cms_reports_courses"))


class ExportTests(ReportTestCase):
    def test_csv_and_xlsx_hold_the_rows_and_are_audited(self):
        response = self.client.get(reverse("cms_reports_comunas") + "?export=csv")
        rows = csv_rows(response)
        self.assertEqual(len(rows), 4)
        santiago = next(row for row in rows if row[0] == "Santiago")
        self.assertEqual(santiago[2:], ["7", "8", "3", "2"])
        sheet = xlsx_rows(self.client.get(reverse("cms_reports_regions") + "?export=xlsx&region=13"))
        self.assertEqual(sheet[1][1:], (9, 10, 4, 2))
        self.assertEqual(len(sheet), 2)
        events = list(AuditEvent.objects.filter(action="report.exported").order_by("at", "pk"))
        self.assertEqual(len(events), 2)
        self.assertEqual(events[0].actor, self.academy)
        self.assertEqual(
            events[0].data, {"report": "comunas", "format": "csv", "publication": False, "filters": {}, "rows": 3}
        )
        self.assertEqual(events[1].data["filters"], {"region_id": "13"})
        self.assertEqual(events[1].data["rows"], 1)

    def test_csv_for_programs_is_a_second_clearly_named_choice(self):
        """Issue 13, item 3: "CSV para Excel" (BOM, ';', decimal comma) is the default; "CSV para programas" is the
        same table with commas and decimal points, offered next to it, audited like any export."""
        page = self.client.get(reverse("cms_reports_courses")).content.decode()
        for text in (
            "Descargar CSV para Excel",
            "Descargar CSV para programas (separado por comas)",
            "Descargar para publicación (CSV para Excel)",
            "Descargar para publicación (CSV para programas)",
            "export=csv-programas&amp;publication=1",
        ):
            self.assertTrue(text in page, text)
        response = self.client.get(reverse("cms_reports_courses") + "?export=csv-programas&publication=1")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertRegex(response["Content-Disposition"], r'filename="publicacion-[^"]+-programas\.csv"')
        programs = csv_rows(response, dialect="programas")
        excel = csv_rows(self.client.get(reverse("cms_reports_courses") + "?export=csv&publication=1"))
        self.assertEqual([row[8] for row in programs[1:]], ["<5", "<5", "66.7"])
        self.assertEqual(
            [[cell.replace(",", ".") for cell in row] for row in excel[1:]],
            [[cell.replace(",", ".") for cell in row] for row in programs[1:]],
        )
        formats = [event.data["format"] for event in AuditEvent.objects.filter(action="report.exported")]
        self.assertEqual(sorted(formats), ["csv", "csv-programas"])

    def test_csv_quotes_text_a_spreadsheet_would_run_as_a_formula(self):
        profile = self.s[0].learner_profile
        profile.family_names = '=HYPERLINK("http://example.com")'
        profile.save(update_fields=["family_names"])
        rows = csv_rows(self.client.get(reverse("cms_reports_learners") + "?export=csv"))
        self.assertIn('\'=HYPERLINK("http://example.com")', [row[0] for row in rows])

    def test_learner_export_has_every_learner_in_scope(self):
        rows = csv_rows(self.client.get(reverse("cms_reports_learners") + "?export=csv"))
        self.assertEqual(len(rows), 12)
        self.client.force_login(self.coordinator)
        sheet = xlsx_rows(self.client.get(reverse("cms_reports_learners") + "?export=xlsx"))
        self.assertEqual(sorted(row[1] for row in sheet[1:]), ["P1", "P2"])
        self.assertEqual(AuditEvent.objects.filter(action="report.exported", data__report="participantes").count(), 2)

    def test_publication_export_suppresses_small_cells_and_minors(self):
        rows = csv_rows(self.client.get(reverse("cms_reports_courses") + "?export=csv&publication=1"))
        self.assertEqual(len(rows), 4)
        # Peñalolén 1 has two learners: suppressed; Santiago 1's six are the complement (course A's total could be
        # published by a filtered export), and the rest stands for fewer than five people.
        for row in rows[1:]:
            self.assertEqual(set(row[3:8]), {"<5"})
        # a percentage does not reveal a count: Santiago 1's attendance stands for its six learners
        self.assertEqual([row[8] for row in rows[1:]], ["<5", "<5", "66,7"])  # decimal comma for Excel
        alone = csv_rows(
            self.client.get(
                reverse("cms_reports_courses") + f"?export=csv&publication=1&cohort={self.santiago_cohort.pk}"
            )
        )
        # six adults: the teenager is left out; the cohort's attendance stands for its six learners; every other
        # figure for fewer than five people
        self.assertEqual(alone[1][3:], ["6", "<5", "<5", "<5", "<5", "66,7"])
        events = AuditEvent.objects.filter(action="report.exported")
        self.assertEqual([event.data["publication"] for event in events], [True, True])

    def test_publication_comuna_export_has_no_recoverable_cell(self):
        sheet = xlsx_rows(self.client.get(reverse("cms_reports_comunas") + "?export=xlsx&publication=1"))
        values = {row[0]: row[2:] for row in sheet[1:]}
        # Peñalolén's two learners are suppressed; Santiago's six would give them away by subtraction from region
        # 13's figure, so Santiago is suppressed as the complementary cell.
        self.assertEqual(values, {"Peñalolén": ("<5",) * 4, "Santiago": ("<5",) * 4})  # Valparaíso: age unknown


class LearnerDetailTests(ReportTestCase):
    def test_detail_shows_the_learner_and_is_audited(self):
        profile = self.s[0].learner_profile
        response = self.client.get(reverse("cms_reports_learner", args=[profile.pk]))
        self.assertContains(response, "S1 Santiago")
        self.assertContains(response, self.certificates[0].folio)
        event = AuditEvent.objects.get(action="learner.viewed")
        self.assertEqual((event.actor, event.subject_id), (self.academy, str(profile.pk)))
        rows = csv_rows(self.client.get(reverse("cms_reports_learner", args=[profile.pk]) + "?export=csv"))
        self.assertEqual(len(rows), 3)
        exported = AuditEvent.objects.get(action="report.exported")
        self.assertEqual((exported.data["report"], exported.subject_id), ("participante", str(profile.pk)))

    def test_a_coordinator_sees_only_her_municipality(self):
        self.client.force_login(self.coordinator)
        other = self.client.get(reverse("cms_reports_learner", args=[self.s[0].learner_profile.pk]))
        self.assertEqual(other.status_code, 404)
        own = self.client.get(reverse("cms_reports_learner", args=[self.p1.learner_profile.pk]))
        self.assertEqual(own.status_code, 200)
        courses = self.client.get(reverse("cms_reports_courses"))
        self.assertContains(courses, "Peñalolén 1")
        self.assertNotContains(courses, "Santiago 1")
        rows = csv_rows(self.client.get(reverse("cms_reports_comunas") + "?export=csv"))
        self.assertEqual([row[0] for row in rows[1:]], ["Peñalolén"])


class DashboardTests(ReportTestCase):
    def test_panel_queries_are_fixed_and_cached(self):
        from cms.reports.panels import DashboardPanel

        cache.clear()
        panel = DashboardPanel(municipality=None)
        with self.assertNumQueries(6):
            html = panel.render_html({})
        self.assertEqual(html.count('role="img"'), 3)
        self.assertIn("<title id=", html)
        self.assertIn("Presupuestos participativos", html)
        with self.assertNumQueries(0):
            panel.render_html({})

    def test_home_shows_the_panel_to_report_readers_only(self):
        cache.clear()
        self.assertContains(self.client.get(reverse("wagtailadmin_home")), "cms-reports-dashboard")
        self.client.force_login(self.nobody)
        self.assertNotContains(self.client.get(reverse("wagtailadmin_home")), "cms-reports-dashboard")
