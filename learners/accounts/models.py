"""The learner's profile: who she is, for certificates and for the school's reports."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learners.accounts.run import format_run, mask_run, validate_canonical_run


class LearnerProfile(models.Model):
    """Who the learner is, for certificates and for the school's reports (one per user account)."""

    class DocumentType(models.TextChoices):
        RUN = "run", _("RUN (Chilean identity number)")
        PASSPORT = "passport", _("Passport")
        OTHER = "other", _("Other identity document")

    class LearnerType(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        SOCIAL_LEADER = "social_leader", _("Community leader")
        MUNICIPAL_STAFF = "municipal_staff", _("Municipal staff")
        OTHER = "other", _("Other")

    class OrganisationType(models.TextChoices):
        NEIGHBOURHOOD = "junta_vecinos", _("Neighbourhood association (junta de vecinos)")
        FUNCTIONAL = "funcional", _("Functional community organisation")
        SPORTS = "deportiva", _("Sports club")
        NGO = "ong", _("NGO or foundation")
        PUBLIC = "publica", _("Public body")
        OTHER = "otra", _("Other")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_profile")
    given_names = models.CharField(_("given names"), max_length=100)
    family_names = models.CharField(_("family names"), max_length=100)
    document_type = models.CharField(
        _("identity document"), max_length=16, choices=DocumentType.choices, default=DocumentType.RUN
    )
    run = models.CharField(
        _("RUN"), max_length=10, null=True, blank=True, unique=True, validators=[validate_canonical_run]
    )
    document_number = models.CharField(_("document number"), max_length=40, blank=True)
    comuna = models.ForeignKey(
        "courses.Comuna", verbose_name=_("comuna"), on_delete=models.PROTECT, related_name="learners"
    )
    learner_type = models.CharField(_("I take part as"), max_length=32, choices=LearnerType.choices)
    municipality = models.ForeignKey(
        "courses.Comuna",
        verbose_name=_("municipality where you work"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_learners",
    )
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    organisation_type = models.CharField(
        _("type of organisation"), max_length=32, choices=OrganisationType.choices, blank=True
    )
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("Empty only for people enrolled by the school from a file, until they sign in."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    privacy_notice_version = models.CharField(_("privacy notice version accepted"), max_length=32)
    privacy_accepted_at = models.DateTimeField(_("privacy notice accepted at"))
    email_confirmed_at = models.DateTimeField(
        _("email confirmed at"),
        null=True,
        blank=True,
        default=timezone.now,
        help_text=_(
            "Empty while the account waits for its owner to confirm her email (sign-up) or to claim it (imported "
            "from a file); only then can a confirmation or a claim activate it."
        ),
    )
    run_verified_at = models.DateTimeField(
        _("RUN verified with ClaveÚnica at"),
        null=True,
        blank=True,
        help_text=_(
            "When ClaveÚnica last proved that this RUN belongs to the account's owner. Empty: the RUN was typed "
            "(sign-up, profile or a file) and nobody has proved it."
        ),
    )
    blocked_at = models.DateTimeField(
        _("blocked at"),
        null=True,
        blank=True,
        help_text=_("Processing suspended at the learner's request or after she withdrew her consent."),
    )
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(document_type="run", run__isnull=False)
                | (~Q(document_type="run") & ~Q(document_number="")),
                name="learners_profile_has_document",
            ),
            models.UniqueConstraint(
                fields=["document_type", "document_number"],
                condition=~Q(document_type="run"),
                name="learners_profile_unique_other_document",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_names}".strip()

    @property
    def run_display(self) -> str:
        return format_run(self.run) if self.run else ""

    @property
    def run_verified(self) -> bool:
        """Whether ClaveÚnica proved the RUN (a RUN changed afterwards would clear ``run_verified_at``)."""
        return bool(self.run and self.run_verified_at)

    @property
    def run_masked(self) -> str:
        return mask_run(self.run) if self.run else ""

    @property
    def document_display(self) -> str:
        if self.document_type == self.DocumentType.RUN:
            return self.run_display
        return f"{self.get_document_type_display()} {self.document_number}"

    @property
    def document_masked(self) -> str:
        """For public pages: the RUN masked (12.XXX.678-5), another document all but its last three characters."""
        if self.document_type == self.DocumentType.RUN:
            return self.run_masked
        number = self.document_number
        return f"{self.get_document_type_display()} {'X' * max(len(number) - 3, 0)}{number[-3:]}"

    def age_in(self, year: int) -> int | None:
        """Age reached during ``year`` (only the birth year is known); None when unknown."""
        return None if self.birth_year is None else year - self.birth_year

    @property
    def is_minor(self) -> bool:
        """Adolescents of 14 to 17: their data is never published (Ley 21.719 art. 16 quater).

        An unknown age counts as a minor, so that nothing is published about someone who may be one.
        """
        age = self.age_in(timezone.localdate().year)
        return age is None or age < 18


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
        verbose_name = _("log-in lock")
        verbose_name_plural = _("log-in locks")
        constraints = [models.UniqueConstraint(fields=["kind", "account", "ip"], name="learners_loginlock_unique")]
        indexes = [models.Index(fields=["ip", "kind"], name="learners_loginlock_ip")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.account or '—'} · {self.ip}"
