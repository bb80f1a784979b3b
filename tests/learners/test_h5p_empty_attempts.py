"""Issue 12, item 8: visiting an activity (the player's ``attempted``) opens no attempt; an attempt opens with its
first answer. Empty attempts left from before are purged by a data migration and never listed."""

import importlib

from django.apps import apps

from cms.reports.selectors import learner_attempts
from learners.models import H5PAttempt, H5PStatement
from tests.factories.h5p import CAPTURE_QUESTION_IDS, multichoice_capture_content, questionset_capture_content
from tests.factories.h5p_activities import h5p_lesson, make_activity
from tests.factories.learners import make_user
from tests.learners.h5p_setup import H5PTestCase, capture_for, scored, statement

Q1, Q2 = CAPTURE_QUESTION_IDS


class AttemptOpensWithItsFirstAnswerTests(H5PTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.single = make_activity(content=multichoice_capture_content(), main_library="H5P.MultiChoice 1.16")
        cls.quiz = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        cls.lesson = h5p_lesson(parent=cls.module, blocks=[(cls.single, True, 60), (cls.quiz, True, 50)])

    def test_visits_to_a_completed_activity_open_no_attempt(self):
        closing = statement(self.single, "answered", result=scored(1, 1, "0"))
        self.assertEqual(self.post_statement(self.lesson, self.single, closing).status_code, 200)
        for _ in range(3):  # she comes back three times and only looks
            response = self.post_statement(self.lesson, self.single, statement(self.single, "attempted"))
            self.assertEqual(response.status_code, 200)
            self.assertIsNone(response.json()["attempt"])
        self.assertEqual([(a.number, a.completed_at is None) for a in H5PAttempt.objects.all()], [(1, False)])
        visits = H5PStatement.objects.filter(verb__endswith="attempted")
        self.assertEqual((visits.count(), visits.filter(attempt__isnull=False).count()), (3, 0))

    def test_the_first_answer_opens_the_attempt(self):
        self.post_statement(self.lesson, self.quiz, statement(self.quiz, "attempted"))
        self.post_statement(self.lesson, self.quiz, statement(self.quiz, "interacted", sub=Q1))
        self.assertFalse(H5PAttempt.objects.exists())
        answer = statement(self.quiz, "answered", sub=Q1, result=scored(1, 1, "0"))
        self.assertEqual(self.post_statement(self.lesson, self.quiz, answer).json()["attempt"], 1)
        attempt = H5PAttempt.objects.get()
        self.assertIsNone(attempt.completed_at)
        self.assertEqual(list(attempt.statements.values_list("sub_content_id", flat=True)), [Q1])

    def test_the_captured_quiz_and_a_later_visit_make_one_attempt(self):
        for item in capture_for("questionset-2-multichoice", self.quiz):
            self.assertEqual(self.post_statement(self.lesson, self.quiz, item).status_code, 200)
        self.post_statement(self.lesson, self.quiz, statement(self.quiz, "attempted"))
        self.assertEqual(list(H5PAttempt.objects.values_list("number", "raw_score")), [(1, 1.0)])


class EmptyAttemptsTests(H5PTestCase):
    """Attempts without answers, as the player's ``attempted`` used to open them before this change."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity(
            content=multichoice_capture_content(), main_library="H5P.MultiChoice 1.16", title="Jerarquía normativa"
        )
        cls.lesson = h5p_lesson(parent=cls.module, blocks=[(cls.activity, True, 60)])

    def setUp(self):
        super().setUp()
        closing = statement(self.activity, "answered", result=scored(1, 1, "0"))
        self.assertEqual(self.post_statement(self.lesson, self.activity, closing).status_code, 200)
        self.empty = H5PAttempt.objects.create(
            user=self.user, enrolment=self.enrolment, lesson=self.lesson, activity=self.activity, number=2
        )
        visit = statement(self.activity, "attempted")
        H5PStatement.objects.create(
            user=self.user,
            enrolment=self.enrolment,
            activity=self.activity,
            lesson=self.lesson,
            attempt=self.empty,
            statement_id=visit["id"],
            verb=visit["verb"]["id"],
            object_id=visit["object"]["id"],
            top_level=True,
            raw=visit,
        )

    def test_the_admin_listing_hides_empty_attempts(self):
        self.client.force_login(make_user(is_superuser=True, is_staff=True))
        response = self.client.get("/admin/learners/h5p-attempts/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual([attempt.number for attempt in response.context["object_list"]], [1])

    def test_the_learner_report_hides_empty_attempts(self):
        self.assertEqual([attempt.number for attempt in learner_attempts(profile=self.user.learner_profile)], [1])

    def test_an_open_attempt_with_an_answer_is_listed(self):
        answer = statement(self.activity, "answered", sub="abc", result=scored(1, 1, "0"))
        H5PStatement.objects.filter(attempt=self.empty).update(verb=answer["verb"]["id"])
        self.client.force_login(make_user(is_superuser=True, is_staff=True))
        response = self.client.get("/admin/learners/h5p-attempts/")
        self.assertEqual(sorted(attempt.number for attempt in response.context["object_list"]), [1, 2])

    def test_the_data_migration_purges_empty_attempts_only(self):
        migration = importlib.import_module("learners.migrations.0010_h5p_purge_empty_attempts_and_closed_states")
        with self.assertLogs("learners.migrations", level="INFO") as logs:
            migration.purge(apps, None)
        self.assertEqual(list(H5PAttempt.objects.values_list("number", flat=True)), [1])
        self.assertEqual(H5PStatement.objects.filter(attempt__isnull=True).count(), 1)  # the visit stays, unattached
        self.assertIn("1 empty attempts", logs.output[0])
        # The next answer opens attempt 2 again.
        closing = statement(self.activity, "answered", result=scored(0, 1, "1"))
        self.assertEqual(self.post_statement(self.lesson, self.activity, closing).json()["attempt"], 2)
