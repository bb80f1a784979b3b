"""Chile's official territorial division (SUBDERE CUT codes), used as reference data.

Codes are zero-padded text and nest: ``comuna.code[:3] == province.code`` and ``code[:2] == region.code``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    code = models.CharField(_("CUT code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    roman_numeral = models.CharField(_("traditional numeral"), max_length=4, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Province(models.Model):
    code = models.CharField(_("CUT code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="provinces", verbose_name=_("region"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self):
        return self.name


class Comuna(models.Model):
    code = models.CharField(_("CUT code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="comunas", verbose_name=_("province"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="comunas", verbose_name=_("region"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("comuna")
        verbose_name_plural = _("comunas")

    def __str__(self):
        return self.name
