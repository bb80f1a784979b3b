"""The "H5P attempts" admin listing and inspect view."""

import json

from django.contrib.auth.models import Group, Permission

from learners.models import H5PAttempt
from tests.factories.h5p import multichoice_capture_content
from tests.factories.h5p_activities import h5p_lesson, make_activity
from tests.factories.learners import make_user
from tests.learners.h5p_setup import H5PTestCase, scored, statement


class H5PAttemptAdminTests(H5PTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity(
            content=multichoice_capture_content(), main_library="H5P.MultiChoice 1.16", title="Jerarquía normativa"
        )
        cls.lesson = h5p_lesson(parent=cls.module, blocks=[(cls.activity, True, 60)])
        cls.admin = make_user(is_superuser=True, is_staff=True)

    def setUp(self):
        self.client.force_login(self.user)
        for response in ("0", "1"):  # a fair attempt, then a forged one (claims 1 for a wrong answer)
            data = statement(self.activity, "answered", result=scored(1, 1, response))
            self.client.post(
                f"/aprender/h5p/{self.lesson.pk}/{self.activity.uuid}/xapi/",
                json.dumps(data),
                content_type="application/json",
            )
        self.client.force_login(self.admin)

    def test_listing_and_filters(self):
        url = "/admin/learners/h5p-attempts/"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Jerarquía normativa")
        self.assertEqual(len(response.context["object_list"]), 2)
        disputed = self.client.get(url, {"score_disputed": "true"})
        self.assertEqual([attempt.number for attempt in disputed.context["object_list"]], [2])
        by_course = self.client.get(url, {"course": self.course.pk, "activity": self.activity.pk})
        self.assertEqual(len(by_course.context["object_list"]), 2)
        by_name = self.client.get(url, {"q": "González"})
        self.assertEqual(len(by_name.context["object_list"]), 2)

    def test_inspect_shows_the_statements(self):
        attempt = H5PAttempt.objects.get(number=2)
        response = self.client.get(f"/admin/learners/h5p-attempts/inspect/{attempt.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "answered")
        self.assertEqual(len(response.context["statements"]), 1)

    def test_no_add_edit_or_delete(self):
        attempt = H5PAttempt.objects.first()
        for url in ("/admin/learners/h5p-attempts/new/", f"/admin/learners/h5p-attempts/edit/{attempt.pk}/"):
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_instructors_need_the_view_permission(self):
        teacher = make_user(is_staff=False)
        group = Group.objects.create(name="Instructores H5P")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        teacher.groups.add(group)
        self.client.force_login(teacher)
        self.assertNotEqual(self.client.get("/admin/learners/h5p-attempts/").status_code, 200)
        group.permissions.add(Permission.objects.get(codename="view_h5pattempt"))
        self.assertEqual(self.client.get("/admin/learners/h5p-attempts/").status_code, 200)
