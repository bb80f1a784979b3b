"""Personal data: the staff audit log, the privacy notice, consents and data-protection requests
(Ley 19.628 / Ley 21.719)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """An entry of the staff audit log: who did what to whom, and when. Written only by ``learners.privacy.audit``;
    the admin shows it read-only to administrators, and nothing in the project updates or deletes entries."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=254)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=64, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    subject_label = models.CharField(_("subject"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="learners_audit_subject_idx")]

    def __str__(self):
        return f"{timezone.localtime(self.at):%d/%m/%Y %H:%M} · {self.actor_label} · {self.action}"


class PrivacyNotice(models.Model):
    """One version of the privacy notice. The current one is the newest whose publication time has come; a
    learner who accepted before it was published accepts it again at her next log-in. Publish a change as a new
    version rather than editing a published one, so every consent points to the text it accepted."""

    version = models.CharField(_("version"), max_length=32, unique=True, help_text=_("For example 2027-03."))
    published_at = models.DateTimeField(
        _("published at"), help_text=_("From this moment it is the notice in force; learners accept it again.")
    )
    purpose = models.TextField(_("purpose: what the data are used for"))
    legal_basis = models.TextField(_("legal basis"))
    recipients = models.TextField(_("recipients: the learner's municipality and the academy"))
    retention = models.TextField(_("retention: how long data are kept"))
    rights = models.TextField(_("rights and how to exercise them"))
    contact = models.TextField(_("contact channel"))
    certificates_after_deletion = models.TextField(
        _("issued certificates after deletion"),
        help_text=_("State that certificates stay verifiable with the name, masked RUN, course and dates."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")

    def __str__(self):
        return self.version

    SECTIONS = ("purpose", "legal_basis", "recipients", "retention", "rights", "contact", "certificates_after_deletion")

    def _text_sha256(self) -> str:
        """A fingerprint of the text, recorded with each consent (the proof of what was accepted)."""
        text = "\n\n".join([self.version] + [getattr(self, name) for name in self.SECTIONS])
        return hashlib.sha256(text.encode()).hexdigest()

    _text_sha256.short_description = _("text fingerprint")  # its label in the admin's inspect view
    text_sha256 = property(_text_sha256)


class Consent(models.Model):
    """A learner's acceptance of one version of the privacy notice, and its withdrawal."""

    class Channel(models.TextChoices):
        SIGNUP = "signup", _("Sign-up form")
        PROFILE = "profile", _("Profile completion")
        LOGIN = "login", _("New version accepted at log-in")
        IMPORT = "import", _("File imported by the school")
        MIGRATED = "migrated", _("Recorded before consents were kept")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="privacy_consents")
    notice = models.ForeignKey(
        PrivacyNotice, verbose_name=_("notice"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.CharField(_("version"), max_length=32)
    text_sha256 = models.CharField(_("text fingerprint"), max_length=64, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)

    class Meta:
        ordering = ["-accepted_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return f"{self.version} · {timezone.localtime(self.accepted_at):%d/%m/%Y}"


class DataRequest(models.Model):
    """A learner's request under Ley 19.628 / 21.719: access, rectification, deletion or blocking. Answered within
    30 calendar days; a blocking request within 2 business days. Kept (without her details) as proof of the reply."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access to my data")
        RECTIFICATION = "rectification", _("Correction of my data")
        DELETION = "deletion", _("Deletion of my data")
        BLOCKING = "blocking", _("Blocking of my data")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected with reasons")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_requests",
    )
    kind = models.CharField(_("request"), max_length=16, choices=Kind.choices)
    details = models.TextField(_("what the learner wrote"), blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    due_on = models.DateField(_("legal deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    response = models.TextField(
        _("response"), blank=True, help_text=_("Sent to the learner. Do not write her RUN, email or phone here.")
    )

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")

    def __str__(self):
        return f"#{self.pk} · {self.get_kind_display()}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()
