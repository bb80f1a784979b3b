from django.test import TestCase

from courses import selectors
from learners.enrolment.services import enrolment_create
from learners.models import Enrolment, LessonProgress
from learners.progress.services import lesson_mark_complete
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import cohort, learner


class LearningFlowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.course = build_course(catalogue=catalogue, modules=2, lessons=2, title="Juntas de vecinos")
        cls.lessons = list(selectors.course_lessons(course=cls.course))
        cls.open_course = build_course(catalogue=catalogue, modules=1, lessons=1, is_open=True, title="Curso abierto")

    def setUp(self):
        self.user = learner()
        self.client.force_login(self.user)

    def test_anonymous_sees_outline_but_not_lesson_bodies(self):
        self.client.logout()
        response = self.client.get(self.course.url)
        self.assertContains(response, self.lessons[0].title)
        response = self.client.get(self.lessons[0].url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Contenido de la lección.")
        self.assertContains(response, "/cuenta/ingresar/?next=")

    def test_anonymous_post_goes_to_login_and_back_to_the_course(self):
        self.client.logout()
        response = self.client.post(f"/cursos/{self.course.pk}/inscripcion/")
        self.assertRedirects(response, f"/cuenta/ingresar/?next={self.course.url}", fetch_redirect_response=False)
        self.assertFalse(Enrolment.objects.exists())

    def test_open_course_lessons_are_public(self):
        self.client.logout()
        lesson = selectors.course_lessons(course=self.open_course).first()
        self.assertContains(self.client.get(lesson.url), "Contenido de la lección.")

    def test_signed_in_but_not_enrolled_is_refused(self):
        response = self.client.get(self.lessons[0].url)
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, "Contenido de la lección.", status_code=403)

    def test_enrol_read_and_complete(self):
        response = self.client.post(f"/cursos/{self.course.pk}/inscripcion/")
        self.assertRedirects(response, self.course.url, fetch_redirect_response=False)
        self.client.post(f"/cursos/{self.course.pk}/inscripcion/")  # double click
        self.assertEqual(Enrolment.objects.filter(user=self.user).count(), 1)

        response = self.client.get(self.lessons[0].url)
        self.assertContains(response, "Contenido de la lección.")
        self.assertContains(response, f'action="/lecciones/{self.lessons[0].pk}/completar/"')
        enrolment = Enrolment.objects.get(user=self.user)
        self.assertEqual(enrolment.last_lesson_id, self.lessons[0].pk)

        for lesson in self.lessons:
            response = self.client.post(f"/lecciones/{lesson.pk}/completar/")
        self.assertRedirects(response, "/mis-cursos/", fetch_redirect_response=False)
        enrolment.refresh_from_db()
        self.assertEqual(enrolment.status, Enrolment.Status.COMPLETED)
        dashboard = self.client.get("/mis-cursos/")
        self.assertEqual(dashboard.context["dashboard"].completed[0].percent, 100)

    def test_mark_complete_twice_keeps_one_row(self):
        enrolment_create(user=self.user, course=self.course)
        self.client.post(f"/lecciones/{self.lessons[0].pk}/completar/")
        self.client.post(f"/lecciones/{self.lessons[0].pk}/completar/")
        self.assertEqual(LessonProgress.objects.count(), 1)

    def test_mark_complete_requires_enrolment_and_post(self):
        self.assertEqual(self.client.post(f"/lecciones/{self.lessons[0].pk}/completar/").status_code, 404)
        enrolment_create(user=self.user, course=self.course)
        self.assertEqual(self.client.get(f"/lecciones/{self.lessons[0].pk}/completar/").status_code, 405)
        self.assertFalse(LessonProgress.objects.exists())

    def test_next_redirect_stays_on_this_site(self):
        enrolment_create(user=self.user, course=self.course)
        response = self.client.post(f"/lecciones/{self.lessons[0].pk}/completar/", {"next": "//evil.example/"})
        self.assertRedirects(response, self.lessons[0].url, fetch_redirect_response=False)

    def test_course_page_shows_state_and_continue(self):
        enrolment = enrolment_create(user=self.user, course=self.course)
        lesson_mark_complete(enrolment=enrolment, lesson=self.lessons[0])
        self.client.get(self.lessons[1].url)
        response = self.client.get(self.course.url)
        state = response.context["state"]
        self.assertEqual(state.percent, 25)
        self.assertEqual(state.next_lesson.pk, self.lessons[1].pk)
        self.assertContains(response, 'class="is-done"')
        self.assertContains(response, "1 de 2 lecciones completadas")
        self.assertContains(response, "0 de 2 lecciones completadas")

    def test_withdraw_from_dashboard(self):
        enrolment_create(user=self.user, course=self.course)
        response = self.client.post(f"/cursos/{self.course.pk}/retiro/")
        self.assertRedirects(response, "/mis-cursos/", fetch_redirect_response=False)
        self.assertEqual(Enrolment.objects.get().status, Enrolment.Status.WITHDRAWN)


class PrivacyBetweenLearnersTests(TestCase):
    """A learner can never see or change another learner's data."""

    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=2, title="Liderazgo")
        cls.lessons = list(selectors.course_lessons(course=cls.course))
        cls.ana = learner(given_names="Ana")
        cls.berta = learner(given_names="Berta")
        cls.berta_enrolment = enrolment_create(user=cls.berta, course=cls.course)
        lesson_mark_complete(enrolment=cls.berta_enrolment, lesson=cls.lessons[0])

    def setUp(self):
        self.client.force_login(self.ana)

    def test_dashboard_shows_only_my_courses(self):
        response = self.client.get("/mis-cursos/")
        self.assertNotContains(response, "Liderazgo")
        self.assertEqual(response.context["dashboard"].in_progress, [])

    def test_cannot_withdraw_someone_else(self):
        self.assertEqual(self.client.post(f"/cursos/{self.course.pk}/retiro/").status_code, 404)
        self.berta_enrolment.refresh_from_db()
        self.assertEqual(self.berta_enrolment.status, Enrolment.Status.ACTIVE)

    def test_cannot_progress_on_someone_elses_enrolment(self):
        self.assertEqual(self.client.post(f"/lecciones/{self.lessons[1].pk}/completar/").status_code, 404)
        self.assertEqual(LessonProgress.objects.filter(enrolment=self.berta_enrolment).count(), 1)

    def test_course_page_state_is_mine(self):
        response = self.client.get(self.course.url)
        self.assertIsNone(response.context["state"].enrolment)


class WaitlistViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=1)
        cls.group = cohort(course=cls.course, capacity=1, name="Grupo Peñalolén")
        enrolment_create(user=learner(), course=cls.course, cohort=cls.group)

    def test_full_cohort_puts_me_on_the_waitlist_with_my_position(self):
        user = learner()
        self.client.force_login(user)
        self.client.post(f"/cursos/{self.course.pk}/inscripcion/", {"cohort": self.group.pk})
        enrolment = Enrolment.objects.get(user=user)
        self.assertEqual(enrolment.status, Enrolment.Status.WAITLISTED)
        response = self.client.get("/mis-cursos/")
        self.assertEqual(response.context["dashboard"].waitlisted[0].waitlist_position, 1)
        lesson = selectors.course_lessons(course=self.course).first()
        self.assertEqual(self.client.get(lesson.url).status_code, 403)
