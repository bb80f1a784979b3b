"""A learner's answer to a reflection prompt of a lesson, and the instructor's feedback on it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learners.enrolment.models import Enrolment


class ReflectionAnswer(models.Model):
    """One enrolment's answer to one "Para reflexionar" block (``block_id``, the StreamField block's uuid) of a
    lesson. Plain text, personal data: only she and the staff of her cohort see it. Editable by her until
    ``feedback_at`` is set."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="reflection_answers")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(_("prompt block id"), max_length=64)
    prompt = models.TextField(_("question"), blank=True, help_text=_("The question as it read when last answered."))
    text = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    feedback = models.TextField(_("feedback"), blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reflection answer")
        verbose_name_plural = _("reflection answers")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson", "block_id"], name="learners_reflection_unique")
        ]
        indexes = [models.Index(fields=["lesson", "block_id"], name="learners_reflection_prompt_idx")]

    def __str__(self):
        return f"{self.lesson_id}/{self.block_id} · {self.enrolment_id}"
