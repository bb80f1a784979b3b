from datetime import date
from decimal import Decimal

from django.test import TestCase

from cms.reports import selectors
from cms.reports.selectors import ReportFilters
from courses.models import Comuna
from tests.cms.reports.fixtures import build_report_data


def by(rows, *keys):
    return {tuple(row[key] for key in keys) if len(keys) > 1 else row[keys[0]]: row for row in rows}


def counts(row, *names):
    return tuple(row[name] for name in names)


class CourseCohortRowsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_report_data(cls)

    def test_hand_computed_figures(self):
        rows = by(selectors.course_cohort_rows(filters=ReportFilters(), municipality=None), "course", "cohort")
        self.assertEqual(len(rows), 3)
        santiago = rows[("Presupuestos participativos", "Santiago 1")]
        self.assertEqual(counts(santiago, "enrolled", "active_30d", "completed"), (7, 1, 3))
        self.assertEqual(santiago["completion_rate"], Decimal("42.9"))
        self.assertEqual(santiago["average_grade"], Decimal("5.0"))
        self.assertEqual(santiago["attendance"], Decimal("66.7"))
        self.assertEqual(santiago["municipality"], "Santiago")
        penalolen = rows[("Presupuestos participativos", "Peñalolén 1")]
        self.assertEqual(counts(penalolen, "enrolled", "active_30d", "completed"), (2, 1, 1))
        self.assertEqual((penalolen["completion_rate"], penalolen["average_grade"]), (Decimal("50.0"), Decimal("7.0")))
        self.assertIsNone(penalolen["attendance"])
        no_cohort = rows[("Liderazgo", "")]
        self.assertEqual(counts(no_cohort, "enrolled", "active_30d", "completed"), (2, 0, 1))
        self.assertIsNone(no_cohort["average_grade"])

    def test_publication_leaves_minors_and_unknown_ages_out(self):
        rows = by(
            selectors.course_cohort_rows(filters=ReportFilters(), municipality=None, publication=True),
            "course",
            "cohort",
        )
        self.assertEqual(rows[("Presupuestos participativos", "Santiago 1")]["enrolled"], 6)
        self.assertEqual(rows[("Liderazgo", "")]["enrolled"], 1)

    def test_filters(self):
        only_b = selectors.course_cohort_rows(filters=ReportFilters(date_to=date(2025, 12, 31)), municipality=None)
        self.assertEqual([row["course"] for row in only_b], ["Liderazgo"])
        staff = selectors.course_cohort_rows(filters=ReportFilters(learner_type="municipal_staff"), municipality=None)
        self.assertEqual([(row["cohort"], row["enrolled"]) for row in staff], [("Peñalolén 1", 2)])
        valparaiso = selectors.course_cohort_rows(filters=ReportFilters(region_id="05"), municipality=None)
        self.assertEqual([(row["course"], row["enrolled"]) for row in valparaiso], [("Liderazgo", 1)])

    def test_municipality_scope(self):
        rows = selectors.course_cohort_rows(filters=ReportFilters(), municipality=Comuna.objects.get(pk="13122"))
        self.assertEqual([(row["cohort"], row["enrolled"]) for row in rows], [("Peñalolén 1", 2)])

    def test_four_queries(self):
        with self.assertNumQueries(4):
            selectors.course_cohort_rows(filters=ReportFilters(), municipality=None)


class BreakdownRowsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_report_data(cls)

    def test_per_comuna(self):
        rows = by(selectors.breakdown_rows(by="comuna", filters=ReportFilters(), municipality=None), "name")
        fields = ("learners", "enrolments", "completions", "certificates")
        self.assertEqual(counts(rows["Santiago"], *fields), (7, 8, 3, 2))
        self.assertEqual(counts(rows["Peñalolén"], *fields), (2, 2, 1, 0))
        self.assertEqual(counts(rows["Valparaíso"], *fields), (1, 1, 1, 0))
        self.assertEqual(rows["Santiago"]["region_id"], "13")

    def test_per_region(self):
        rows = by(selectors.breakdown_rows(by="region", filters=ReportFilters(), municipality=None), "key")
        fields = ("learners", "enrolments", "completions", "certificates")
        self.assertEqual(counts(rows["13"], *fields), (9, 10, 4, 2))
        self.assertEqual(counts(rows["05"], *fields), (1, 1, 1, 0))

    def test_per_learner_type(self):
        rows = by(selectors.breakdown_rows(by="learner_type", filters=ReportFilters(), municipality=None), "key")
        fields = ("learners", "enrolments", "completions", "certificates")
        self.assertEqual(counts(rows["citizen"], *fields), (8, 9, 4, 2))
        self.assertEqual(counts(rows["municipal_staff"], *fields), (2, 2, 1, 0))

    def test_course_filter_and_scope(self):
        rows = by(
            selectors.breakdown_rows(by="comuna", filters=ReportFilters(course_id=self.course_b.pk), municipality=None),
            "name",
        )
        self.assertEqual(set(rows), {"Santiago", "Valparaíso"})
        self.assertEqual(rows["Santiago"]["enrolments"], 1)
        scoped = selectors.breakdown_rows(
            by="comuna", filters=ReportFilters(), municipality=Comuna.objects.get(pk="13122")
        )
        self.assertEqual([(row["name"], row["learners"]) for row in scoped], [("Peñalolén", 2)])

    def test_three_queries(self):
        with self.assertNumQueries(3):
            selectors.breakdown_rows(by="comuna", filters=ReportFilters(), municipality=None)


class LearnerRowsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_report_data(cls)

    def test_counts_per_learner(self):
        rows = {row.user_id: row for row in selectors.learner_rows(filters=ReportFilters(), municipality=None)}
        self.assertEqual(len(rows), 11)
        first = rows[self.s[0].pk]
        self.assertEqual((first.enrolment_count, first.completion_count, first.certificate_count), (2, 1, 1))

    def test_scope_and_filters(self):
        penalolen = Comuna.objects.get(pk="13122")
        scoped = selectors.learner_rows(filters=ReportFilters(), municipality=penalolen)
        self.assertEqual({row.user_id for row in scoped}, {self.p1.pk, self.p2.pk})
        in_b = selectors.learner_rows(filters=ReportFilters(course_id=self.course_b.pk), municipality=None)
        self.assertEqual({row.user_id for row in in_b}, {self.s[0].pk, self.v1.pk})
        found = selectors.learner_rows(filters=ReportFilters(), municipality=None, search="Valparaíso")
        self.assertEqual([row.user_id for row in found], [self.v1.pk])

    def test_learner_detail_rows(self):
        rows = selectors.learner_enrolment_rows(profile=self.s[0].learner_profile)
        self.assertEqual([row["course"] for row in rows], ["Presupuestos participativos", "Liderazgo"])
        self.assertEqual(rows[0]["certificate"], self.certificates[0].folio)
        self.assertEqual(rows[0]["attendance"], Decimal("100.0"))


class DashboardDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_report_data(cls)

    def test_figures_and_series(self):
        data = selectors.dashboard_data(municipality=None)
        self.assertEqual(data.week.new_enrolments, 9)  # course A, without the waitlisted one
        self.assertEqual(data.week.completions, 4)
        self.assertEqual(data.week.certificates, 2)
        self.assertEqual(len(data.completions_by_month), 12)
        self.assertEqual(data.completions_by_month[-1][1], 4)
        self.assertEqual(len(data.learners_by_region), 16)
        self.assertEqual(dict(data.learners_by_region)["Valparaíso"], 1)
        self.assertEqual(data.certificates_by_course, [("Presupuestos participativos", 2)])

    def test_scoped(self):
        data = selectors.dashboard_data(municipality=Comuna.objects.get(pk="13122"))
        self.assertEqual((data.week.new_enrolments, data.week.completions, data.week.certificates), (2, 1, 0))
        self.assertEqual(sum(count for _name, count in data.learners_by_region), 2)
