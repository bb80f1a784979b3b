"""The xAPI endpoint and its reducer: access, validation, forgery, replay of real statements, grades, progress."""

import json
import uuid
from decimal import Decimal

from django.test import Client, override_settings

from courses.models import H5PActivity
from learners.enrolment.services import EnrolmentError, enrolment_create
from learners.models import Enrolment, H5PAttempt, H5PStatement, LessonProgress
from learners.progress.services import lesson_mark_complete
from tests.factories.courses import CoursePageFactory, LessonPageFactory, ModulePageFactory
from tests.factories.h5p import (
    CAPTURE_QUESTION_IDS,
    multichoice_capture_content,
    questionset_capture_content,
    test_question_content,
)
from tests.factories.h5p_activities import h5p_lesson, make_activity
from tests.factories.learners import learner
from tests.learners.h5p_setup import H5PTestCase, capture_for, iri_for, scored, statement

Q1, Q2 = CAPTURE_QUESTION_IDS


class XapiAccessTests(H5PTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity(content=test_question_content(correct=1))
        cls.lesson = h5p_lesson(parent=cls.module, blocks=[(cls.activity, True, 60)])

    def test_anonymous_is_refused(self):
        self.client.logout()
        response = self.post_statement(self.lesson, self.activity, statement(self.activity, "attempted"))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(H5PStatement.objects.exists())

    def test_csrf_token_is_required_in_a_header(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.user)
        data = statement(self.activity, "attempted")
        self.assertEqual(self.post_statement(self.lesson, self.activity, data, client=client).status_code, 403)
        client.get("/mis-cursos/")  # sets the CSRF cookie
        token = client.cookies["csrftoken"].value
        response = self.post_statement(self.lesson, self.activity, data, client=client, HTTP_X_CSRFTOKEN=token)
        self.assertEqual(response.status_code, 200)

    def test_only_enrolled_learners(self):
        self.client.force_login(learner())
        response = self.post_statement(self.lesson, self.activity, statement(self.activity, "attempted"))
        self.assertEqual(response.status_code, 403)
        Enrolment.objects.filter(pk=self.enrolment.pk).update(status=Enrolment.Status.WITHDRAWN)
        self.client.force_login(self.user)
        response = self.post_statement(self.lesson, self.activity, statement(self.activity, "attempted"))
        self.assertEqual(response.status_code, 403)

    def test_activity_must_be_placed_in_the_lesson(self):
        other = make_activity()
        response = self.post_statement(self.lesson, other, statement(other, "attempted"))
        self.assertEqual(response.status_code, 404)

    def test_get_is_not_allowed(self):
        self.assertEqual(self.client.get(self.xapi_url(self.lesson, self.activity)).status_code, 405)

    def test_size_cap(self):
        data = statement(self.activity, "attempted", padding="x" * 70_000)
        response = self.post_statement(self.lesson, self.activity, data)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(H5PStatement.objects.exists())

    def test_malformed_statements(self):
        bad = [
            b"{not json",
            b"[1, 2]",
            json.dumps({"object": {"id": iri_for(self.activity)}}),
            json.dumps({"verb": {"id": 5}, "object": {"id": iri_for(self.activity)}}),
            json.dumps({"verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"}}),
            json.dumps({**statement(self.activity, "attempted"), "id": "not-a-uuid"}),
        ]
        for body in bad:
            with self.subTest(body=body):
                response = self.post_statement(self.lesson, self.activity, body)
                self.assertEqual(response.status_code, 400)
                self.assertIn("message", response.json())
        self.assertFalse(H5PStatement.objects.exists())

    def test_actor_is_replaced_by_the_signed_in_user(self):
        data = statement(self.activity, "attempted")
        data["actor"] = {"name": "Otra persona", "mbox": "mailto:otra@example.org"}
        self.assertEqual(self.post_statement(self.lesson, self.activity, data).status_code, 200)
        stored = H5PStatement.objects.get()
        self.assertEqual(stored.user, self.user)
        self.assertEqual(stored.raw["actor"]["account"]["name"], str(self.user.pk))
        self.assertNotIn("mbox", stored.raw["actor"])
        self.assertEqual(stored.raw["id"], data["id"])

    def test_foreign_object_ids_are_refused(self):
        iri = iri_for(self.activity)
        for object_id in (
            "https://testserver/h5p/actividad/" + str(uuid.uuid4()),
            iri + "-otra",
            iri + "?subContentId=",
            iri + "?subContentId=../../x",
            iri + "/extra",
            "http://testserver/h5p/actividad/" + str(self.activity.uuid),
        ):
            with self.subTest(object_id=object_id):
                data = statement(self.activity, "attempted")
                data["object"]["id"] = object_id
                self.assertEqual(self.post_statement(self.lesson, self.activity, data).status_code, 400)
        self.assertFalse(H5PStatement.objects.exists())

    def test_statement_without_id_gets_one(self):
        data = statement(self.activity, "interacted")
        del data["id"]
        self.assertEqual(self.post_statement(self.lesson, self.activity, data).status_code, 200)
        self.assertTrue(H5PStatement.objects.get().statement_id)

    @override_settings(LEARNERS_H5P_XAPI_PER_MINUTE=3)
    def test_rate_limit_per_user_and_activity(self):
        from django.core.cache import cache

        cache.clear()
        codes = [
            self.post_statement(self.lesson, self.activity, statement(self.activity, "interacted")).status_code
            for _ in range(4)
        ]
        self.assertEqual(codes, [200, 200, 200, 429])
        cache.clear()

    def test_preview_by_an_editor_stores_nothing(self):
        from tests.factories.learners import make_user

        editor = make_user(is_superuser=True, is_staff=True)
        self.client.force_login(editor)
        response = self.post_statement(self.lesson, self.activity, statement(self.activity, "attempted"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"stored": False, "preview": True})
        self.assertFalse(H5PStatement.objects.exists())


class ReducerTests(H5PTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.quiz = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        cls.single = make_activity(content=multichoice_capture_content(), main_library="H5P.MultiChoice 1.16")
        cls.quiz_lesson = h5p_lesson(parent=cls.module, blocks=[(cls.quiz, True, 50)])
        cls.single_lesson = h5p_lesson(parent=cls.module, blocks=[(cls.single, True, 60)])

    def replay(self, lesson, activity, statements):
        responses = [self.post_statement(lesson, activity, item) for item in statements]
        for response in responses:
            self.assertEqual(response.status_code, 200, response.content)
        return responses

    def test_questionset_capture_gives_one_attempt_of_one_out_of_two_passed_at_50(self):
        responses = self.replay(self.quiz_lesson, self.quiz, capture_for("questionset-2-multichoice", self.quiz))
        attempt = H5PAttempt.objects.get()
        self.assertEqual((attempt.number, attempt.raw_score, attempt.max_score), (1, 1.0, 2.0))
        self.assertEqual(attempt.scaled, Decimal("0.5"))
        self.assertTrue(attempt.success)
        self.assertFalse(attempt.score_disputed)
        self.assertEqual(attempt.duration_seconds, 3.15)
        self.assertEqual(H5PStatement.objects.count(), 10)
        # The attempt opens with the first answer: the "attempted" and "interacted" before it, and the last
        # "progressed" after it, are kept for the record only.
        self.assertEqual(H5PStatement.objects.filter(attempt=attempt).count(), 6)
        answered = dict(
            H5PStatement.objects.filter(sub_content_id__in=[Q1, Q2], verb__endswith="answered").values_list(
                "sub_content_id", "server_raw"
            )
        )
        self.assertEqual(answered, {Q1: 1.0, Q2: 0.0})
        closing = responses[8].json()
        self.assertTrue(closing["completed"])
        self.assertTrue(closing["lesson_completed"])
        progress = LessonProgress.objects.get(enrolment=self.enrolment, lesson=self.quiz_lesson)
        self.assertEqual((progress.score, progress.source), (Decimal("0.5"), LessonProgress.Source.ACTIVITY))

    def test_multichoice_capture_gives_one_out_of_one(self):
        self.replay(self.single_lesson, self.single, capture_for("multichoice-single", self.single))
        attempt = H5PAttempt.objects.get()
        self.assertEqual((attempt.raw_score, attempt.max_score, attempt.scaled), (1.0, 1.0, Decimal("1")))
        self.assertTrue(attempt.success)
        self.assertFalse(attempt.score_disputed)

    def test_sub_content_answer_does_not_complete(self):
        self.replay(self.quiz_lesson, self.quiz, capture_for("questionset-2-multichoice", self.quiz)[:8])
        attempt = H5PAttempt.objects.get()
        self.assertIsNone(attempt.completed_at)
        self.assertFalse(LessonProgress.objects.exists())

    def test_top_level_answered_completes_a_standalone_question(self):
        self.post_statement(self.single_lesson, self.single, statement(self.single, "attempted"))
        response = self.post_statement(
            self.single_lesson, self.single, statement(self.single, "answered", result=scored(1, 1, "0"))
        )
        self.assertTrue(response.json()["completed"])
        self.assertEqual(response.json()["percent"], 100)
        self.assertIsNotNone(H5PAttempt.objects.get().completed_at)
        self.assertTrue(LessonProgress.objects.filter(lesson=self.single_lesson, completed_at__isnull=False).exists())

    def test_closing_without_an_attempted_statement_opens_and_closes_one(self):
        self.post_statement(
            self.single_lesson, self.single, statement(self.single, "answered", result=scored(0, 1, "2"))
        )
        attempt = H5PAttempt.objects.get()
        self.assertEqual((attempt.number, attempt.raw_score, attempt.success), (1, 0.0, False))
        self.assertFalse(LessonProgress.objects.exists())

    def test_forged_scores_are_refused_and_close_nothing(self):
        self.post_statement(self.single_lesson, self.single, statement(self.single, "attempted"))
        forgeries = {
            "raw above max": scored(2, 1, "0"),
            "wrong max": scored(5, 5, "0"),
            "negative": scored(-1, 1, "0"),
            "string score": scored("1", 1, "0"),
            "boolean score": scored(True, 1, "0"),
            "missing max": {"score": {"raw": 1}, "response": "0"},
            "score not an object": {"score": 1, "response": "0"},
            "min not zero": {"score": {"min": 1, "raw": 1, "max": 1}, "response": "0"},
        }
        for name, result in forgeries.items():
            with self.subTest(name):
                data = statement(self.single, "answered", result=result)
                response = self.post_statement(self.single_lesson, self.single, data)
                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.json()["message"])
        nan = json.dumps(statement(self.single, "answered", result=scored(float("nan"), 1, "0")))
        self.assertIn("NaN", nan)
        self.assertEqual(self.post_statement(self.single_lesson, self.single, nan).status_code, 400)
        infinite = json.dumps(statement(self.single, "answered", result=scored(1, float("inf"), "0")))
        self.assertEqual(self.post_statement(self.single_lesson, self.single, infinite).status_code, 400)
        self.assertFalse(H5PAttempt.objects.exists())  # "attempted" opens none, and no forgery opened one
        self.assertEqual(H5PStatement.objects.count(), 1)
        self.assertFalse(LessonProgress.objects.exists())

    def test_forged_multichoice_claim_is_disputed_and_the_server_score_counts(self):
        data = statement(self.single, "answered", result=scored(1, 1, "1", success=True))  # option 1 is wrong
        response = self.post_statement(self.single_lesson, self.single, data)
        self.assertEqual(response.status_code, 200)
        attempt = H5PAttempt.objects.get()
        self.assertEqual((attempt.raw_score, attempt.claimed_raw), (0.0, 1.0))
        self.assertTrue(attempt.score_disputed)
        self.assertFalse(attempt.success)
        self.assertEqual(attempt.scaled, Decimal("0"))
        self.assertTrue(response.json()["disputed"])
        self.assertFalse(LessonProgress.objects.exists())

    def test_missing_response_scores_nothing(self):
        self.post_statement(self.single_lesson, self.single, statement(self.single, "answered", result=scored(1, 1)))
        attempt = H5PAttempt.objects.get()
        self.assertEqual(attempt.raw_score, 0.0)
        self.assertTrue(attempt.score_disputed)

    def test_forged_questionset_total_counts_the_children_the_server_scored(self):
        sequence = capture_for("questionset-2-multichoice", self.quiz)
        closing = sequence[8]
        closing["result"]["score"].update(raw=2, scaled=1)
        self.replay(self.quiz_lesson, self.quiz, sequence)
        attempt = H5PAttempt.objects.get()
        self.assertEqual((attempt.raw_score, attempt.claimed_raw), (1.0, 2.0))
        self.assertTrue(attempt.score_disputed)

    def test_forged_child_answer_is_rescored(self):
        sequence = capture_for("questionset-2-multichoice", self.quiz)
        sequence[7]["result"]["score"].update(raw=1, scaled=1)  # Q2 answered "1" (wrong) but claims a point
        sequence[8]["result"]["score"].update(raw=2, scaled=1)
        self.replay(self.quiz_lesson, self.quiz, sequence)
        attempt = H5PAttempt.objects.get()
        self.assertEqual(attempt.raw_score, 1.0)
        self.assertTrue(attempt.score_disputed)
        self.assertEqual(H5PStatement.objects.get(sub_content_id=Q2, verb__endswith="answered").claimed_raw, 1.0)

    def test_scaled_and_success_are_recomputed(self):
        sequence = capture_for("questionset-2-multichoice", self.quiz)
        sequence[8]["result"].update(success=False)
        sequence[8]["result"]["score"].update(scaled=0.99)
        self.replay(self.quiz_lesson, self.quiz, sequence)
        attempt = H5PAttempt.objects.get()
        self.assertEqual(attempt.scaled, Decimal("0.5"))
        self.assertTrue(attempt.success)

    def test_duplicate_statement_ids_are_idempotent(self):
        data = statement(self.single, "answered", result=scored(1, 1, "0"))
        first = self.post_statement(self.single_lesson, self.single, data)
        second = self.post_statement(self.single_lesson, self.single, data)
        self.assertEqual(second.status_code, 200)
        self.assertEqual(first.json()["attempt"], second.json()["attempt"])
        self.assertEqual(first.json()["percent"], second.json()["percent"])
        self.assertEqual(H5PStatement.objects.count(), 1)
        self.assertEqual(H5PAttempt.objects.count(), 1)

    def test_another_learner_may_reuse_a_statement_id(self):
        data = statement(self.single, "attempted")
        self.post_statement(self.single_lesson, self.single, data)
        other = learner()
        enrolment_create(user=other, course=self.course)
        self.client.force_login(other)
        self.assertEqual(self.post_statement(self.single_lesson, self.single, data).status_code, 200)
        self.assertEqual(H5PStatement.objects.count(), 2)

    def test_attempts_are_numbered_and_one_is_open_at_a_time(self):
        self.post_statement(
            self.quiz_lesson, self.quiz, statement(self.quiz, "answered", sub=Q1, result=scored(1, 1, "0"))
        )
        self.post_statement(
            self.quiz_lesson, self.quiz, statement(self.quiz, "answered", sub=Q2, result=scored(1, 1, "0"))
        )
        self.assertEqual(H5PAttempt.objects.filter(completed_at__isnull=True).count(), 1)
        self.post_statement(self.quiz_lesson, self.quiz, statement(self.quiz, "completed", result=scored(1, 2)))
        self.post_statement(
            self.quiz_lesson, self.quiz, statement(self.quiz, "answered", sub=Q1, result=scored(1, 1, "0"))
        )
        self.assertEqual(list(H5PAttempt.objects.order_by("number").values_list("number", flat=True)), [1, 2])

    def test_progressed_and_interacted_are_stored_only(self):
        self.post_statement(self.quiz_lesson, self.quiz, statement(self.quiz, "progressed"))
        self.post_statement(self.quiz_lesson, self.quiz, statement(self.quiz, "interacted", sub=Q1))
        self.assertEqual(H5PStatement.objects.count(), 2)
        self.assertFalse(H5PAttempt.objects.exists())


class GradingMethodTests(H5PTestCase):
    """Three attempts scoring 1, 0 and 0 out of 1 (a standalone MultiChoice, pass at 60 %).

    The lesson completes with the first attempt whatever the method; its score then follows the method.
    """

    def progress_after_three_attempts(self, method):
        activity = make_activity(
            content=multichoice_capture_content(), main_library="H5P.MultiChoice 1.16", grading_method=method
        )
        lesson = h5p_lesson(parent=self.module, blocks=[(activity, True, 60)])
        for response in ("0", "1", "2"):
            data = statement(activity, "answered", result=scored(1 if response == "0" else 0, 1, response))
            self.assertEqual(self.post_statement(lesson, activity, data).status_code, 200)
        attempts = H5PAttempt.objects.filter(activity=activity).order_by("number").values_list("scaled", flat=True)
        self.assertEqual(list(attempts), [Decimal("1"), Decimal("0"), Decimal("0")])
        return LessonProgress.objects.get(lesson=lesson, completed_at__isnull=False)

    def test_highest(self):
        self.assertEqual(self.progress_after_three_attempts(H5PActivity.GradingMethod.HIGHEST).score, Decimal("1"))

    def test_last(self):
        self.assertEqual(self.progress_after_three_attempts(H5PActivity.GradingMethod.LAST).score, Decimal("0"))

    def test_first(self):
        self.assertEqual(self.progress_after_three_attempts(H5PActivity.GradingMethod.FIRST).score, Decimal("1"))

    def test_average(self):
        self.assertEqual(self.progress_after_three_attempts(H5PActivity.GradingMethod.AVERAGE).score, Decimal("0.3333"))

    def test_grade_function(self):
        from learners.h5p.grades import activity_grade

        values = [Decimal("0.2"), Decimal("0.9"), Decimal("0.4")]
        grades = {
            method: activity_grade(method=method, scaled=values, pass_percentage=50, scored=True)
            for method in H5PActivity.GradingMethod.values
        }
        self.assertEqual(grades["highest"].grade, Decimal("0.9"))
        self.assertEqual(grades["last"].grade, Decimal("0.4"))
        self.assertEqual(grades["first"].grade, Decimal("0.2"))
        self.assertEqual(grades["average"].grade, Decimal("0.5"))
        passed = [grades[method].passed for method in ("highest", "last", "first", "average")]
        self.assertEqual(passed, [True, False, False, True])
        self.assertEqual({grade.attempts for grade in grades.values()}, {3})


class LessonAndCourseCompletionTests(H5PTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.quiz = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        cls.question = make_activity(content=test_question_content(correct=2))
        cls.optional = make_activity(content=multichoice_capture_content(), main_library="H5P.MultiChoice 1.16")
        cls.lesson = h5p_lesson(
            parent=cls.module, blocks=[(cls.quiz, True, 50), (cls.question, True, 100), (cls.optional, False, 60)]
        )

    def test_lesson_completes_when_every_required_activity_is_passed_and_the_course_gets_its_grade(self):
        for item in capture_for("questionset-2-multichoice", self.quiz):
            self.post_statement(self.lesson, self.quiz, item)
        self.assertFalse(LessonProgress.objects.exists())
        self.post_statement(self.lesson, self.optional, statement(self.optional, "answered", result=scored(1, 1, "0")))
        self.assertFalse(LessonProgress.objects.exists())
        response = self.post_statement(
            self.lesson, self.question, statement(self.question, "answered", result=scored(1, 1, "2"))
        )
        self.assertTrue(response.json()["lesson_completed"])
        self.assertTrue(response.json()["course_completed"])
        progress = LessonProgress.objects.get()
        self.assertEqual(progress.score, Decimal("0.8333"))  # mean of 0.5, 1 and 1
        self.assertEqual(progress.source, LessonProgress.Source.ACTIVITY)
        self.enrolment.refresh_from_db()
        self.assertEqual(self.enrolment.status, Enrolment.Status.COMPLETED)
        self.assertEqual(self.enrolment.final_grade, Decimal("5.7"))  # 4 + 3 × (0.8333 − 0.6) / 0.4 = 5.749…

    def test_a_failed_required_activity_keeps_the_lesson_open(self):
        for item in capture_for("questionset-2-multichoice", self.quiz):
            self.post_statement(self.lesson, self.quiz, item)
        self.post_statement(self.lesson, self.question, statement(self.question, "answered", result=scored(0, 1, "0")))
        self.assertFalse(LessonProgress.objects.exists())

    def test_manual_completion_is_refused_on_lessons_with_required_activities(self):
        with self.assertRaises(EnrolmentError):
            lesson_mark_complete(enrolment=self.enrolment, lesson=self.lesson)
        response = self.client.post(f"/lecciones/{self.lesson.pk}/completar/")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(LessonProgress.objects.exists())

    def test_manual_completion_still_works_with_optional_activities_only(self):
        lesson = h5p_lesson(parent=self.module, blocks=[(self.optional, False, 60)])
        lesson_mark_complete(enrolment=self.enrolment, lesson=lesson)
        self.assertTrue(LessonProgress.objects.filter(lesson=lesson).exists())


# user, enrolment, savepoint, open attempt (locked), INSERT statement (a repeated id inserts nothing), the attempt's
# answers, UPDATE attempt, DELETE the saved state, grades, INSERT progress, both counts, lesson scores, UPDATE
# enrolment, re-read, release. The lesson, its course and its activities come from the shared page cache that the
# attempt's first statement filled (three more when cold).
CLOSING_STATEMENT_QUERIES = 15
# A statement that changes no attempt (attempted, interacted, progressed): user, enrolment, open attempt, INSERT.
KEPT_STATEMENT_QUERIES = 4


class QueryBudgetTests(H5PTestCase):
    """A statement that closes an attempt and completes a lesson (and the course) costs a fixed number of queries."""

    def assert_budget(self, lessons: int) -> None:
        course = CoursePageFactory(parent=self.catalogue)
        module = ModulePageFactory(parent=course)
        activity = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        lesson = h5p_lesson(parent=module, blocks=[(activity, True, 50)])
        for _ in range(lessons - 1):
            LessonPageFactory(parent=module, required=False)
        user = learner()
        enrolment_create(user=user, course=course)
        self.client.force_login(user)
        sequence = capture_for("questionset-2-multichoice", activity)
        for item in sequence[:8]:
            self.post_statement(lesson, activity, item)
        with self.assertNumQueries(CLOSING_STATEMENT_QUERIES):
            response = self.post_statement(lesson, activity, sequence[8])
        self.assertTrue(response.json()["lesson_completed"])
        self.assertTrue(response.json()["course_completed"])

    def test_with_3_lessons(self):
        self.assert_budget(3)

    def test_a_cold_cache_costs_the_lesson_its_course_and_its_activities(self):
        from courses import page_cache

        activity = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        lesson = h5p_lesson(parent=self.module, blocks=[(activity, True, 50)])
        sequence = capture_for("questionset-2-multichoice", activity)
        self.post_statement(lesson, activity, sequence[0])
        page_cache.invalidate()
        # user, lesson, course, activities, enrolment, open attempt, INSERT statement: no transaction
        with self.assertNumQueries(KEPT_STATEMENT_QUERIES + 3):
            self.post_statement(lesson, activity, sequence[1])
        with self.assertNumQueries(KEPT_STATEMENT_QUERIES):  # warm again: no lesson, no course, no activities
            self.post_statement(lesson, activity, sequence[2])

    def test_a_published_lesson_counts_with_its_new_rules_at_once(self):
        activity = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        lesson = h5p_lesson(parent=self.module, blocks=[(activity, True, 50)])
        sequence = capture_for("questionset-2-multichoice", activity)
        self.post_statement(lesson, activity, sequence[0])  # the lesson and its 50 % rule are cached now
        lesson.body = [("h5p", {"activity": activity, "required": True, "pass_percentage": 100})]
        lesson.save_revision().publish()
        for item in sequence[1:]:
            response = self.post_statement(lesson, activity, item)
        attempt = H5PAttempt.objects.get(lesson=lesson)
        self.assertEqual(attempt.scaled, Decimal("0.5"))
        self.assertFalse(attempt.success)  # 1 of 2 passed at 50 %, not at 100 %
        self.assertFalse(LessonProgress.objects.filter(lesson=lesson).exists())
        self.assertEqual(response.status_code, 200)

    def test_a_published_course_completes_by_its_new_rules_at_once(self):
        course = CoursePageFactory(parent=self.catalogue)
        module = ModulePageFactory(parent=course)
        activity = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        lesson = h5p_lesson(parent=module, blocks=[(activity, True, 50)])
        enrolment = enrolment_create(user=self.user, course=course)
        sequence = capture_for("questionset-2-multichoice", activity)
        self.post_statement(lesson, activity, sequence[0])  # the lesson and its course are cached now
        course.grade_required, course.pass_grade = True, Decimal("6.0")  # 1 of 2 gives less
        course.save_revision().publish()
        for item in sequence[1:]:
            self.post_statement(lesson, activity, item)
        self.assertTrue(LessonProgress.objects.filter(lesson=lesson, enrolment=enrolment).exists())
        enrolment.refresh_from_db()
        self.assertEqual(enrolment.status, Enrolment.Status.ACTIVE)

    def test_kept_statements_need_no_transaction(self):
        activity = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        lesson = h5p_lesson(parent=self.module, blocks=[(activity, True, 50)])
        sequence = capture_for("questionset-2-multichoice", activity)
        self.post_statement(lesson, activity, sequence[0])
        for item in sequence[1:3] + sequence[4:7] + sequence[9:]:  # attempted, interacted, progressed
            with self.assertNumQueries(KEPT_STATEMENT_QUERIES):
                self.assertEqual(self.post_statement(lesson, activity, item).status_code, 200)

    def test_with_60_lessons(self):
        self.assert_budget(60)
