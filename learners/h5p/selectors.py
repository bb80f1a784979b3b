"""Reads for H5P: a lesson with its H5P blocks (shared page cache), the learner's enrolment and open attempt, her
grades in a lesson's activities and the player's saved state.

The reads of every xAPI statement run SQL the ORM compiled once (``courses.prepared.PreparedQuery``): composing the
same queries again was the larger part of a statement's CPU.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from courses import page_cache
from courses.models import CoursePage, H5PActivity, LessonPage
from courses.prepared import PreparedQuery
from courses.selectors import LessonActivity, lesson_activities
from learners.enrolment.models import Enrolment
from learners.enrolment.selectors import PROGRESSING
from learners.h5p.grades import ActivityGrade, activity_grade
from learners.h5p.models import H5PAttempt, H5PStatement, H5PUserState
from learners.h5p.xapi import ANSWERED


def attempts_with_answers(queryset: QuerySet[H5PAttempt]) -> QuerySet[H5PAttempt]:
    """``queryset`` without attempts that have no answer yet (an open attempt before its first ``answered``).

    Attempts now open with their first answer (learners.h5p.services); this keeps any empty one a migration or a
    race left out of the lists people read.
    """
    answers = H5PStatement.objects.filter(attempt=OuterRef("pk"), verb=ANSWERED)
    return queryset.filter(Q(completed_at__isnull=False) | Exists(answers))


_COMPLETED_SCALED = PreparedQuery(
    lambda enrolment_id, lesson_id: (
        H5PAttempt.objects.filter(enrolment_id=enrolment_id, lesson_id=lesson_id, completed_at__isnull=False)
        .order_by("number")
        .values_list("activity_id", "scaled")
    ),
)


def lesson_activity_grades(
    *, enrolment: Enrolment, lesson: LessonPage, placements: list[LessonActivity]
) -> dict[int, ActivityGrade]:
    """Each placed activity's grade for this enrolment (activity id → ActivityGrade), in one query."""
    if not placements:
        return {}
    scaled: dict[int, list[Decimal | None]] = {}
    for activity_id, value in _COMPLETED_SCALED(enrolment_id=enrolment.pk, lesson_id=lesson.pk):
        scaled.setdefault(activity_id, []).append(value)
    grades = {}
    for placement in placements:
        activity = placement.activity
        if activity.pk not in grades:
            grades[activity.pk] = activity_grade(
                method=activity.grading_method,
                scaled=scaled.get(activity.pk, []),
                pass_percentage=placement.pass_percentage,
                scored=activity.is_scored,
            )
    return grades


_LAST_ATTEMPT_COMPLETED_AT = PreparedQuery(
    lambda enrolment_id, lesson_id, activity_id: (
        H5PAttempt.objects.filter(enrolment_id=enrolment_id, lesson_id=lesson_id, activity_id=activity_id)
        .order_by("-number")
        .values_list("completed_at")[:1]
    ),
)
_PRELOADED_STATE = PreparedQuery(
    lambda user_id, activity_id: H5PUserState.objects.filter(
        user_id=user_id, activity_id=activity_id, sub_content_id="0", preload=True
    ).values_list("data_type", "value"),
)


def state_in_progress(*, enrolment: Enrolment, lesson: LessonPage, activity: H5PActivity) -> bool:
    """True while the learner's saved state may be kept and served: her last attempt at this activity in this
    lesson is still open, or she has none yet (one query; learners.h5p.services, module docstring)."""
    last = _LAST_ATTEMPT_COMPLETED_AT(enrolment_id=enrolment.pk, lesson_id=lesson.pk, activity_id=activity.pk)
    return not last or last[0][0] is None


def preloaded_state(
    *, user: AbstractBaseUser, enrolment: Enrolment, lesson: LessonPage, activity: H5PActivity
) -> list[dict[str, str]] | None:
    """The player's ``contentUserData`` ([{"state": "<json>"}], index = sub-content 0), or None (two queries).

    None once her last attempt is closed: restored answers are never sent again, so they must not reach a new
    attempt (``state_in_progress``).
    """
    if not state_in_progress(enrolment=enrolment, lesson=lesson, activity=activity):
        return None
    data = dict(_PRELOADED_STATE(user_id=user.pk, activity_id=activity.pk))
    return [data] if data else None


def state_get(
    *,
    user: AbstractBaseUser,
    enrolment: Enrolment,
    lesson: LessonPage,
    activity: H5PActivity,
    data_type: str,
    sub_content_id: str,
) -> str | None:
    if not state_in_progress(enrolment=enrolment, lesson=lesson, activity=activity):
        return None
    return (
        H5PUserState.objects.filter(user=user, activity=activity, data_type=data_type, sub_content_id=sub_content_id)
        .values_list("value", flat=True)
        .first()
    )


@dataclass(frozen=True)
class H5PLesson:
    """A live lesson as the player and its endpoints read it: the same for every learner."""

    lesson: LessonPage
    course: CoursePage | None  # the course it is in (None: not placed in a course)
    placements: list[LessonActivity]  # its H5P blocks (courses.selectors.lesson_activities)


LESSON_FIELDS = ("id", "title", "path", "depth", "url_path", "body")
# What the player, the xAPI reducer and the completion rule read of the course.
COURSE_FIELDS = ("id", "title", "path", "depth", "url_path", "grade_required", "pass_grade", "min_attendance_percent")


def h5p_lesson(*, lesson_id: int, cached: bool = True) -> H5PLesson | None:
    """The live lesson ``lesson_id`` with its course and H5P blocks, or None (no such live lesson).

    The xAPI and state endpoints receive a statement every few seconds from every learner playing; the lesson, its
    course and its blocks change only when someone publishes. ``cached`` reads them from the shared page cache
    (``courses.page_cache``: a publish, an unpublish, a move or a changed activity starts a new generation, so the
    next statement reads the new version at once); otherwise three queries (two without H5P blocks)."""
    if cached:
        return page_cache.get_or_build(
            ("h5p-lesson", int(lesson_id)), lambda: h5p_lesson(lesson_id=lesson_id, cached=False)
        )
    lesson = LessonPage.objects.live().only(*LESSON_FIELDS).filter(pk=lesson_id).first()
    if lesson is None:
        return None
    course = CoursePage.objects.only(*COURSE_FIELDS).filter(path=lesson.path[: -2 * LessonPage.steplen]).first()
    return H5PLesson(lesson=lesson, course=course, placements=lesson_activities(lesson=lesson))


_PROGRESSING_ENROLMENT = PreparedQuery(
    lambda user_id, course_id: (
        Enrolment.objects.filter(user_id=user_id, course_id=course_id, status__in=PROGRESSING)
        .order_by()
        .only("id", "user_id", "course_id", "cohort_id", "status")[:1]
    ),
)


def progressing_enrolment(*, user: AbstractBaseUser, course: CoursePage) -> Enrolment | None:
    """Her active or completed enrolment in ``course``, with ``course`` as its course (one query)."""
    enrolment = _PROGRESSING_ENROLMENT.first(user_id=user.pk, course_id=course.pk)
    if enrolment is not None:
        enrolment.course = course
    return enrolment


def _open_attempt_query(*, lock: bool) -> PreparedQuery:
    def build(enrolment_id, lesson_id, activity_id):
        attempts = H5PAttempt.objects.select_for_update() if lock else H5PAttempt.objects.all()
        open_ones = attempts.filter(
            enrolment_id=enrolment_id, lesson_id=lesson_id, activity_id=activity_id, completed_at__isnull=True
        )
        return open_ones.order_by()[:1]  # at most one (the learners_h5pattempt_one_open constraint)

    return PreparedQuery(build)


OPEN_ATTEMPT = _open_attempt_query(lock=False)
OPEN_ATTEMPT_FOR_UPDATE = _open_attempt_query(lock=True)  # in a transaction only


def open_attempt(*, enrolment: Enrolment, lesson: LessonPage, activity: H5PActivity) -> H5PAttempt | None:
    """Her open attempt at this activity in this lesson, if any (one query, no lock)."""
    return OPEN_ATTEMPT.first(enrolment_id=enrolment.pk, lesson_id=lesson.pk, activity_id=activity.pk)
