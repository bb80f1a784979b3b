"""cms.compiled_sql: the same rows and instances as the ORM's queryset, the checks on parameters, one-row writes."""

import uuid

from django.test import TestCase
from django.utils import timezone

from cms.compiled_sql import CompiledSelect, delete_rows, insert_row, update_row
from learners.enrolment.services import enrolment_create
from learners.models import Enrolment, H5PStatement, H5PUserState
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, ModulePageFactory, site_root
from tests.factories.h5p import questionset_capture_content
from tests.factories.h5p_activities import h5p_lesson, make_activity
from tests.factories.learners import learner

BY_USER = CompiledSelect(
    lambda user_id: Enrolment.objects.filter(user_id=user_id).order_by("pk").only("id", "status", "enrolled_at"),
    "user_id",
)
IDS_BY_USER = CompiledSelect(
    lambda user_id: Enrolment.objects.filter(user_id=user_id).order_by("pk").values_list("id", "enrolled_at"), "user_id"
)


class CompiledSelectTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.courses = [CoursePageFactory(parent=catalogue) for _ in range(2)]
        cls.user, cls.other = learner(), learner()
        for course in cls.courses:
            enrolment_create(user=cls.user, course=course)
        enrolment_create(user=cls.other, course=cls.courses[0])

    def test_rows_and_instances_are_the_querysets(self):
        for user in (self.user, self.other):
            expected = list(Enrolment.objects.filter(user=user).order_by("pk"))
            found = BY_USER.instances(user_id=user.pk)
            self.assertEqual(
                [(e.pk, e.status, e.enrolled_at) for e in found], [(e.pk, e.status, e.enrolled_at) for e in expected]
            )
            self.assertEqual(
                found[0].get_deferred_fields(),
                expected[0].get_deferred_fields()
                | {
                    "user_id",
                    "course_id",
                    "cohort_id",
                    "waitlisted_at",
                    "completed_at",
                    "withdrawn_at",
                    "final_grade",
                    "last_lesson_id",
                    "last_visited_at",
                },
            )
            self.assertEqual(IDS_BY_USER.rows(user_id=user.pk), [(e.pk, e.enrolled_at) for e in expected])
        self.assertIsNone(BY_USER.first(user_id=10**9))

    def test_one_query_and_no_compiling_again(self):
        BY_USER.rows(user_id=self.user.pk)
        with self.assertNumQueries(1):
            BY_USER.rows(user_id=self.other.pk)

    def test_a_parameter_must_reach_the_sql_once(self):
        unused = CompiledSelect(lambda user_id: Enrolment.objects.all(), "user_id")
        with self.assertRaises(ValueError):
            unused.rows(user_id=1)
        with self.assertRaises(TypeError):
            BY_USER.rows(course_id=1)

    def test_select_related_is_refused(self):
        joined = CompiledSelect(
            lambda user_id: Enrolment.objects.select_related("course").filter(user_id=user_id), "user_id"
        )
        with self.assertRaises(ValueError):
            joined.first(user_id=self.user.pk)


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
