"""courses.row_writes: one-row INSERT (ON CONFLICT, RETURNING), UPDATE and DELETE with SQL written once."""

import uuid

from django.test import TestCase
from django.utils import timezone

from courses.row_writes import delete_rows, insert_row, update_row
from learners.enrolment.services import enrolment_create
from learners.models import H5PStatement, H5PUserState
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, ModulePageFactory, site_root
from tests.factories.h5p import questionset_capture_content
from tests.factories.h5p_activities import h5p_lesson, make_activity
from tests.factories.learners import learner


class OneRowWriteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        course = CoursePageFactory(parent=catalogue)
        cls.activity = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        cls.lesson = h5p_lesson(parent=ModulePageFactory(parent=course), blocks=[(cls.activity, True, 50)])
        cls.user = learner()
        cls.enrolment = enrolment_create(user=cls.user, course=course)

    def values(self, statement_id):
        return {
            "user_id": self.user.pk,
            "enrolment_id": self.enrolment.pk,
            "activity_id": self.activity.pk,
            "lesson_id": self.lesson.pk,
            "statement_id": statement_id,
            "verb": "http://adlnet.gov/expapi/verbs/attempted",
            "object_id": "https://testserver/h5p/actividad/x",
            "sub_content_id": "",
            "top_level": True,
            "received_at": timezone.now(),
            "raw": {"id": str(statement_id), "nested": [1, "dos"]},
        }

    def test_insert_unless_conflict(self):
        statement_id = uuid.uuid4()
        self.assertTrue(insert_row(H5PStatement, self.values(statement_id), unless_conflict=("user", "statement_id")))
        self.assertFalse(insert_row(H5PStatement, self.values(statement_id), unless_conflict=("user", "statement_id")))
        stored = H5PStatement.objects.get()
        self.assertEqual(
            (stored.statement_id, stored.raw), (statement_id, {"id": str(statement_id), "nested": [1, "dos"]})
        )

    def test_insert_returning_update_and_delete(self):
        pk = insert_row(
            H5PUserState,
            {
                "user_id": self.user.pk,
                "activity_id": self.activity.pk,
                "data_type": "state",
                "sub_content_id": "0",
                "value": "{}",
                "preload": True,
                "invalidate": True,
                "updated_at": timezone.now(),
            },
            returning="id",
        )
        self.assertEqual(H5PUserState.objects.get().pk, pk)
        self.assertEqual(update_row(H5PUserState, pk, {"value": '{"a": 1}', "preload": False}), 1)
        self.assertEqual(H5PUserState.objects.values_list("value", "preload").get(), ('{"a": 1}', False))
        self.assertEqual(delete_rows(H5PUserState, user=self.user.pk, activity=self.activity.pk), 1)
        self.assertFalse(H5PUserState.objects.exists())
