"""Reads for enrolment: seats, open cohorts, the waitlist, a learner's enrolment and "Mis cursos". Fixed query
counts throughout."""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from wagtail.models import Page

from courses.models import CoursePage, LessonPage
from courses.prepared import PreparedQuery
from courses.selectors import LESSON_DEPTH_BELOW_COURSE
from learners.attendance.selectors import AttendanceSummary, attendance_summaries
from learners.enrolment.models import Cohort, Enrolment, Session
from learners.progress.models import LessonProgress

SEAT_HOLDING = [Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED]
PROGRESSING = [Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED]


def seats_taken(*, cohort: Cohort) -> int:
    return Enrolment.objects.filter(cohort=cohort, status__in=SEAT_HOLDING).count()


def open_cohorts(*, course: CoursePage):
    """Cohorts of a course taking enrolments now, soonest first."""
    now = timezone.now()
    return (
        Cohort.objects.filter(course=course, ends_on__gte=timezone.localdate())
        .filter(Q(enrolment_opens_at__isnull=True) | Q(enrolment_opens_at__lte=now))
        .filter(Q(enrolment_closes_at__isnull=True) | Q(enrolment_closes_at__gte=now))
        .order_by("starts_on", "pk")
    )


def waitlist_position(*, enrolment: Enrolment) -> int | None:
    """1 for the first person waiting; None when not on a waitlist."""
    if enrolment.status != Enrolment.Status.WAITLISTED:
        return None
    ahead = Enrolment.objects.filter(cohort_id=enrolment.cohort_id, status=Enrolment.Status.WAITLISTED).filter(
        Q(waitlisted_at__lt=enrolment.waitlisted_at) | Q(waitlisted_at=enrolment.waitlisted_at, pk__lt=enrolment.pk)
    )
    return ahead.count() + 1


def enrolment_for(*, user: AbstractBaseUser, course: CoursePage, lesson: LessonPage | None = None) -> Enrolment | None:
    """Her enrolment in the course (with its cohort), or None. With ``lesson``, the same query also says whether she
    completed that lesson: ``enrolment.lessons_done`` then maps the lesson's id to True or False (the lesson page's
    progress panel reads it instead of a query of its own)."""
    if not user.is_authenticated:
        return None
    if lesson is None:
        enrolment = _HER_ENROLMENT.first(user=user.pk, course=course.pk)
    else:
        enrolment = _HER_ENROLMENT_AND_LESSON.first(user=user.pk, course=course.pk, lesson=lesson.pk)
    if enrolment is not None and lesson is not None:
        enrolment.lessons_done = {lesson.pk: enrolment.lesson_done}
    return enrolment


def enrolment_with_course(*, user: AbstractBaseUser, course: CoursePage) -> Enrolment | None:
    """Her enrolment in the course with the whole course (its completion rule), or None."""
    return _HER_ENROLMENT_WITH_COURSE.first(user=user.pk, course=course.pk)


def _her_enrolment(user, course):
    # by ids: the course often comes from the page cache. One row at most (unique per user and course).
    return Enrolment.objects.filter(user_id=user, course_id=course).select_related("cohort")


def _her_enrolment_and_lesson(user, course, lesson):
    done = LessonProgress.objects.filter(enrolment=OuterRef("pk"), lesson_id=lesson, completed_at__isnull=False)
    return _her_enrolment(user, course).annotate(lesson_done=Exists(done))


# Every lesson and course page asks these: compiled once per process (courses/prepared.py)
_HER_ENROLMENT = PreparedQuery(_her_enrolment)
_HER_ENROLMENT_AND_LESSON = PreparedQuery(_her_enrolment_and_lesson)
_HER_ENROLMENT_WITH_COURSE = PreparedQuery(
    lambda user, course: Enrolment.objects.filter(user_id=user, course_id=course).select_related("course")
)


def continue_lesson(*, lessons: list[LessonPage], done: frozenset[int], last_lesson_id: int | None):
    """The last lesson visited if it is not done yet, else the first lesson after it not done, else the first
    lesson not done at all."""
    if not lessons:
        return None
    start = 0
    for index, lesson in enumerate(lessons):
        if lesson.pk == last_lesson_id:
            if lesson.pk not in done:
                return lesson
            start = index + 1
            break
    for lesson in lessons[start:] + lessons[:start]:
        if lesson.pk not in done:
            return lesson
    return None


# Dashboard ("Mis cursos") ----------------------------------------------------------------------------------


@dataclass
class DashboardRow:
    enrolment: Enrolment
    course: CoursePage
    total_lessons: int
    done_lessons: int
    next_lesson: LessonPage | None = None
    waitlist_position: int | None = None
    attendance: AttendanceSummary | None = None
    next_session: Session | None = None

    @property
    def percent(self) -> int:
        if not self.total_lessons:
            return 0
        return min(100, round(100 * self.done_lessons / self.total_lessons))


@dataclass
class Dashboard:
    in_progress: list[DashboardRow] = field(default_factory=list)
    waitlisted: list[DashboardRow] = field(default_factory=list)
    completed: list[DashboardRow] = field(default_factory=list)
    upcoming_sessions: list[Session] = field(default_factory=list)
    """Her next in-person sessions across courses, soonest first (suspended ones included, to say so)."""


DASHBOARD_SESSIONS = 3


class _Lesson(NamedTuple):
    """A lesson row for "Mis cursos": enough to count it and to link to it."""

    id: int
    title: str
    path: str
    depth: int
    url_path: str

    @property
    def pk(self) -> int:
        return self.id


def _page(lesson: _Lesson | None) -> LessonPage | None:
    """The lesson as a page (for its address), built from its row without a query."""
    if lesson is None:
        return None
    page = LessonPage(page_ptr_id=lesson.id, **lesson._asdict())
    page._state.adding, page._state.db = False, "default"
    return page


def dashboard(*, user: AbstractBaseUser) -> Dashboard:
    """Everything "Mis cursos" shows, in a fixed number of queries however many enrolments."""
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("course", "cohort")
        .order_by("-enrolled_at")
    )
    if not enrolments:
        return Dashboard()
    courses = {enrolment.course_id: enrolment.course for enrolment in enrolments}
    path_filter = Q()
    for course in courses.values():
        path_filter |= Q(path__startswith=course.path, depth=course.depth + LESSON_DEPTH_BELOW_COURSE)
    lessons_by_course: dict[int, list[_Lesson]] = {course_id: [] for course_id in courses}
    course_by_path = {course.path: course.pk for course in courses.values()}
    # Plain rows: a page object costs far more to build than the row, and only each course's next lesson needs one.
    rows = LessonPage.objects.live().filter(path_filter).order_by("path").values_list(*_Lesson._fields)
    for lesson in map(_Lesson._make, rows):
        course_id = course_by_path.get(lesson.path[: -2 * Page.steplen])
        if course_id is not None:
            lessons_by_course[course_id].append(lesson)
    done: dict[int, set[int]] = {enrolment.pk: set() for enrolment in enrolments}
    for enrolment_id, lesson_id in LessonProgress.objects.filter(
        enrolment__in=enrolments, completed_at__isnull=False
    ).values_list("enrolment_id", "lesson_id"):
        done[enrolment_id].add(lesson_id)
    positions = _waitlist_positions([e for e in enrolments if e.status == Enrolment.Status.WAITLISTED])
    attendance = attendance_summaries(enrolments=[e for e in enrolments if e.cohort_id])
    upcoming = _upcoming_sessions([e for e in enrolments if e.cohort_id and e.status in PROGRESSING])

    result = Dashboard(upcoming_sessions=[session for sessions in upcoming.values() for session in sessions])
    result.upcoming_sessions.sort(key=lambda session: (session.date, session.start_time, session.pk))
    del result.upcoming_sessions[DASHBOARD_SESSIONS:]
    for enrolment in enrolments:
        lessons = lessons_by_course[enrolment.course_id]
        lesson_ids = {lesson.pk for lesson in lessons}
        done_here = frozenset(done[enrolment.pk] & lesson_ids)
        row = DashboardRow(
            enrolment=enrolment,
            course=enrolment.course,
            total_lessons=len(lessons),
            done_lessons=len(done_here),
            next_lesson=_page(
                continue_lesson(lessons=lessons, done=done_here, last_lesson_id=enrolment.last_lesson_id)
            ),
            waitlist_position=positions.get(enrolment.pk),
            attendance=attendance.get(enrolment.pk),
            next_session=next(
                (session for session in upcoming.get(enrolment.cohort_id, []) if not session.is_suspended), None
            ),
        )
        if enrolment.status == Enrolment.Status.COMPLETED:
            result.completed.append(row)
        elif enrolment.status == Enrolment.Status.WAITLISTED:
            result.waitlisted.append(row)
        else:
            result.in_progress.append(row)
    return result


def _upcoming_sessions(enrolments: list[Enrolment]) -> dict[int, list[Session]]:
    """Upcoming sessions by cohort, soonest first (one query; none when no enrolment has a cohort)."""
    if not enrolments:
        return {}
    by_cohort: dict[int, list[Session]] = {}
    for session in (
        Session.objects.filter(cohort_id__in={e.cohort_id for e in enrolments}, date__gte=timezone.localdate())
        .select_related("cohort__course")
        .order_by("date", "start_time", "pk")
    ):
        by_cohort.setdefault(session.cohort_id, []).append(session)
    return by_cohort


def _waitlist_positions(enrolments: list[Enrolment]) -> dict[int, int]:
    if not enrolments:
        return {}
    cohort_ids = {enrolment.cohort_id for enrolment in enrolments}
    queue: dict[int, list[int]] = {cohort_id: [] for cohort_id in cohort_ids}
    for pk, cohort_id in (
        Enrolment.objects.filter(cohort_id__in=cohort_ids, status=Enrolment.Status.WAITLISTED)
        .order_by("waitlisted_at", "pk")
        .values_list("pk", "cohort_id")
    ):
        queue[cohort_id].append(pk)
    return {enrolment.pk: queue[enrolment.cohort_id].index(enrolment.pk) + 1 for enrolment in enrolments}
