"""The School model: one municipality's Escuela Ciudadana on its own Wagtail Site."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class School(models.Model):
    """A municipal school: its name, its comuna (one school per comuna) and its Site (host name → home page).

    The school's pages are the Site's root page and everything below it; its branding and contacts are the Site's
    settings (``cms.SchoolSettings``). Create and remove schools through ``cms.schools.services``.
    """

    name = models.CharField(_("name"), max_length=150, unique=True)
    comuna = models.OneToOneField(
        "courses.Comuna", verbose_name=_("comuna"), on_delete=models.PROTECT, related_name="school"
    )
    site = models.OneToOneField(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="school"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self):
        return self.name

    @property
    def home_page_id(self) -> int:
        return self.site.root_page_id
