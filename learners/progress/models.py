"""Lesson progress: one row per enrolment and lesson."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from learners.enrolment.models import Enrolment


class LessonProgress(models.Model):
    """One learner's state in one lesson. Reading lessons complete by hand; graded ones from their activities."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Marked complete by the learner")
        ACTIVITY = "activity", _("Graded activity")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="progress")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    score = models.DecimalField(
        _("score (0 to 1)"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Scaled score of the lesson's graded activities, when it has any."),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["enrolment", "lesson"], name="learners_progress_unique")]
        indexes = [models.Index(fields=["enrolment", "completed_at"], name="learners_progress_done_idx")]
