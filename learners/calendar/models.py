"""A person's private calendar subscription: the secret in its address, which she can regenerate."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    """The subscription address of one person's sessions: as a learner (her cohorts) or as an instructor (the
    sessions she teaches). The address carries ``key`` (to find the row) and ``secret`` (compared in constant
    time); regenerating replaces both, so the old address stops working at once."""

    class Kind(models.TextChoices):
        LEARNER = "learner", _("My sessions as a learner")
        INSTRUCTOR = "instructor", _("Sessions I teach")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=16, unique=True)
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="learners_calendarfeed_unique")]

    def __str__(self):
        return f"{self.user} · {self.kind}"

    @property
    def token(self) -> str:
        return f"{self.key}{self.secret}"
