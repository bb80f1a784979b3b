"""What an import leaves behind: the import itself (its counts and the rows it skipped, for the result page and
its report) and the invitation each person it created receives (who was invited, when and how many times)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EnrolmentImport(models.Model):
    """One confirmed import of a CSV file. ``token`` is the preview's token: confirming the same preview twice
    (a double click, a resent form) finds this row instead of importing again."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing")
        SKIP_INVALID = "skip", _("Import the valid rows and skip the ones with problems")

    token = models.CharField(_("token"), max_length=64, unique=True)
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )
    cohort = models.ForeignKey(
        "learners.Cohort", verbose_name=_("cohort"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    filename = models.CharField(_("file"), max_length=255, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    created = models.PositiveIntegerField(_("new learners"), default=0)
    matched = models.PositiveIntegerField(_("already registered"), default=0)
    enrolled = models.PositiveIntegerField(_("enrolled"), default=0)
    waitlisted = models.PositiveIntegerField(_("on the waitlist"), default=0)
    already_enrolled = models.PositiveIntegerField(_("already enrolled before"), default=0)
    skipped = models.PositiveIntegerField(_("skipped rows"), default=0)
    skipped_rows = models.JSONField(
        _("skipped rows"), default=list, blank=True, help_text=_("Line, original values and reasons of each row.")
    )

    class Meta:
        verbose_name = _("CSV import")
        verbose_name_plural = _("CSV imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} · {self.created_at:%d/%m/%Y %H:%M}"


class ImportInvitation(models.Model):
    """The invitation of a person created by an import: the email with her link to choose a password."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="import_invitation"
    )
    enrolment_import = models.ForeignKey(
        EnrolmentImport,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )
    first_sent_at = models.DateTimeField(_("first sent at"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    sent_count = models.PositiveIntegerField(_("times sent"), default=0)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return str(self.user)
