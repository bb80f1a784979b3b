"""Query budgets: the dashboard, a course outline and marking a lesson complete do not grow with size."""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from courses import selectors
from learners.enrolment.services import enrolment_create
from learners.progress.models import LessonProgress
from learners.progress.services import lesson_mark_complete
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import learner

DASHBOARD_QUERIES = 4  # account, profile complete? and instructs a group? (one statement), enrolments, progress
COURSE_PAGE_QUERIES = 3  # account, enrolment, lessons done (the rest, the page's HTML too, from the page cache)
# lesson, user, enrolment with its course, INSERT … ON CONFLICT, both counts (her lesson's course and the request's
# site, for the redirect that stays on a school's host, come from the page cache)
MARK_COMPLETE_QUERIES = 5


class LearnerQueryBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.small = build_course(catalogue=cls.catalogue, modules=1, lessons=3)
        cls.big = build_course(catalogue=cls.catalogue, modules=6, lessons=10)  # 60 lessons
        cls.user = learner()
        for course in (cls.small, cls.big):
            enrolment = enrolment_create(user=cls.user, course=course)
            lesson_mark_complete(enrolment=enrolment, lesson=selectors.course_lessons(course=course).first())

    def setUp(self):
        self.client.force_login(self.user)

    def queries(self, method, url):
        for _ in range(2):  # warm per-process caches and the page cache
            getattr(self.client, method)(url)
        with CaptureQueriesContext(connection) as captured:
            response = getattr(self.client, method)(url)
        self.assertLess(response.status_code, 400)
        return len(captured)

    def test_dashboard_with_2_and_20_enrolments(self):
        self.assertEqual(self.queries("get", "/mis-cursos/"), DASHBOARD_QUERIES)
        for _ in range(18):
            course = build_course(catalogue=self.catalogue, modules=1, lessons=3)
            enrolment_create(user=self.user, course=course)
        self.client.get("/mis-cursos/")  # publishing the courses started a new page-cache generation
        with self.assertNumQueries(DASHBOARD_QUERIES):
            response = self.client.get("/mis-cursos/")
        self.assertEqual(len(response.context["dashboard"].in_progress), 20)

    def test_course_outline_with_3_and_60_lessons(self):
        self.assertEqual(self.queries("get", self.small.url), COURSE_PAGE_QUERIES)
        self.assertEqual(self.queries("get", self.big.url), COURSE_PAGE_QUERIES)

    def test_mark_complete_with_3_and_60_lessons(self):
        Site.get_site_root_paths()  # Wagtail caches these; other tests may have cleared the cache
        for _ in range(2):  # and the request's site, from the page cache (the first visit creates site settings)
            self.client.get("/mis-cursos/")
        for course in (self.small, self.big):
            lessons = list(selectors.course_lessons(course=course))
            self.client.get(lessons[-1].url)  # she reads the lesson before marking it (its course is then cached)
            url = f"/lecciones/{lessons[-1].pk}/completar/"
            with self.assertNumQueries(MARK_COMPLETE_QUERIES):
                response = self.client.post(url)
            self.assertRedirects(response, lessons[-1].url, fetch_redirect_response=False)
            self.assertTrue(LessonProgress.objects.filter(lesson=lessons[-1], completed_at__isnull=False).exists())
