from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import TestCase, override_settings

from cms import roles
from cms.demo_staff import (
    DEMO_ACADEMY_EMAIL,
    DEMO_COORDINATOR_EMAIL,
    DEMO_INSTRUCTOR_EMAIL,
    DEMO_STAFF_PASSWORD,
)
from courses.models import CoursePage
from learners.models import StaffProfile


@override_settings(DEBUG=True)
class DemoStaffTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_demo_data", stdout=StringIO())

    def test_one_account_per_role(self):
        for email, role in (
            (DEMO_INSTRUCTOR_EMAIL, roles.INSTRUCTOR),
            (DEMO_ACADEMY_EMAIL, roles.ACADEMY),
            (DEMO_COORDINATOR_EMAIL, roles.COORDINATOR),
        ):
            user = authenticate(username=email, password=DEMO_STAFF_PASSWORD)
            self.assertIsNotNone(user, email)
            self.assertTrue(user.groups.filter(name=role).exists(), email)
        coordinator = StaffProfile.objects.get(user__username=DEMO_COORDINATOR_EMAIL)
        self.assertEqual(coordinator.municipality.name, "Peñalolén")

    def test_the_instructor_edits_the_first_course_only(self):
        instructor = authenticate(username=DEMO_INSTRUCTOR_EMAIL, password=DEMO_STAFF_PASSWORD)
        first, *others = CoursePage.objects.live().order_by("path")
        self.assertTrue(first.permissions_for_user(instructor).can_edit())
        self.assertFalse(first.permissions_for_user(instructor).can_publish())
        for course in others:
            self.assertFalse(course.permissions_for_user(instructor).can_edit(), course.title)
        self.assertEqual(first.get_workflow().name, roles.WORKFLOW_NAME)
