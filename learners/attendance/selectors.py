"""Reads for attendance: percentages over the sessions held so far, for one enrolment or many."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from learners.attendance.models import AttendanceRecord
from learners.enrolment.models import Enrolment, Session


@dataclass(frozen=True)
class AttendanceSummary:
    """Attendance over the sessions held so far (suspended sessions do not count). Excused absences are left out
    of the count.

    percent = present / (sessions held − excused) × 100; None when no session counts yet.
    """

    held: int
    present: int
    excused: int

    @property
    def percent(self) -> Decimal | None:
        counted = self.held - self.excused
        if counted <= 0:
            return None
        return (Decimal(100) * self.present / counted).quantize(Decimal("0.1"))


def attendance_summary(*, enrolment: Enrolment, today: date | None = None) -> AttendanceSummary | None:
    """None when the enrolment has no cohort with sessions (two queries at most)."""
    if enrolment.cohort_id is None:
        return None
    today = today or timezone.localdate()
    held = (
        Session.objects.filter(cohort_id=enrolment.cohort_id, date__lte=today)
        .exclude(status=Session.Status.SUSPENDED)
        .count()
    )
    if not held and not Session.objects.filter(cohort_id=enrolment.cohort_id).exists():
        return None
    counts = AttendanceRecord.objects.filter(enrolment=enrolment, session__date__lte=today).aggregate(
        present=Count("pk", filter=Q(status=AttendanceRecord.Status.PRESENT)),
        excused=Count("pk", filter=Q(status=AttendanceRecord.Status.EXCUSED)),
    )
    return AttendanceSummary(held=held, present=counts["present"], excused=counts["excused"])


def attendance_summaries(*, enrolments: list[Enrolment]) -> dict[int, AttendanceSummary]:
    """Attendance of many enrolments in three queries (see AttendanceSummary); cohorts without sessions are left out."""
    if not enrolments:
        return {}
    today = timezone.localdate()
    cohort_ids = {enrolment.cohort_id for enrolment in enrolments}
    held = dict(
        Session.objects.filter(cohort_id__in=cohort_ids, date__lte=today)
        .exclude(status=Session.Status.SUSPENDED)
        .values("cohort_id")
        .annotate(count=Count("pk"))
        .values_list("cohort_id", "count")
    )
    marks = {
        row["enrolment_id"]: row
        for row in AttendanceRecord.objects.filter(enrolment__in=enrolments, session__date__lte=today)
        .values("enrolment_id")
        .annotate(
            present=Count("pk", filter=Q(status=AttendanceRecord.Status.PRESENT)),
            excused=Count("pk", filter=Q(status=AttendanceRecord.Status.EXCUSED)),
        )
    }
    summaries = {}
    for enrolment in enrolments:
        if enrolment.cohort_id not in held:
            continue
        row = marks.get(enrolment.pk, {"present": 0, "excused": 0})
        summaries[enrolment.pk] = AttendanceSummary(
            held=held[enrolment.cohort_id], present=row["present"], excused=row["excused"]
        )
    return summaries


def attended_hours(*, enrolments: list[Enrolment]) -> dict[int, Decimal]:
    """The hours of the sessions each enrolment was marked present at (by QR or by the instructor), one query;
    enrolments without any are left out."""
    if not enrolments:
        return {}
    return dict(
        AttendanceRecord.objects.filter(enrolment__in=enrolments, status=AttendanceRecord.Status.PRESENT)
        .values("enrolment_id")
        .annotate(hours=Sum("session__duration_hours"))
        .values_list("enrolment_id", "hours")
    )


def present_count(*, session: Session) -> int:
    """Learners marked present at ``session`` so far (one query)."""
    return AttendanceRecord.objects.filter(session=session, status=AttendanceRecord.Status.PRESENT).count()


# Who may take attendance, and who only reads it -----------------------------------------------------------------

STAFF_PERMISSION = "learners.change_attendancerecord"


def _school_sessions_q(user: AbstractBaseUser):
    """For a municipal school's administration (``learners.change_attendancerecord`` inside her school): the
    condition on sessions of her school (``staff_scope``); None for national staff; nothing for an account in the
    groups of several schools."""
    from learners.staff.selectors import ScopeLookups, staff_scope, staff_scope_q

    scope = staff_scope(user=user)
    if scope.school_conflict:  # in the groups of several schools: no school is guessed, no session
        return Q(pk__in=[])
    if not scope.school_admin:
        return None
    lookups = ScopeLookups(course="cohort__course_id", cohort="cohort_id", municipality="cohort__municipality_id")
    return staff_scope_q(scope=scope, lookups=lookups)


def sessions_for(*, user: AbstractBaseUser) -> QuerySet[Session]:
    """Sessions this person may take attendance for: every session for academy staff with
    ``learners.change_attendancerecord`` (and superusers), her school's for a school's administration, those of
    the cohorts she teaches for an instructor."""
    sessions = Session.objects.select_related("cohort__course")
    if user.is_superuser:
        return sessions
    if user.has_perm(STAFF_PERMISSION):
        school = _school_sessions_q(user)
        return sessions if school is None else sessions.filter(school)
    return sessions.filter(cohort__instructors=user)


@dataclass(frozen=True)
class SessionAccess:
    """The sessions the "Asistencia" page lists, and whether she only reads them (a municipal coordinator: she
    sees her municipality's sessions and how much attendance was taken, but never a link to take it)."""

    sessions: QuerySet
    read_only: bool


def session_access(*, user: AbstractBaseUser) -> SessionAccess:
    """Whoever may take attendance sees those sessions; a municipal coordinator (a StaffProfile municipality,
    learners.staff.selectors.staff_scope) who may not sees her municipality's cohorts' sessions, read-only."""
    from learners.staff.selectors import staff_scope

    if user.is_superuser or user.has_perm(STAFF_PERMISSION):
        return SessionAccess(sessions=sessions_for(user=user), read_only=False)
    scope = staff_scope(user=user)
    if scope.municipality_id is not None:
        sessions = Session.objects.select_related("cohort__course").filter(
            cohort__municipality_id=scope.municipality_id
        )
        return SessionAccess(sessions=sessions, read_only=True)
    return SessionAccess(sessions=sessions_for(user=user), read_only=False)


def attendance_takeable(*, user: AbstractBaseUser):
    """A predicate ``(session) -> bool``: may this person take attendance for the session? (one query at most,
    for list pages that link each session to its attendance)."""
    if user.is_superuser or user.has_perm(STAFF_PERMISSION):
        school = None if user.is_superuser else _school_sessions_q(user)
        if school is None:
            return lambda session: True
        own = set(Session.objects.filter(school).values_list("pk", flat=True))
        return lambda session: session.pk in own
    taught = set(Session.objects.filter(cohort__instructors=user).values_list("cohort_id", flat=True).distinct())
    return lambda session: session.cohort_id in taught


def sessions_awaiting_attendance(*, user: AbstractBaseUser, now: datetime, days: int) -> list[Session]:
    """Sessions this person may take attendance for (``sessions_for``) that have ended by ``now`` (Santiago time),
    in the last ``days`` days, not suspended, whose cohort has learners holding a seat, and with no attendance
    marked at all yet; oldest first, with their cohort and course (one query, however many cohorts)."""
    from learners.enrolment.selectors import SEAT_HOLDING  # it imports this module

    local = timezone.localtime(now)
    today = local.date()
    ended = Q(date__lt=today) | Q(date=today, end_time__lte=local.time())
    return list(
        sessions_for(user=user)
        .filter(ended, date__gte=today - timedelta(days=days))
        .exclude(status=Session.Status.SUSPENDED)
        .filter(Exists(Enrolment.objects.filter(cohort_id=OuterRef("cohort_id"), status__in=SEAT_HOLDING)))
        .exclude(Exists(AttendanceRecord.objects.filter(session_id=OuterRef("pk"))))
        .order_by("date", "start_time", "pk")
    )
