"""Cohorts (runs of a course), their in-person sessions, and enrolments with their waitlist."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

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
    """An in-person class of a cohort; the instructor takes attendance for it.

    Times are Santiago wall-clock times. ``duration_hours`` is derived from the start and end times by
    ``learners.enrolment.services.session_create`` / ``session_change``, which also keep ``status`` and
    ``sequence`` (the iCalendar SEQUENCE, bumped on every change a calendar shows) right."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("session status", "Scheduled")
        CHANGED = "changed", pgettext_lazy("session status", "Changed")
        SUSPENDED = "suspended", pgettext_lazy("session status", "Suspended")
        HELD = "held", pgettext_lazy("session status", "Held")

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    place = models.CharField(_("place"), max_length=200)
    address = models.CharField(_("address"), max_length=255, blank=True)
    directions = models.TextField(
        _("how to get there"), blank=True, help_text=_("Buses, landmarks, which door to use, accessibility.")
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="taught_sessions",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)
    duration_hours = models.DecimalField(
        _("duration (hours)"), max_digits=4, decimal_places=1, validators=[MinValueValidator(0)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="learners_session_times"),
        ]

    def __str__(self):
        return f"{self.cohort} · {self.date:%d/%m/%Y}"

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED


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
    last_visited_at = models.DateTimeField(_("last visit"), null=True, blank=True)

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
