"""Reads for H5P: a learner's grades in a lesson's activities, the player's saved state, and the cache key of a
lesson and its H5P blocks."""

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from courses.models import H5PActivity, LessonPage
from courses.selectors import LessonActivity
from learners.enrolment.models import Enrolment
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


def lesson_activity_grades(
    *, enrolment: Enrolment, lesson: LessonPage, placements: list[LessonActivity]
) -> dict[int, ActivityGrade]:
    """Each placed activity's grade for this enrolment (activity id → ActivityGrade), in one query."""
    if not placements:
        return {}
    scaled: dict[int, list[Decimal | None]] = {}
    for activity_id, value in (
        H5PAttempt.objects.filter(enrolment=enrolment, lesson=lesson, completed_at__isnull=False)
        .order_by("number")
        .values_list("activity_id", "scaled")
    ):
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


def state_in_progress(*, enrolment: Enrolment, lesson: LessonPage, activity: H5PActivity) -> bool:
    """True while the learner's saved state may be kept and served: her last attempt at this activity in this
    lesson is still open, or she has none yet (one query; learners.h5p.services, module docstring)."""
    last = (
        H5PAttempt.objects.filter(enrolment=enrolment, lesson=lesson, activity=activity)
        .order_by("-number")
        .values_list("completed_at", flat=True)[:1]
    )
    return not last or last[0] is None


def preloaded_state(
    *, user: AbstractBaseUser, enrolment: Enrolment, lesson: LessonPage, activity: H5PActivity
) -> list[dict[str, str]] | None:
    """The player's ``contentUserData`` ([{"state": "<json>"}], index = sub-content 0), or None (two queries).

    None once her last attempt is closed: restored answers are never sent again, so they must not reach a new
    attempt (``state_in_progress``).
    """
    if not state_in_progress(enrolment=enrolment, lesson=lesson, activity=activity):
        return None
    rows = H5PUserState.objects.filter(user=user, activity=activity, sub_content_id="0", preload=True).values_list(
        "data_type", "value"
    )
    data = dict(rows)
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


# The xAPI and state endpoints receive a statement every few seconds from every learner playing; the lesson and its
# H5P blocks change only when an editor publishes. The endpoints keep them this many seconds in the cache, and a
# publish or unpublish drops them at once (in this process; with REDIS_URL, in every process).
LESSON_CACHE_SECONDS = 30


def lesson_cache_key(lesson_id) -> str:
    return f"learners:h5p:lesson:{lesson_id}"
