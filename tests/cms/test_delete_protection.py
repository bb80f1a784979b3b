"""Deleting a page that other records still need is refused with an explanation, never a server error."""

from django.urls import reverse
from wagtail.models import Page

from learners.models import H5PAttempt
from tests.cms.roles_setup import RolesTestCase
from tests.factories.courses import build_course
from tests.factories.h5p_activities import make_activity
from tests.factories.learners import make_cohort


class ProtectedDeleteTests(RolesTestCase):
    def setUp(self):
        self.client.force_login(self.administrator)

    def messages(self, response) -> list[str]:
        return [str(message) for message in response.wsgi_request._messages]

    def test_course_with_a_cohort_but_no_learners_is_kept(self):
        course = build_course(catalogue=self.catalogue, modules=1, lessons=1, title="Curso con grupo")
        make_cohort(course=course)
        for method in ("get", "post"):
            with self.subTest(method=method):
                response = getattr(self.client, method)(reverse("wagtailadmin_pages:delete", args=[course.pk]))
                self.assertRedirects(
                    response, reverse("wagtailadmin_pages:edit", args=[course.pk]), fetch_redirect_response=False
                )
                self.assertTrue(any("Unpublish it instead" in m or "Despubl" in m for m in self.messages(response)))
        self.assertTrue(Page.objects.filter(pk=course.pk).exists())

    def test_bulk_delete_of_a_course_with_a_cohort_is_refused(self):
        course = build_course(catalogue=self.catalogue, modules=0, title="Curso con grupo")
        make_cohort(course=course)
        url = f"/admin/bulk/wagtailcore/page/delete/?id={course.pk}&childOf={self.catalogue.pk}"
        response = self.client.post(url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Page.objects.filter(pk=course.pk).exists())

    def test_lesson_with_h5p_attempts_only_is_kept(self):
        activity = make_activity()
        H5PAttempt.objects.create(
            user=self.ana, enrolment=self.ana_enrolment, lesson=self.mine_lesson, activity=activity, number=1
        )
        response = self.client.post(reverse("wagtailadmin_pages:delete", args=[self.mine_lesson.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Page.objects.filter(pk=self.mine_lesson.pk).exists())
        self.assertEqual(H5PAttempt.objects.count(), 1)

    def test_unused_lesson_and_course_can_be_deleted(self):
        self.assertEqual(
            self.client.get(reverse("wagtailadmin_pages:delete", args=[self.other_lesson.pk])).status_code, 200
        )
        response = self.client.post(reverse("wagtailadmin_pages:delete", args=[self.other_lesson.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Page.objects.filter(pk=self.other_lesson.pk).exists())
        course = build_course(catalogue=self.catalogue, modules=1, lessons=2, title="Curso vacío")
        self.client.post(reverse("wagtailadmin_pages:delete", args=[course.pk]))
        self.assertFalse(Page.objects.filter(pk=course.pk).exists())
