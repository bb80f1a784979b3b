"""H5P activities and the shared library store.

An activity is one uploaded .h5p package: its content (h5p.json, content.json, media) is extracted to its own
folder under ``H5P_ROOT/content/<uuid>/``. The JavaScript libraries it needs live once in the shared store
``H5P_ROOT/libraries/<Machine>-<major>.<minor>.<patch>/`` and are played from there; a library version new to
the store is held until an administrator approves it, and an activity plays only when every library it needs
has an approved version.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class H5PLibrary(models.Model):
    """One version of an H5P library (JavaScript + CSS) in the shared store."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    machine_name = models.CharField(_("machine name"), max_length=255)
    major_version = models.PositiveIntegerField(_("major version"))
    minor_version = models.PositiveIntegerField(_("minor version"))
    patch_version = models.PositiveIntegerField(_("patch version"))
    title = models.CharField(_("title"), max_length=255)
    runnable = models.BooleanField(_("runnable"), default=False)
    library_json = models.JSONField(_("library.json"), default=dict)
    semantics = models.JSONField(_("semantics.json"), null=True, blank=True)
    tree_sha256 = models.CharField(_("SHA-256 of its files"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("H5P library")
        verbose_name_plural = _("H5P libraries")
        ordering = ["machine_name", "-major_version", "-minor_version", "-patch_version"]
        permissions = [("approve_h5plibrary", _("Can approve H5P libraries"))]
        constraints = [
            models.UniqueConstraint(
                fields=["machine_name", "major_version", "minor_version", "patch_version"],
                name="courses_h5plibrary_version_unique",
            )
        ]

    def __str__(self):
        return f"{self.machine_name} {self.version}"

    @property
    def version(self) -> str:
        return f"{self.major_version}.{self.minor_version}.{self.patch_version}"

    @property
    def folder(self) -> str:
        """The store folder: one per full version, named by the files' hash so a folder never changes content."""
        return f"{self.machine_name}-{self.version}-{self.tree_sha256[:16]}"

    @property
    def content_string(self) -> str:
        """How content and dependencies name it: ``H5P.MultiChoice 1.16``."""
        return f"{self.machine_name} {self.major_version}.{self.minor_version}"


class H5PActivity(models.Model):
    """An interactive activity uploaded as an .h5p package, which lessons embed with the H5P block."""

    class GradingMethod(models.TextChoices):
        HIGHEST = "highest", _("Highest attempt")
        LAST = "last", _("Last attempt")
        FIRST = "first", _("First attempt")
        AVERAGE = "average", _("Average of attempts")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    main_library = models.CharField(_("content type"), max_length=300, editable=False)
    h5p_json = models.JSONField(_("h5p.json"), default=dict, editable=False)
    required_libraries = models.JSONField(
        _("libraries needed"), default=list, editable=False, help_text=_('As H5P names them: "H5P.MultiChoice 1.16".')
    )
    package_sha256 = models.CharField(_("package SHA-256"), max_length=64, unique=True, editable=False)
    package_size = models.PositiveBigIntegerField(_("package size"), default=0, editable=False)
    expected_max_score = models.PositiveIntegerField(_("maximum score"), null=True, blank=True, editable=False)
    answer_key = models.JSONField(default=dict, editable=False)
    grading_method = models.CharField(
        _("grading method"),
        max_length=16,
        choices=GradingMethod.choices,
        default=GradingMethod.HIGHEST,
        help_text=_("Which attempt counts when a learner tries the activity more than once."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    school = models.ForeignKey(
        "courses.School",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="h5p_activities",
        help_text=_(
            "The municipal school that owns the activity (the school of whoever uploaded it); empty for the "
            "academy's activities, which every school may use."
        ),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("H5P activity")
        verbose_name_plural = _("H5P activities")
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def is_scored(self) -> bool:
        return bool(self.expected_max_score)
