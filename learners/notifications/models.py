"""The outbox (one row per message, per recipient and channel) and each person's choices per kind of message."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learners.notifications.kinds import CHOICES, IMMEDIATE


class OutboxMessage(models.Model):
    """A message to one person through one channel. ``dedup_key`` (unique per channel) is what makes queueing
    idempotent: the same event queued twice (a retry, a double click, two schedulers) is one row, sent once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        # SMS / WhatsApp later: add a value here and a sender in learners.notifications.channels.

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        HELD = "held", _("Waiting for the daily summary")
        SENT = "sent", _("Sent")
        IN_DIGEST = "in_digest", _("Sent in a daily summary")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    kind = models.CharField(_("kind"), max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    dedup_key = models.CharField(_("deduplication key"), max_length=200)
    subject = models.CharField(_("subject"), max_length=255)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)  # [{name, content (base64), type}]
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(_("why it was not sent"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    digest = models.ForeignKey(
        "self",
        verbose_name=_("daily summary"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digested",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            models.UniqueConstraint(fields=["channel", "dedup_key"], name="learners_outbox_dedup"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="learners_outbox_pending_idx"),
            models.Index(
                fields=["recipient", "created_at"], condition=Q(status="held"), name="learners_outbox_held_idx"
            ),
        ]

    def __str__(self):
        return self.subject


class NotificationPreference(models.Model):
    """How a person wants one kind of message (no row: the kind's default). Part of her personal data: it is in
    her download and goes with her account; ``changed_via`` records how she chose (her page, an email link)."""

    class Via(models.TextChoices):
        PAGE = "page", _("“My notices” page")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link in an email")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=40)
    choice = models.CharField(_("choice"), max_length=16, choices=CHOICES, default=IMMEDIATE)
    changed_via = models.CharField(_("changed via"), max_length=16, choices=Via.choices, default=Via.PAGE)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="learners_notification_pref_unique")]

    def __str__(self):
        return f"{self.user_id} · {self.kind}: {self.choice}"
