"""Fast learner pages (issue 18, item 1): the course page, lesson page (with and without an H5P block), "Mis cursos"
and the catalogue run a small, fixed number of queries whatever the size of the course, from the shared page cache
(courses.page_cache); a GET writes nothing once she is where she left off; publishing, unpublishing, moving and
view restrictions show at once; previews, other learners and other sites never get what they should not."""

import re

from django.contrib.auth.models import Group
from django.db import connection
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText

from cms.models import SchoolSettings
from courses import page_cache, selectors
from learners.enrolment.models import Enrolment
from learners.enrolment.services import enrolment_create
from learners.progress.services import lesson_mark_complete
from tests.factories.courses import CourseIndexPageFactory, LessonPageFactory, build_course, site_root
from tests.factories.h5p_activities import approve_libraries, h5p_lesson, make_activity
from tests.factories.learners import learner, make_user

# Per request: her account, and her enrolment with whether she completed the lesson (the page and the whole HTML but
# her own parts come from the page cache).
LESSON_QUERIES = 2
# … plus her grades in the lesson's activities (the block's activity comes with the lesson's placements from the page
# cache, not from StreamField).
LESSON_H5P_QUERIES = 3
# Her account, her enrolment and the lessons she completed (the page's HTML but her own parts from the cache).
COURSE_QUERIES = 3
DASHBOARD_QUERIES = 4  # account, profile complete? and instructs a group? (one statement), enrolments, progress
CATALOGUE_QUERIES = 1  # account (the page and its HTML from the page cache)

WRITES = re.compile(r"^\s*(UPDATE|INSERT|DELETE)", re.I)


class PageCacheTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.small = build_course(catalogue=cls.catalogue, modules=1, lessons=3)
        cls.big = build_course(catalogue=cls.catalogue, modules=6, lessons=10)  # 60 lessons
        cls.user = learner()
        for course in (cls.small, cls.big):
            enrolment_create(user=cls.user, course=course)
        activity = make_activity()
        approve_libraries(activity)
        module = cls.big.get_children().first()
        cls.h5p = h5p_lesson(parent=module, blocks=[(activity, True, 60)])

    def setUp(self):
        self.client.force_login(self.user)

    def lesson(self, course, index=1):
        return list(selectors.course_lessons(course=course))[index]

    def warm(self, url, **extra):
        # Twice: the very first page view creates the site's settings row, which starts a new generation.
        for _ in range(2):
            self.client.get(url, **extra)

    def assertQueries(self, count, url):
        self.warm(url)
        with self.assertNumQueries(count):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return response


class QueryBudgetTests(PageCacheTestCase):
    def test_lesson_page_with_3_and_60_lessons(self):
        self.assertQueries(LESSON_QUERIES, self.lesson(self.small).url)
        self.assertQueries(LESSON_QUERIES, self.lesson(self.big, 45).url)
        self.assertLessEqual(LESSON_QUERIES, 8)

    def test_lesson_page_with_an_h5p_block(self):
        response = self.assertQueries(LESSON_H5P_QUERIES, self.h5p.url)
        self.assertContains(response, "/aprender/h5p/")  # the player, for her
        self.assertLessEqual(LESSON_H5P_QUERIES, 8)

    def test_course_page_with_3_and_60_lessons(self):
        self.assertQueries(COURSE_QUERIES, self.small.url)
        response = self.assertQueries(COURSE_QUERIES, self.big.url)
        self.assertEqual(response.context["outline"].lesson_count, 61)
        self.assertLessEqual(COURSE_QUERIES, 10)

    def test_dashboard_and_catalogue(self):
        self.assertQueries(DASHBOARD_QUERIES, "/mis-cursos/")
        response = self.assertQueries(CATALOGUE_QUERIES, self.catalogue.url)  # the whole page from its shell
        for course in (self.small, self.big):
            self.assertContains(response, f'href="{course.url}"')

    def test_the_outline_shows_her_own_progress_from_the_shared_outline(self):
        enrolment = Enrolment.objects.get(user=self.user, course=self.small)
        done = self.lesson(self.small, 0)
        lesson_mark_complete(enrolment=enrolment, lesson=done)
        self.warm(self.small.url)
        other = learner()
        enrolment_create(user=other, course=self.small)
        mine = self.client.get(self.small.url)
        self.assertContains(mine, "1 de 3 lecciones completadas")
        self.client.force_login(other)
        theirs = self.client.get(self.small.url)
        self.assertContains(theirs, "0 de 3 lecciones completadas")

    def test_catalogue_cards_keep_the_cover_rendition_made_while_filling_the_cache(self):
        from wagtail.images import get_image_model
        from wagtail.images.tests.utils import get_test_image_file
        from wagtail.models import Site

        cover = get_image_model().objects.create(title="Portada", file=get_test_image_file())
        self.small.cover_image = cover
        self.small.save_revision().publish()
        SchoolSettings.for_site(Site.objects.get(is_default_site=True))  # so that the first view fills the cache
        self.client.get(self.catalogue.url)  # renders the card's rendition for the first time
        with self.assertNumQueries(CATALOGUE_QUERIES):  # not generated again (nor looked up) from the cached card
            response = self.client.get(self.catalogue.url)
        self.assertContains(response, "fill-640x360.format-webp")


class NoWritesOnGetTests(PageCacheTestCase):
    def test_reading_the_same_lesson_again_writes_nothing(self):
        url = self.lesson(self.big, 10).url
        self.warm(url)
        with CaptureQueriesContext(connection) as queries:
            self.client.get(url)
        self.assertEqual([q["sql"] for q in queries if WRITES.match(q["sql"])], [])

    def test_opening_another_lesson_records_where_she_left_off(self):
        first, second = self.lesson(self.small, 0), self.lesson(self.small, 2)
        self.warm(first.url)
        self.client.get(second.url)
        enrolment = Enrolment.objects.get(user=self.user, course=self.small)
        self.assertEqual(enrolment.last_lesson_id, second.pk)
        self.assertIsNotNone(enrolment.last_visited_at)
        page = self.client.get(self.small.url)
        self.assertContains(page, f'href="{second.url}">Comenzar el curso</a>', html=False)

    def test_the_first_visit_of_a_new_day_is_recorded_once(self):
        from datetime import timedelta

        from django.utils import timezone

        from learners.progress.services import lesson_visit

        lesson = self.lesson(self.small, 0)
        enrolment = Enrolment.objects.get(user=self.user, course=self.small)
        Enrolment.objects.filter(pk=enrolment.pk).update(
            last_lesson=lesson, last_visited_at=timezone.now() - timedelta(days=1)
        )
        enrolment.refresh_from_db()
        self.assertTrue(lesson_visit(enrolment=enrolment, lesson=lesson))  # yesterday → today: one UPDATE
        self.assertFalse(lesson_visit(enrolment=enrolment, lesson=lesson))  # again today: nothing
        enrolment.refresh_from_db()
        self.assertEqual(timezone.localdate(enrolment.last_visited_at), timezone.localdate())


class FreshAfterPublishingTests(PageCacheTestCase):
    def test_a_published_change_shows_at_once(self):
        lesson = self.lesson(self.big, 5).specific
        self.warm(lesson.url)
        self.warm(self.big.url)
        lesson.title = "Lección reescrita"
        lesson.body = [("paragraph", RichText("<p>Texto nuevo de la lección.</p>"))]
        lesson.save_revision().publish()
        response = self.client.get(lesson.url)
        self.assertContains(response, "Texto nuevo de la lección.")
        self.assertContains(response, "Lección reescrita")
        self.assertContains(self.client.get(self.big.url), "Lección reescrita")
        # the previous and next lessons name it too
        self.assertContains(self.client.get(self.lesson(self.big, 6).url), "Lección reescrita")

    def test_a_new_lesson_an_unpublished_one_and_a_moved_one(self):
        module = self.small.get_children().first()
        self.warm(self.small.url)
        gone = self.lesson(self.small, 1)
        self.warm(gone.url)
        new = LessonPageFactory(parent=module, title="Lección recién publicada")
        self.assertContains(self.client.get(self.small.url), "Lección recién publicada")
        gone.specific.unpublish()
        self.assertEqual(self.client.get(gone.url).status_code, 404)
        self.assertNotContains(self.client.get(self.small.url), gone.title)
        old_url = new.url
        self.warm(old_url)
        new.move(self.big.get_children().last(), pos="last-child")
        new.refresh_from_db()
        self.assertNotEqual(self.client.get(old_url).status_code, 200)  # Wagtail's redirect to where it went
        self.assertEqual(self.client.get(new.url).status_code, 200)
        self.assertContains(self.client.get(self.big.url), "Lección recién publicada")

    def test_the_school_settings_show_at_once(self):
        url = self.lesson(self.small).url
        self.warm(url)
        school = SchoolSettings.objects.get(site__is_default_site=True)
        school.school_name = "Escuela de Prueba Renovada"
        school.save()
        self.assertContains(self.client.get(url), "<span>Escuela de Prueba Renovada</span>", html=False)

    def test_a_view_restriction_added_later_applies_at_once(self):
        url = self.lesson(self.small).url
        self.warm(url)
        restriction = PageViewRestriction.objects.create(page=self.small, restriction_type=PageViewRestriction.GROUPS)
        restriction.groups.add(Group.objects.create(name="Solo funcionarios"))
        response = self.client.get(url)
        self.assertEqual(response.status_code, 302)  # Wagtail's log-in for restricted pages
        self.assertNotContains(self.client.get(self.small.url), "Contenido de la lección", status_code=302)
        restriction.delete()
        self.assertEqual(self.client.get(url).status_code, 200)


class FreshDashboardTests(PageCacheTestCase):
    """ "Mis cursos" takes the courses and their lessons from the page cache (the same for everyone) and reads her
    own state on every request: a publish, her progress, a new enrolment show at once."""

    def test_a_new_lesson_an_unpublished_one_and_a_renamed_course_show_at_once(self):
        self.warm("/mis-cursos/")
        self.assertContains(self.client.get("/mis-cursos/"), "0% · 0 de 3 lecciones")
        module = self.small.get_children().first()
        LessonPageFactory(parent=module, title="Lección recién publicada")
        self.assertContains(self.client.get("/mis-cursos/"), "0% · 0 de 4 lecciones")
        self.lesson(self.small, 0).specific.unpublish()
        response = self.client.get("/mis-cursos/")
        self.assertContains(response, "0% · 0 de 3 lecciones")
        self.assertContains(response, f'href="{self.lesson(self.small, 0).url}"')  # the first lesson now
        self.small.title = "Curso con nombre nuevo"
        self.small.save_revision().publish()
        self.assertContains(self.client.get("/mis-cursos/"), f'href="{self.small.url}">Curso con nombre nuevo</a>')

    def test_her_progress_a_new_enrolment_and_leaving_show_at_once(self):
        third = build_course(catalogue=self.catalogue, modules=1, lessons=2, title="Tercer curso")
        self.warm("/mis-cursos/")
        enrolment = Enrolment.objects.get(user=self.user, course=self.small)
        lesson_mark_complete(enrolment=enrolment, lesson=self.lesson(self.small, 0))
        response = self.client.get("/mis-cursos/")
        self.assertContains(response, "33% · 1 de 3 lecciones")
        self.assertContains(response, f'href="{self.lesson(self.small, 1).url}"')  # continue where she left off
        self.assertNotContains(response, "Tercer curso")
        enrolment_create(user=self.user, course=third)
        self.assertContains(self.client.get("/mis-cursos/"), "Tercer curso")
        self.client.post(f"/cursos/{third.pk}/retiro/")
        self.assertNotContains(self.client.get("/mis-cursos/"), "Tercer curso")

    def test_another_learner_gets_her_own_progress_from_the_same_cached_courses(self):
        self.warm("/mis-cursos/")
        enrolment = Enrolment.objects.get(user=self.user, course=self.small)
        lesson_mark_complete(enrolment=enrolment, lesson=self.lesson(self.small, 0))
        other = learner()
        enrolment_create(user=other, course=self.small)
        self.client.force_login(other)
        response = self.client.get("/mis-cursos/")
        self.assertContains(response, "0% · 0 de 3 lecciones")
        self.assertNotContains(response, self.big.title)

    def test_the_course_links_are_those_of_the_host_she_reads_on(self):
        from django.core.cache import cache

        from courses.models import NationalCourseOffer
        from tests.cms.test_schools import PENALOLEN, create_penalolen
        from tests.factories.learners import ensure_comuna

        # the rollback removes the school's Site, not what Django's cache learnt about it (Wagtail's site root paths)
        self.addCleanup(cache.clear)
        ensure_comuna(PENALOLEN, "Peñalolén")
        school = create_penalolen().school
        NationalCourseOffer.objects.create(school=school, course=self.small, sort_order=0)
        self.warm("/mis-cursos/")  # the academy's host fills the cache
        academy = self.client.get("/mis-cursos/")
        self.assertContains(academy, f'href="{self.big.url}"')
        school_view = self.client.get("/mis-cursos/", HTTP_HOST="penalolen.localhost")
        self.assertContains(school_view, f'href="/cursos/{self.small.slug}/"')  # offered there: its school address
        self.assertContains(school_view, f'href="http://localhost{self.big.url}"')  # not offered: the academy's


class WhatIsNeverSharedTests(PageCacheTestCase):
    def test_previews_are_not_served_from_nor_stored_in_the_cache(self):
        lesson = self.lesson(self.small).specific
        self.warm(lesson.url)
        lesson.body = [("paragraph", RichText("<p>Borrador sin publicar.</p>"))]
        lesson.save_revision()
        draft = lesson.get_latest_revision_as_object()
        editor = make_user(email="editora@example.cl", is_superuser=True, is_staff=True)
        request = RequestFactory().get("/admin/")
        request.user = editor
        preview = draft.make_preview_request(original_request=request)
        self.assertContains(preview, "Borrador sin publicar.")
        live = self.client.get(lesson.url)
        self.assertNotContains(live, "Borrador sin publicar.")
        self.assertContains(live, "Contenido de la lección.")

    def test_each_response_has_its_own_nonce_and_csrf_token(self):
        url = self.lesson(self.small).url
        self.warm(url)
        nonces, tokens = set(), set()
        for _ in range(2):
            self.client.cookies.pop("csrftoken", None)
            response = self.client.get(url)
            html = response.content.decode()
            nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
            self.assertIn(f'nonce="{nonce}"', html)
            nonces.add(nonce)
            tokens.update(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
        self.assertEqual(len(nonces), 2)
        self.assertGreaterEqual(len(tokens), 2)

    def test_someone_not_enrolled_still_gets_the_locked_page(self):
        url = self.lesson(self.small).url
        self.warm(url)  # the enrolled learner filled the cache
        self.client.force_login(learner())
        response = self.client.get(url)
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, "Contenido de la lección.", status_code=403)
        self.client.logout()
        response = self.client.get(url)
        self.assertNotContains(response, "Contenido de la lección.")

    def test_each_site_gets_its_own_catalogue_and_branding_at_the_same_path(self):
        from courses.models import NationalCourseOffer
        from tests.cms.test_schools import PENALOLEN, create_penalolen
        from tests.factories.learners import ensure_comuna

        ensure_comuna(PENALOLEN, "Peñalolén")
        school = create_penalolen().school
        NationalCourseOffer.objects.create(school=school, course=self.small, sort_order=0)
        self.warm("/cursos/")
        self.warm("/cursos/", HTTP_HOST="penalolen.localhost")
        academy = self.client.get("/cursos/")
        school_view = self.client.get("/cursos/", HTTP_HOST="penalolen.localhost")
        self.assertContains(school_view, "<span>Escuela Ciudadana de Peñalolén</span>", html=False)
        self.assertNotContains(academy, "<span>Escuela Ciudadana de Peñalolén</span>", html=False)
        for course in (self.small, self.big):  # the whole pages come from their shells: read the cards
            self.assertContains(academy, f'href="{course.url}"', html=False)
        self.assertNotContains(school_view, f"/cursos/{self.big.slug}/", html=False)
        # the national course the school offers is served on the school's host: its card links there
        self.assertContains(school_view, f'href="/cursos/{self.small.slug}/"', html=False)
        self.assertNotContains(school_view, f'href="http://localhost{self.small.url}"', html=False)

    def test_the_cache_can_be_turned_off(self):
        url = self.lesson(self.small).url
        with self.settings(PAGE_CACHE_ENABLED=False):
            self.warm(url)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url).status_code, 200)
        self.assertGreater(len(queries), LESSON_QUERIES)


class GenerationTests(TestCase):
    def test_invalidation_is_one_write_of_a_new_token(self):
        before = page_cache.generation()
        page_cache.invalidate()
        self.assertNotEqual(page_cache.generation(), before)
        self.assertNotEqual(page_cache.key("outline", 1), f"pages:{before}:outline:1")
