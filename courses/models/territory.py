"""Chile's official territorial division (SUBDERE CUT codes), used as reference data.

Codes are zero-padded text and nest: ``comuna.code[:3] == province.code`` and ``code[:2] == region.code``.
"""

import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

#: CUT codes of the regions from north to south, the order people expect in every list, filter and chart
#: (Arica y Parinacota, Tarapacá … Metropolitana, O'Higgins … Aysén, Magallanes).
REGIONS_NORTH_TO_SOUTH = (
    "15", "01", "02", "03", "04", "05", "13", "06", "07", "16", "08", "09", "14", "10", "11", "12",
)  # fmt: skip


def region_position(code: str | None) -> int:
    """Where the region ``code`` comes from north to south (0 is Arica y Parinacota); unknown codes last."""
    try:
        return REGIONS_NORTH_TO_SOUTH.index(code)
    except ValueError:
        return len(REGIONS_NORTH_TO_SOUTH)


def alphabetical_key(name: str) -> str:
    """Spanish alphabetical order without a database collation: accents ignored, Ñuñoa among the N."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def comuna_key(comuna) -> tuple[int, str]:
    """Comunas by region north to south, then alphabetically within their region."""
    return (region_position(comuna.region_id), alphabetical_key(comuna.name))


NORTH_TO_SOUTH = models.Case(
    *[models.When(code=code, then=models.Value(position)) for position, code in enumerate(REGIONS_NORTH_TO_SOUTH)],
    default=models.Value(len(REGIONS_NORTH_TO_SOUTH)),
    output_field=models.IntegerField(),
)


class Region(models.Model):
    code = models.CharField(_("CUT code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    roman_numeral = models.CharField(_("traditional numeral"), max_length=4, blank=True)

    class Meta:
        ordering = [NORTH_TO_SOUTH, "code"]  # north to south wherever regions are listed
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
