"""Reads for progress: the completion rule and a learner's state in a course page. Fixed query counts."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from wagtail.models import Page

from courses.models import CoursePage, LessonPage
from courses.prepared import PreparedQuery
from courses.selectors import LESSON_DEPTH_BELOW_COURSE, course_lessons
from learners.attendance.selectors import AttendanceSummary, attendance_summary
from learners.enrolment.models import Enrolment
from learners.enrolment.selectors import PROGRESSING, continue_lesson, enrolment_for, waitlist_position
from learners.progress.grading import final_grade
from learners.progress.models import LessonProgress

# Completion rule -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionCheck:
    required: int
    done: int
    grade: Decimal | None
    grade_ok: bool
    attendance: Decimal | None
    attendance_ok: bool

    @property
    def lessons_ok(self) -> bool:
        return self.done >= self.required

    @property
    def met(self) -> bool:
        return self.lessons_ok and self.grade_ok and self.attendance_ok


def completion_check(*, enrolment: Enrolment, course: CoursePage) -> CompletionCheck:
    """Evaluate the course's completion rule for one enrolment.

    - every live lesson marked "required" is done;
    - if the course requires a grade: the final grade (learners.progress.grading) reaches the course's pass grade;
      with no graded lesson yet there is no grade, and the requirement is not met;
    - if the course sets a minimum attendance and the cohort has sessions: the attendance percentage
      (AttendanceSummary) reaches it. Cohorts without sessions and self-paced enrolments are exempt.
    """
    required, done = _required_lesson_counts(enrolment=enrolment, course=course)
    scores = None
    if course.grade_required or done >= required:  # the grade is recorded when the course completes
        progress = LessonProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False)
        scores = list(progress.filter(score__isnull=False).values_list("score", flat=True))
    summary = attendance_summary(enrolment=enrolment) if course.min_attendance_percent is not None else None
    return completion_evaluate(course=course, required=required, done=done, scores=scores, attendance=summary)


def completion_evaluate(
    *,
    course: CoursePage,
    required: int,
    done: int,
    scores: list[Decimal] | None,
    attendance: AttendanceSummary | None,
) -> CompletionCheck:
    """The completion rule on figures already read (no database): ``completion_check`` uses it for one enrolment,
    the gradebook (learners.gradebook) for a whole cohort, so both always agree.

    ``scores``: the scaled scores of the completed graded lessons (None: not read, no grade); ``attendance``: the
    enrolment's AttendanceSummary (None: no cohort sessions, exempt).
    """
    grade = final_grade(scores) if scores is not None else None
    grade_ok = not course.grade_required or (grade is not None and grade >= course.pass_grade)
    percent, attendance_ok = None, True
    if course.min_attendance_percent is not None and attendance is not None:
        percent = attendance.percent
        attendance_ok = percent is not None and percent >= course.min_attendance_percent
    return CompletionCheck(
        required=required,
        done=done,
        grade=grade,
        grade_ok=grade_ok,
        attendance=percent,
        attendance_ok=attendance_ok,
    )


def _required_lesson_counts(*, enrolment: Enrolment, course: CoursePage) -> tuple[int, int]:
    """(required live lessons of the course, how many of them this enrolment completed) in one statement.

    Plain SQL: this runs on every "Marcar como completada", and the ORM spent more time compiling the two nested
    subqueries than the database spent answering them.
    """
    lesson = LessonPage._meta.db_table
    page = Page._meta.db_table
    progress = LessonProgress._meta.db_table
    lessons_of_course = (
        f"FROM {lesson} l JOIN {page} p ON p.id = l.page_ptr_id "
        "WHERE p.live AND l.required AND p.depth = %s AND p.path LIKE %s"
    )
    sql = (
        f"SELECT (SELECT COUNT(*) {lessons_of_course}), "
        f"(SELECT COUNT(*) FROM {progress} lp WHERE lp.enrolment_id = %s AND lp.completed_at IS NOT NULL "
        f"AND lp.lesson_id IN (SELECT l.page_ptr_id {lessons_of_course}))"
    )
    depth, prefix = course.depth + LESSON_DEPTH_BELOW_COURSE, course.path + "%"
    with connection.cursor() as cursor:
        cursor.execute(sql, [depth, prefix, enrolment.pk, depth, prefix])
        required, done = cursor.fetchone()
    return required, done


# Learner views of a course ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerCourseState:
    enrolment: Enrolment | None
    done_lesson_ids: frozenset[int] = frozenset()
    total_lessons: int = 0
    next_lesson: LessonPage | None = None
    waitlist_position: int | None = None

    @property
    def percent(self) -> int:
        if not self.total_lessons:
            return 0
        return round(100 * len(self.done_lesson_ids) / self.total_lessons)

    @property
    def can_learn(self) -> bool:
        return self.enrolment is not None and self.enrolment.status in PROGRESSING


# Every course page asks it: compiled once per process (courses/prepared.py)
_LESSONS_DONE = PreparedQuery(
    lambda enrolment: LessonProgress.objects.filter(enrolment_id=enrolment, completed_at__isnull=False).values_list(
        "lesson_id", flat=True
    )
)


def learner_course_state(
    *, user: AbstractBaseUser, course: CoursePage, lessons: list[LessonPage] | None = None
) -> LearnerCourseState:
    """Enrolment, lessons done and where to continue, for the course page (at most four queries).

    Pass ``lessons`` (the course's live lessons in order) when the page already loaded them.
    """
    enrolment = enrolment_for(user=user, course=course)
    if enrolment is None:
        return LearnerCourseState(enrolment=None)
    lessons = list(course_lessons(course=course)) if lessons is None else lessons
    done = frozenset(_LESSONS_DONE(enrolment=enrolment.pk))
    return LearnerCourseState(
        enrolment=enrolment,
        done_lesson_ids=done,
        total_lessons=len(lessons),
        next_lesson=continue_lesson(lessons=lessons, done=done, last_lesson_id=enrolment.last_lesson_id),
        waitlist_position=waitlist_position(enrolment=enrolment),
    )
