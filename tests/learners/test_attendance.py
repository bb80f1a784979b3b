from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from learners.enrolment import services
from learners.models import AttendanceRecord, Enrolment
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, site_root
from tests.factories.learners import make_cohort, make_learner, make_session, make_user
from tests.learners.test_admin import grant
from tests.learners.test_bulk import run_for

PRESENT, ABSENT, EXCUSED = (
    AttendanceRecord.Status.PRESENT,
    AttendanceRecord.Status.ABSENT,
    AttendanceRecord.Status.EXCUSED,
)


class AttendanceTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_reference_data", stdout=StringIO())
        catalogue = CourseIndexPageFactory(parent=site_root())
        course, other_course = CoursePageFactory(parent=catalogue), CoursePageFactory(parent=catalogue)
        today = timezone.localdate()
        cls.teacher = make_user(email="rosa@example.cl", first_name="Rosa", last_name="Díaz")
        cls.other_teacher = make_user(email="pablo@example.cl")
        cls.cohort = make_cohort(course=course, name="Grupo Ñuñoa", capacity=2, instructors=[cls.teacher])
        cls.other_cohort = make_cohort(course=other_course, name="Grupo Maipú", instructors=[cls.other_teacher])
        cls.first = make_session(cohort=cls.cohort, date=today - timedelta(days=7))
        cls.second = make_session(cohort=cls.cohort, date=today - timedelta(days=1))
        cls.upcoming = make_session(cohort=cls.cohort, date=today + timedelta(days=6))
        cls.other_session = make_session(cohort=cls.other_cohort, date=today + timedelta(days=2))
        cls.ana = make_learner(run=run_for(12345678), email="ana@example.cl", given_names="Ana", family_names="Pérez")
        cls.luis = make_learner(run=run_for(15111222), email="luis@example.cl", given_names="Luis", family_names="Vera")
        cls.eva = make_learner(run=run_for(16222333), email="eva@example.cl", given_names="Eva", family_names="Soto")
        cls.ana_enrolment = services.enrolment_create(user=cls.ana, course=course, cohort=cls.cohort)
        cls.luis_enrolment = services.enrolment_create(user=cls.luis, course=course, cohort=cls.cohort)
        cls.eva_waiting = services.enrolment_create(user=cls.eva, course=course, cohort=cls.cohort)
        cls.carla = make_learner(run=run_for(17333444), email="carla@example.cl", given_names="Carla")
        cls.carla_enrolment = services.enrolment_create(user=cls.carla, course=other_course, cohort=cls.other_cohort)

    def attendance_url(self, session):
        return reverse("learners_staff:attendance", args=[session.pk])


class SessionListTests(AttendanceTestCase):
    def test_instructor_sees_her_cohorts_sessions(self):
        self.client.force_login(self.teacher)
        response = self.client.get(reverse("learners_staff:sessions"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["upcoming"]), [self.upcoming])
        self.assertEqual(list(response.context["recent"]), [self.second, self.first])
        self.assertContains(response, self.attendance_url(self.upcoming))
        self.assertNotContains(response, self.attendance_url(self.other_session))

    def test_academy_staff_see_every_session(self):
        staff = grant(make_user(email="academia@example.cl"), "learners.change_attendancerecord")
        self.client.force_login(staff)
        response = self.client.get(reverse("learners_staff:sessions"))
        self.assertEqual(list(response.context["upcoming"]), [self.other_session, self.upcoming])

    def test_learner_sees_no_sessions(self):
        self.client.force_login(self.ana)
        response = self.client.get(reverse("learners_staff:sessions"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual((list(response.context["upcoming"]), list(response.context["recent"])), ([], []))

    @override_settings(LOGIN_URL="/admin/login/")
    def test_anonymous_goes_to_login(self):
        for url in [reverse("learners_staff:sessions"), self.attendance_url(self.first)]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith("/admin/login/"))


class TakeAttendanceTests(AttendanceTestCase):
    def setUp(self):
        self.client.force_login(self.teacher)

    def rows(self, session):
        response = self.client.get(self.attendance_url(session))
        self.assertEqual(response.status_code, 200)
        return {row.enrolment.pk: row for row in response.context["rows"]}

    def test_page_lists_learners_holding_a_seat(self):
        rows = self.rows(self.first)
        self.assertEqual(set(rows), {self.ana_enrolment.pk, self.luis_enrolment.pk})  # not Eva, who is waiting
        self.assertEqual(self.eva_waiting.status, Enrolment.Status.WAITLISTED)
        response = self.client.get(self.attendance_url(self.first))
        self.assertContains(response, f'name="mark-{self.ana_enrolment.pk}"', count=3)
        self.assertContains(response, "csrfmiddlewaretoken")

    def test_saving_marks_and_percentages(self):
        response = self.client.post(
            self.attendance_url(self.first),
            {f"mark-{self.ana_enrolment.pk}": PRESENT, f"mark-{self.luis_enrolment.pk}": ABSENT},
        )
        self.assertRedirects(response, self.attendance_url(self.first))
        record = AttendanceRecord.objects.get(session=self.first, enrolment=self.ana_enrolment)
        self.assertEqual((record.status, record.recorded_by), (PRESENT, self.teacher))

        rows = self.rows(self.first)
        self.assertEqual(rows[self.ana_enrolment.pk].status, PRESENT)  # pre-filled
        self.assertEqual(rows[self.ana_enrolment.pk].summary.percent, Decimal("50.0"))  # 1 of 2 sessions held
        self.assertEqual(rows[self.luis_enrolment.pk].summary.percent, Decimal("0.0"))

        self.client.post(
            self.attendance_url(self.second),
            {f"mark-{self.ana_enrolment.pk}": PRESENT, f"mark-{self.luis_enrolment.pk}": EXCUSED},
        )
        rows = self.rows(self.second)
        self.assertEqual(rows[self.ana_enrolment.pk].summary.percent, Decimal("100.0"))
        self.assertEqual(rows[self.luis_enrolment.pk].summary.percent, Decimal("0.0"))  # excused is not counted

        self.client.post(self.attendance_url(self.first), {f"mark-{self.luis_enrolment.pk}": PRESENT})
        rows = self.rows(self.first)
        self.assertEqual(rows[self.luis_enrolment.pk].summary.percent, Decimal("100.0"))
        self.assertEqual(rows[self.ana_enrolment.pk].status, PRESENT)  # left as it was
        self.assertEqual(AttendanceRecord.objects.filter(session=self.first).count(), 2)

    def test_learner_of_another_cohort_and_bad_values_are_ignored(self):
        self.client.post(
            self.attendance_url(self.first),
            {
                f"mark-{self.carla_enrolment.pk}": PRESENT,
                f"mark-{self.eva_waiting.pk}": PRESENT,
                f"mark-{self.ana_enrolment.pk}": "tarde",
            },
        )
        self.assertFalse(AttendanceRecord.objects.exists())

    def test_another_instructor_is_refused(self):
        self.client.force_login(self.other_teacher)
        self.assertEqual(self.client.get(self.attendance_url(self.first)).status_code, 404)
        response = self.client.post(self.attendance_url(self.first), {f"mark-{self.ana_enrolment.pk}": PRESENT})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(AttendanceRecord.objects.exists())
        self.assertEqual(self.client.get(self.attendance_url(self.other_session)).status_code, 200)

    def test_learner_is_refused(self):
        self.client.force_login(self.ana)
        self.assertEqual(self.client.get(self.attendance_url(self.first)).status_code, 404)

    def test_superuser_can_take_any_attendance(self):
        self.client.force_login(make_user(email="root@example.cl", is_superuser=True))
        self.assertEqual(self.client.get(self.attendance_url(self.other_session)).status_code, 200)
