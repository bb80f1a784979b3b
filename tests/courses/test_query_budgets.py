"""Query budgets for the learner-facing pages: they must not grow with the number of courses or lessons (more for a
logged-in learner in tests/learners/test_page_cache.py)."""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, build_course, site_root

# For a visitor (no account), with the page cache warm (courses.page_cache): the site, routing, view restrictions,
# outline, menu, settings and the page itself come from the cache (a catalogue or a lesson: its whole HTML too).
CATALOGUE_QUERIES = 0
LESSON_QUERIES = 0  # an open course's lesson; the lesson gate's course comes from the cache
COURSE_QUERIES = 1  # the open cohorts of the enrol panel


class QueryBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cover = get_image_model().objects.create(title="Portada", file=get_test_image_file())
        cls.small = build_course(catalogue=cls.catalogue, modules=1, lessons=2, cover_image=cover, is_open=True)
        cls.big = build_course(catalogue=cls.catalogue, modules=4, lessons=5, cover_image=cover, is_open=True)

    def count(self, url):
        for _ in range(2):  # warm up per-process caches (site root paths, content types) and the page cache
            self.client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def lesson_url(self, course):
        module = course.get_children().first()
        return module.get_children().first().url

    def assertBudget(self, budget, url):
        for _ in range(2):  # the first visit creates site settings and image renditions (a new cache generation)
            self.client.get(url)
        with self.assertNumQueries(budget):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)

    def test_catalogue_budget_does_not_grow_with_courses(self):
        self.assertBudget(CATALOGUE_QUERIES, "/cursos/")
        for _ in range(8):
            CoursePageFactory(parent=self.catalogue, cover_image=self.small.cover_image)
        self.assertBudget(CATALOGUE_QUERIES, "/cursos/")

    def test_catalogue_search_budget(self):
        before = self.count("/cursos/?q=curso&area=civic")
        for _ in range(6):
            build_course(catalogue=self.catalogue, modules=1, lessons=2)
        self.assertEqual(self.count("/cursos/?q=curso&area=civic"), before)

    def test_lesson_budget_does_not_grow_with_lessons(self):
        self.assertBudget(LESSON_QUERIES, self.lesson_url(self.small))
        self.assertBudget(LESSON_QUERIES, self.lesson_url(self.big))

    def test_course_budget_does_not_grow_with_modules(self):
        self.assertBudget(COURSE_QUERIES, self.small.url)
        self.assertBudget(COURSE_QUERIES, self.big.url)
