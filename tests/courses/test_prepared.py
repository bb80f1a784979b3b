"""courses.prepared.PreparedQuery gives what the plain queryset gives, on both databases."""

import threading

from django.db import connections
from django.db.models import Exists, OuterRef
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext

from courses import selectors
from courses.prepared import PreparedQuery
from learners.enrolment.models import Enrolment
from learners.enrolment.selectors import enrolment_for
from learners.enrolment.services import enrolment_create
from learners.progress.models import LessonProgress
from learners.progress.services import lesson_mark_complete
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline, site_root
from tests.factories.learners import learner


def enrolment_with_lesson(user, course, lesson):
    done = LessonProgress.objects.filter(enrolment=OuterRef("pk"), lesson_id=lesson, completed_at__isnull=False)
    return (
        Enrolment.objects.filter(user_id=user, course_id=course)
        .select_related("cohort", "user")
        .annotate(lesson_done=Exists(done))
    )


def fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


class PreparedQueryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.courses = [build_course(catalogue=catalogue, modules=1, lessons=2) for _ in range(2)]
        cls.users = [learner() for _ in range(3)]
        for user in cls.users[:2]:
            enrolment = enrolment_create(user=user, course=cls.courses[0])
            lesson_mark_complete(enrolment=enrolment, lesson=selectors.course_lessons(course=cls.courses[0]).first())
        enrolment_create(user=cls.users[2], course=cls.courses[1])

    def test_same_instances_as_the_queryset_for_every_combination(self):
        prepared = PreparedQuery(enrolment_with_lesson)
        checked = 0
        for user in self.users:
            for course in self.courses:
                for lesson in selectors.course_lessons(course=course):
                    ids = {"user": user.pk, "course": course.pk, "lesson": lesson.pk}
                    expected = list(enrolment_with_lesson(**ids))
                    got = prepared(**ids)
                    self.assertEqual(len(got), len(expected))
                    for mine, theirs in zip(got, expected, strict=True):
                        self.assertEqual(fields(mine), fields(theirs))
                        self.assertEqual(mine.lesson_done, theirs.lesson_done)
                        self.assertEqual(fields(mine.user), fields(theirs.user))  # select_related filled
                        self.assertEqual(mine.cohort, theirs.cohort)
                        self.assertFalse(mine._state.adding)
                    checked += bool(expected)
        self.assertGreaterEqual(checked, 4)  # enrolled cases were compared, not only empty results

    def test_one_query_each_time_and_compiled_once(self):
        prepared = PreparedQuery(enrolment_with_lesson)
        lesson = selectors.course_lessons(course=self.courses[0]).first()
        with self.assertNumQueries(1):
            first = prepared(user=self.users[0].pk, course=self.courses[0].pk, lesson=lesson.pk)
        self.assertTrue(first[0].lesson_done)
        self.assertEqual(len(prepared._compiled), 1)
        with self.assertNumQueries(1):
            other = prepared(user=self.users[1].pk, course=self.courses[0].pk, lesson=lesson.pk)
        self.assertEqual(other[0].user_id, self.users[1].pk)
        self.assertEqual(len(prepared._compiled), 1)

    def test_values_lists_flat_and_not(self):
        flat = PreparedQuery(
            lambda enrolment: (
                LessonProgress.objects.filter(enrolment_id=enrolment, completed_at__isnull=False)
                .order_by("lesson_id")
                .values_list("lesson_id", flat=True)
            )
        )
        rows = PreparedQuery(
            lambda course: Enrolment.objects.filter(course_id=course).order_by("pk").values_list("pk", "user__email")
        )
        for enrolment in Enrolment.objects.all():
            expected = list(
                LessonProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False)
                .order_by("lesson_id")
                .values_list("lesson_id", flat=True)
            )
            self.assertEqual(flat(enrolment=enrolment.pk), expected)
        for course in self.courses:
            expected = list(Enrolment.objects.filter(course=course).order_by("pk").values_list("pk", "user__email"))
            self.assertTrue(expected)
            self.assertEqual(rows(course=course.pk), expected)

    def test_arguments_are_ids(self):
        prepared = PreparedQuery(enrolment_with_lesson)
        for wrong in ("1", 1.0, True, None):
            with self.assertRaises(TypeError):
                prepared(user=wrong, course=1, lesson=1)
        with self.assertRaises(KeyError):
            prepared(user=1, course=1)
        with self.assertNumQueries(0):  # beyond 64 bits: no row, no database error
            self.assertEqual(prepared(user=2**63, course=1, lesson=1), [])
            self.assertEqual(prepared(user=1, course=-(2**63) - 1, lesson=1), [])

    def test_an_argument_that_does_not_reach_the_sql_is_refused(self):
        prepared = PreparedQuery(lambda user, course: Enrolment.objects.filter(user_id=user))
        with self.assertRaisesMessage(ValueError, "course"):
            prepared(user=1, course=2)

    def test_enrolment_for_with_and_without_lesson(self):
        user, course = self.users[0], self.courses[0]
        lessons = list(selectors.course_lessons(course=course))
        self.assertIsNone(enrolment_for(user=self.users[2], course=course))
        plain = enrolment_for(user=user, course=course)
        self.assertEqual(plain.pk, Enrolment.objects.get(user=user, course=course).pk)
        for lesson, done in ((lessons[0], True), (lessons[1], False)):
            self.assertEqual(enrolment_for(user=user, course=course, lesson=lesson).lessons_done, {lesson.pk: done})


class PreparedQueryThreadTests(TransactionTestCase):
    """gunicorn's threads share the compiled query; each runs it on its own connection."""

    def test_threads_use_their_own_connection(self):
        catalogue = CourseIndexPageFactory(parent=ensure_site_baseline(), slug="cursos")  # flushed by earlier tests
        course = build_course(catalogue=catalogue, modules=1, lessons=1)
        user = learner()
        enrolment_create(user=user, course=course)
        prepared = PreparedQuery(lambda user, course: Enrolment.objects.filter(user_id=user, course_id=course))
        self.assertEqual(len(prepared(user=user.pk, course=course.pk)), 1)  # compiled on this thread's connection
        seen = []

        def read():
            theirs = connections["default"]  # this thread's own connection
            with CaptureQueriesContext(theirs) as captured:
                seen.append(prepared(user=user.pk, course=course.pk)[0].pk)
            seen.append((len(captured), theirs is mine))
            theirs.close()

        mine = connections["default"]
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
        self.assertEqual(seen, [Enrolment.objects.get().pk, (1, False)])
