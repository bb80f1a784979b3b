"""The host site: home page, simple content pages and site-wide settings."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, Site
from wagtail.search import index

from cms.branding import HEX_COLOUR, contrast_errors, validate_hex_colour
from courses import page_cache
from courses.serving import cached_site
from courses.slugs import AsciiSlugMixin

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]


class HomePage(AsciiSlugMixin, Page):
    """The school's front page: what it is, featured courses and the certificate check box."""

    hero_title = models.CharField(_("headline"), max_length=150)
    hero_text = models.CharField(_("headline text"), max_length=300, blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("hero_title"), FieldPanel("hero_text")], heading=_("Headline")),
        FieldPanel("intro"),
        InlinePanel("featured_courses", label=_("Featured courses"), max_num=6),
    ]
    parent_page_types = ["wagtailcore.Page"]  # one home page per site: the academy's and each school's
    subpage_types = ["courses.CourseIndexPage", "cms.StandardPage"]
    template = "cms/home_page.html"

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        context["featured_courses"] = selectors.featured_courses(home=self)
        context["catalogue"] = selectors.main_catalogue(home=self)
        return context


class HomeFeaturedCourse(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_courses")
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [PageChooserPanel("course", "courses.CoursePage")]

    class Meta(Orderable.Meta):
        verbose_name = _("featured course")
        verbose_name_plural = _("featured courses")


class StandardPage(AsciiSlugMixin, Page):
    """A plain content page: about the school, frequently asked questions, contact."""

    body = RichTextField(_("body"), features=RICH_TEXT_FEATURES)

    search_fields = Page.search_fields + [index.SearchField("body")]
    content_panels = Page.content_panels + [FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]
    template = "cms/standard_page.html"

    class Meta:
        verbose_name = _("standard page")


@register_setting(icon="cog")
class SchoolSettings(BaseSiteSetting):
    """Who runs this school, how it looks and how to reach it: one row per Site (the academy and each municipal
    school). The name and logo head every page, the colours become CSS custom properties (``base.html``) once they
    pass the WCAG AA contrast check, and the contacts are shown in the footer and the privacy notice."""

    school_name = models.CharField(
        _("school name"), max_length=150, default="Escuela Ciudadana", help_text=_("Shown at the top of every page.")
    )
    organisation_name = models.CharField(
        _("organisation name"), max_length=200, default="Asociación de Municipalidades de Chile (AMUCH)"
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    privacy_contact_email = models.EmailField(
        _("privacy contact email"),
        blank=True,
        help_text=_("Where learners write about their personal data. Leave empty to use the contact email."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown beside the name, 36 pixels high. Leave empty for the Escuela Ciudadana logo."),
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        default="#0b3a66",
        validators=[validate_hex_colour],
        help_text=_("Header, headline and buttons, with white text on it."),
    )
    link_colour = models.CharField(_("link colour"), max_length=7, default="#0a4f96", validators=[validate_hex_colour])
    background_colour = models.CharField(
        _("background colour"), max_length=7, default="#ffffff", validators=[validate_hex_colour]
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("school_name"), FieldPanel("organisation_name"), FieldPanel("logo")], heading=_("Name")
        ),
        MultiFieldPanel(
            [FieldPanel("primary_colour"), FieldPanel("link_colour"), FieldPanel("background_colour")],
            heading=_("Colours"),
            help_text=_("Checked when saved: text must keep a contrast of at least 4,5:1 (WCAG AA)."),
        ),
        MultiFieldPanel(
            [
                FieldPanel("contact_email"),
                FieldPanel("contact_phone"),
                FieldPanel("address"),
                FieldPanel("privacy_contact_email"),
            ],
            heading=_("Contact"),
        ),
    ]

    class Meta:
        verbose_name = _("school settings")

    def clean(self):
        super().clean()
        colours = {
            "primary_colour": self.primary_colour,
            "link_colour": self.link_colour,
            "background_colour": self.background_colour,
        }
        if all(HEX_COLOUR.match(value or "") for value in colours.values()):
            errors = contrast_errors(
                primary=self.primary_colour, link=self.link_colour, background=self.background_colour
            )
            if errors:
                raise ValidationError(errors)
        for name, value in colours.items():
            setattr(self, name, (value or "").lower())

    @property
    def privacy_email(self) -> str:
        return self.privacy_contact_email or self.contact_email

    @classmethod
    def for_request(cls, request):
        """The site's settings for the public pages' header and footer, from the shared page cache (a new
        generation when they are saved: courses.page_cache). The admin's settings form reads them with
        ``for_site``, from the database."""
        attr_name = cls.get_cache_attr_name()
        if hasattr(request, attr_name):
            return getattr(request, attr_name)
        site = cached_site(request) if page_cache.cacheable(request) else Site.find_for_request(request)
        if site is None or not page_cache.cacheable(request):
            return super().for_request(request)
        instance = page_cache.get_or_build(("school_settings", site.pk), lambda: cls.for_site(site), request=request)
        instance._request = request
        setattr(request, attr_name, instance)
        return instance


class DemoPageRecord(models.Model):
    """A page the demo loader wrote, with the fingerprint of its content as loaded (see ``cms.demo``). The
    loader's ``--update-content`` option updates a demo page only while its current content still has this
    fingerprint, so it never overwrites an editor's change."""

    key = models.CharField(_("demo key"), max_length=255, unique=True, help_text=_("course/module/lesson slugs"))
    page = models.OneToOneField(Page, verbose_name=_("page"), on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(_("content fingerprint"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("demo page record")
        verbose_name_plural = _("demo page records")

    def __str__(self):
        return self.key


class WorkerHeartbeat(models.Model):
    """The last sign of life of one background worker (``manage.py run_worker``, cms.ops.worker).

    Every worker process writes its row every few seconds; a task left RUNNING by a worker whose row is older than
    the lease (its machine crashed, lost power or was removed from the set of servers and never returns) goes back
    to the queue, done by any other worker (``cms.ops.worker.requeue_orphaned``)."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True)
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self):
        return self.worker_id
