"""Issue 15, item 5: the academy's national reports by school (as well as by comuna and region), with the same
small-cell suppression and CSV/XLSX exports; every report limited to one school given a school (the filter, or the
staff scope's school).

The fixture (tests/cms/reports/fixtures.py) plus the municipal school of Peñalolén (comuna 13122) with a course of
its own: p1 completed it, v1 is studying it. The Peñalolén 1 cohort of the national course A belongs to the school
(a cohort of its comuna); everything else is the academy's.
"""

from decimal import Decimal

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cms.reports import selectors
from cms.schools import services as school_services
from courses.models import CourseIndexPage
from learners.models import Enrolment
from tests.cms.reports.fixtures import build_report_data
from tests.cms.reports.test_views import ReportTestCase, xlsx_rows
from tests.csv_files import csv_rows
from tests.factories.courses import build_course
from tests.factories.learners import ensure_comuna


def add_penalolen_school(cls):
    ensure_comuna("13122", "Peñalolén")
    cls.school = school_services.school_create(
        name="Escuela Ciudadana de Peñalolén",
        comuna_code="13122",
        host="penalolen.localhost",
        admin_email="daniela@penalolen.cl",
    ).school
    catalogue = CourseIndexPage.objects.child_of(cls.school.site.root_page).get()
    cls.local_course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Ordenanza de Peñalolén")
    now = timezone.now()
    Enrolment.objects.create(
        user=cls.p1, course=cls.local_course, status="completed", completed_at=now, final_grade=Decimal("6.5")
    )
    Enrolment.objects.create(user=cls.v1, course=cls.local_course, status="active")


class SchoolReportTestCase(ReportTestCase):
    @classmethod
    def setUpTestData(cls):
        build_report_data(cls)
        add_penalolen_school(cls)

    def setUp(self):
        super().setUp()
        cache.clear()


class SchoolBreakdownTests(SchoolReportTestCase):
    def test_rows_by_school_with_the_academy_last(self):
        rows = selectors.breakdown_rows(by="school", filters=selectors.ReportFilters(), municipality=None)
        figures = [
            (row["name"], row["learners"], row["enrolments"], row["completions"], row["certificates"]) for row in rows
        ]
        self.assertEqual(
            figures,
            [
                ("Escuela Ciudadana de Peñalolén", 3, 4, 2, 0),  # p1, p2 (cohort of its comuna), v1 (its course)
                ("La academia (sin escuela)", 8, 9, 4, 2),
            ],
        )

    def test_a_learner_in_two_schools_counts_in_each(self):
        rows = selectors.breakdown_rows(by="school", filters=selectors.ReportFilters(), municipality=None)
        # v1 studies the school's course and the academy's course B
        self.assertEqual(sum(row["learners"] for row in rows), 11)

    def test_the_school_report_page_and_its_exports(self):
        response = self.client.get(reverse("cms_reports_schools"))
        self.assertContains(response, "Participantes por escuela")
        self.assertContains(response, "Escuela Ciudadana de Peñalolén")
        rows = csv_rows(self.client.get(reverse("cms_reports_schools") + "?export=csv"))
        self.assertEqual(
            rows[0], ["Escuela", "Región", "Participantes", "Inscripciones", "Cursos completados", "Certificados"]
        )
        self.assertEqual(rows[1][0], "Escuela Ciudadana de Peñalolén")
        self.assertEqual(rows[1][2:], ["3", "4", "2", "0"])
        sheet = xlsx_rows(self.client.get(reverse("cms_reports_schools") + "?export=xlsx"))
        self.assertEqual(sheet[2][2:], (8, 9, 4, 2))

    def test_the_publication_export_suppresses_small_cells(self):
        rows = csv_rows(self.client.get(reverse("cms_reports_schools") + "?export=csv&publication=1"))
        self.assertEqual(rows[1][2:], ["<5"] * 4)  # three adults of known age at most: suppressed
        self.assertEqual(rows[2][2:], ["<5"] * 4)  # the complement: the national total minus it would give it away

    def test_comuna_and_region_reports_stay_national_for_the_academy(self):
        rows = csv_rows(self.client.get(reverse("cms_reports_regions") + "?export=csv"))
        self.assertEqual(sum(int(row[1]) for row in rows[1:]), 10)  # every learner once, by where she lives


class OneSchoolTests(SchoolReportTestCase):
    def test_the_school_filter_limits_every_report_to_its_courses_and_cohorts(self):
        response = self.client.get(reverse("cms_reports_courses") + f"?school={self.school.pk}")
        rows = response.context["object_list"]
        self.assertEqual(
            sorted((row["course"], row["cohort"]) for row in rows),
            [("Ordenanza de Peñalolén", ""), ("Presupuestos participativos", "Peñalolén 1")],
        )
        sheet = xlsx_rows(self.client.get(reverse("cms_reports_comunas") + f"?export=xlsx&school={self.school.pk}"))
        self.assertEqual(
            {row[0]: row[2:] for row in sheet[1:]}, {"Peñalolén": (2, 3, 2, 0), "Valparaíso": (1, 1, 0, 0)}
        )
        learners = self.client.get(reverse("cms_reports_learners") + f"?school={self.school.pk}")
        names = {row.given_names for row in learners.context["object_list"]}
        self.assertEqual(names, {"P1", "P2", "V1"})

    def test_selectors_take_the_school_parameter(self):
        filters = selectors.ReportFilters(school=self.school)
        self.assertEqual(filters.as_audit(), {"school_id": self.school.pk})
        rows = selectors.course_cohort_rows(filters=filters, municipality=None)
        self.assertEqual(sum(row["enrolled"] for row in rows), 4)
        data = selectors.dashboard_data(municipality=None, school=self.school)
        self.assertEqual(data.week.certificates, 0)
        self.assertEqual(sum(n for _name, n in data.learners_by_region), 3)
        cohorts = selectors.cohorts_in_scope(municipality=None, school=self.school)
        self.assertEqual([cohort.name for cohort in cohorts], ["Peñalolén 1"])
        self.assertIsNone(
            selectors.learner_in_scope(profile_id=self.s[0].learner_profile.pk, municipality=None, school=self.school)
        )
        self.assertIsNotNone(
            selectors.learner_in_scope(profile_id=self.v1.learner_profile.pk, municipality=None, school=self.school)
        )

    def test_the_school_filter_is_audited_with_exports(self):
        self.client.get(reverse("cms_reports_schools") + f"?export=csv&school={self.school.pk}")
        from learners.models import AuditEvent

        event = AuditEvent.objects.get(action="report.exported")
        self.assertEqual(event.data["filters"], {"school_id": self.school.pk})

    def test_bad_school_values_are_refused_without_an_error(self):
        for value in ("abc", "999999", "1;DROP"):
            with self.subTest(value=value):
                response = self.client.get(reverse("cms_reports_schools") + f"?school={value}")
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Escoja una opción válida")

    def test_other_roles_do_not_see_the_school_report(self):
        self.client.force_login(self.nobody)
        self.assertNotEqual(self.client.get(reverse("cms_reports_schools")).status_code, 200)
        self.assertNotEqual(self.client.get(reverse("cms_reports_schools") + "?export=csv").status_code, 200)

    def test_a_coordinator_sees_only_her_municipality_by_school(self):
        self.client.force_login(self.coordinator)  # limited to Peñalolén (13122)
        rows = csv_rows(self.client.get(reverse("cms_reports_schools") + "?export=csv"))
        self.assertEqual([row[0] for row in rows[1:]], ["Escuela Ciudadana de Peñalolén"])
