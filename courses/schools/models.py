"""The School model: one municipality's Escuela Ciudadana on its own Wagtail Site."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import PageChooserPanel
from wagtail.models import Orderable, Page


class School(ClusterableModel):
    """A municipal school: its name, its comuna (one school per comuna) and its Site (host name → home page).

    The school's pages are the Site's root page and everything below it; its branding and contacts are the Site's
    settings (``cms.SchoolSettings``); ``national_courses`` are the academy's courses its catalogue offers. Create
    and remove schools through ``cms.schools.services``.
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


class NationalCourseOffer(Orderable):
    """A course of the academy's national catalogue that a school's catalogue lists beside its own courses, without
    copying the page: the card links to the course on the academy's site. The academy chooses them."""

    school = ParentalKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="national_courses")
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [PageChooserPanel("course", "courses.CoursePage")]

    class Meta(Orderable.Meta):
        verbose_name = _("national course offered")
        verbose_name_plural = _("national courses offered")
        constraints = [models.UniqueConstraint(fields=["school", "course"], name="courses_nationalcourseoffer_unique")]

    def clean(self):
        super().clean()
        if self.course_id is None:
            return
        path = Page.objects.filter(pk=self.course_id).values_list("path", flat=True).first() or ""
        if School.objects.filter(site__root_page__path=path[: Page.steplen * 2]).exists():
            raise ValidationError({"course": _("Choose a course of the academy's national catalogue.")})
