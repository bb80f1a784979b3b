"""Learner records: profiles, cohorts and their sessions, enrolments, lesson progress and attendance.

Writes go through ``learners.services``; reads for pages through ``learners.selectors``.
"""

import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learners.run import format_run, mask_run, validate_canonical_run


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
    blocked_at = models.DateTimeField(
        _("blocked at"),
        null=True,
        blank=True,
        help_text=_("Processing suspended at the learner's request or after she withdrew her consent."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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


class Cohort(models.Model):
    """A run of a course with dates, a seat limit and, optionally, in-person sessions."""

    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.PROTECT, related_name="cohorts"
    )
    name = models.CharField(_("name"), max_length=150)
    municipality = models.ForeignKey(
        "courses.Comuna",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cohorts",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    enrolment_opens_at = models.DateTimeField(_("enrolment opens"), null=True, blank=True)
    enrolment_closes_at = models.DateTimeField(_("enrolment closes"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Leave empty for no limit. When full, learners join a waitlist.")
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("instructors"), blank=True, related_name="instructed_cohorts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="learners_cohort_dates"),
        ]

    def __str__(self):
        return self.name

    def enrolment_is_open(self, at=None) -> bool:
        at = at or timezone.now()
        if self.enrolment_opens_at and at < self.enrolment_opens_at:
            return False
        if self.enrolment_closes_at and at > self.enrolment_closes_at:
            return False
        return True


class Session(models.Model):
    """An in-person class of a cohort; the instructor takes attendance for it."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    place = models.CharField(_("place"), max_length=200)
    duration_hours = models.DecimalField(
        _("duration (hours)"), max_digits=4, decimal_places=1, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return f"{self.cohort} · {self.date:%d/%m/%Y}"


class Enrolment(models.Model):
    """A learner in a course (and possibly a cohort). One row per learner and course, whatever happens."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Enrolled")
        WAITLISTED = "waitlisted", _("On the waitlist")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.PROTECT, related_name="enrolments"
    )
    cohort = models.ForeignKey(
        Cohort,
        verbose_name=_("cohort"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    waitlisted_at = models.DateTimeField(_("joined the waitlist at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    final_grade = models.DecimalField(_("final grade"), max_digits=2, decimal_places=1, null=True, blank=True)
    last_lesson = models.ForeignKey(
        "courses.LessonPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_visited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="learners_enrolment_unique"),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(waitlisted_at__isnull=False, cohort__isnull=False),
                name="learners_enrolment_waitlist_needs_cohort",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "status", "waitlisted_at"], name="learners_enrol_waitlist_idx")]

    def __str__(self):
        return f"{self.user} · {self.course_id}"

    @property
    def holds_seat(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.COMPLETED)


class LessonProgress(models.Model):
    """One learner's state in one lesson. Reading lessons complete by hand; graded ones from their activities."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Marked complete by the learner")
        ACTIVITY = "activity", _("Graded activity")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="progress")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    score = models.DecimalField(
        _("score (0 to 1)"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Scaled score of the lesson's graded activities, when it has any."),
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["enrolment", "lesson"], name="learners_progress_unique")]
        indexes = [models.Index(fields=["enrolment", "completed_at"], name="learners_progress_done_idx")]


class AttendanceRecord(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=16, choices=Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="learners_attendance_unique")]


# H5P activities: attempts, raw xAPI statements and saved player state ------------------------------------------


class H5PAttempt(models.Model):
    """One try of a learner at an H5P activity placed in a lesson, built from the statements her player sends.

    ``raw_score`` is the score that counts: the server's own for choice questions (recomputed from the learner's
    answers), the validated claim otherwise; ``claimed_raw`` is what the player said, and ``score_disputed`` marks
    an attempt whose claim disagreed with the server's score.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="h5p_attempts")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="h5p_attempts"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey(
        "courses.H5PActivity", verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    raw_score = models.FloatField(_("score"), null=True, blank=True)
    max_score = models.FloatField(_("maximum score"), null=True, blank=True)
    scaled = models.DecimalField(_("scaled score (0 to 1)"), max_digits=5, decimal_places=4, null=True, blank=True)
    success = models.BooleanField(_("passed"), null=True, blank=True)
    claimed_raw = models.FloatField(_("score claimed by the player"), null=True, blank=True)
    score_disputed = models.BooleanField(_("score disputed"), default=False)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("H5P attempt")
        verbose_name_plural = _("H5P attempts")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "lesson", "activity", "number"], name="learners_h5pattempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["enrolment", "lesson", "activity"],
                condition=Q(completed_at__isnull=True),
                name="learners_h5pattempt_one_open",
            ),
        ]
        indexes = [models.Index(fields=["activity", "-started_at"], name="learners_h5pattempt_act_idx")]

    def __str__(self):
        return f"{self.activity_id} · {self.user_id} · {self.number}"

    @property
    def percent(self) -> int | None:
        return None if self.scaled is None else round(self.scaled * 100)


class H5PStatement(models.Model):
    """An xAPI statement as the player sent it (actor replaced by the signed-in user), kept as an audit trail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey("courses.H5PActivity", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    attempt = models.ForeignKey(H5PAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements")
    statement_id = models.UUIDField(_("statement id"))
    verb = models.CharField(_("verb"), max_length=255)
    object_id = models.TextField(_("object"))
    sub_content_id = models.CharField(_("sub-content"), max_length=64, blank=True)
    top_level = models.BooleanField(_("whole activity"))
    raw = models.JSONField(_("statement"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    claimed_raw = models.FloatField(_("score claimed"), null=True, blank=True)
    server_raw = models.FloatField(_("score recomputed by the server"), null=True, blank=True)

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "statement_id"], name="learners_h5pstatement_id_unique"),
        ]
        indexes = [models.Index(fields=["attempt", "sub_content_id"], name="learners_h5pstmt_attempt_idx")]

    def __str__(self):
        return f"{self.verb.rsplit('/', 1)[-1]} · {self.object_id}"

    @property
    def verb_name(self) -> str:
        return self.verb.rstrip("/").rsplit("/", 1)[-1]


class H5PUserState(models.Model):
    """What an H5P player saved for a learner (core's "content user data"), restored when she comes back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey("courses.H5PActivity", on_delete=models.CASCADE, related_name="+")
    data_type = models.CharField(max_length=64)
    sub_content_id = models.CharField(max_length=64)
    value = models.TextField()
    preload = models.BooleanField(default=True)
    invalidate = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("H5P saved state")
        verbose_name_plural = _("H5P saved states")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "activity", "data_type", "sub_content_id"], name="learners_h5puserstate_unique"
            )
        ]


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


class AuditEvent(models.Model):
    """An entry of the staff audit log: who did what to whom, and when. Written only by ``learners.audit``;
    the admin shows it read-only to administrators, and nothing in the project updates or deletes entries."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=254)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=64, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    subject_label = models.CharField(_("subject"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="learners_audit_subject_idx")]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} · {self.actor_label} · {self.action}"


# Personal data: the privacy notice, consents and data-protection requests (Ley 19.628 / Ley 21.719) -------------


class PrivacyNotice(models.Model):
    """One version of the privacy notice. The current one is the newest whose publication time has come; a
    learner who accepted before it was published accepts it again at her next log-in. Publish a change as a new
    version rather than editing a published one, so every consent points to the text it accepted."""

    version = models.CharField(_("version"), max_length=32, unique=True, help_text=_("For example 2027-03."))
    published_at = models.DateTimeField(
        _("published at"), help_text=_("From this moment it is the notice in force; learners accept it again.")
    )
    purpose = models.TextField(_("purpose: what the data are used for"))
    legal_basis = models.TextField(_("legal basis"))
    recipients = models.TextField(_("recipients: the learner's municipality and the academy"))
    retention = models.TextField(_("retention: how long data are kept"))
    rights = models.TextField(_("rights and how to exercise them"))
    contact = models.TextField(_("contact channel"))
    certificates_after_deletion = models.TextField(
        _("issued certificates after deletion"),
        help_text=_("State that certificates stay verifiable with the name, masked RUN, course and dates."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")

    def __str__(self):
        return self.version

    SECTIONS = ("purpose", "legal_basis", "recipients", "retention", "rights", "contact", "certificates_after_deletion")

    @property
    def text_sha256(self) -> str:
        """A fingerprint of the text, recorded with each consent (the proof of what was accepted)."""
        text = "\n\n".join([self.version] + [getattr(self, name) for name in self.SECTIONS])
        return hashlib.sha256(text.encode()).hexdigest()


class Consent(models.Model):
    """A learner's acceptance of one version of the privacy notice, and its withdrawal."""

    class Channel(models.TextChoices):
        SIGNUP = "signup", _("Sign-up form")
        PROFILE = "profile", _("Profile completion")
        LOGIN = "login", _("New version accepted at log-in")
        IMPORT = "import", _("File imported by the school")
        MIGRATED = "migrated", _("Recorded before consents were kept")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="privacy_consents")
    notice = models.ForeignKey(
        PrivacyNotice, verbose_name=_("notice"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.CharField(_("version"), max_length=32)
    text_sha256 = models.CharField(_("text fingerprint"), max_length=64, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)

    class Meta:
        ordering = ["-accepted_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return f"{self.version} · {self.accepted_at:%d/%m/%Y}"


class DataRequest(models.Model):
    """A learner's request under Ley 19.628 / 21.719: access, rectification, deletion or blocking. Answered within
    30 calendar days; a blocking request within 2 business days. Kept (without her details) as proof of the reply."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access to my data")
        RECTIFICATION = "rectification", _("Correction of my data")
        DELETION = "deletion", _("Deletion of my data")
        BLOCKING = "blocking", _("Blocking of my data")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected with reasons")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_requests",
    )
    kind = models.CharField(_("request"), max_length=16, choices=Kind.choices)
    details = models.TextField(_("what the learner wrote"), blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    due_on = models.DateField(_("legal deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    response = models.TextField(
        _("response"), blank=True, help_text=_("Sent to the learner. Do not write her RUN, email or phone here.")
    )

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")

    def __str__(self):
        return f"#{self.pk} · {self.get_kind_display()}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()


from learners.accounts.login_locks import LoginLock  # noqa: E402, F401  (a model of this app, kept with the accounts)
