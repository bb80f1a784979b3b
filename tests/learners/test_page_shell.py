"""Whole lesson and catalogue pages from the page cache (courses.page_shell, issue 18 item 2): what is the same for
every reader is rendered once per page, site, language and path; each request renders only her own parts. A cached
page never carries another reader's token, nonce, messages, progress or user bar; a publish shows at once."""

import re
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, TestCase, override_settings

from courses import page_cache, selectors
from learners.enrolment.services import enrolment_create
from learners.progress.services import lesson_mark_complete
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import learner

LESSON_TEMPLATE = "courses/lesson_page.html"


def templates(response) -> list[str]:
    return [template.name for template in response.templates]


def nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]


def tokens_of(response) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()))


class PageShellTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.course = build_course(catalogue=cls.catalogue, modules=1, lessons=3)
        cls.open_course = build_course(catalogue=cls.catalogue, modules=1, lessons=2, is_open=True)
        cls.lessons = list(selectors.course_lessons(course=cls.course))
        cls.open_lesson = list(selectors.course_lessons(course=cls.open_course))[0]
        cls.ana, cls.bea = learner(), learner()
        cls.enrolments = {user.pk: enrolment_create(user=user, course=cls.course) for user in (cls.ana, cls.bea)}

    def setUp(self):
        cache.clear()
        self.url = self.lessons[0].url

    def client_for(self, user, **kwargs) -> Client:
        client = Client(**kwargs)
        if user is not None:
            client.force_login(user)
        return client

    def test_a_cached_lesson_reads_only_the_generation_and_her_session_from_the_shared_cache(self):
        ana = self.client_for(self.ana)
        for url in (self.url, self.course.url):
            ana.get(url)  # fills the shell, the route, the site and this process's copies
            ana.get(url)
            with mock.patch.object(cache, "get", wraps=cache.get) as counting_get:
                response = ana.get(url)
            keys = [call.args[0] for call in counting_get.call_args_list]
            self.assertEqual(response.status_code, 200)
            # the user bar's answer and Wagtail's site root paths come from this process, not a round trip each
            self.assertEqual(len(keys), 2, keys)
            self.assertIn(page_cache.GENERATION_KEY, keys)
            self.assertTrue(any("session" in key for key in keys), keys)

    def test_the_second_reader_gets_the_cached_page_with_her_own_nonce_and_token(self):
        ana, bea = self.client_for(self.ana), self.client_for(self.bea)
        first = ana.get(self.url)
        self.assertIn(LESSON_TEMPLATE, templates(first))  # rendered once, with markers
        second = bea.get(self.url)
        self.assertEqual(second.status_code, 200)
        self.assertNotIn(LESSON_TEMPLATE, templates(second))  # from the shell
        for response in (first, second):
            self.assertIn(f'nonce="{nonce_of(response)}"', response.content.decode())
            self.assertNotIn("\x1f", response.content.decode())
        self.assertNotEqual(nonce_of(first), nonce_of(second))
        self.assertNotIn(nonce_of(first), second.content.decode())
        self.assertTrue(tokens_of(first) and tokens_of(second))
        self.assertFalse(tokens_of(first) & tokens_of(second))

    def test_her_csrf_token_from_the_shell_is_accepted_for_her_own_session_only(self):
        ana = self.client_for(self.ana, enforce_csrf_checks=True)
        self.client_for(self.bea).get(self.url)  # Bea fills the shell
        response = ana.get(self.url)
        self.assertNotIn(LESSON_TEMPLATE, templates(response))
        token = sorted(tokens_of(response))[0]
        mark = re.search(r'action="([^"]*completa[^"]*)"', response.content.decode())[1]
        refused = self.client_for(self.bea, enforce_csrf_checks=True).post(mark, {"csrfmiddlewaretoken": token})
        self.assertEqual(refused.status_code, 403)
        accepted = ana.post(mark, {"csrfmiddlewaretoken": token})
        self.assertEqual(accepted.status_code, 302)

    def test_her_own_progress_and_messages_never_reach_another_reader(self):
        lesson_mark_complete(enrolment=self.enrolments[self.ana.pk], lesson=self.lessons[0])
        ana, bea = self.client_for(self.ana), self.client_for(self.bea)
        bea.get(self.url)  # Bea (not done) fills the shell
        mark = re.search(r'action="([^"]*completa[^"]*)"', bea.get(self.url).content.decode())[1]
        ana_page = ana.get(self.url)
        self.assertContains(ana_page, "Completaste esta lección.")
        self.assertNotContains(ana_page, "Marcar como completada")
        bea_page = bea.get(self.url)
        self.assertContains(bea_page, "Marcar como completada")
        self.assertNotContains(bea_page, "Completaste esta lección.")
        # A message shows once, to her only.
        ana.post(mark)  # already done: "Marcaste la lección como completada." again
        with_message = ana.get(self.url)
        self.assertNotIn(LESSON_TEMPLATE, templates(with_message))
        self.assertContains(with_message, 'class="wrap messages"')
        self.assertNotContains(bea.get(self.url), 'class="wrap messages"')
        self.assertNotContains(ana.get(self.url), 'class="wrap messages"')

    def test_visitors_and_signed_in_readers_get_their_own_header(self):
        url = self.open_lesson.url
        anonymous = self.client_for(None)
        visitor = anonymous.get(url)
        self.assertContains(visitor, "Ingresa e inscríbete para guardar tu avance.")
        ana = self.client_for(self.ana)
        signed_in = ana.get(url)
        self.assertContains(signed_in, "Cerrar sesión")
        self.assertNotContains(signed_in, "Ingresa e inscríbete para guardar tu avance.")
        again = anonymous.get(url)
        self.assertNotIn(LESSON_TEMPLATE, templates(again))
        self.assertNotContains(again, "Cerrar sesión")
        self.assertContains(again, "Ingresar")

    def test_the_user_bar_shows_to_staff_only_whoever_filled_the_shell(self):
        admin = get_user_model().objects.create_superuser("admin@example.cl", "admin@example.cl", "clave-segura-123")
        staff_page = self.client_for(admin).get(self.url)
        self.assertContains(staff_page, "wagtail-userbar")
        learner_page = self.client_for(self.ana).get(self.url)
        self.assertNotIn(LESSON_TEMPLATE, templates(learner_page))
        self.assertNotContains(learner_page, "wagtail-userbar")
        self.assertContains(self.client_for(admin).get(self.url), "wagtail-userbar")

    def test_someone_not_enrolled_gets_the_locked_page_not_the_shell(self):
        self.client_for(self.ana).get(self.url)
        response = self.client_for(learner()).get(self.url)
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, "Marcar como completada", status_code=403)

    def test_a_publish_shows_at_once(self):
        ana = self.client_for(self.ana)
        ana.get(self.url)
        lesson = self.lessons[0].specific
        lesson.title = "Título nuevo de la lección"
        lesson.save_revision().publish()
        response = self.client_for(self.bea).get(self.url)
        self.assertContains(response, "Título nuevo de la lección")
        self.assertIn(LESSON_TEMPLATE, templates(response))

    def test_a_query_string_or_a_disabled_setting_renders_the_whole_page(self):
        ana = self.client_for(self.ana)
        ana.get(self.url)
        self.assertIn(LESSON_TEMPLATE, templates(ana.get(self.url + "?utm=x")))
        with override_settings(COURSES_PAGE_SHELL=False):
            self.assertIn(LESSON_TEMPLATE, templates(ana.get(self.url)))

    def test_a_shell_that_does_not_fit_the_code_renders_the_page_in_full(self):
        from courses import page_shell

        ana = self.client_for(self.ana)
        ana.get(self.url)
        saved = dict(page_shell.PERCALL_NODES)
        page_shell.PERCALL_NODES.clear()  # as if the shell came from templates of another version
        try:
            with self.assertLogs("courses.page_shell", "WARNING"):
                response = ana.get(self.url)
        finally:
            page_shell.PERCALL_NODES.update(saved)
        self.assertEqual(response.status_code, 200)
        self.assertIn(LESSON_TEMPLATE, templates(response))
        self.assertContains(response, "Marcar como completada")

    def test_the_templates_version_is_part_of_the_key(self):
        from courses import page_shell

        self.assertRegex(page_shell.templates_version(), r"^[0-9a-f]{12}$")

    def test_the_catalogue_is_served_from_its_shell(self):
        url = self.catalogue.url
        first = self.client_for(self.ana).get(url)
        second = self.client_for(self.bea).get(url)
        self.assertEqual(second.status_code, 200)
        self.assertNotIn("courses/course_index_page.html", templates(second))
        self.assertEqual(
            first.content.decode().replace(nonce_of(first), "N").count(self.course.title),
            second.content.decode().replace(nonce_of(second), "N").count(self.course.title),
        )

    def test_the_course_outline_shows_each_learner_her_own_progress_from_one_shell(self):
        url = self.course.url
        lesson_mark_complete(enrolment=self.enrolments[self.ana.pk], lesson=self.lessons[0])
        self.client_for(self.bea).get(url)  # Bea (nothing done) fills the shell
        ana_page = self.client_for(self.ana).get(url)
        self.assertNotIn("courses/course_page.html", templates(ana_page))
        self.assertContains(ana_page, "1 de 3 lecciones completadas")
        self.assertContains(ana_page, 'class="is-done"', count=1)
        self.assertContains(ana_page, "Continuar donde quedé")
        bea_page = self.client_for(self.bea).get(url)
        self.assertContains(bea_page, "0 de 3 lecciones completadas")
        self.assertNotContains(bea_page, 'class="is-done"')
        visitor = self.client_for(None).get(url)
        self.assertNotContains(visitor, "lecciones completadas")
        self.assertNotContains(visitor, 'class="state')
        self.assertContains(visitor, "Ingresa para inscribirte")

    def test_a_shell_with_the_same_html_as_a_full_render(self):
        ana = self.client_for(self.ana)

        def normal(response) -> str:
            html = response.content.decode().replace(nonce_of(response), "NONCE")
            return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)

        lesson_mark_complete(enrolment=self.enrolments[self.ana.pk], lesson=self.lessons[1])
        for url in (self.url, self.course.url, self.catalogue.url):
            with override_settings(COURSES_PAGE_SHELL=False):
                full = normal(ana.get(url))
            self.client_for(self.bea).get(url)  # another learner fills the shell
            self.assertEqual(normal(ana.get(url)), full, url)


class RouteKeyTests(TestCase):
    def test_a_600_character_path_makes_a_short_key(self):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="c" * 250)
        course = build_course(catalogue=catalogue, modules=1, lessons=1, slug="d" * 250)
        lesson = list(selectors.course_lessons(course=course))[0]
        url = lesson.url
        self.assertGreater(len(url), 500)
        user = learner()
        enrolment_create(user=user, course=course)
        self.client.force_login(user)
        keys = []
        original = page_cache.key

        def spy(*parts, request=None):
            name = original(*parts, request=request)
            keys.append(name)
            return name

        page_cache.key = spy
        try:
            for _ in range(2):
                self.assertEqual(self.client.get(url).status_code, 200)
        finally:
            page_cache.key = original
        self.assertTrue(keys)
        self.assertLess(max(len(name) for name in keys), 200)


class LocalCopyTests(TestCase):
    """Each process keeps copies of the entries it read (courses.page_cache.read): a new generation written by
    another server (one write to the shared cache) makes them unused at once, and each reader gets her own objects."""

    def test_a_generation_from_another_server_is_seen_at_once(self):
        builds = []

        def build():
            builds.append(1)
            return {"version": len(builds)}

        self.assertEqual(page_cache.get_or_build(("probe",), build), {"version": 1})
        self.assertEqual(page_cache.get_or_build(("probe",), build), {"version": 1})
        cache.set(page_cache.GENERATION_KEY, "otro-servidor", timeout=None)  # what a publish elsewhere writes
        self.assertEqual(page_cache.get_or_build(("probe",), build), {"version": 2})

    def test_each_read_gets_its_own_object(self):
        first = page_cache.get_or_build(("menu-probe",), lambda: [{"active": False}])
        first[0]["active"] = True  # what a template tag may do to what it got
        self.assertEqual(page_cache.get_or_build(("menu-probe",), lambda: []), [{"active": False}])

    def test_without_local_copies_the_shared_cache_answers(self):
        with override_settings(PAGE_CACHE_LOCAL_ENTRIES=0):
            page_cache._local.clear()
            self.assertEqual(page_cache.get_or_build(("plain",), lambda: 1), 1)
            self.assertEqual(len(page_cache._local), 0)
            self.assertEqual(page_cache.get_or_build(("plain",), lambda: 2), 1)
