"""H5P activities in lessons: a learner's attempts, the raw xAPI statements her player sent, and its saved state."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learners.enrolment.models import Enrolment


class H5PAttempt(models.Model):
    """One try of a learner at an H5P activity placed in a lesson, built from the statements her player sends.

    ``raw_score`` is the score that counts: the server's own for choice questions (recomputed from the learner's
    answers), the validated claim otherwise; ``claimed_raw`` is what the player said, and ``score_disputed`` marks
    an attempt whose claim disagreed with the server's score.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="h5p_attempts")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="h5p_attempts"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey(
        "courses.H5PActivity", verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    raw_score = models.FloatField(_("score"), null=True, blank=True)
    max_score = models.FloatField(_("maximum score"), null=True, blank=True)
    scaled = models.DecimalField(_("scaled score (0 to 1)"), max_digits=5, decimal_places=4, null=True, blank=True)
    success = models.BooleanField(_("passed"), null=True, blank=True)
    claimed_raw = models.FloatField(_("score claimed by the player"), null=True, blank=True)
    score_disputed = models.BooleanField(_("score disputed"), default=False)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("H5P attempt")
        verbose_name_plural = _("H5P attempts")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "lesson", "activity", "number"], name="learners_h5pattempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["enrolment", "lesson", "activity"],
                condition=Q(completed_at__isnull=True),
                name="learners_h5pattempt_one_open",
            ),
        ]
        indexes = [models.Index(fields=["activity", "-started_at"], name="learners_h5pattempt_act_idx")]

    def __str__(self):
        return f"{self.activity_id} · {self.user_id} · {self.number}"

    @property
    def percent(self) -> int | None:
        return None if self.scaled is None else round(self.scaled * 100)


class H5PStatement(models.Model):
    """An xAPI statement as the player sent it (actor replaced by the signed-in user), kept as an audit trail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey("courses.H5PActivity", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    attempt = models.ForeignKey(H5PAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements")
    statement_id = models.UUIDField(_("statement id"))
    verb = models.CharField(_("verb"), max_length=255)
    object_id = models.TextField(_("object"))
    sub_content_id = models.CharField(_("sub-content"), max_length=64, blank=True)
    top_level = models.BooleanField(_("whole activity"))
    raw = models.JSONField(_("statement"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    claimed_raw = models.FloatField(_("score claimed"), null=True, blank=True)
    server_raw = models.FloatField(_("score recomputed by the server"), null=True, blank=True)

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "statement_id"], name="learners_h5pstatement_id_unique"),
        ]
        indexes = [models.Index(fields=["attempt", "sub_content_id"], name="learners_h5pstmt_attempt_idx")]

    def __str__(self):
        return f"{self.verb.rsplit('/', 1)[-1]} · {self.object_id}"

    @property
    def verb_name(self) -> str:
        return self.verb.rstrip("/").rsplit("/", 1)[-1]


class H5PUserState(models.Model):
    """What an H5P player saved for a learner (core's "content user data"), restored when she comes back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey("courses.H5PActivity", on_delete=models.CASCADE, related_name="+")
    data_type = models.CharField(max_length=64)
    sub_content_id = models.CharField(max_length=64)
    value = models.TextField()
    preload = models.BooleanField(default=True)
    invalidate = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("H5P saved state")
        verbose_name_plural = _("H5P saved states")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "activity", "data_type", "sub_content_id"], name="learners_h5puserstate_unique"
            )
        ]
