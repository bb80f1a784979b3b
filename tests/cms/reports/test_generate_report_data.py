from io import StringIO
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase

from certificates.models import IssuedCertificate
from cms.reports import selectors
from courses.models import CoursePage, School
from learners.models import AttendanceRecord, Cohort, Enrolment, LearnerProfile, LessonProgress
from tests.factories.courses import CourseIndexPageFactory, site_root


class GenerateReportDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        CourseIndexPageFactory(parent=site_root())

    def test_small_run(self):
        call_command("generate_report_data", learners=60, schools=0, stdout=StringIO())
        self.assertEqual(LearnerProfile.objects.count(), 60)
        self.assertEqual(Enrolment.objects.count(), 180)
        started = Enrolment.objects.exclude(status=Enrolment.Status.WAITLISTED).count()
        self.assertEqual(LessonProgress.objects.count(), started * 12)
        self.assertTrue(AttendanceRecord.objects.exists())
        completed = Enrolment.objects.filter(status=Enrolment.Status.COMPLETED)
        self.assertEqual(
            IssuedCertificate.objects.count(), sum(1 for pk in completed.values_list("pk", flat=True) if pk % 10 < 9)
        )
        rows = selectors.breakdown_rows(by="region", filters=selectors.ReportFilters(), municipality=None)
        self.assertEqual(sum(row["enrolments"] for row in rows), started)

    def test_schools_get_courses_cohorts_and_learners(self):
        call_command("generate_report_data", learners=400, schools=3, stdout=StringIO())
        self.assertEqual(School.objects.count(), 3)
        for school in School.objects.all():
            own = CoursePage.objects.filter(path__startswith=school.site.root_page.path)
            self.assertEqual(own.count(), 1)
            self.assertEqual(Cohort.objects.filter(course__in=own, municipality_id=school.comuna_id).count(), 2)
        started = Enrolment.objects.exclude(status=Enrolment.Status.WAITLISTED).count()
        rows = selectors.breakdown_rows(by="school", filters=selectors.ReportFilters(), municipality=None)
        self.assertEqual(len(rows), 4)  # three schools and the academy's own
        self.assertEqual(sum(row["enrolments"] for row in rows), started)  # each enrolment in one school
        self.assertTrue(all(row["enrolments"] for row in rows))

    def test_refuses_the_full_size_on_sqlite(self):
        # Pretend to be on SQLite so the refusal is checked whichever database CI runs on.
        with mock.patch.object(connection, "vendor", "sqlite"):
            with self.assertRaisesMessage(CommandError, "PostgreSQL"):
                call_command("generate_report_data", stdout=StringIO())
