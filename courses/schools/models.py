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


class SchoolGroup(models.Model):
    """The explicit link between a school and one of its staff groups ("Administración …", "Docentes …"): who is
    staff of which school is read from here (``learners.staff.selectors.staff_scope``), never from group names."""

    class Kind(models.TextChoices):
        ADMINISTRATION = "administration", _("School administration")
        TEACHING = "teaching", _("School instructors")

    group = models.OneToOneField(
        "auth.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="school_link"
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="staff_groups")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("school staff group")
        verbose_name_plural = _("school staff groups")
        constraints = [models.UniqueConstraint(fields=["school", "kind"], name="courses_schoolgroup_one_per_kind")]

    def __str__(self):
        return f"{self.school} · {self.get_kind_display()}"
