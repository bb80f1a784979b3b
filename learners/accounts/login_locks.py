"""The log-in locks in force, so that staff can see and lift them (the failure counters live in the cache)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginLock(models.Model):
    """A log-in refusal in force: one account from one address (``pair``), or one address for every account
    (``ip``, after failures on many different accounts). Written by ``learners.accounts.throttle`` when a lock
    starts; deleted when staff lift it or, lazily, once it has ended."""

    class Kind(models.TextChoices):
        PAIR = "pair", _("One account from one address")
        IP = "ip", _("One address, every account")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    account = models.CharField(_("account"), max_length=254, blank=True, help_text=_("As typed, lower-cased."))
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    locked_until = models.DateTimeField(_("locked until"), db_index=True)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        app_label = "learners"
        verbose_name = _("log-in lock")
        verbose_name_plural = _("log-in locks")
        constraints = [models.UniqueConstraint(fields=["kind", "account", "ip"], name="learners_loginlock_unique")]
        indexes = [models.Index(fields=["ip", "kind"], name="learners_loginlock_ip")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.account or '—'} · {self.ip}"
