"""Page types of the course catalogue: catalogue → course → module → lesson.

Pages hold editorial content and the page-type rules; reads for listings live in ``courses.selectors``.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from courses.blocks import LessonBodyBlock
from courses.search_text import fold
from courses.slugs import AsciiSlugMixin

COURSE_RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link"]
REVIEW_PERMISSION = "courses.review_coursepage"  # records the content review date and reviewer (the academy)


class ThematicArea(models.TextChoices):
    CIVIC = "civic", _("Civic education and participation")
    LEADERSHIP = "leadership", _("Leadership")
    LOCAL_PROJECTS = "local_projects", _("Local project management")
    PARTICIPATION = "participation", _("Citizen participation mechanisms")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship")


class Modality(models.TextChoices):
    IN_PERSON = "presencial", _("In person")
    E_LEARNING = "e_learning", _("E-learning")
    B_LEARNING = "b_learning", _("B-learning (blended)")


class Audience(models.Model):
    """Who a course is meant for. The rows are fixed reference data created by a migration."""

    class Code(models.TextChoices):
        CITIZENS = "citizens", _("Citizens")
        SOCIAL_LEADERS = "social_leaders", _("Community leaders")
        MUNICIPAL_STAFF = "municipal_staff", _("Municipal staff")

    code = models.CharField(_("code"), max_length=32, choices=Code.choices, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self):
        return str(self.get_code_display())


class ServedInSchoolsMixin:
    """For a national course's pages (the course, its modules and lessons): seen from a school that offers the
    course, their URL is on the school's host, under its catalogue (``courses.schools.selectors.school_url_parts``),
    so that every link keeps the learner on her school's host and look. Elsewhere, Wagtail's URL."""

    def get_url_parts(self, request=None):
        from courses.schools.selectors import school_url_parts

        return school_url_parts(page=self, request=request) or super().get_url_parts(request)


class CourseIndexPage(AsciiSlugMixin, Page):
    """The course catalogue: lists the live courses below it, with filters and search."""

    intro = RichTextField(_("introduction"), blank=True, features=COURSE_RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["courses.CoursePage"]
    template = "courses/course_index_page.html"
    page_shell = True  # kept whole in the page cache, per site and language (courses.page_shell)

    class Meta:
        verbose_name = _("course catalogue")
        verbose_name_plural = _("course catalogues")

    def get_context(self, request, *args, **kwargs):
        from courses import page_cache, selectors  # selectors import the page models

        context = super().get_context(request, *args, **kwargs)
        cached = page_cache.cacheable(request)  # never for previews
        context["catalogue"] = selectors.catalogue_listing(index=self, params=request.GET, cached=cached)
        return context

    def route(self, request, path_components):
        """A school's catalogue also serves the national courses the school offers, at ``/cursos/<slug>/…`` on the
        school's host, in the school's look (its Site's settings), without copying pages: the page served is the
        academy's own, so enrolments, progress and certificates stay on the national course."""
        try:
            return super().route(request, path_components)
        except Http404:
            from courses.schools.selectors import offered_national_course

            course = offered_national_course(catalogue=self, slug=path_components[0]) if path_components else None
            if course is None:
                raise
            return course.route(request, path_components[1:])


class CoursePage(ServedInSchoolsMixin, AsciiSlugMixin, Page):
    """A course: its overview, who it is for, and its modules in order (the child pages)."""

    summary = models.TextField(_("summary"), max_length=400, help_text=_("One or two sentences shown on cards."))
    thematic_area = models.CharField(_("thematic area"), max_length=32, choices=ThematicArea.choices)
    audiences = ParentalManyToManyField(Audience, verbose_name=_("audience"), related_name="courses")
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices, default=Modality.E_LEARNING)
    duration_hours = models.DecimalField(
        _("duration (horas cronológicas)"),
        max_digits=5,
        decimal_places=1,
        help_text=_("Clock hours of 60 minutes, as printed on the certificate."),
    )
    learning_objectives = RichTextField(_("learning objectives"), features=COURSE_RICH_TEXT_FEATURES)
    requirements = RichTextField(_("requirements"), blank=True, features=COURSE_RICH_TEXT_FEATURES)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_open = models.BooleanField(
        _("open course"),
        default=False,
        help_text=_(
            "Anyone can read the lessons without signing in. Progress is still recorded only for enrolled learners."
        ),
    )
    grade_required = models.BooleanField(
        _("require a minimum final grade"),
        default=False,
        help_text=_("The final grade is computed from the graded activities, on the 1.0 to 7.0 scale."),
    )
    pass_grade = models.DecimalField(
        _("minimum final grade"),
        max_digits=2,
        decimal_places=1,
        default=Decimal("4.0"),
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("7.0"))],
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Only for cohorts with in-person sessions. Leave empty to not require attendance."),
    )
    hours_from_attendance = models.BooleanField(
        _("certified hours according to attendance"),
        default=False,
        help_text=_(
            "For in-person courses: the certificate states the hours of the sessions the learner attended (marked "
            "present) instead of the course's duration."
        ),
    )

    last_reviewed_on = models.DateField(
        _("content last reviewed on"),
        null=True,
        blank=True,
        help_text=_("When the academy last checked this course's content (laws, deadlines, offices) was still right."),
    )
    last_reviewed_by = models.CharField(
        _("content reviewer"),
        max_length=150,
        blank=True,
        help_text=_("Name of the person or team who did the review."),
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("learning_objectives"),
        # Folded copies (no accents, no thousands dots): full words and, for "lider" → "Liderazgo", prefixes.
        index.SearchField("search_plain"),
        index.AutocompleteField("search_plain"),
        index.FilterField("thematic_area"),
        index.FilterField("modality"),
    ]
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("thematic_area"), FieldPanel("modality"), FieldPanel("duration_hours")]),
                FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Classification"),
        ),
        FieldPanel("learning_objectives"),
        FieldPanel("requirements"),
        InlinePanel("instructors", label=_("Instructors"), min_num=1),
        FieldPanel("cover_image"),
    ]
    settings_panels = Page.settings_panels + [
        MultiFieldPanel(
            [
                FieldPanel("is_open"),
                FieldPanel("grade_required"),
                FieldPanel("pass_grade"),
                FieldPanel("min_attendance_percent"),
                FieldPanel("hours_from_attendance"),
            ],
            heading=_("Access and completion rule"),
            help_text=_("A learner completes the course when every required lesson is done and these conditions hold."),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("last_reviewed_on", permission=REVIEW_PERMISSION),
                        FieldPanel("last_reviewed_by", permission=REVIEW_PERMISSION),
                    ]
                ),
            ],
            heading=_("Content review"),
            help_text=_(
                'Shown on the course page as "Reviewed on". Courses not reviewed for 12 months are listed in '
                "Reports → Courses to review."
            ),
        ),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]
    template = "courses/course_page.html"
    page_shell = True  # kept whole in the page cache, per site and language (courses.page_shell)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        permissions = [("review_coursepage", _("Can record a content review of a course"))]

    def search_plain(self) -> str:
        return fold(strip_tags(f"{self.title} {self.summary}"))

    def get_context(self, request, *args, **kwargs):
        from courses import page_cache, selectors

        context = super().get_context(request, *args, **kwargs)
        cached = page_cache.cacheable(request)  # never for previews
        context["outline"] = selectors.course_outline(course=self, cached=cached)
        context["facts"] = selectors.course_facts(course=self, cached=cached)
        context["lesson_search"] = selectors.course_lesson_search(course=self, params=request.GET)
        return context

    def shell_context(self, request):
        """The context of the per-reader parts of a course page kept whole (courses.page_shell): the outline."""
        return self.get_context(request)


def staff_accounts():
    """Accounts that may be named as instructors: superusers, staff, and members of any group (a role).

    Keeps learners out of the list, for their privacy and because a national school has 100,000 of them. A
    municipal school's staff see only their own school's staff.
    """
    from django.contrib.auth import get_user_model

    from courses.schools.selectors import current_staff_school

    memberships = get_user_model().groups.through.objects.values("user_id")
    school_id = current_staff_school.get()
    if school_id is not None:
        # a municipal school's staff pick among their own school's staff only (cms.schools.isolation)
        return models.Q(pk__in=memberships.filter(group__school_link__school_id=school_id))
    return models.Q(is_superuser=True) | models.Q(is_staff=True) | models.Q(pk__in=memberships)


class CourseInstructor(Orderable):
    """An instructor named on a course. The account link grants her editing rights to the course."""

    page = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="instructors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to=staff_accounts,
        help_text=_(
            "Optional: the instructor's account on this site (staff accounts only: create it in Settings → Users "
            "with the Instructor role). Naming her here lets her edit this course."
        ),
    )
    name = models.CharField(_("name shown on the page"), max_length=150)
    role = models.CharField(_("role"), max_length=200, blank=True)

    panels = [FieldPanel("name"), FieldPanel("role"), FieldPanel("user")]

    class Meta(Orderable.Meta):
        verbose_name = _("instructor")
        verbose_name_plural = _("instructors")

    def __str__(self):
        return self.name


class ModulePage(ServedInSchoolsMixin, AsciiSlugMixin, Page):
    """An ordered unit of a course. Its lessons are its child pages, in the order editors sort them."""

    introduction = RichTextField(_("introduction"), blank=True, features=COURSE_RICH_TEXT_FEATURES)

    search_fields = Page.search_fields + [index.SearchField("introduction")]
    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]
    template = "courses/module_page.html"

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def get_context(self, request, *args, **kwargs):
        from courses import page_cache, selectors

        context = super().get_context(request, *args, **kwargs)
        cached = page_cache.cacheable(request)  # never for previews
        context["course"] = selectors.course_for(page=self, cached=cached)
        context["lessons"] = selectors.module_lessons(module=self, cached=cached)
        return context


class LessonPage(ServedInSchoolsMixin, AsciiSlugMixin, Page):
    """A lesson: a body of blocks and an estimate of how long it takes to read or do."""

    body = StreamField(LessonBodyBlock(), verbose_name=_("body"))
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=10, help_text=_("How long a learner needs for this lesson.")
    )
    required = models.BooleanField(
        _("required for completion"),
        default=True,
        help_text=_("Untick for optional reading that does not count towards completing the course."),
    )

    search_fields = Page.search_fields + [
        index.SearchField("body"),
        index.SearchField("search_plain"),  # folded copy: see courses.search_text
        index.AutocompleteField("search_plain"),
    ]
    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("required")]),
        FieldPanel("body"),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []
    template = "courses/lesson_page.html"
    page_shell = True  # kept whole in the page cache, per site and language (courses.page_shell)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def search_plain(self) -> str:
        body = " ".join(str(text) for text in self.body.stream_block.get_searchable_content(self.body))
        return fold(strip_tags(f"{self.title} {body}"))

    def get_context(self, request, *args, **kwargs):
        from courses import page_cache, selectors

        context = super().get_context(request, *args, **kwargs)
        context["position"] = selectors.lesson_position(lesson=self, cached=page_cache.cacheable(request))
        return context
