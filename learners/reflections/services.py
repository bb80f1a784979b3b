"""Writes for reflection answers: the learner saves her answer (autosaved while she types), the instructor replies.

Answers and feedback are plain text: control characters are dropped, line breaks kept, nothing is parsed as HTML
or markup (templates escape it and show links as text)."""

import re

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import LessonPage
from courses.selectors import LessonReflection, lesson_reflections
from learners.accounts.throttle import count_hit
from learners.enrolment.models import Cohort, Enrolment
from learners.enrolment.selectors import PROGRESSING
from learners.privacy.audit import audit_record
from learners.reflections import selectors
from learners.reflections.models import ReflectionAnswer
from learners.signals import reflection_answered

FEEDBACK_MAX_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ReflectionError(Exception):
    """A save that was refused; ``message`` is for the learner or instructor, ``status`` for a JSON answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def answer_max_chars() -> int:
    return int(getattr(settings, "LEARNERS_REFLECTION_MAX_CHARS", 5000))


def saves_per_minute() -> int:
    return int(getattr(settings, "LEARNERS_REFLECTION_SAVES_PER_MINUTE", 30))


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def plain_text(value: str, *, limit: int) -> str:
    """``value`` as plain text: Windows and old Mac line breaks become ``\\n``, other control characters (NUL…) are
    dropped and the ends trimmed. Raises ReflectionError when it is longer than ``limit`` characters."""
    text = _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > limit:
        raise ReflectionError(
            _("Your text can be up to %(limit)s characters long; it has %(count)s.")
            % {"limit": _thousands(limit), "count": _thousands(len(text))},
            413,
        )
    return text


def save_rate_limited(*, user: AbstractBaseUser) -> bool:
    """Count one save of ``user`` in the current minute; True once over LEARNERS_REFLECTION_SAVES_PER_MINUTE."""
    key = f"reflection-save:{user.pk}:{int(timezone.now().timestamp() // 60)}"
    return count_hit(key, window=90) > saves_per_minute()


def reflection_for(*, lesson: LessonPage, block_id: str) -> LessonReflection | None:
    """The reflection prompt ``block_id`` of ``lesson``, or None when the lesson has no such prompt."""
    return next((item for item in lesson_reflections(lesson=lesson) if item.block_id == str(block_id)), None)


@transaction.atomic
def reflection_answer_save(
    *, user: AbstractBaseUser, enrolment: Enrolment, lesson: LessonPage, block_id: str, text: str
) -> ReflectionAnswer | None:
    """Save her answer to one prompt (creating it on the first save). An empty first save stores nothing (None).

    Raises ReflectionError when the account or enrolment cannot answer, the prompt is not in the lesson, the text
    is too long, or the instructor has already replied (the answer is then final)."""
    if not user.is_authenticated or not user.is_active or enrolment.user_id != user.pk:
        raise ReflectionError(_("You need an active account to answer."), 403)
    if enrolment.status not in PROGRESSING:
        raise ReflectionError(_("You need an active enrolment in this course to answer."), 403)
    if not lesson.path.startswith(enrolment.course.path):
        raise ReflectionError(_("This lesson is not part of your course."), 404)
    prompt = reflection_for(lesson=lesson, block_id=block_id)
    if prompt is None:
        raise ReflectionError(_("This question is no longer in the lesson."), 404)
    text = plain_text(text, limit=answer_max_chars())
    answer = ReflectionAnswer.objects.filter(enrolment=enrolment, lesson=lesson, block_id=prompt.block_id).first()
    if answer is None:
        if not text:
            return None
        answer, created = ReflectionAnswer.objects.get_or_create(
            enrolment=enrolment,
            lesson=lesson,
            block_id=prompt.block_id,
            defaults={"text": text, "prompt": prompt.prompt},
        )
        if created:
            _answered(enrolment=enrolment, lesson=lesson, prompt=prompt)
            return answer
    if answer.text == text and answer.feedback_at is None:
        return answer  # a resend of what is stored already (after a lost connection)
    was_empty = not answer.text
    now = timezone.now()
    updated = ReflectionAnswer.objects.filter(pk=answer.pk, feedback_at__isnull=True).update(
        text=text, prompt=prompt.prompt, updated_at=now
    )
    if not updated:
        raise ReflectionError(_("Your instructor has already replied, so this answer can no longer be changed."), 409)
    answer.text, answer.prompt, answer.updated_at = text, prompt.prompt, now
    if was_empty and text:
        _answered(enrolment=enrolment, lesson=lesson, prompt=prompt)
    return answer


def _answered(*, enrolment: Enrolment, lesson: LessonPage, prompt: LessonReflection) -> None:
    """A required prompt just got its first text: tell whoever waits on this lesson's required answers
    (learners.h5p) once none is missing any more. Later edits of the same answer change nothing there."""
    if prompt.answer_required and not selectors.missing_required_answers(enrolment=enrolment, lesson=lesson):
        reflection_answered.send(sender=ReflectionAnswer, enrolment=enrolment, lesson=lesson)


@transaction.atomic
def reflection_feedback_save(*, by: AbstractBaseUser, answer: ReflectionAnswer, feedback: str) -> ReflectionAnswer:
    """Write (or correct) the instructor's short feedback on an answer; from then on the learner cannot edit it.
    Recorded in the audit log (``reflection.feedback_given``). Raises ReflectionError when ``by`` may not reply
    to this cohort (coordinators only read) or the feedback is empty or too long."""
    cohort = Cohort.objects.filter(pk=answer.enrolment.cohort_id).first()
    if cohort is None or not selectors.can_reply(user=by, cohort=cohort):
        raise ReflectionError(_("You cannot reply to the answers of this group."), 403)
    feedback = plain_text(feedback, limit=FEEDBACK_MAX_CHARS)
    if not feedback:
        raise ReflectionError(_("Write your feedback before sending it."))
    answer = ReflectionAnswer.objects.select_for_update().get(pk=answer.pk)
    answer.feedback, answer.feedback_by, answer.feedback_at = feedback, by, timezone.now()
    answer.save(update_fields=["feedback", "feedback_by", "feedback_at"])
    audit_record(
        actor=by,
        action="reflection.feedback_given",
        subject=answer,
        subject_label=answer.lesson.title,
        data={"enrolment_id": answer.enrolment_id, "lesson_id": answer.lesson_id, "block_id": answer.block_id},
    )
    return answer
