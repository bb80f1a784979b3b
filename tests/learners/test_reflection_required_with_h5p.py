"""A lesson with a required H5P activity and a reflection prompt marked "answer required": passing the activity
does not complete the lesson while the answer is missing, and the answer completes it then (issue 17, item 4)."""

from decimal import Decimal

from learners.models import LessonProgress
from learners.reflections.models import ReflectionAnswer
from learners.reflections.services import reflection_answer_save
from tests.factories.courses import LessonPageFactory
from tests.factories.h5p import multichoice_capture_content
from tests.factories.h5p_activities import make_activity
from tests.learners.h5p_setup import H5PTestCase, scored, statement

PROMPT_ID = "6a0f3c4e-3333-4a5b-9c0d-000000000003"


class RequiredAnswerWithActivityTests(H5PTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity(content=multichoice_capture_content(), main_library="H5P.MultiChoice 1.16")
        body = [
            {"type": "h5p", "value": {"activity": cls.activity.pk, "required": True, "pass_percentage": 60}},
            {
                "type": "reflection",
                "value": {"prompt": "¿Qué aprendiste?", "hint": "", "answer_required": True},
                "id": PROMPT_ID,
            },
        ]
        cls.lesson = LessonPageFactory(parent=cls.module, body=body)

    def progress(self):
        return LessonProgress.objects.filter(enrolment=self.enrolment, lesson=self.lesson).first()

    def pass_activity(self):
        data = statement(self.activity, "answered", result=scored(1, 1, "0"))
        self.assertEqual(self.post_statement(self.lesson, self.activity, data).status_code, 200)

    def answer(self, text):
        return reflection_answer_save(
            user=self.user, enrolment=self.enrolment, lesson=self.lesson, block_id=PROMPT_ID, text=text
        )

    def test_passing_the_activity_waits_for_the_answer_and_the_answer_completes_the_lesson(self):
        self.pass_activity()
        self.assertIsNone(self.progress())
        self.answer("Que la junta puede pedir audiencias.")
        progress = self.progress()
        self.assertIsNotNone(progress.completed_at)
        self.assertEqual((progress.score, progress.source), (Decimal("1"), LessonProgress.Source.ACTIVITY))

    def test_answering_first_then_passing_completes_at_once(self):
        self.answer("Primero respondo.")
        self.assertIsNone(self.progress())  # the activity is still to pass
        self.pass_activity()
        self.assertIsNotNone(self.progress().completed_at)

    def test_an_empty_answer_completes_nothing(self):
        self.pass_activity()
        self.answer("")
        ReflectionAnswer.objects.create(enrolment=self.enrolment, lesson=self.lesson, block_id=PROMPT_ID, text="")
        self.answer("   ")
        self.assertIsNone(self.progress())

    def test_a_failed_activity_and_an_answer_complete_nothing(self):
        data = statement(self.activity, "answered", result=scored(0, 1, "1"))
        self.assertEqual(self.post_statement(self.lesson, self.activity, data).status_code, 200)
        self.answer("Mi respuesta.")
        self.assertIsNone(self.progress())
