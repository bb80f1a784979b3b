"""Reads for reflection answers: a learner's answers in a lesson, the prompts she still has to answer, who on the
staff may read or reply to a cohort's answers, and the rows the gradebook pages show. Fixed query counts."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from courses.models import CoursePage, LessonPage
from courses.selectors import LessonReflection, course_reflections, lesson_reflections
from learners.enrolment.models import Cohort, Enrolment
from learners.enrolment.selectors import SEAT_HOLDING
from learners.reflections.models import ReflectionAnswer
from learners.staff.selectors import ScopeLookups, staff_scope, staff_scope_q

# The learner -----------------------------------------------------------------------------------------------------


def lesson_answers(*, enrolment: Enrolment, lesson: LessonPage) -> dict[str, ReflectionAnswer]:
    """Her answers in one lesson, by prompt block id (one query)."""
    answers = ReflectionAnswer.objects.filter(enrolment=enrolment, lesson=lesson)
    return {answer.block_id: answer for answer in answers}


def missing_required_answers(*, enrolment: Enrolment, lesson: LessonPage) -> list[LessonReflection]:
    """The prompts of ``lesson`` marked "answer required" that this enrolment has not answered yet (no query when the
    lesson requires none, one otherwise). An answer counts once it has some text."""
    required = [prompt for prompt in lesson_reflections(lesson=lesson) if prompt.answer_required]
    if not required:
        return []
    answered = set(
        ReflectionAnswer.objects.filter(
            enrolment=enrolment, lesson=lesson, block_id__in=[prompt.block_id for prompt in required]
        )
        .exclude(text="")
        .values_list("block_id", flat=True)
    )
    return [prompt for prompt in required if prompt.block_id not in answered]


@dataclass(frozen=True)
class LearnerReflectionRow:
    """One prompt of a course and what she answered and was told (``answer`` None: not answered yet)."""

    lesson: LessonPage
    block_id: str
    prompt: str
    answer_required: bool
    text: str
    updated_at: datetime | None
    feedback: str
    feedback_at: datetime | None

    @property
    def answered(self) -> bool:
        return bool(self.text)

    @property
    def has_feedback(self) -> bool:
        return self.feedback_at is not None


def learner_feedback_for_course(*, user: AbstractBaseUser, course: CoursePage) -> list[LearnerReflectionRow]:
    """Every reflection prompt of ``course`` in lesson order with her answer and the feedback on it, for "Mis notas"
    (three queries; an empty list when she is not enrolled). Answers to prompts removed from the course since are
    listed after them, with the question as she saw it."""
    if not user.is_authenticated:
        return []
    enrolment = Enrolment.objects.filter(user=user, course=course).only("pk").first()
    if enrolment is None:
        return []
    answers = {
        (answer.lesson_id, answer.block_id): answer
        for answer in ReflectionAnswer.objects.filter(enrolment=enrolment).select_related("lesson")
    }
    rows = []
    for prompt in course_reflections(course=course):
        answer = answers.pop((prompt.lesson.pk, prompt.block_id), None)
        rows.append(
            LearnerReflectionRow(
                lesson=prompt.lesson,
                block_id=prompt.block_id,
                prompt=prompt.prompt,
                answer_required=prompt.answer_required,
                text=answer.text if answer else "",
                updated_at=answer.updated_at if answer else None,
                feedback=answer.feedback if answer else "",
                feedback_at=answer.feedback_at if answer else None,
            )
        )
    for answer in sorted(answers.values(), key=lambda item: (item.lesson.path, item.pk)):
        rows.append(
            LearnerReflectionRow(
                lesson=answer.lesson,
                block_id=answer.block_id,
                prompt=answer.prompt,
                answer_required=False,
                text=answer.text,
                updated_at=answer.updated_at,
                feedback=answer.feedback,
                feedback_at=answer.feedback_at,
            )
        )
    return rows


# The staff -------------------------------------------------------------------------------------------------------


def reflection_cohorts(*, user: AbstractBaseUser) -> QuerySet[Cohort]:
    """The cohorts whose answers ``user`` may read (two queries to decide, lazily evaluated): every cohort for the
    academy and administrators, her municipality's for a coordinator, and for an instructor the cohorts she teaches
    (``Cohort.instructors``; being named on the course is not enough: answers are for the people who teach her)."""
    cohorts = Cohort.objects.select_related("course", "municipality").order_by("-starts_on", "name")
    if not user.is_authenticated or not user.is_active:
        return cohorts.none()
    scope = staff_scope(user=user)
    if scope.everything:
        return cohorts
    if scope.municipality_id is not None:
        return cohorts.filter(municipality_id=scope.municipality_id)
    if scope.school_admin:  # a school's administration: her school's cohorts
        lookups = ScopeLookups(course="course_id", cohort="pk", municipality="municipality_id")
        return cohorts.filter(staff_scope_q(scope=scope, lookups=lookups))
    return cohorts.filter(pk__in=scope.cohort_ids)


def can_reply(*, user: AbstractBaseUser, cohort: Cohort) -> bool:
    """Whether ``user`` may write feedback on this cohort's answers: the academy and administrators, and the
    instructors of the cohort. A municipal coordinator only reads."""
    if not user.is_authenticated or not user.is_active:
        return False
    scope = staff_scope(user=user)
    if scope.everything:
        return True
    if scope.school_admin:
        return reflection_cohorts(user=user).filter(pk=cohort.pk).exists()
    return scope.municipality_id is None and cohort.pk in scope.cohort_ids


def cohort_enrolments(*, cohort: Cohort) -> list[Enrolment]:
    """The learners holding a seat in the cohort, by family name (one query)."""
    return list(
        Enrolment.objects.filter(cohort=cohort, status__in=SEAT_HOLDING)
        .select_related("user__learner_profile")
        .order_by("user__learner_profile__family_names", "user__learner_profile__given_names", "user__email")
    )


def cohort_answers(
    *, cohort: Cohort, lesson: LessonPage | None = None, block_id: str = "", enrolment: Enrolment | None = None
) -> list[ReflectionAnswer]:
    """The cohort's answers with some text, to one prompt or of one learner if given, in lesson order (one query)."""
    answers = ReflectionAnswer.objects.filter(enrolment__cohort=cohort).exclude(text="")
    if lesson is not None:
        answers = answers.filter(lesson=lesson, block_id=block_id)
    if enrolment is not None:
        answers = answers.filter(enrolment=enrolment)
    return list(
        answers.select_related("enrolment__user__learner_profile", "lesson", "feedback_by").order_by(
            "lesson__path", "block_id", "updated_at"
        )
    )


def prompt_counts(*, cohort: Cohort) -> dict[tuple[int, str], tuple[int, int]]:
    """(answers with text, answers waiting for feedback) per (lesson id, block id) in the cohort (one query)."""
    rows = (
        ReflectionAnswer.objects.filter(enrolment__cohort=cohort)
        .exclude(text="")
        .values("lesson_id", "block_id")
        .annotate(answered=Count("pk"), pending=Count("pk", filter=Q(feedback_at__isnull=True)))
    )
    return {(row["lesson_id"], row["block_id"]): (row["answered"], row["pending"]) for row in rows}


def pending_feedback_by_learner(*, cohort: Cohort) -> dict[int, int]:
    """How many answers of each learner (user id) of the cohort wait for feedback (one query). Learners with none
    are absent from the dict. For the "respuesta esperando comentario" flag of "Mis grupos"."""
    rows = (
        ReflectionAnswer.objects.filter(enrolment__cohort=cohort, feedback_at__isnull=True)
        .exclude(text="")
        .values("enrolment__user_id")
        .annotate(count=Count("pk"))
    )
    return {row["enrolment__user_id"]: row["count"] for row in rows}


def pending_feedback_by_cohort(*, cohorts: QuerySet[Cohort] | list[Cohort]) -> dict[int, int]:
    """Answers waiting for feedback per cohort id (one query)."""
    rows = (
        ReflectionAnswer.objects.filter(enrolment__cohort__in=cohorts, feedback_at__isnull=True)
        .exclude(text="")
        .values("enrolment__cohort_id")
        .annotate(count=Count("pk"))
    )
    return {row["enrolment__cohort_id"]: row["count"] for row in rows}
