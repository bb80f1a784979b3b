import threading
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

from django.test import TestCase, TransactionTestCase

from courses.models import LessonPage
from courses.selectors import course_lessons
from learners.attendance.selectors import attendance_summary
from learners.attendance.services import attendance_record
from learners.enrolment.selectors import seats_taken, waitlist_position
from learners.enrolment.services import EnrolmentError, enrolment_create, enrolment_withdraw
from learners.models import AttendanceRecord, Enrolment, LessonProgress
from learners.progress.grading import final_grade, grade_from_score
from learners.progress.selectors import completion_check
from learners.progress.services import enrolment_evaluate_completion, lesson_mark_complete
from learners.signals import course_completed
from tests.concurrency import run_concurrently
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline, site_root
from tests.factories.learners import cohort, learner, session


class GradingTests(TestCase):
    def test_documented_conversion(self):
        cases = {"0": "1.0", "0.3": "2.5", "0.6": "4.0", "0.8": "5.5", "1": "7.0", "0.61": "4.1"}
        for score, grade in cases.items():
            self.assertEqual(grade_from_score(score), Decimal(grade), score)
        self.assertEqual(final_grade([Decimal("1"), Decimal("0.6")]), Decimal("5.5"))
        self.assertIsNone(final_grade([]))
        with self.assertRaises(ValueError):
            grade_from_score("1.2")


class EnrolmentTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, modules=2, lessons=2)

    def test_enrolling_twice_keeps_one_enrolment(self):
        user = learner()
        first = enrolment_create(user=user, course=self.course)
        second = enrolment_create(user=user, course=self.course)
        self.assertEqual(first.pk, second.pk)
        self.assertEqual(Enrolment.objects.count(), 1)
        self.assertEqual(first.status, Enrolment.Status.ACTIVE)

    def test_full_cohort_waitlists_and_promotes_first_come_first_served(self):
        group = cohort(course=self.course, capacity=2)
        seated = [enrolment_create(user=learner(), course=self.course, cohort=group) for _ in range(2)]
        waiting = [enrolment_create(user=learner(), course=self.course, cohort=group) for _ in range(3)]
        self.assertTrue(all(e.status == Enrolment.Status.ACTIVE for e in seated))
        self.assertTrue(all(e.status == Enrolment.Status.WAITLISTED for e in waiting))
        self.assertEqual([waitlist_position(enrolment=e) for e in waiting], [1, 2, 3])

        enrolment_withdraw(enrolment=seated[0])
        for enrolment in waiting:
            enrolment.refresh_from_db()
        self.assertEqual([e.status for e in waiting], ["active", "waitlisted", "waitlisted"])
        self.assertEqual(waitlist_position(enrolment=waiting[2]), 2)
        self.assertEqual(seats_taken(cohort=group), 2)

    def test_leaving_the_waitlist_frees_no_seat(self):
        group = cohort(course=self.course, capacity=1)
        enrolment_create(user=learner(), course=self.course, cohort=group)
        first_waiting = enrolment_create(user=learner(), course=self.course, cohort=group)
        second_waiting = enrolment_create(user=learner(), course=self.course, cohort=group)
        enrolment_withdraw(enrolment=first_waiting)
        second_waiting.refresh_from_db()
        self.assertEqual(second_waiting.status, Enrolment.Status.WAITLISTED)
        self.assertEqual(waitlist_position(enrolment=second_waiting), 1)

    def test_withdrawn_learner_can_enrol_again(self):
        user = learner()
        enrolment = enrolment_create(user=user, course=self.course)
        enrolment_withdraw(enrolment=enrolment)
        again = enrolment_create(user=user, course=self.course)
        self.assertEqual(again.pk, enrolment.pk)
        self.assertEqual(again.status, Enrolment.Status.ACTIVE)

    def test_closed_or_foreign_cohort_is_refused(self):
        other = build_course(catalogue=self.course.get_parent(), modules=1, lessons=1)
        foreign = cohort(course=other)
        with self.assertRaises(EnrolmentError):
            enrolment_create(user=learner(), course=self.course, cohort=foreign)
        closed = cohort(course=self.course, enrolment_closes_at="2020-01-01T00:00:00Z")
        with self.assertRaises(EnrolmentError):
            enrolment_create(user=learner(), course=self.course, cohort=closed)
        self.assertFalse(Enrolment.objects.exists())

    def test_course_with_cohorts_enrols_into_an_open_one(self):
        cohort(course=self.course, name="Cerrado", enrolment_closes_at="2020-01-01T00:00:00Z")
        open_group = cohort(course=self.course, name="Abierto")
        enrolment = enrolment_create(user=learner(), course=self.course)
        self.assertEqual(enrolment.cohort, open_group)


class CompletionRuleTests(TestCase):
    """Every combination of the rule: lessons, grade, attendance."""

    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=3)
        cls.lessons = list(course_lessons(course=cls.course))
        optional = cls.lessons[2]
        LessonPage.objects.filter(pk=optional.pk).update(required=False)

    def setUp(self):
        self.signals = []
        course_completed.connect(self.receive)
        self.addCleanup(course_completed.disconnect, self.receive)

    def receive(self, sender, enrolment_id, **kwargs):
        self.signals.append(enrolment_id)

    def configure(self, **rule):
        for key, value in rule.items():
            setattr(self.course, key, value)
        self.course.save()

    def complete_required(self, enrolment, scores=(None, None)):
        results = []
        with self.captureOnCommitCallbacks(execute=True):
            for lesson, score in zip(self.lessons[:2], scores, strict=True):
                results.append(lesson_mark_complete(enrolment=enrolment, lesson=lesson, score=score))
        enrolment.refresh_from_db()
        return results

    def test_required_lessons_only(self):
        enrolment = enrolment_create(user=learner(), course=self.course)
        with self.captureOnCommitCallbacks(execute=True):
            first = lesson_mark_complete(enrolment=enrolment, lesson=self.lessons[0])
        self.assertFalse(first.course_completed)
        results = self.complete_required(enrolment)
        self.assertTrue(results[-1].course_completed)
        self.assertEqual(enrolment.status, Enrolment.Status.COMPLETED)
        self.assertIsNotNone(enrolment.completed_at)
        self.assertEqual(self.signals, [enrolment.pk])

    def test_signal_sent_exactly_once(self):
        enrolment = enrolment_create(user=learner(), course=self.course)
        self.complete_required(enrolment)
        with self.captureOnCommitCallbacks(execute=True):
            lesson_mark_complete(enrolment=enrolment, lesson=self.lessons[1])
            lesson_mark_complete(enrolment=enrolment, lesson=self.lessons[2])
            enrolment_evaluate_completion(enrolment=enrolment)
        self.assertEqual(self.signals, [enrolment.pk])
        self.assertEqual(LessonProgress.objects.filter(enrolment=enrolment).count(), 3)

    def test_grade_required_and_reached(self):
        self.configure(grade_required=True, pass_grade=Decimal("4.0"))
        enrolment = enrolment_create(user=learner(), course=self.course)
        self.complete_required(enrolment, scores=(Decimal("0.8"), Decimal("0.6")))
        self.assertEqual(enrolment.status, Enrolment.Status.COMPLETED)
        self.assertEqual(enrolment.final_grade, Decimal("4.8"))

    def test_grade_required_but_too_low(self):
        self.configure(grade_required=True, pass_grade=Decimal("5.0"))
        enrolment = enrolment_create(user=learner(), course=self.course)
        self.complete_required(enrolment, scores=(Decimal("0.6"), Decimal("0.6")))
        self.assertEqual(enrolment.status, Enrolment.Status.ACTIVE)
        self.assertEqual(self.signals, [])
        check = completion_check(enrolment=enrolment, course=self.course)
        self.assertEqual((check.lessons_ok, check.grade_ok, check.grade), (True, False, Decimal("4.0")))

    def test_grade_required_without_graded_work(self):
        self.configure(grade_required=True)
        enrolment = enrolment_create(user=learner(), course=self.course)
        self.complete_required(enrolment)
        self.assertEqual(enrolment.status, Enrolment.Status.ACTIVE)

    def attendance_case(self, marks, minimum=75):
        self.configure(min_attendance_percent=minimum)
        group = cohort(course=self.course)
        today = date.today()
        sessions = [session(cohort=group, on=today - timedelta(days=offset)) for offset in (9, 6, 3, 1)]
        session(cohort=group, on=today + timedelta(days=5))  # not held yet: does not count
        enrolment = enrolment_create(user=learner(), course=self.course, cohort=group)
        staff = learner()
        for held, status in zip(sessions, marks, strict=True):
            attendance_record(session=held, marks={enrolment.pk: status}, recorded_by=staff)
        self.complete_required(enrolment)
        return enrolment

    def test_attendance_reached(self):
        enrolment = self.attendance_case(["present", "present", "present", "absent"])
        self.assertEqual(enrolment.status, Enrolment.Status.COMPLETED)
        self.assertEqual(attendance_summary(enrolment=enrolment).percent, Decimal("75.0"))

    def test_attendance_too_low(self):
        enrolment = self.attendance_case(["present", "absent", "present", "absent"])
        self.assertEqual(enrolment.status, Enrolment.Status.ACTIVE)
        self.assertEqual(attendance_summary(enrolment=enrolment).percent, Decimal("50.0"))

    def test_excused_absences_do_not_count_against(self):
        enrolment = self.attendance_case(["present", "excused", "present", "present"], minimum=100)
        self.assertEqual(attendance_summary(enrolment=enrolment).percent, Decimal("100.0"))
        self.assertEqual(enrolment.status, Enrolment.Status.COMPLETED)

    def test_attendance_completes_when_marked_after_the_lessons(self):
        self.configure(min_attendance_percent=50)
        group = cohort(course=self.course)
        held = session(cohort=group, on=date.today() - timedelta(days=1))
        enrolment = enrolment_create(user=learner(), course=self.course, cohort=group)
        attendance_record(session=held, marks={enrolment.pk: "absent"}, recorded_by=learner())
        self.complete_required(enrolment)
        self.assertEqual(enrolment.status, Enrolment.Status.ACTIVE)
        with self.captureOnCommitCallbacks(execute=True):
            attendance_record(session=held, marks={enrolment.pk: "present"}, recorded_by=learner())
        enrolment.refresh_from_db()
        self.assertEqual(enrolment.status, Enrolment.Status.COMPLETED)
        self.assertEqual(self.signals, [enrolment.pk])

    def test_self_paced_enrolment_is_exempt_from_attendance(self):
        self.configure(min_attendance_percent=80)
        enrolment = enrolment_create(user=learner(), course=self.course)
        self.complete_required(enrolment)
        self.assertEqual(enrolment.status, Enrolment.Status.COMPLETED)

    def test_all_three_conditions(self):
        self.configure(grade_required=True, pass_grade=Decimal("4.0"), min_attendance_percent=50)
        group = cohort(course=self.course)
        held = session(cohort=group, on=date.today() - timedelta(days=2))
        enrolment = enrolment_create(user=learner(), course=self.course, cohort=group)
        attendance_record(session=held, marks={enrolment.pk: "present"}, recorded_by=learner())
        self.complete_required(enrolment, scores=(Decimal("0.9"), Decimal("0.7")))
        self.assertEqual(enrolment.status, Enrolment.Status.COMPLETED)
        self.assertEqual(enrolment.final_grade, Decimal("5.5"))

    def test_progress_refused_without_active_enrolment(self):
        group = cohort(course=self.course, capacity=0)
        enrolment = enrolment_create(user=learner(), course=self.course, cohort=group)
        self.assertEqual(enrolment.status, Enrolment.Status.WAITLISTED)
        with self.assertRaises(EnrolmentError):
            lesson_mark_complete(enrolment=enrolment, lesson=self.lessons[0])

    def test_lesson_of_another_course_is_refused(self):
        other = build_course(catalogue=self.course.get_parent(), modules=1, lessons=1)
        enrolment = enrolment_create(user=learner(), course=self.course)
        foreign = course_lessons(course=other).first()
        with self.assertRaises(EnrolmentError):
            lesson_mark_complete(enrolment=enrolment, lesson=foreign)


class AttendanceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=1)
        cls.group = cohort(course=cls.course)

    def test_marks_outside_the_cohort_are_ignored(self):
        held = session(cohort=self.group, on=date.today())
        mine = enrolment_create(user=learner(), course=self.course, cohort=self.group)
        other_group = cohort(course=self.course, name="Otro")
        stranger = enrolment_create(user=learner(), course=self.course, cohort=other_group)
        written = attendance_record(
            session=held, marks={mine.pk: "present", stranger.pk: "present", 999999: "absent"}, recorded_by=learner()
        )
        self.assertEqual(written, 1)
        self.assertEqual(AttendanceRecord.objects.count(), 1)

    def test_saving_again_updates_the_mark(self):
        held = session(cohort=self.group, on=date.today())
        mine = enrolment_create(user=learner(), course=self.course, cohort=self.group)
        attendance_record(session=held, marks={mine.pk: "absent"}, recorded_by=learner())
        attendance_record(session=held, marks={mine.pk: "present"}, recorded_by=learner())
        self.assertEqual(AttendanceRecord.objects.get().status, "present")
        summary = attendance_summary(enrolment=mine)
        self.assertEqual((summary.held, summary.present, summary.percent), (1, 1, Decimal("100.0")))


class ConcurrencyTests(TransactionTestCase):
    """Two tabs or a double click: real concurrent transactions on PostgreSQL (SQLite serialises all writes,
    so there the same calls run one after the other and must give the same result)."""

    def setUp(self):
        home = ensure_site_baseline()
        self.course = build_course(catalogue=CourseIndexPageFactory(parent=home), modules=1, lessons=2)
        self.user = learner()

    def run_twice(self, action):
        return run_concurrently([action, action], timeout=5)

    def test_double_enrol(self):
        results = self.run_twice(lambda: enrolment_create(user=self.user, course=self.course))
        self.assertEqual(Enrolment.objects.count(), 1)
        self.assertEqual({result.pk for result in results}, {Enrolment.objects.get().pk})

    def test_double_mark_complete_and_single_signal(self):
        enrolment = enrolment_create(user=self.user, course=self.course)
        lessons = list(course_lessons(course=self.course))
        lesson_mark_complete(enrolment=enrolment, lesson=lessons[0])
        received = []
        handler = mock.Mock(side_effect=lambda sender, enrolment_id, **kw: received.append(enrolment_id))
        course_completed.connect(handler)
        self.addCleanup(course_completed.disconnect, handler)

        def finish():
            fresh = Enrolment.objects.select_related("course").get(pk=enrolment.pk)
            return lesson_mark_complete(enrolment=fresh, lesson=lessons[1])

        results = self.run_twice(finish)
        self.assertEqual(LessonProgress.objects.filter(enrolment=enrolment).count(), 2)
        self.assertEqual(sum(result.course_completed for result in results), 1)
        self.assertEqual(received, [enrolment.pk])

    def test_last_seat_goes_to_one_person(self):
        group = cohort(course=self.course, capacity=1)
        other = learner()
        users = iter([self.user, other])
        lock = threading.Lock()

        def enrol():
            with lock:
                user = next(users)
            return enrolment_create(user=user, course=self.course, cohort=group)

        results = self.run_twice(enrol)
        self.assertEqual(sorted(result.status for result in results), ["active", "waitlisted"])
