"""Issue 13 item 11: "Marcar como completada" shows that it worked (the lesson as completed, a Spanish message and
the next step) before the learner moves on."""

from django.test import TestCase

from courses import selectors
from learners.enrolment.services import enrolment_create
from learners.models import LessonProgress
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import learner


class MarkCompleteFeedbackTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=2, title="Juntas de vecinos")
        cls.lessons = list(selectors.course_lessons(course=cls.course))

    def setUp(self):
        self.user = learner()
        self.client.force_login(self.user)
        enrolment_create(user=self.user, course=self.course)

    def complete(self, lesson, **data):
        return self.client.post(f"/lecciones/{lesson.pk}/completar/", data, follow=True)

    def test_back_on_the_lesson_as_completed_with_the_next_lesson(self):
        response = self.complete(self.lessons[0])
        self.assertEqual(response.redirect_chain[-1][0], self.lessons[0].url)
        self.assertContains(response, "Marcaste la lección como completada.")
        self.assertContains(response, "Completaste esta lección.")
        self.assertContains(response, f'href="{self.lessons[1].url}"')
        self.assertContains(response, f"Siguiente lección: {self.lessons[1].title}")
        self.assertNotContains(response, "Marcar como completada</button>")

    def test_last_lesson_with_an_earlier_one_pending_points_back_to_the_course(self):
        response = self.complete(self.lessons[1])
        self.assertContains(response, "Completaste esta lección.")
        self.assertContains(response, "Volver al curso")
        self.assertContains(response, f'href="{self.course.url}"')
        self.assertNotContains(response, "Siguiente lección:")

    def test_a_posted_next_no_longer_moves_her_away_nor_to_another_host(self):
        for value in ["//evil.example/", "https://evil.example/", "javascript:alert(1)", self.lessons[1].url]:
            with self.subTest(value=value):
                response = self.client.post(f"/lecciones/{self.lessons[0].pk}/completar/", {"next": value})
                self.assertRedirects(response, self.lessons[0].url, fetch_redirect_response=False)

    def test_anonymous_and_not_enrolled_get_no_feedback_and_no_write(self):
        self.client.logout()
        response = self.client.post(f"/lecciones/{self.lessons[0].pk}/completar/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/cuenta/ingresar/", response["Location"])
        self.client.force_login(learner())
        self.assertEqual(self.client.post(f"/lecciones/{self.lessons[0].pk}/completar/").status_code, 404)
        self.assertFalse(LessonProgress.objects.exists())
