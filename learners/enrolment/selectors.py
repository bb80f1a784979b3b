"""Reads for enrolment: seats, open cohorts, the waitlist, a learner's enrolment and "Mis cursos". Fixed query
counts throughout."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, router
from django.db.models import Exists, OuterRef, Q
from django.db.models.base import ModelState
from django.utils import timezone
from wagtail.models import Page

from courses import page_cache
from courses.models import CoursePage, LessonPage
from courses.prepared import PreparedQuery
from courses.selectors import LESSON_DEPTH_BELOW_COURSE
from learners.accounts.models import LearnerProfile
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


class AccountNotes(NamedTuple):
    """What the head of "Mis cursos" says about her account."""

    profile_incomplete: bool  # no learner profile yet, or one from a school's file without a year of birth
    teaches: bool  # she is an instructor of some group: links to attendance, her groups and reflections


def account_notes(*, user: AbstractBaseUser) -> AccountNotes:
    """Both notes in one statement (plain SQL: two EXISTS the ORM took longer to compile than the database to
    answer, on a page every learner opens)."""
    profile, instructors = LearnerProfile._meta, Cohort.instructors.through._meta
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {profile.db_table} WHERE {profile.get_field('user').column} = %s "
        f"AND {profile.get_field('birth_year').column} IS NOT NULL), "
        f"EXISTS (SELECT 1 FROM {instructors.db_table} WHERE {instructors.get_field('user').column} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk])
        profile_complete, teaches = cursor.fetchone()
    return AccountNotes(profile_incomplete=not profile_complete, teaches=bool(teaches))


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


class _Course(NamedTuple):
    """A course for "Mis cursos" and its live lessons in order: the same for every learner, so kept in the page
    cache (``courses.page_cache``: publishing, unpublishing, moving or deleting any page starts a new generation)."""

    id: int
    title: str
    path: str
    depth: int
    url_path: str
    lessons: tuple[_Lesson, ...]


_BLANK_PAGES: dict[type, dict] = {}


def _page(model, row) -> Page | None:
    """A course or lesson as a page (for its address and title), built from its row without a query.

    Made from a blank instance's attributes rather than with the constructor, which cost about 50 µs a page
    (Wagtail's and modelcluster's ``__init__`` go through every field and child relation) and "Mis cursos" makes
    one per course and per next lesson. Only read (its URL, its title): nothing saves it."""
    if row is None:
        return None
    blank = _BLANK_PAGES.get(model)
    if blank is None:
        # plain values only: a default such as a lesson's empty body (a StreamValue) is left out, so that it would
        # be read from the database if anything asked for it, never shared between pages
        blank = _BLANK_PAGES[model] = {
            name: value
            for name, value in vars(model(id=1, page_ptr_id=1)).items()
            if name != "_state" and isinstance(value, (type(None), bool, int, float, str, Decimal, date))
        }
    page = model.__new__(model)
    vars(page).update(blank)
    page._state = ModelState()
    page._state.adding, page._state.db = False, "default"
    vars(page).update(
        id=row.id, page_ptr_id=row.id, title=row.title, path=row.path, depth=row.depth, url_path=row.url_path
    )
    return page


DASHBOARD_COURSE_KEY = "dashboard_course:1"  # the part of the page-cache key; a new number when _Course changes


def _load_courses(course_ids) -> dict[int, _Course]:
    """The courses and their live lessons from the database, in two queries (whatever their number)."""
    courses = {
        row[0]: row
        for row in Page.objects.filter(pk__in=course_ids).values_list("id", "title", "path", "depth", "url_path")
    }
    if not courses:
        return {}
    path_filter = Q()
    for _id, _title, path, depth, _url_path in courses.values():
        path_filter |= Q(path__startswith=path, depth=depth + LESSON_DEPTH_BELOW_COURSE)
    lessons: dict[str, list[_Lesson]] = {row[2]: [] for row in courses.values()}
    # Plain rows: a page object costs far more to build than the row, and only each course's next lesson needs one.
    rows = LessonPage.objects.live().filter(path_filter).order_by("path").values_list(*_Lesson._fields)
    for lesson in map(_Lesson._make, rows):
        siblings = lessons.get(lesson.path[: -2 * Page.steplen])
        if siblings is not None:
            siblings.append(lesson)
    return {course_id: _Course(*row, lessons=tuple(lessons[row[2]])) for course_id, row in courses.items()}


def _courses(course_ids: set[int]) -> dict[int, _Course]:
    """The courses of her enrolments, from the page cache (the same for everyone); the missing ones from the
    database in two queries, then kept there."""
    if not page_cache.enabled():
        return _load_courses(course_ids)
    names = {course_id: page_cache.key(DASHBOARD_COURSE_KEY, course_id) for course_id in course_ids}
    found: dict[int, _Course] = {}
    for course_id, name in names.items():
        row = page_cache.read(name)
        if row is not None:
            found[course_id] = _Course(*row[:-1], lessons=tuple(map(_Lesson._make, row[-1])))
    missing = course_ids - found.keys()
    if missing:
        loaded = _load_courses(missing)
        for course_id, course in loaded.items():
            # plain tuples in the cache: they unpickle fast and survive a change of these classes
            page_cache.write(names[course_id], (*course[:-1], tuple(map(tuple, course.lessons))))
        found.update(loaded)
    return found


ENROLMENT_FIELDS = [field.attname for field in Enrolment._meta.concrete_fields]
# Her enrolments (but those she left), newest first, each with its group's name: compiled once (courses.prepared).
_HER_ENROLMENTS = PreparedQuery(
    lambda user_id: (
        Enrolment.objects.filter(user_id=user_id)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .order_by("-enrolled_at")
        .values_list(*ENROLMENT_FIELDS, "cohort__name")
    ),
)
# The lessons she completed, in any of her courses.
_HER_PROGRESS = PreparedQuery(
    lambda user_id: LessonProgress.objects.filter(enrolment__user_id=user_id, completed_at__isnull=False).values_list(
        "enrolment_id", "lesson_id"
    ),
)


def _her_enrolments(*, user_id: int) -> list[Enrolment]:
    """Her enrolments as model instances, each with its group (only its name read: the page shows nothing else)."""
    database = router.db_for_read(Enrolment)
    enrolments = []
    for *values, cohort_name in _HER_ENROLMENTS(user_id=user_id):
        enrolment = Enrolment.from_db(database, ENROLMENT_FIELDS, values)
        if enrolment.cohort_id is not None:
            enrolment.cohort = Cohort.from_db(database, ["id", "name"], [enrolment.cohort_id, cohort_name])
        enrolments.append(enrolment)
    return enrolments


def dashboard(*, user: AbstractBaseUser) -> Dashboard:
    """Everything "Mis cursos" shows, in a fixed number of queries however many enrolments: her enrolments, her
    progress and, when she has in-person groups, their sessions and attendance (and her place on a waitlist). The
    courses and their lessons, the same for everyone, come from the page cache."""
    enrolments = _her_enrolments(user_id=user.pk)
    if not enrolments:
        return Dashboard()
    courses = _courses({enrolment.course_id for enrolment in enrolments})
    done: dict[int, set[int]] = {enrolment.pk: set() for enrolment in enrolments}
    for enrolment_id, lesson_id in _HER_PROGRESS(user_id=user.pk):
        if enrolment_id in done:  # not a course she left
            done[enrolment_id].add(lesson_id)
    positions = _waitlist_positions([e for e in enrolments if e.status == Enrolment.Status.WAITLISTED])
    attendance = attendance_summaries(enrolments=[e for e in enrolments if e.cohort_id])
    upcoming = _upcoming_sessions([e for e in enrolments if e.cohort_id and e.status in PROGRESSING], courses)

    result = Dashboard(upcoming_sessions=[session for sessions in upcoming.values() for session in sessions])
    result.upcoming_sessions.sort(key=lambda session: (session.date, session.start_time, session.pk))
    del result.upcoming_sessions[DASHBOARD_SESSIONS:]
    for enrolment in enrolments:
        course = courses[enrolment.course_id]
        enrolment.course = _page(CoursePage, course)  # no query when a template reads enrolment.course
        lessons = list(course.lessons)
        lesson_ids = {lesson.pk for lesson in lessons}
        done_here = frozenset(done[enrolment.pk] & lesson_ids)
        row = DashboardRow(
            enrolment=enrolment,
            course=enrolment.course,
            total_lessons=len(lessons),
            done_lessons=len(done_here),
            next_lesson=_page(
                LessonPage, continue_lesson(lessons=lessons, done=done_here, last_lesson_id=enrolment.last_lesson_id)
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


def _upcoming_sessions(enrolments: list[Enrolment], courses: dict[int, _Course]) -> dict[int, list[Session]]:
    """Upcoming sessions by cohort, soonest first, each with its group, instructor and course (one query; none when
    no enrolment has a cohort). The course is the light page of her enrolment's, from the page cache: no join of
    the multi-table CoursePage."""
    if not enrolments:
        return {}
    by_cohort: dict[int, list[Session]] = {}
    for session in (
        Session.objects.filter(cohort_id__in={e.cohort_id for e in enrolments}, date__gte=timezone.localdate())
        .select_related("cohort", "instructor")
        .order_by("date", "start_time", "pk")
    ):
        course = courses.get(session.cohort.course_id)
        if course is not None:
            session.cohort.course = _page(CoursePage, course)
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
