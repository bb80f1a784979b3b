"""Writes for progress: the last lesson visited, lessons completed, and the course's completion (which sends
``learners.signals.course_completed``). Safe to call twice: a repeat changes nothing."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import LessonPage
from courses.row_writes import insert_row
from courses.selectors import lesson_activities
from learners.enrolment.models import Enrolment
from learners.enrolment.services import EnrolmentError
from learners.progress import selectors
from learners.progress.models import LessonProgress
from learners.reflections.selectors import missing_required_answers
from learners.signals import course_completed


def lesson_visit(*, enrolment: Enrolment, lesson: LessonPage) -> bool:
    """Remember the last lesson opened, for "Continuar donde quedé", and the day of the visit (reports count active
    learners by day). Writes only when that changes — another lesson, or the first visit of a new day (Santiago
    time) — so reading the same lesson again writes nothing. Returns whether it wrote (one UPDATE)."""
    now = timezone.now()
    visited = enrolment.last_visited_at
    same_day = visited is not None and timezone.localdate(visited) == timezone.localdate(now)
    if enrolment.last_lesson_id == lesson.pk and same_day:
        return False
    Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson, last_visited_at=now)
    enrolment.last_lesson_id, enrolment.last_visited_at = lesson.pk, now
    return True


@dataclass(frozen=True)
class CompletionResult:
    course_completed: bool


def lesson_mark_complete(
    *,
    enrolment: Enrolment,
    lesson: LessonPage,
    score: Decimal | None = None,
    source: str = LessonProgress.Source.MANUAL,
) -> CompletionResult:
    """Record a lesson as done for this enrolment and complete the course when its rule is met.

    Called by the learner's "Marcar como completada" (score None) and by graded activities (with a scaled
    score). Marking a lesson that is already done changes nothing and skips the completion check. Raises
    EnrolmentError if the enrolment cannot progress, the lesson is not in its course, or (by hand) the lesson has a
    reflection prompt marked "answer required" that she has not answered (learners.reflections). Passing its
    activities while such an answer is missing completes nothing yet: the answer completes the lesson when it comes.

    No surrounding transaction is needed: the progress row is one atomic INSERT … ON CONFLICT DO NOTHING, and the
    course completes through a conditional UPDATE (enrolment_evaluate_completion), so concurrent calls stay
    correct and the hot path costs four queries.
    """
    if enrolment.status not in (Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED):
        raise EnrolmentError(_("You need an active enrolment to record progress."))
    if not lesson.path.startswith(enrolment.course.path):
        raise EnrolmentError(_("This lesson is not part of your course."))
    if source == LessonProgress.Source.MANUAL and any(item.required for item in lesson_activities(lesson=lesson)):
        raise EnrolmentError(_("This lesson completes when you pass its activities."))
    if missing_required_answers(enrolment=enrolment, lesson=lesson):
        if source == LessonProgress.Source.MANUAL:
            raise EnrolmentError(_("Answer the reflection question of this lesson before marking it as completed."))
        if not LessonProgress.objects.filter(enrolment=enrolment, lesson=lesson, completed_at__isnull=False).exists():
            # She passed its activities but a required answer is missing: the lesson waits for it
            # (learners.signals.reflection_answered completes it then). A completed lesson is never reopened.
            return CompletionResult(course_completed=False)
    if not _progress_insert(enrolment=enrolment, lesson=lesson, score=score, source=source):
        progress = LessonProgress.objects.get(enrolment=enrolment, lesson=lesson)
        if progress.completed_at is not None and (score is None or score == progress.score):
            return CompletionResult(course_completed=False)  # nothing changed: a repeat click or a retry
        progress.completed_at = progress.completed_at or timezone.now()
        if score is not None:
            progress.score, progress.source = score, source
        progress.save(update_fields=["completed_at", "score", "source", "updated_at"])
    return CompletionResult(course_completed=enrolment_evaluate_completion(enrolment=enrolment))


def _progress_insert(*, enrolment: Enrolment, lesson: LessonPage, score: Decimal | None, source: str) -> bool:
    """INSERT the completed progress row unless one exists; True when this call inserted it (one round trip:
    ``INSERT … ON CONFLICT DO NOTHING RETURNING``, which ``bulk_create(ignore_conflicts=True)`` cannot tell)."""
    now = timezone.now()
    values = {
        "enrolment_id": enrolment.pk,
        "lesson_id": lesson.pk,
        "course_id": enrolment.course_id,
        "completed_at": now,
        "score": score,
        "source": source,
        "updated_at": now,
    }
    inserted = insert_row(LessonProgress, values, unless_conflict=("enrolment", "lesson"), returning="id")
    return inserted is not None


def enrolment_evaluate_completion(*, enrolment: Enrolment) -> bool:
    """Complete the enrolment if the course's rule is met; True only for the call that completed it.

    The status change is a conditional UPDATE, so ``course_completed`` is sent exactly once even when two
    requests finish the last lesson at the same moment.
    """
    if enrolment.status != Enrolment.Status.ACTIVE:
        return False
    course = enrolment.course
    check = selectors.completion_check(enrolment=enrolment, course=course)
    if not check.met:
        return False
    updated = Enrolment.objects.filter(pk=enrolment.pk, status=Enrolment.Status.ACTIVE).update(
        status=Enrolment.Status.COMPLETED, completed_at=timezone.now(), final_grade=check.grade
    )
    if not updated:
        return False
    enrolment.refresh_from_db(fields=["status", "completed_at", "final_grade"])
    transaction.on_commit(lambda: course_completed.send(sender=Enrolment, enrolment_id=enrolment.pk))
    return True
