"""Attendance taking for instructors, outside the admin and made for a phone.

An instructor sees the sessions of the cohorts she teaches; academy staff with the
``learners.change_attendancerecord`` permission (and superusers) see every session. Anyone else gets a 404 for
a session that is not theirs, so session ids reveal nothing.

QR check-in: only the cohort's instructors (and superusers) show the rotating code (``checkin_display``,
``checkin_code``); a learner's phone opens ``checkin`` (README, "Asistencia con código QR").
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from courses.spreadsheets import DOWNLOAD_FORMATS, download_file, filename_ending
from learners.accounts.throttle import count_hit
from learners.attendance import checkin as codes
from learners.attendance import selectors, services
from learners.attendance.models import AttendanceRecord
from learners.enrolment.models import Enrolment, Session
from learners.enrolment.selectors import SEAT_HOLDING
from learners.privacy.audit import audit_record

STAFF_PERMISSION = selectors.STAFF_PERMISSION
sessions_for = selectors.sessions_for
RECENT_DAYS = 60
LISTED = 30


def attendance_enrolments(*, session: Session) -> QuerySet[Enrolment]:
    """Learners holding a seat in the session's cohort, by family name."""
    return (
        Enrolment.objects.filter(cohort_id=session.cohort_id, status__in=SEAT_HOLDING)
        .select_related("user__learner_profile")
        .order_by("user__learner_profile__family_names", "user__learner_profile__given_names", "user__last_name")
    )


def qr_sessions_for(*, user: AbstractBaseUser) -> QuerySet[Session]:
    """Sessions whose check-in code this person may show: those of the cohorts she teaches (superusers: all).
    Academy staff and coordinators, who are not in the room, do not show codes."""
    sessions = Session.objects.select_related("cohort__course")
    if user.is_superuser:
        return sessions
    return sessions.filter(cohort__instructors=user)


@dataclass(frozen=True)
class AttendanceRow:
    enrolment: Enrolment
    name: str
    status: str
    summary: selectors.AttendanceSummary | None
    record: AttendanceRecord | None = None

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
    access = selectors.session_access(user=request.user)
    visible = access.sessions.annotate(
        seats=Count("cohort__enrolments", filter=Q(cohort__enrolments__status__in=SEAT_HOLDING), distinct=True),
        marked=Count("attendance", distinct=True),
    )
    context = {
        "upcoming": visible.filter(date__gte=today).order_by("date", "start_time")[:LISTED],
        "recent": visible.filter(date__lt=today, date__gte=today - timedelta(days=RECENT_DAYS)).order_by(
            "-date", "-start_time"
        )[:LISTED],
        "read_only": access.read_only,
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
    saved = {
        record.enrolment_id: record
        for record in AttendanceRecord.objects.filter(session=session).select_related("recorded_by__learner_profile")
    }
    summaries = selectors.attendance_summaries(enrolments=enrolments)
    rows = [
        AttendanceRow(
            enrolment=enrolment,
            name=_name(enrolment),
            status=saved[enrolment.pk].status if enrolment.pk in saved else "",
            summary=summaries.get(enrolment.pk),
            record=saved.get(enrolment.pk),
        )
        for enrolment in enrolments
    ]
    export = request.GET.get("formato", "")
    if export in DOWNLOAD_FORMATS:
        return _export(request, session=session, rows=rows, kind=export)
    context = {
        "session": session,
        "rows": rows,
        "choices": AttendanceRecord.Status.choices,
        "can_show_qr": qr_sessions_for(user=request.user).filter(pk=session.pk).exists(),
        "running": codes.session_running(session),
    }
    return render(request, "learners/staff/attendance.html", context)


def _recorder(record: AttendanceRecord) -> str:
    user = record.recorded_by
    if user is None:
        return ""
    profile = getattr(user, "learner_profile", None)
    if profile is not None:
        return profile.full_name
    return user.get_full_name() or user.get_username()


def _export(request, *, session: Session, rows: list[AttendanceRow], kind: str) -> HttpResponse:
    """The session's list as CSV or XLSX through the shared writer (formulas neutralised, Chilean time): each
    learner's mark, how it was made and by whom. Recorded in the audit log."""
    headings = [_("Name"), _("Attendance"), _("How it was marked"), _("Marked by"), _("Marked at")]
    table = [
        [
            row.name,
            row.record.get_status_display() if row.record else "",
            row.record.get_method_display() if row.record else "",
            _recorder(row.record) if row.record else "",
            row.record.recorded_at if row.record else None,
        ]
        for row in rows
    ]
    audit_record(actor=request.user, action="attendance.exported", subject=session, data={"format": kind})
    body, content_type = download_file(kind, headings=headings, rows=table, sheet_name=_("Attendance"))
    response = HttpResponse(body, content_type=content_type)
    filename = f"sesion-{session.pk}-asistencia-{session.date:%Y%m%d}{filename_ending(kind)}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# QR check-in -----------------------------------------------------------------------------------------------------

PENDING_KEY = "learners_checkin_pending"


@login_required
def checkin_display(request, session_id):
    """The rotating code, for the instructor's phone or a projector. Refreshed by a small script (a fetch of
    ``checkin_code`` at each change), or by reloading the page without JavaScript."""
    session = get_object_or_404(qr_sessions_for(user=request.user), pk=session_id)
    opens, closes = codes.session_window(session)
    context = {
        "session": session,
        "code": codes.shown_code(session=session),
        "running": codes.session_running(session),
        "opens": opens,
        "closes": closes,
        "present": selectors.present_count(session=session),
    }
    response = render(request, "learners/staff/checkin_display.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def checkin_code(request, session_id):
    """The code to show now, as JSON: ``svg`` (the picture), ``refresh_in`` (seconds until the next) and
    ``present`` (learners marked present so far)."""
    session = get_object_or_404(qr_sessions_for(user=request.user), pk=session_id)
    code = codes.shown_code(session=session)
    present = selectors.present_count(session=session)
    response = JsonResponse({"svg": code.svg, "refresh_in": code.refresh_in, "present": present})
    response["Cache-Control"] = "no-store"
    return response


def _checkin_limited(user: AbstractBaseUser) -> bool:
    limit = int(getattr(settings, "LEARNERS_CHECKIN_RATE_LIMIT", 10))
    window = int(getattr(settings, "LEARNERS_CHECKIN_RATE_WINDOW_SECONDS", 60))
    return count_hit(f"learners:attendance:checkin:{user.pk}", window=window) > limit


def checkin(request, token):
    """What a learner's phone opens from the code. Logged out: the code is remembered in her browser's session if
    it is fresh, and she goes through log-in and back here; the code is then still accepted for
    ``LEARNERS_CHECKIN_LOGIN_GRACE_SECONDS`` (default 600) after that first scan, in that browser only."""
    now = timezone.now()
    if not request.user.is_authenticated:
        parsed = codes.token_read(token)
        if parsed is not None and codes.token_fresh(parsed, now=now):
            request.session[PENDING_KEY] = {"token": token, "seen": now.timestamp()}
        return redirect_to_login(request.get_full_path())
    pending = request.session.get(PENDING_KEY) or {}
    grace = int(getattr(settings, "LEARNERS_CHECKIN_LOGIN_GRACE_SECONDS", 600))
    seen_fresh = pending.get("token") == token and 0 <= now.timestamp() - float(pending.get("seen", 0)) <= grace
    if _checkin_limited(request.user):
        context = {
            "refused": True,
            "message": _("Too many attempts. Wait a minute and scan the code again."),
            "reason": "rate_limited",
        }
        return render(request, "learners/attendance/checkin.html", context, status=429)
    try:
        result = services.attendance_checkin(user=request.user, token=token, now=now, token_seen_fresh=seen_fresh)
    except services.CheckinRefused as refusal:
        context = {"refused": True, "message": refusal.message, "reason": refusal.reason}
        return render(request, "learners/attendance/checkin.html", context, status=refusal.status)
    request.session.pop(PENDING_KEY, None)
    context = {"refused": False, "result": result, "session": result.session, "reason": "present"}
    return render(request, "learners/attendance/checkin.html", context)
