"""Certificates: issuers, templates (which course or cohort uses which), issued certificates, folios, batches.

Writes go through ``certificates.services``; an issued certificate never changes what it prints: everything is
copied into ``IssuedCertificate.snapshot`` when it is issued.
"""

import re
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, PreviewableMixin

from certificates.codes import format_code
from certificates.storage import certificate_storage
from courses.public_address import public_url

PLACEHOLDERS = (
    "nombre",
    "run",
    "curso",
    "horas",
    "modalidad",
    "fechas",
    "nota",
    "asistencia",
    "ciudad",
    "fecha_emision",
)
MAX_SIGNATORIES = 3
# The facts a body can state through its placeholder; the certificate otherwise prints each in a place of its own
# (the name line, the RUN line, the course, the detail cells, the place and date of issue), so a fact the body
# states is not printed there again.
BODY_FACTS = ("nombre", "run", "curso", "horas", "modalidad", "fechas", "nota", "asistencia", "fecha_emision")
# The longest text each placeholder can become (the fields' own limits, or the longest value they print).
PLACEHOLDER_MAX_LENGTHS = {
    "nombre": 201,  # given names and family names, 100 characters each
    "run": 40,  # a RUN, or another document with its kind ("Pasaporte AB1234567")
    "curso": 255,  # a page title
    "horas": 6,
    "modalidad": 30,
    "fechas": 30,  # "del 03/03/2026 al 28/04/2026"
    "nota": 4,
    "asistencia": 7,
    "ciudad": 100,
    "fecha_emision": 30,  # "30 de septiembre de 2026"
}
# The longest body a certificate holds on its page, placeholders counted at their longest: with the longest learner
# name (201 characters), course title (255), three signatories and every detail, the text stays at about 7 points
# (60 % of its size) and nothing overflows, in both orientations
# (tests/certificates/test_template_body.py renders it).
MAX_BODY_LENGTH = 900


_PLACEHOLDER_PATTERN = re.compile(r"\{(\w+)\}")


def validate_body_placeholders(body: str) -> None:
    """Only the documented ``{placeholder}`` names may appear in a template body."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(body) if name is not None}
    except ValueError as error:
        raise ValidationError(_("The text has an unmatched brace: %(error)s"), params={"error": error}) from error
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Use only: %(allowed)s."),
            params={
                "names": ", ".join(f"{{{name}}}" for name in unknown),
                "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            },
        )


def printed_body_length(body: str) -> int:
    """How long ``body`` can be once printed: its text, with each placeholder at the longest text it can become."""
    return len(_PLACEHOLDER_PATTERN.sub("", body)) + sum(
        PLACEHOLDER_MAX_LENGTHS.get(name, len(name) + 2) for name in _PLACEHOLDER_PATTERN.findall(body)
    )


def validate_body_length(body: str) -> None:
    """A body longer than the page holds is refused, with how long it is and how long it may be."""
    length = printed_body_length(body)
    if length > MAX_BODY_LENGTH:
        raise ValidationError(
            _(
                "The text is too long to fit on the certificate: it can take up to %(length)s characters once "
                "printed (each placeholder counted at its longest: {curso} up to 255, {nombre} up to 201) and the "
                "limit is %(limit)s. Shorten it."
            ),
            params={"length": length, "limit": MAX_BODY_LENGTH},
            code="body_too_long",
        )


class Issuer(ClusterableModel):
    """Who certifies: the academy, AMUCH or a municipality. Its short code starts every folio (its folio series).

    A municipal school's issuer (``school``) certifies the courses of the school's own tree, with its own name, RUT,
    logo, folio series and ``signatories``; with ``cosigns_national_courses`` its signatories also co-sign the
    academy's certificates of national courses taken by the school's learners (``certificates.services.signers``).
    """

    name = models.CharField(_("name"), max_length=200)
    short_code = models.CharField(
        _("folio prefix"),
        max_length=12,
        unique=True,
        help_text=_("Capital letters and digits printed at the start of every folio, for example AMUCH."),
    )
    rut = models.CharField(_("RUT"), max_length=12, help_text=_("The institution's RUT, for example 69.170.100-K."))
    logo = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("logo"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    city = models.CharField(
        _("city"),
        max_length=100,
        help_text=_("Printed in the place and date of issue: “Santiago, 7 de marzo de 2026”."),
    )
    comuna = models.ForeignKey(
        "courses.Comuna",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for municipalities."),
    )
    school = models.ForeignKey(
        "courses.School",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issuers",
        help_text=_("The municipal school that certifies as this issuer (empty for the academy)."),
    )
    cosigns_national_courses = models.BooleanField(
        _("co-signs national courses"),
        default=False,
        help_text=_(
            "Only for a school's issuer: its signatories also sign the academy's certificates of national courses "
            "taken by the school's learners (in a cohort of its comuna)."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("short_code")]),
        FieldRowPanel([FieldPanel("rut"), FieldPanel("city")]),
        FieldPanel("comuna"),
        FieldPanel("logo"),
        MultiFieldPanel(
            [
                InlinePanel("signatories", max_num=MAX_SIGNATORIES, label=_("Signatory")),
                FieldPanel("cosigns_national_courses"),
            ],
            heading=_("The issuer's signatures"),
            help_text=_(
                "Who signs for a school's issuer when its courses use a template of another issuer, and who co-signs "
                "the national courses of its learners."
            ),
        ),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("certificate issuer")
        verbose_name_plural = _("certificate issuers")

    def __str__(self):
        return self.name

    def clean(self):
        self.short_code = (self.short_code or "").strip().upper()
        if not self.short_code.isalnum() or not self.short_code.isascii():
            raise ValidationError({"short_code": _("Use only capital letters and digits, without spaces.")})


class SignatoryBase(Orderable):
    """Someone who signs a certificate: name, role and signature image, in the order of ``sort_order``. The fields of
    a template's signatories (``Signatory``) and of a school issuer's (``IssuerSignatory``)."""

    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=150, help_text=_("For example “Alcalde” or “Director académico”."))
    signature = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("signature image"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("role")]), FieldPanel("signature")]

    class Meta(Orderable.Meta):
        abstract = True


class IssuerSignatory(SignatoryBase):
    """Someone who signs in the issuer's name (a mayor, the director of the municipal school)."""

    issuer = ParentalKey(Issuer, on_delete=models.CASCADE, related_name="signatories")

    class Meta(SignatoryBase.Meta):
        verbose_name = _("issuer signatory")
        verbose_name_plural = _("issuer signatories")


def issuer_site(issuer: "Issuer | None"):
    """The Wagtail Site whose address a certificate of ``issuer`` names (its school's), or None for the academy's
    issuers. Reads ``issuer.school.site`` (select_related it to avoid two queries)."""
    if issuer is None or issuer.school_id is None:
        return None
    return issuer.school.site


class CertificateTemplate(PreviewableMixin, ClusterableModel):
    """What a certificate says and who signs it. Saving it bumps ``version``; issued certificates keep theirs.

    Previewable so that the editor shows a preview panel; the panel's sample PDF is drawn by the admin views
    (``certificates.admin_views.SamplePdfPreviewMixin``), so that the model never imports a service.
    """

    class Kind(models.TextChoices):
        APPROVAL = "aprobacion", _("Certificate of approval")
        PARTICIPATION = "participacion", _("Certificate of participation")

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("Landscape")
        PORTRAIT = "portrait", _("Portrait")

    name = models.CharField(_("name"), max_length=150, help_text=_("For the admin only."))
    issuer = models.ForeignKey(Issuer, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="templates")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.APPROVAL)
    title = models.CharField(_("title"), max_length=150, help_text=_("For example “Certificado de aprobación”."))
    body = models.TextField(
        _("text"),
        validators=[validate_body_placeholders, validate_body_length],
        help_text=_(
            "Printed between the learner's name and the course. The certificate already shows the name, RUN, course, "
            "hours, modality, dates, grade and attendance in their own places: write what they mean, for example "
            "“Cumplió los requisitos de asistencia y evaluación y aprobó el curso”. A fact you write with its "
            "placeholder ({nombre} {run} {curso} {horas} {modalidad} {fechas} {nota} {asistencia} {fecha_emision}) "
            "is printed in the text instead of in its place; {ciudad} is also available. At most 900 characters."
        ),
    )
    orientation = models.CharField(
        _("orientation"), max_length=16, choices=Orientation.choices, default=Orientation.LANDSCAPE
    )
    is_default = models.BooleanField(
        _("default template"), default=False, help_text=_("Used by courses and cohorts that choose no template.")
    )
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("issuer")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("orientation"), FieldPanel("is_default")]),
        FieldPanel("title"),
        FieldPanel("body"),
        MultiFieldPanel(
            [InlinePanel("signatories", max_num=MAX_SIGNATORIES, label=_("Signatory"))], heading=_("Signatures")
        ),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="certificates_one_default"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.version = (self.version or 0) + 1  # every edit is a new version; certificates keep the one they used
        super().save(*args, **kwargs)


class Signatory(SignatoryBase):
    """Someone who signs the certificates of a template (the academy's, AMUCH's, a municipality's)."""

    template = ParentalKey(CertificateTemplate, on_delete=models.CASCADE, related_name="signatories")

    class Meta(SignatoryBase.Meta):
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")


class TemplateAssignment(models.Model):
    """The template a course, or one cohort of it, uses. A cohort's choice overrides its course's."""

    template = models.ForeignKey(
        CertificateTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="assignments"
    )
    course = models.OneToOneField(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="certificate_template_choice",
    )
    cohort = models.OneToOneField(
        "learners.Cohort",
        verbose_name=_("cohort"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="certificate_template_choice",
    )

    class Meta:
        verbose_name = _("template choice")
        verbose_name_plural = _("template choices")
        constraints = [
            models.CheckConstraint(
                condition=Q(course__isnull=False, cohort__isnull=True) | Q(course__isnull=True, cohort__isnull=False),
                name="certificates_assignment_course_xor_cohort",
            )
        ]

    def __str__(self):
        return f"{self.cohort or self.course} → {self.template}"

    def clean(self):
        if bool(self.course_id) == bool(self.cohort_id):
            raise ValidationError(_("Choose either a course or a cohort."))


class FolioCounter(models.Model):
    """The last folio number given by an issuer in a year; locked while folios are allocated (gap-free)."""

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="certificates_folio_counter_unique")]


class CertificateBatch(models.Model):
    """Issuing a cohort's certificates in the background. Running it again skips what exists."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Issuing")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Finished with errors")

    cohort = models.ForeignKey(
        "learners.Cohort", verbose_name=_("cohort"), on_delete=models.PROTECT, related_name="certificate_batches"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(_("certificates to issue"), default=0)
    rendered = models.PositiveIntegerField(_("issued"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    skipped = models.PositiveIntegerField(_("already issued"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")

    def __str__(self):
        created = timezone.localtime(self.created_at) if self.created_at else None
        return f"{self.cohort} · {created:%d/%m/%Y %H:%M}" if created else str(self.cohort)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.state in (self.State.DONE, self.State.FAILED) else 0
        return min(100, round(100 * (self.rendered + self.failed) / self.total))

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


def verify_url(code: str, *, site=None) -> str:
    """The verify page of a code on the public address of ``site`` (a school's certificates: the school's host;
    None: the academy's ``PUBLIC_BASE_URL``): what a newly drawn QR code and printed link say. Every host verifies
    every certificate; the address only decides where the learner and the reader are sent."""
    return public_url(reverse("certificates:verify", kwargs={"code": code}), site=site)


def certificate_upload_to(instance, filename):
    return f"certificados/{instance.issued_at:%Y/%m}/{filename}"


class IssuedCertificate(models.Model):
    """One certificate as issued: its folio, verification code and a snapshot of everything it prints."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        REPLACED = "replaced", _("Replaced")

    class RenderState(models.TextChoices):
        PENDING = "pending", _("PDF pending")
        DONE = "done", _("PDF ready")
        FAILED = "failed", _("PDF failed")

    enrolment = models.ForeignKey(
        "learners.Enrolment", verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="certificates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.PROTECT, related_name="certificates"
    )
    cohort = models.ForeignKey(
        "learners.Cohort",
        verbose_name=_("cohort"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issuer = models.ForeignKey(Issuer, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="certificates")
    template = models.ForeignKey(
        CertificateTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="certificates"
    )
    template_version = models.PositiveIntegerField(_("template version"))
    batch = models.ForeignKey(
        CertificateBatch,
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    folio = models.CharField(_("folio"), max_length=32, unique=True)
    code = models.CharField(_("verification code"), max_length=24, unique=True)
    snapshot = models.JSONField(_("printed data"))
    pdf = models.FileField(_("PDF"), storage=certificate_storage, upload_to=certificate_upload_to, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    render_state = models.CharField(
        _("PDF state"), max_length=16, choices=RenderState.choices, default=RenderState.PENDING
    )
    render_error = models.TextField(_("PDF error"), blank=True)
    notified_at = models.DateTimeField(_("learner notified at"), null=True, blank=True)
    revocation_notified_at = models.DateTimeField(_("learner told of the revocation at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_reason = models.TextField(_("reason"), blank=True)
    credential = models.JSONField(
        _("Open Badges credential"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The signed OpenBadgeCredential (W3C Verifiable Credential) of this certificate."),
    )
    status_list_index = models.PositiveIntegerField(
        _("position in the status list"), null=True, blank=True, editable=False
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("issued certificate")
        verbose_name_plural = _("issued certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"], condition=Q(status="valid"), name="certificates_one_valid_per_enrolment"
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "status"], name="certificates_cohort_status_idx"),
            models.Index(fields=["render_state"], name="certificates_render_state_idx"),
        ]

    def __str__(self):
        return self.folio

    @property
    def code_display(self) -> str:
        return format_code(self.code)

    @property
    def learner_name(self) -> str:
        return self.snapshot.get("learner_name", "")

    @property
    def course_title(self) -> str:
        return self.snapshot.get("course_title", "")

    @property
    def has_credential(self) -> bool:
        """Whether it has an Open Badges credential (none: its issuer had no key, or the learner's data were
        deleted; its status-list position stays, so copies she kept still show as revoked if it is revoked)."""
        return bool(self.credential)

    @property
    def verify_url(self) -> str:
        """Its verify page on the site's public address, for emails, the admin and downloads (the PDF prints the
        address stored in its snapshot; ``rerender_certificates`` brings the two together after a move)."""
        return verify_url(self.code, site=issuer_site(self.issuer))


class CredentialStatusList(models.Model):
    """An issuer's Bitstring Status List: bit N is set when the certificate at ``status_list_index`` N is no longer
    valid (revoked or replaced). ``credential`` is the signed BitstringStatusListCredential that verifiers fetch;
    it is rebuilt in the transaction that revokes or reissues, so it always agrees with the verify page."""

    issuer = models.OneToOneField(Issuer, on_delete=models.PROTECT, related_name="status_list")
    next_index = models.PositiveIntegerField(default=0)
    credential = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("credential status list")
        verbose_name_plural = _("credential status lists")

    def __str__(self):
        return str(self.issuer)


class IssuanceFailure(models.Model):
    """An automatic issuance that could not even create its certificate (for example, no template). Shown in the
    admin with a retry; removed when the certificate is issued."""

    enrolment = models.OneToOneField(
        "learners.Enrolment", verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="+"
    )
    error = models.TextField(_("error"))
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_attempt_at = models.DateTimeField(_("last attempt"), auto_now=True)

    class Meta:
        ordering = ["-last_attempt_at"]
        verbose_name = _("issuance failure")
        verbose_name_plural = _("issuance failures")

    def __str__(self):
        return str(self.enrolment)
