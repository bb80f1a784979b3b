"""Issue 12, item 7: changing an activity's grading method, or a lesson block's pass percentage or required flag,
recomputes in a background task (django-tasks; the immediate backend in tests) the stored lesson scores, the
attempts' "passed" and the course's completion, with the rule of live scoring. A completed course is never reopened.
"""

from decimal import Decimal

from wagtail.rich_text import RichText

from courses.models import H5PActivity
from learners.models import Enrolment, H5PAttempt, LessonProgress
from learners.progress.selectors import completion_check
from tests.factories.courses import LessonPageFactory
from tests.factories.h5p import multichoice_capture_content, questionset_capture_content
from tests.factories.h5p_activities import h5p_lesson, make_activity
from tests.factories.learners import make_user
from tests.learners.h5p_setup import H5PTestCase, capture_for, scored, statement


def publish_blocks(lesson, blocks):
    """Publish a new revision of ``lesson`` whose H5P blocks are (activity, required, pass percentage)."""
    body = [("paragraph", RichText("<p>Responde la actividad.</p>"))]
    for activity, required, pass_percentage in blocks:
        body.append(("h5p", {"activity": activity, "required": required, "pass_percentage": pass_percentage}))
    lesson.body = body
    lesson.save_revision().publish()


class RecomputeTestCase(H5PTestCase):
    def progress(self, lesson) -> LessonProgress | None:
        return LessonProgress.objects.filter(enrolment=self.enrolment, lesson=lesson).first()

    def course_grade(self):
        """The course grade from the stored lesson scores (the course requires a grade, so it is computed)."""
        self.enrolment.refresh_from_db()
        self.course.grade_required = True
        return completion_check(enrolment=self.enrolment, course=self.course).grade

    def answer_single(self, lesson, activity, responses):
        """One attempt per response at the single MultiChoice (option 0 is the right one)."""
        for response in responses:
            data = statement(activity, "answered", result=scored(1 if response == "0" else 0, 1, response))
            self.assertEqual(self.post_statement(lesson, activity, data).status_code, 200)

    def answer_quiz_half(self, lesson, activity):
        """The captured QuestionSet run: 1 of 2."""
        for item in capture_for("questionset-2-multichoice", activity):
            self.assertEqual(self.post_statement(lesson, activity, item).status_code, 200)


class GradingMethodChangeTests(RecomputeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity(content=multichoice_capture_content(), main_library="H5P.MultiChoice 1.16")
        cls.lesson = h5p_lesson(parent=cls.module, blocks=[(cls.activity, True, 60)])
        LessonPageFactory(parent=cls.module, required=True)  # not done: the course stays in progress
        cls.admin = make_user(is_superuser=True, is_staff=True)

    def edit_grading_method(self, method):
        self.client.force_login(self.admin)
        url = f"/admin/snippets/courses/h5pactivity/edit/{self.activity.pk}/"
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, {"title": self.activity.title, "grading_method": method})
        self.assertEqual(response.status_code, 302)
        self.activity.refresh_from_db()
        self.assertEqual(self.activity.grading_method, method)

    def test_a_new_grading_method_recomputes_the_lesson_score_and_the_course_grade(self):
        self.answer_single(self.lesson, self.activity, ["0", "1"])  # 1, then 0: highest 1
        self.assertEqual(self.progress(self.lesson).score, Decimal("1"))
        before = self.course_grade()
        self.edit_grading_method(H5PActivity.GradingMethod.LAST)
        progress = self.progress(self.lesson)
        self.assertEqual(progress.score, Decimal("0"))
        self.assertIsNotNone(progress.completed_at)  # a completed lesson stays completed
        self.assertLess(self.course_grade(), before)
        self.edit_grading_method(H5PActivity.GradingMethod.AVERAGE)
        self.assertEqual(self.progress(self.lesson).score, Decimal("0.5"))

    def test_the_recomputed_score_is_the_one_live_scoring_gives(self):
        self.answer_single(self.lesson, self.activity, ["0", "1"])
        self.edit_grading_method(H5PActivity.GradingMethod.FIRST)
        recomputed = self.progress(self.lesson).score
        self.answer_single(self.lesson, self.activity, ["2"])  # a live statement: first is still 1
        self.assertEqual(self.progress(self.lesson).score, recomputed)
        self.assertEqual(recomputed, Decimal("1"))

    def test_saving_the_same_method_or_another_title_enqueues_nothing(self):
        self.answer_single(self.lesson, self.activity, ["0"])
        LessonProgress.objects.update(score=Decimal("0.3"))  # would be rewritten by a recompute
        self.edit_grading_method(H5PActivity.GradingMethod.HIGHEST)
        self.assertEqual(self.progress(self.lesson).score, Decimal("0.3"))

    def test_a_completed_course_stays_completed_with_its_final_grade(self):
        course_lessons = self.course.get_descendants().type(type(self.lesson)).specific()
        other = [page for page in course_lessons if page.pk != self.lesson.pk]
        for page in other:
            page.delete()  # only the H5P lesson is left: passing it completes the course
        self.answer_single(self.lesson, self.activity, ["0", "1"])
        self.enrolment.refresh_from_db()
        self.assertEqual(self.enrolment.status, Enrolment.Status.COMPLETED)
        final_grade = self.enrolment.final_grade
        self.edit_grading_method(H5PActivity.GradingMethod.LAST)
        self.enrolment.refresh_from_db()
        self.assertEqual((self.enrolment.status, self.enrolment.final_grade), (Enrolment.Status.COMPLETED, final_grade))
        self.assertEqual(self.progress(self.lesson).score, Decimal("0"))  # the lesson score follows, as live


class LessonRulesChangeTests(RecomputeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.quiz = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        cls.single = make_activity(content=multichoice_capture_content(), main_library="H5P.MultiChoice 1.16")

    def test_lowering_the_pass_percentage_completes_the_lesson_and_the_course(self):
        lesson = h5p_lesson(parent=self.module, blocks=[(self.quiz, True, 60)])
        self.answer_quiz_half(lesson, self.quiz)  # 50 % < 60 %: not passed
        self.assertIsNone(self.progress(lesson))
        self.assertFalse(H5PAttempt.objects.get().success)
        with self.captureOnCommitCallbacks(execute=True):
            publish_blocks(lesson, [(self.quiz, True, 50)])
        self.assertTrue(H5PAttempt.objects.get().success)
        progress = self.progress(lesson)
        self.assertEqual((progress.score, progress.completed_at is not None), (Decimal("0.5"), True))
        self.enrolment.refresh_from_db()
        self.assertEqual(self.enrolment.status, Enrolment.Status.COMPLETED)
        self.assertIsNotNone(self.enrolment.final_grade)

    def test_raising_the_pass_percentage_reopens_nothing(self):
        lesson = h5p_lesson(parent=self.module, blocks=[(self.quiz, True, 50)])
        self.answer_quiz_half(lesson, self.quiz)
        self.enrolment.refresh_from_db()
        self.assertEqual(self.enrolment.status, Enrolment.Status.COMPLETED)
        completed_at, final_grade = self.enrolment.completed_at, self.enrolment.final_grade
        with self.captureOnCommitCallbacks(execute=True):
            publish_blocks(lesson, [(self.quiz, True, 80)])
        self.assertFalse(H5PAttempt.objects.get().success)  # the attempt no longer passes
        self.assertIsNotNone(self.progress(lesson).completed_at)
        self.enrolment.refresh_from_db()
        self.assertEqual(
            (self.enrolment.status, self.enrolment.completed_at, self.enrolment.final_grade),
            (Enrolment.Status.COMPLETED, completed_at, final_grade),
        )

    def test_making_a_failed_activity_optional_completes_the_lesson(self):
        lesson = h5p_lesson(parent=self.module, blocks=[(self.single, True, 60), (self.quiz, True, 60)])
        LessonPageFactory(parent=self.module, required=True)  # the course stays in progress
        self.answer_single(lesson, self.single, ["0"])  # passed (1)
        self.answer_quiz_half(lesson, self.quiz)  # not passed (0.5 < 60 %)
        self.assertIsNone(self.progress(lesson))
        self.assertIsNone(self.course_grade())
        with self.captureOnCommitCallbacks(execute=True):
            publish_blocks(lesson, [(self.single, True, 60), (self.quiz, False, 60)])
        progress = self.progress(lesson)
        self.assertIsNotNone(progress.completed_at)
        self.assertEqual(progress.score, Decimal("0.75"))  # both activities are graded: (1 + 0.5) / 2
        self.assertIsNotNone(self.course_grade())

    def test_making_an_activity_required_reopens_nothing(self):
        lesson = h5p_lesson(parent=self.module, blocks=[(self.single, True, 60), (self.quiz, False, 60)])
        self.answer_single(lesson, self.single, ["0"])
        self.answer_quiz_half(lesson, self.quiz)
        self.assertIsNotNone(self.progress(lesson).completed_at)
        with self.captureOnCommitCallbacks(execute=True):
            publish_blocks(lesson, [(self.single, True, 60), (self.quiz, True, 60)])
        self.assertIsNotNone(self.progress(lesson).completed_at)
        self.enrolment.refresh_from_db()
        self.assertEqual(self.enrolment.status, Enrolment.Status.COMPLETED)

    def test_publishing_without_a_rule_change_or_saving_a_draft_enqueues_nothing(self):
        lesson = h5p_lesson(parent=self.module, blocks=[(self.quiz, True, 60)])
        self.answer_quiz_half(lesson, self.quiz)
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            lesson.title = "Otro título"
            lesson.save_revision().publish()
            lesson.body = [("h5p", {"activity": self.quiz, "required": True, "pass_percentage": 50})]
            lesson.save_revision()  # a draft: learners still have the published rule
        self.assertFalse(any("recompute" in repr(callback) for callback in callbacks))
        self.assertIsNone(self.progress(lesson))
