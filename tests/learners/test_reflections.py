"""Reflection answers: the learner's answer box, the instructors' replies, who sees what, the required-answer rule,
hostile input, and the answers as personal data (export and deletion)."""

import io
import json
import zipfile

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses import page_cache
from learners.enrolment.models import Enrolment
from learners.enrolment.services import enrolment_create
from learners.privacy.models import AuditEvent
from learners.privacy.selectors import learner_data_zip
from learners.privacy.services import learner_delete
from learners.progress.models import LessonProgress
from learners.reflections import selectors, services
from learners.reflections.models import ReflectionAnswer
from tests.csv_files import csv_dicts
from tests.factories.courses import site_root
from tests.factories.learners import make_learner
from tests.learners.reflections_setup import OPTIONAL_PROMPT, REQUIRED_PROMPT, build_reflection_school
from tests.learners.test_bulk import run_for

JSON = {"HTTP_ACCEPT": "application/json"}


class ReflectionTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        for name, value in build_reflection_school(site_root()).items():
            setattr(cls, name, value)

    def setUp(self):
        cache.clear()

    def answer_url(self, block_id=REQUIRED_PROMPT, lesson=None):
        return reverse("learners:reflection_answer", args=[(lesson or self.lesson).pk, block_id])

    def save(self, user, text, block_id=REQUIRED_PROMPT, **extra):
        self.client.force_login(user)
        return self.client.post(self.answer_url(block_id), {"text": text}, **{**JSON, **extra})

    def answer_of(self, enrolment, text="Las veredas rotas de mi pasaje.", block_id=REQUIRED_PROMPT):
        return services.reflection_answer_save(
            user=enrolment.user, enrolment=enrolment, lesson=self.lesson, block_id=block_id, text=text
        )


class AnswerSaveTests(ReflectionTestCase):
    def test_learner_saves_and_edits_her_answer_as_json(self):
        response = self.save(self.ana, "Las veredas rotas.")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.json()["saved"])
        response = self.save(self.ana, "Las veredas rotas y la luz de la plaza.")
        self.assertEqual(response.status_code, 200)
        answer = ReflectionAnswer.objects.get()
        self.assertEqual(
            (answer.enrolment, answer.lesson_id, answer.block_id, answer.text),
            (self.ana_enrolment, self.lesson.pk, REQUIRED_PROMPT, "Las veredas rotas y la luz de la plaza."),
        )
        self.assertEqual(answer.prompt, "¿Qué problema de tu barrio llevarías a la junta?")

    def test_form_post_without_javascript_returns_to_the_prompt(self):
        self.client.force_login(self.ana)
        response = self.client.post(self.answer_url(), {"text": "Más áreas verdes."})
        self.assertRedirects(response, self.lesson.url + f"#reflexion-{REQUIRED_PROMPT}", fetch_redirect_response=False)
        self.assertEqual([str(m) for m in get_messages(response.wsgi_request)], ["Tu respuesta quedó guardada."])
        self.assertEqual(ReflectionAnswer.objects.get().text, "Más áreas verdes.")

    def test_the_lesson_shows_her_answer_box_and_saved_text(self):
        self.answer_of(self.ana_enrolment, "Mi respuesta guardada.")
        self.client.force_login(self.ana)
        response = self.client.get(self.lesson.url)
        self.assertContains(response, f'action="{self.answer_url()}"')
        self.assertContains(response, f'action="{self.answer_url(OPTIONAL_PROMPT)}"')
        self.assertContains(response, "Mi respuesta guardada.</textarea>", html=False)
        self.assertContains(response, "obligatoria para completar la lección")

    def test_an_empty_first_save_stores_nothing(self):
        response = self.save(self.ana, "   ")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(ReflectionAnswer.objects.exists())

    def test_answers_only_prompts_that_are_in_the_lesson(self):
        response = self.save(self.ana, "Hola", block_id="00000000-0000-0000-0000-000000000000")
        self.assertEqual(response.status_code, 404)
        self.client.force_login(self.ana)
        response = self.client.post(self.answer_url(lesson=self.plain_lesson), {"text": "Hola"}, **JSON)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(ReflectionAnswer.objects.exists())

    def test_the_answer_is_final_once_the_instructor_replied(self):
        answer = self.answer_of(self.ana_enrolment, "Primera versión.")
        services.reflection_feedback_save(by=self.teacher, answer=answer, feedback="Muy bien pensado.")
        response = self.save(self.ana, "Otra versión.")
        self.assertEqual(response.status_code, 409)
        self.assertIn("ya no se puede cambiar", response.json()["error"])
        self.assertEqual(ReflectionAnswer.objects.get().text, "Primera versión.")
        response = self.client.get(self.lesson.url)
        self.assertContains(response, "Muy bien pensado.")
        self.assertContains(response, "Comentario del equipo docente")
        self.assertNotContains(response, f'action="{self.answer_url()}"')


class AnswerRefusalTests(ReflectionTestCase):
    def test_anonymous_is_refused(self):
        response = self.client.post(self.answer_url(), {"text": "Hola"}, **JSON)
        self.assertEqual(response.status_code, 403)
        response = self.client.post(self.answer_url(), {"text": "Hola"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("/cuenta/ingresar/", response["Location"])
        self.assertFalse(ReflectionAnswer.objects.exists())

    def test_a_learner_who_is_not_enrolled_is_refused(self):
        outsider = Enrolment.objects.get(user=self.luis)
        outsider.delete()
        response = self.save(self.luis, "Hola")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ReflectionAnswer.objects.exists())

    def test_a_withdrawn_learner_is_refused(self):
        Enrolment.objects.filter(pk=self.luis_enrolment.pk).update(status=Enrolment.Status.WITHDRAWN)
        response = self.save(self.luis, "Hola")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ReflectionAnswer.objects.exists())

    def test_a_deactivated_account_is_refused(self):
        self.client.force_login(self.ana)
        type(self.ana).objects.filter(pk=self.ana.pk).update(is_active=False)
        response = self.client.post(self.answer_url(), {"text": "Hola"}, **JSON)
        self.assertEqual(response.status_code, 403)
        self.ana.is_active = False
        with self.assertRaises(services.ReflectionError):
            services.reflection_answer_save(
                user=self.ana, enrolment=self.ana_enrolment, lesson=self.lesson, block_id=REQUIRED_PROMPT, text="Hola"
            )
        self.assertFalse(ReflectionAnswer.objects.exists())

    def test_a_learner_cannot_write_into_another_learners_enrolment(self):
        with self.assertRaises(services.ReflectionError):
            services.reflection_answer_save(
                user=self.luis, enrolment=self.ana_enrolment, lesson=self.lesson, block_id=REQUIRED_PROMPT, text="x"
            )

    def test_csrf_token_is_required(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.ana)
        response = client.post(self.answer_url(), {"text": "Hola"}, **JSON)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ReflectionAnswer.objects.exists())

    @override_settings(LEARNERS_REFLECTION_SAVES_PER_MINUTE=3)
    def test_saves_are_rate_limited(self):
        statuses = [self.save(self.ana, f"Versión {number}").status_code for number in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429])
        self.assertEqual(ReflectionAnswer.objects.get().text, "Versión 2")
        self.assertIn("Espera un minuto", self.save(self.ana, "Otra").json()["error"])


class HostileInputTests(ReflectionTestCase):
    def test_control_characters_are_dropped_not_a_500(self):
        response = self.save(self.ana, "Hola vecinas\x07\r\nchao\x1b")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(ReflectionAnswer.objects.get().text, "Hola vecinas\nchao")

    def test_a_nul_is_refused_in_spanish_and_writes_nothing(self):
        # The site refuses a NUL anywhere in a request (cms.middleware.BadInputMiddleware); the answer box's script
        # strips NULs before sending, so only a hand-made request gets here.
        response = self.save(self.ana, "Hola\x00 vecinas")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "caracteres o valores que no son válidos", status_code=400)
        self.assertFalse(ReflectionAnswer.objects.exists())

    def test_an_answer_of_ten_thousand_characters_is_refused_in_spanish(self):
        response = self.save(self.ana, "a" * 10_000)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["error"], "Tu texto puede tener hasta 5.000 caracteres; ahora tiene 10.000.")
        self.assertFalse(ReflectionAnswer.objects.exists())

    def test_without_javascript_a_refused_answer_is_shown_again_so_nothing_is_lost(self):
        self.client.force_login(self.ana)
        text = "b" * 5001
        response = self.client.post(self.answer_url(), {"text": text})
        self.assertEqual(response.status_code, 413)
        self.assertContains(response, "hasta 5.000 caracteres", status_code=413)
        self.assertContains(response, text, status_code=413)

    def test_exactly_the_limit_is_accepted(self):
        self.assertEqual(self.save(self.ana, "c" * 5000).status_code, 200)

    def test_html_and_links_are_shown_as_plain_text(self):
        hostile = (
            '<script>alert("x")</script><b>negrita</b> <a href="https://malo.example">aquí</a> https://malo.example'
        )
        self.save(self.ana, hostile)
        answer = ReflectionAnswer.objects.get()
        self.assertEqual(answer.text, hostile)
        services.reflection_feedback_save(by=self.teacher, answer=answer, feedback="<img src=x onerror=alert(1)> ok")
        for user, url in [
            (self.ana, self.lesson.url),
            (
                self.teacher,
                reverse("learners_staff:reflection_prompt", args=[self.cohort.pk, self.lesson.pk, REQUIRED_PROMPT]),
            ),
        ]:
            self.client.force_login(user)
            response = self.client.get(url)
            self.assertContains(response, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
            self.assertNotContains(response, '<script>alert("x")')
            self.assertNotContains(response, "<b>negrita</b>")
            self.assertNotContains(response, 'href="https://malo.example"')
            self.assertNotContains(response, "<img src=x")
            self.assertContains(response, "&lt;img src=x onerror=alert(1)&gt; ok")

    def test_feedback_is_capped_and_cannot_be_empty(self):
        answer = self.answer_of(self.ana_enrolment)
        with self.assertRaises(services.ReflectionError):
            services.reflection_feedback_save(by=self.teacher, answer=answer, feedback=" \x00 ")
        with self.assertRaises(services.ReflectionError):
            services.reflection_feedback_save(by=self.teacher, answer=answer, feedback="x" * 2001)
        answer.refresh_from_db()
        self.assertIsNone(answer.feedback_at)


class LearnerVisibilityTests(ReflectionTestCase):
    def test_another_learner_never_sees_her_answer(self):
        self.answer_of(self.ana_enrolment, "Texto privado de Ana.")
        for user in [self.luis, self.carla]:
            self.client.force_login(user)
            response = self.client.get(self.lesson.url)
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, "Texto privado de Ana.")

    def test_visitors_and_staff_see_the_prompt_without_an_answer_box(self):
        self.answer_of(self.ana_enrolment, "Texto privado de Ana.")
        self.client.force_login(self.academy)  # may edit the lesson, so reads it without an enrolment
        response = self.client.get(self.lesson.url)
        self.assertContains(response, "¿Qué problema de tu barrio llevarías a la junta?")
        self.assertNotContains(response, "Texto privado de Ana.")
        self.assertNotContains(response, 'name="text"')
        type(self.course).objects.filter(pk=self.course.pk).update(is_open=True)
        page_cache.invalidate()  # a change that bypasses Wagtail renews the page cache by hand (README)
        self.client.logout()
        response = self.client.get(self.lesson.url)
        self.assertContains(response, "¿Qué problema de tu barrio llevarías a la junta?")
        self.assertNotContains(response, "Texto privado de Ana.")
        self.assertNotContains(response, 'name="text"')


def _prompt_url(test, cohort=None, block_id=REQUIRED_PROMPT):
    return reverse("learners_staff:reflection_prompt", args=[(cohort or test.cohort).pk, test.lesson.pk, block_id])


class StaffPermissionTests(ReflectionTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ana_answer = services.reflection_answer_save(
            user=cls.ana, enrolment=cls.ana_enrolment, lesson=cls.lesson, block_id=REQUIRED_PROMPT, text="Lo de Ana."
        )
        cls.carla_answer = services.reflection_answer_save(
            user=cls.carla,
            enrolment=cls.carla_enrolment,
            lesson=cls.lesson,
            block_id=REQUIRED_PROMPT,
            text="Lo de Carla.",
        )

    def pages(self, cohort, answer):
        return [
            reverse("learners_staff:reflection_cohort", args=[cohort.pk]),
            _prompt_url(self, cohort),
            reverse("learners_staff:reflection_learner", args=[cohort.pk, answer.enrolment_id]),
        ]

    def reply(self, user, answer, text="Gracias por compartir."):
        self.client.force_login(user)
        return self.client.post(reverse("learners_staff:reflection_feedback", args=[answer.pk]), {"feedback": text})

    def test_instructor_reads_and_replies_only_in_her_cohorts(self):
        self.client.force_login(self.teacher)
        listing = self.client.get(reverse("learners_staff:reflections"))
        self.assertContains(listing, "Grupo Santiago")
        self.assertNotContains(listing, "Grupo Ñuñoa")
        for url in self.pages(self.cohort, self.ana_answer):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
        response = self.client.get(_prompt_url(self))
        self.assertContains(response, "Lo de Ana.")
        self.assertNotContains(response, "Lo de Carla.")
        self.assertContains(response, 'name="feedback"')
        for url in self.pages(self.other_cohort, self.carla_answer):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        self.assertEqual(self.reply(self.teacher, self.carla_answer).status_code, 404)
        response = self.reply(self.teacher, self.ana_answer)
        self.assertRedirects(
            response, reverse("learners_staff:reflection_cohort", args=[self.cohort.pk]), fetch_redirect_response=False
        )
        self.ana_answer.refresh_from_db()
        self.carla_answer.refresh_from_db()
        self.assertEqual(
            (self.ana_answer.feedback, self.ana_answer.feedback_by), ("Gracias por compartir.", self.teacher)
        )
        self.assertIsNone(self.carla_answer.feedback_at)

    def test_reply_returns_to_the_page_it_came_from(self):
        self.client.force_login(self.teacher)
        response = self.client.post(
            reverse("learners_staff:reflection_feedback", args=[self.ana_answer.pk]),
            {"feedback": "Bien.", "next": _prompt_url(self)},
        )
        self.assertRedirects(
            response, _prompt_url(self) + f"#respuesta-{self.ana_answer.pk}", fetch_redirect_response=False
        )
        response = self.client.post(
            reverse("learners_staff:reflection_feedback", args=[self.ana_answer.pk]),
            {"feedback": "Bien.", "next": "//malo.example/"},
        )
        self.assertEqual(response["Location"], reverse("learners_staff:reflection_cohort", args=[self.cohort.pk]))

    def test_coordinator_reads_her_municipality_without_replying(self):
        for url in self.pages(self.cohort, self.ana_answer):
            self.client.force_login(self.coordinator)
            self.assertEqual(self.client.get(url).status_code, 200, url)
        response = self.client.get(_prompt_url(self))
        self.assertContains(response, "Lo de Ana.")
        self.assertNotContains(response, 'name="feedback"')
        self.assertEqual(self.reply(self.coordinator, self.ana_answer).status_code, 403)
        for url in self.pages(self.other_cohort, self.carla_answer):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        self.assertEqual(self.reply(self.coordinator, self.carla_answer).status_code, 404)
        self.assertFalse(ReflectionAnswer.objects.filter(feedback_at__isnull=False).exists())

    def test_academy_reads_and_replies_in_every_cohort(self):
        self.client.force_login(self.academy)
        for url in self.pages(self.cohort, self.ana_answer) + self.pages(self.other_cohort, self.carla_answer):
            self.assertEqual(self.client.get(url).status_code, 200, url)
        self.assertEqual(self.reply(self.academy, self.carla_answer).status_code, 302)
        self.carla_answer.refresh_from_db()
        self.assertEqual(self.carla_answer.feedback_by, self.academy)

    def test_learners_are_refused(self):
        for learner in [self.ana, self.luis]:
            self.client.force_login(learner)
            self.assertEqual(self.client.get(reverse("learners_staff:reflections")).status_code, 403)
            for url in self.pages(self.cohort, self.ana_answer):
                self.assertEqual(self.client.get(url).status_code, 403, url)
            self.assertEqual(self.reply(learner, self.ana_answer).status_code, 403)
        self.assertFalse(ReflectionAnswer.objects.filter(feedback_at__isnull=False).exists())

    @override_settings(LOGIN_URL="/cuenta/ingresar/")
    def test_anonymous_and_deactivated_staff_go_to_log_in(self):
        self.client.force_login(self.teacher)
        type(self.teacher).objects.filter(pk=self.teacher.pk).update(is_active=False)
        for client in [Client(), self.client]:
            for url in [reverse("learners_staff:reflections"), *self.pages(self.cohort, self.ana_answer)]:
                response = client.get(url)
                self.assertEqual(response.status_code, 302, url)
                self.assertTrue(response["Location"].startswith("/cuenta/ingresar/"))
            response = client.post(
                reverse("learners_staff:reflection_feedback", args=[self.ana_answer.pk]), {"feedback": "x"}
            )
            self.assertEqual(response.status_code, 302)
        self.teacher.is_active = False
        with self.assertRaises(services.ReflectionError):
            services.reflection_feedback_save(by=self.teacher, answer=self.ana_answer, feedback="x")
        self.assertFalse(ReflectionAnswer.objects.filter(feedback_at__isnull=False).exists())

    def test_an_instructor_named_only_on_the_course_does_not_see_the_cohorts_answers(self):
        from courses.models import CourseInstructor

        CourseInstructor.objects.create(page=self.course, user=self.other_teacher, name="Otra profe")
        self.client.force_login(self.other_teacher)
        for url in self.pages(self.cohort, self.ana_answer):
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_feedback_is_recorded_in_the_audit_log(self):
        self.reply(self.teacher, self.ana_answer)
        event = AuditEvent.objects.get(action="reflection.feedback_given")
        self.assertEqual((event.actor, event.subject_id), (self.teacher, str(self.ana_answer.pk)))
        self.assertNotIn("Lo de Ana.", json.dumps(event.data) + event.subject_label)

    def test_staff_pages_query_count_does_not_grow_with_answers(self):
        self.client.force_login(self.teacher)
        urls = [
            reverse("learners_staff:reflections"),
            reverse("learners_staff:reflection_cohort", args=[self.cohort.pk]),
            _prompt_url(self),
        ]
        self.client.get(urls[0])
        before = [self._count(url) for url in urls]
        for number in range(4):
            extra = make_learner(run=run_for(18_000_000 + number), email=f"extra{number}@example.cl")
            enrolment = enrolment_create(user=extra, course=self.course, cohort=self.cohort)
            services.reflection_answer_save(
                user=extra, enrolment=enrolment, lesson=self.lesson, block_id=REQUIRED_PROMPT, text="Otra respuesta"
            )
        self.assertEqual([self._count(url) for url in urls], before)
        self.assertContains(self.client.get(urls[2]), "Otra respuesta", count=4)

    def _count(self, url):
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries)


class CompletionRuleTests(ReflectionTestCase):
    def complete(self, user, lesson=None):
        self.client.force_login(user)
        return self.client.post(reverse("learners:mark_complete", args=[(lesson or self.lesson).pk]), follow=True)

    def test_mark_complete_is_refused_until_the_required_prompt_is_answered(self):
        response = self.complete(self.ana)
        self.assertContains(
            response,
            "Responde la pregunta «Para reflexionar» de esta lección antes de marcarla como completada.",
        )
        self.assertFalse(LessonProgress.objects.filter(enrolment=self.ana_enrolment).exists())
        self.assertContains(response, "primero responde su pregunta «Para reflexionar»")

    def test_an_empty_answer_does_not_count(self):
        ReflectionAnswer.objects.create(
            enrolment=self.ana_enrolment, lesson=self.lesson, block_id=REQUIRED_PROMPT, text=""
        )
        self.complete(self.ana)
        self.assertFalse(LessonProgress.objects.filter(enrolment=self.ana_enrolment).exists())

    def test_answering_the_required_prompt_is_enough(self):
        self.answer_of(self.ana_enrolment, "Mi respuesta.")
        self.complete(self.ana)
        self.assertTrue(
            LessonProgress.objects.filter(
                enrolment=self.ana_enrolment, lesson=self.lesson, completed_at__isnull=False
            ).exists()
        )

    def test_an_optional_answer_is_not_enough(self):
        self.answer_of(self.ana_enrolment, "Solo la opcional.", block_id=OPTIONAL_PROMPT)
        self.complete(self.ana)
        self.assertFalse(LessonProgress.objects.filter(enrolment=self.ana_enrolment).exists())

    def test_lessons_without_required_prompts_complete_as_before(self):
        self.complete(self.ana, self.plain_lesson)
        self.assertTrue(LessonProgress.objects.filter(enrolment=self.ana_enrolment, lesson=self.plain_lesson).exists())


class SelectorTests(ReflectionTestCase):
    def test_pending_feedback_by_learner(self):
        ana_first = self.answer_of(self.ana_enrolment)
        self.answer_of(self.ana_enrolment, block_id=OPTIONAL_PROMPT)
        self.answer_of(self.luis_enrolment)
        self.answer_of(self.carla_enrolment)
        ReflectionAnswer.objects.create(
            enrolment=self.luis_enrolment, lesson=self.lesson, block_id=OPTIONAL_PROMPT, text=""
        )
        services.reflection_feedback_save(by=self.teacher, answer=ana_first, feedback="Bien.")
        with self.assertNumQueries(1):
            pending = selectors.pending_feedback_by_learner(cohort=self.cohort)
        self.assertEqual(pending, {self.ana.pk: 1, self.luis.pk: 1})
        self.assertEqual(selectors.pending_feedback_by_learner(cohort=self.other_cohort), {self.carla.pk: 1})

    def test_learner_feedback_for_course(self):
        answer = self.answer_of(self.ana_enrolment, "Mi respuesta.")
        services.reflection_feedback_save(by=self.teacher, answer=answer, feedback="Buen punto.")
        with self.assertNumQueries(3):
            rows = selectors.learner_feedback_for_course(user=self.ana, course=self.course)
        self.assertEqual([row.block_id for row in rows], [REQUIRED_PROMPT, OPTIONAL_PROMPT])
        first, second = rows
        self.assertEqual(
            (first.text, first.feedback, first.answered, first.has_feedback),
            ("Mi respuesta.", "Buen punto.", True, True),
        )
        self.assertTrue(first.answer_required)
        self.assertEqual((second.text, second.answered, second.has_feedback), ("", False, False))
        self.assertEqual(selectors.learner_feedback_for_course(user=self.academy, course=self.course), [])
        self.assertEqual(selectors.learner_feedback_for_course(user=AnonymousUser(), course=self.course), [])

    def test_the_mis_notas_include_lists_prompts_feedback_and_escapes_it(self):
        from django.template.loader import render_to_string
        from django.test import RequestFactory

        answer = self.answer_of(self.ana_enrolment, "Mi respuesta.")
        services.reflection_feedback_save(by=self.teacher, answer=answer, feedback="<b>Bien</b> https://x.example")
        rows = selectors.learner_feedback_for_course(user=self.ana, course=self.course)
        html = render_to_string(
            "learners/reflections/includes/course_feedback.html", {"rows": rows}, request=RequestFactory().get("/")
        )
        self.assertIn("&lt;b&gt;Bien&lt;/b&gt; https://x.example", html)
        self.assertNotIn('href="https://x.example"', html)
        self.assertIn(f"{self.lesson.url}#reflexion-{OPTIONAL_PROMPT}", html)
        self.assertIn("Sin responder todavía.", html)

    def test_the_lesson_page_costs_the_same_with_or_without_answers(self):
        self.client.force_login(self.ana)
        self.client.get(self.lesson.url)
        with CaptureQueriesContext(connection) as before:
            self.client.get(self.lesson.url)
        self.answer_of(self.ana_enrolment, "Una.")
        self.answer_of(self.ana_enrolment, "Otra.", block_id=OPTIONAL_PROMPT)
        with CaptureQueriesContext(connection) as after:
            response = self.client.get(self.lesson.url)
        self.assertContains(response, "Otra.</textarea>")
        self.assertEqual(len(after), len(before))
        answer_queries = [query for query in after.captured_queries if "learners_reflectionanswer" in query["sql"]]
        self.assertEqual(len(answer_queries), 2)  # her answers in the lesson, and the required-answer check


class PersonalDataTests(ReflectionTestCase):
    def test_answers_and_feedback_are_in_her_download_with_formulas_neutralised(self):
        formula = '=HYPERLINK("https://malo.example","clic")'
        answer = self.answer_of(self.ana_enrolment, formula)
        services.reflection_feedback_save(by=self.teacher, answer=answer, feedback="+SUMA(1;2)")
        self.answer_of(self.luis_enrolment, "Lo de Luis.")
        archive = zipfile.ZipFile(io.BytesIO(learner_data_zip(user=self.ana)))
        data = json.loads(archive.read("datos.json"))
        [row] = data["respuestas_reflexion"]
        self.assertEqual((row["respuesta"], row["comentario"]), (formula, "+SUMA(1;2)"))
        self.assertEqual(row["pregunta"], "¿Qué problema de tu barrio llevarías a la junta?")
        self.assertEqual(row["leccion"], "La junta y su barrio")
        rows = csv_dicts(archive.read("respuestas_reflexion.csv"))
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["respuesta"], "'" + formula)
        self.assertEqual(rows[0]["comentario"], "'+SUMA(1;2)")
        self.assertNotIn("Lo de Luis.", archive.read("datos.json").decode())

    def test_deletion_removes_her_answers_and_keeps_the_others(self):
        self.answer_of(self.ana_enrolment, "Lo de Ana.")
        self.answer_of(self.ana_enrolment, "Otra de Ana.", block_id=OPTIONAL_PROMPT)
        self.answer_of(self.luis_enrolment, "Lo de Luis.")
        erasure = learner_delete(user=self.ana, by=None)
        self.assertEqual(erasure.counts["reflection_answers"], 2)
        self.assertEqual(list(ReflectionAnswer.objects.values_list("text", flat=True)), ["Lo de Luis."])
        self.assertFalse(ReflectionAnswer.objects.filter(text__contains="Ana").exists())


class ReportTests(ReflectionTestCase):
    def test_answers_stay_out_of_the_reports_even_the_personal_one(self):
        answer = self.answer_of(self.ana_enrolment, "Texto reservado de Ana.")
        services.reflection_feedback_save(by=self.teacher, answer=answer, feedback="Comentario reservado.")
        self.client.force_login(self.academy)
        profile_url = reverse("cms_reports_learner", args=[self.ana.learner_profile.pk])
        pages = [
            (profile_url, "Grupo Santiago"),
            (profile_url + "?export=csv", "Grupo Santiago"),
            (reverse("cms_reports_learners") + "?export=csv", "Pérez"),
            (reverse("cms_reports_courses") + "?export=csv", "Juntas de vecinos"),
        ]
        for url, shown in pages:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            content = b"".join(response) if response.streaming else response.content
            self.assertIn(shown.encode(), content, url)
            self.assertNotIn(b"reservado", content, url)
