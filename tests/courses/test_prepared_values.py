"""courses.prepared with values_list: a query compiled once gives the very rows the ORM gives, read afresh on every
call, with the ORM's converters (dates, decimals, booleans) on SQLite and PostgreSQL alike."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, F, OuterRef
from django.db.models.lookups import IsNull
from django.test import TestCase
from django.utils import timezone

from courses.prepared import PreparedQuery
from learners.enrolment.models import Enrolment
from learners.enrolment.services import enrolment_create
from learners.progress.models import LessonProgress
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import cohort, learner


def her_enrolments(user_id):
    return (
        Enrolment.objects.filter(user_id=user_id)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .order_by("-enrolled_at")
        .values_list(
            "pk",
            "status",
            "completed_at",
            "final_grade",
            "cohort__name",
            IsNull(F("completed_at"), False),
            Exists(LessonProgress.objects.filter(enrolment=OuterRef("pk"))),
        )
    )


class PreparedValuesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.first = build_course(catalogue=catalogue, modules=1, lessons=1)
        cls.second = build_course(catalogue=catalogue, modules=1, lessons=1)
        cls.ana, cls.berta = learner(), learner()
        enrolment_create(user=cls.ana, course=cls.first, cohort=cohort(course=cls.first, name="Grupo de la tarde"))
        done = enrolment_create(user=cls.ana, course=cls.second)
        Enrolment.objects.filter(pk=done.pk).update(
            status=Enrolment.Status.COMPLETED,
            completed_at=timezone.now() - timedelta(days=3),
            final_grade=Decimal("6.4"),
            enrolled_at=timezone.now() + timedelta(seconds=1),
        )
        enrolment_create(user=cls.berta, course=cls.first)

    def test_the_rows_are_the_orms_with_its_converters(self):
        query = PreparedQuery(her_enrolments)
        for user in (self.ana, self.berta, self.ana):
            self.assertEqual(query(user_id=user.pk), list(her_enrolments(user.pk)))
        rows = query(user_id=self.ana.pk)
        self.assertEqual(rows[0][3], Decimal("6.4"))
        self.assertIs(rows[0][5], True)
        self.assertIsInstance(rows[0][2], type(timezone.now()))
        self.assertIsNotNone(rows[0][2].tzinfo)
        self.assertEqual(rows[1][4], "Grupo de la tarde")
        self.assertIs(rows[1][6], False)

    def test_compiled_once_and_read_afresh_with_one_query(self):
        built = []

        def build(user_id):
            built.append(user_id)
            return her_enrolments(user_id)

        query = PreparedQuery(build)
        query(user_id=self.ana.pk)
        with self.assertNumQueries(1):
            self.assertEqual(len(query(user_id=self.berta.pk)), 1)
        enrolment_create(user=self.berta, course=self.second)
        self.assertEqual(len(query(user_id=self.berta.pk)), 2)  # not a cache: what was written shows at once
        self.assertEqual(len(built), 1)

    def test_refuses_an_id_that_is_not_a_parameter(self):
        with self.assertRaises(ValueError):  # the id is not a parameter of the query
            PreparedQuery(lambda user_id: Enrolment.objects.values_list("pk"))(user_id=self.ana.pk)
