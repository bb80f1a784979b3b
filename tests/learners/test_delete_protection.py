"""Deleting a course, module or lesson that learners use is refused with an explanation, never a server error."""

from django.test import TestCase
from wagtail.models import Page
from wagtail.test.utils import WagtailTestUtils

from courses import selectors
from courses.models import CoursePage, LessonPage
from learners.enrolment.services import enrolment_create
from learners.models import Enrolment
from learners.progress.services import lesson_mark_complete
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import learner


class DeleteProtectionTests(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.used = build_course(catalogue=catalogue, modules=1, lessons=2)
        cls.unused = build_course(catalogue=catalogue, modules=1, lessons=1)
        enrolment = enrolment_create(user=learner(), course=cls.used)
        cls.lesson = selectors.course_lessons(course=cls.used).first()
        lesson_mark_complete(enrolment=enrolment, lesson=cls.lesson)

    def setUp(self):
        self.login()

    def test_course_module_and_lesson_with_learners_are_kept(self):
        module = self.lesson.get_parent()
        for page in (self.used, module, self.lesson):
            with self.subTest(page=page.title):
                response = self.client.post(f"/admin/pages/{page.pk}/delete/")
                self.assertRedirects(response, f"/admin/pages/{page.pk}/edit/", fetch_redirect_response=False)
                self.assertTrue(Page.objects.filter(pk=page.pk).exists())
                messages = [str(m) for m in response.wsgi_request._messages]
                self.assertTrue(any("Despublícala en su lugar" in m for m in messages), messages)
        self.assertEqual(Enrolment.objects.count(), 1)

    def test_bulk_delete_is_refused_too(self):
        catalogue = self.used.get_parent()
        url = f"/admin/bulk/wagtailcore/page/delete/?id={self.used.pk}&id={self.unused.pk}&childOf={catalogue.pk}"
        response = self.client.post(url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(CoursePage.objects.filter(pk=self.used.pk).exists())

    def test_unused_course_can_be_deleted(self):
        response = self.client.post(f"/admin/pages/{self.unused.pk}/delete/")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(CoursePage.objects.filter(pk=self.unused.pk).exists())
        self.assertTrue(LessonPage.objects.filter(pk=self.lesson.pk).exists())
