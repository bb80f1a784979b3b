"""Attendance taking for instructors, outside the admin and made for a phone.

An instructor sees the sessions of the cohorts she teaches; academy staff with the
``learners.change_attendancerecord`` permission (and superusers) see every session. Anyone else gets a 404 for
a session that is not theirs, so session ids reveal nothing.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from learners.attendance import selectors, services
from learners.attendance.models import AttendanceRecord
from learners.enrolment.models import Enrolment, Session
from learners.enrolment.selectors import SEAT_HOLDING

STAFF_PERMISSION = "learners.change_attendancerecord"
RECENT_DAYS = 60
LISTED = 30


def sessions_for(*, user: AbstractBaseUser) -> QuerySet[Session]:
    """Sessions this person may take attendance for."""
    sessions = Session.objects.select_related("cohort__course")
    if user.is_superuser or user.has_perm(STAFF_PERMISSION):
        return sessions
    return sessions.filter(cohort__instructors=user)


def attendance_enrolments(*, session: Session) -> QuerySet[Enrolment]:
    """Learners holding a seat in the session's cohort, by family name."""
    return (
        Enrolment.objects.filter(cohort_id=session.cohort_id, status__in=SEAT_HOLDING)
        .select_related("user__learner_profile")
        .order_by("user__learner_profile__family_names", "user__learner_profile__given_names", "user__last_name")
    )


@dataclass(frozen=True)
class AttendanceRow:
    enrolment: Enrolment
    name: str
    status: str
    summary: selectors.AttendanceSummary | None

    @property
    def field_name(self) -> str:
        return f"mark-{self.enrolment.pk}"


def _name(enrolment: Enrolment) -> str:
    profile = getattr(enrolment.user, "learner_profile", None)
    if profile is not None:
        return profile.full_name
    return enrolment.user.get_full_name() or enrolment.user.get_username()


@login_required
def session_list(request):
    today = timezone.localdate()
    visible = sessions_for(user=request.user).annotate(
        seats=Count("cohort__enrolments", filter=Q(cohort__enrolments__status__in=SEAT_HOLDING), distinct=True),
        marked=Count("attendance", distinct=True),
    )
    context = {
        "upcoming": visible.filter(date__gte=today).order_by("date", "start_time")[:LISTED],
        "recent": visible.filter(date__lt=today, date__gte=today - timedelta(days=RECENT_DAYS)).order_by(
            "-date", "-start_time"
        )[:LISTED],
    }
    return render(request, "learners/staff/sessions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, session_id):
    session = get_object_or_404(sessions_for(user=request.user), pk=session_id)
    enrolments = list(attendance_enrolments(session=session))
    if request.method == "POST":
        marks = {e.pk: request.POST[f"mark-{e.pk}"] for e in enrolments if request.POST.get(f"mark-{e.pk}")}
        written = services.attendance_record(session=session, marks=marks, recorded_by=request.user)
        if written:
            message = ngettext(
                "Attendance saved for %(count)s learner.", "Attendance saved for %(count)s learners.", written
            )
            messages.success(request, message % {"count": written})
        else:
            messages.warning(request, _("No attendance was marked, so nothing was saved."))
        return redirect("learners_staff:attendance", session_id=session.pk)
    saved = dict(AttendanceRecord.objects.filter(session=session).values_list("enrolment_id", "status"))
    summaries = selectors.attendance_summaries(enrolments=enrolments)
    rows = [
        AttendanceRow(
            enrolment=enrolment,
            name=_name(enrolment),
            status=saved.get(enrolment.pk, ""),
            summary=summaries.get(enrolment.pk),
        )
        for enrolment in enrolments
    ]
    context = {"session": session, "rows": rows, "choices": AttendanceRecord.Status.choices}
    return render(request, "learners/staff/attendance.html", context)
