"""Writes for the learners plugin: enrolment, waitlists, progress, completion and attendance.

Every function is safe to call twice (double clicks, two tabs, retries): database constraints plus
get-or-create inside a transaction make the second call a no-op.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage, LessonPage
from courses.selectors import lesson_activities
from learners import selectors
from learners.models import AttendanceRecord, Cohort, Enrolment, LessonProgress, Session
from learners.signals import course_completed


class EnrolmentError(Exception):
    """A learner-facing reason why an enrolment action was refused (the message is translated)."""


@transaction.atomic
def enrolment_create(*, user: AbstractBaseUser, course: CoursePage, cohort: Cohort | None = None) -> Enrolment:
    """Enrol ``user`` in ``course`` (in ``cohort`` when given). A full cohort puts her on its waitlist.

    Enrolling again returns the existing enrolment; a withdrawn learner is enrolled anew. Raises
    EnrolmentError when the course is not live, the cohort belongs to another course or is closed.
    """
    if not course.live:
        raise EnrolmentError(_("This course is not open for enrolment."))
    if cohort is None and Cohort.objects.filter(course=course).exists():
        cohort = selectors.open_cohorts(course=course).first()
        if cohort is None:
            raise EnrolmentError(_("No group of this course is taking enrolments right now."))
    if cohort is not None:
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)  # serialise seat counting
        if cohort.course_id != course.pk:
            raise EnrolmentError(_("That group belongs to another course."))
    existing = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if existing is not None and existing.status != Enrolment.Status.WITHDRAWN:
        return existing
    if cohort is not None and not cohort.enrolment_is_open():
        raise EnrolmentError(_("Enrolment for this group is closed."))

    now = timezone.now()
    full = (
        cohort is not None and cohort.capacity is not None and selectors.seats_taken(cohort=cohort) >= cohort.capacity
    )
    values = {
        "cohort": cohort,
        "status": Enrolment.Status.WAITLISTED if full else Enrolment.Status.ACTIVE,
        "enrolled_at": now,
        "waitlisted_at": now if full else None,
        "withdrawn_at": None,
        "completed_at": None,
    }
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        return existing
    try:
        with transaction.atomic():
            return Enrolment.objects.create(user=user, course=course, **values)
    except IntegrityError:  # a concurrent request enrolled her first
        return Enrolment.objects.get(user=user, course=course)


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment) -> Enrolment:
    """Withdraw from a course or leave its waitlist; a freed seat goes to the first person waiting."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == Enrolment.Status.COMPLETED:
        raise EnrolmentError(_("You already completed this course."))
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        return enrolment
    freed_seat = enrolment.status == Enrolment.Status.ACTIVE and enrolment.cohort_id is not None
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.waitlisted_at = None
    enrolment.save(update_fields=["status", "withdrawn_at", "waitlisted_at"])
    if freed_seat:
        waitlist_promote(cohort=enrolment.cohort)
    return enrolment


@transaction.atomic
def waitlist_promote(*, cohort: Cohort) -> list[Enrolment]:
    """Move people from the waitlist into free seats, first come first served."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    free = None if cohort.capacity is None else cohort.capacity - selectors.seats_taken(cohort=cohort)
    waiting = Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.WAITLISTED).order_by(
        "waitlisted_at", "pk"
    )
    if free is not None:
        waiting = waiting[: max(free, 0)]
    promoted = list(waiting)
    for enrolment in promoted:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.waitlisted_at = None
        enrolment.save(update_fields=["status", "waitlisted_at"])
    return promoted


def lesson_visit(*, enrolment: Enrolment, lesson: LessonPage) -> None:
    """Remember the last lesson opened, for "Continuar donde quedé" (one UPDATE)."""
    Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson, last_visited_at=timezone.now())


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
    EnrolmentError if the enrolment cannot progress or the lesson is not in its course.

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
    """INSERT the completed progress row unless one exists; True when this call inserted it (one round trip).

    Written in SQL because Django's ``bulk_create(ignore_conflicts=True)`` cannot tell whether it inserted.
    ``ON CONFLICT … DO NOTHING RETURNING`` works on PostgreSQL and on SQLite ≥ 3.35.
    """
    ops = connection.ops
    quote = ops.quote_name
    now = timezone.now()
    columns = ["enrolment_id", "lesson_id", "course_id", "completed_at", "score", "source", "updated_at"]
    values = [
        enrolment.pk,
        lesson.pk,
        enrolment.course_id,
        ops.adapt_datetimefield_value(now),
        ops.adapt_decimalfield_value(score, 5, 4) if score is not None else None,
        source,
        ops.adapt_datetimefield_value(now),
    ]
    sql = (
        f"INSERT INTO {quote(LessonProgress._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({quote('enrolment_id')}, {quote('lesson_id')}) DO NOTHING RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone() is not None


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


@transaction.atomic
def attendance_record(*, session: Session, marks: dict[int, str], recorded_by: AbstractBaseUser) -> int:
    """Save attendance for a session: ``marks`` maps enrolment ids to a status. Returns rows written.

    Enrolments that are not active in the session's cohort are ignored. Courses whose rule needs
    attendance are re-evaluated for the learners marked.
    """
    valid = set(AttendanceRecord.Status.values)
    enrolments = {
        enrolment.pk: enrolment
        for enrolment in Enrolment.objects.filter(
            cohort=session.cohort,
            pk__in=marks,
            status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED],
        ).select_related("course", "cohort")
    }
    written = 0
    for enrolment_id, status in marks.items():
        if enrolment_id not in enrolments or status not in valid:
            continue
        AttendanceRecord.objects.update_or_create(
            session=session, enrolment_id=enrolment_id, defaults={"status": status, "recorded_by": recorded_by}
        )
        written += 1
    for enrolment in enrolments.values():
        enrolment_evaluate_completion(enrolment=enrolment)
    return written
