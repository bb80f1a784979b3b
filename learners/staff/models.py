"""What the platform knows about a staff account beyond its groups."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    """What the platform needs to know about a staff account beyond its groups: the municipality a municipal
    coordinator works for (her reports and learner lists are limited to it)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    municipality = models.ForeignKey(
        "courses.Comuna",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For municipal coordinators: the municipality whose cohorts and learners they may see."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)
