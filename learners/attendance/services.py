"""Writes for attendance: the instructor's marks, and a learner's QR check-in.

Which mark wins (README, "Asistencia con código QR"): the instructor's. A QR check-in only writes when the session
has no mark for the learner yet; it never changes a mark the instructor made (present, absent or excused), so a
correction made after a scan stays. The instructor can change any mark, a QR one included; every row keeps how it
was made (``method``) and by whom (``recorded_by``).
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from learners.accounts.states import AccountState, account_state
from learners.attendance import checkin
from learners.attendance.models import AttendanceRecord
from learners.enrolment.models import Enrolment, Session
from learners.progress.services import enrolment_evaluate_completion

MARKING = [Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED]


@transaction.atomic
def attendance_record(*, session: Session, marks: dict[int, str], recorded_by: AbstractBaseUser) -> int:
    """Save attendance for a session: ``marks`` maps enrolment ids to a status. Returns the marks accepted.

    Enrolments that are not active in the session's cohort are ignored. A mark equal to the one saved is left
    as it was (so saving the page does not turn learners' QR check-ins into instructor marks); a changed or new
    one is recorded as the instructor's. Courses whose rule needs attendance are re-evaluated for the learners
    marked.
    """
    valid = set(AttendanceRecord.Status.values)
    enrolments = {
        enrolment.pk: enrolment
        for enrolment in Enrolment.objects.filter(
            cohort=session.cohort, pk__in=marks, status__in=MARKING
        ).select_related("course", "cohort")
    }
    saved = dict(
        AttendanceRecord.objects.filter(session=session, enrolment_id__in=enrolments).values_list(
            "enrolment_id", "status"
        )
    )
    written = 0
    for enrolment_id, status in marks.items():
        if enrolment_id not in enrolments or status not in valid:
            continue
        written += 1
        if saved.get(enrolment_id) == status:
            continue
        AttendanceRecord.objects.update_or_create(
            session=session,
            enrolment_id=enrolment_id,
            defaults={"status": status, "recorded_by": recorded_by, "method": AttendanceRecord.Method.INSTRUCTOR},
        )
    for enrolment in enrolments.values():
        enrolment_evaluate_completion(enrolment=enrolment)
    return written


# QR check-in ----------------------------------------------------------------------------------------------------


class CheckinRefused(Exception):
    """A check-in that cannot be recorded; ``message`` is for the learner (Spanish), ``reason`` for code and tests."""

    def __init__(self, reason: str, message: str, *, status: int = 403):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CheckinResult:
    session: Session
    record: AttendanceRecord
    created: bool  # False: she was already marked present


def _when(moment: datetime) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {"time": local.strftime("%H:%M"), "date": formats.date_format(local.date(), "SHORT_DATE_FORMAT")}


def attendance_checkin(
    *, user: AbstractBaseUser, token: str, now: datetime | None = None, token_seen_fresh: bool = False
) -> CheckinResult:
    """Mark ``user`` present at the session a scanned code names, or raise CheckinRefused.

    The token must be ours and fresh (its step or the next; ``token_seen_fresh`` when this browser saw it fresh
    before logging in, see the view); the session must be running now; the account active; the learner enrolled
    (active or completed) in the session's cohort. Precedence: see the module docstring.
    """
    now = now or timezone.now()
    parsed = checkin.token_read(token)
    if parsed is None:
        raise CheckinRefused(
            "invalid",
            _("This code is not valid. Scan the code that is being shown in the room right now."),
            status=400,
        )
    if not (token_seen_fresh or checkin.token_fresh(parsed, now=now)):
        raise CheckinRefused(
            "expired",
            _(
                "This code has expired: the code changes every few seconds, so a photo or a forwarded code does "
                "not work. Scan the code that is being shown in the room right now."
            ),
            status=400,
        )
    if not user.is_active or account_state(user) != AccountState.ACTIVE:
        raise CheckinRefused("inactive", _("Your account is not active, so your attendance cannot be recorded."))
    session = Session.objects.select_related("cohort__course").filter(pk=parsed.session_id).first()
    if session is None:
        raise CheckinRefused("invalid", _("This session no longer exists."), status=404)
    if session.is_suspended:
        raise CheckinRefused(
            "suspended", _("This session was suspended, so there is no attendance to record. Check Mi calendario.")
        )
    enrolment = (
        Enrolment.objects.filter(user=user, cohort_id=session.cohort_id, status__in=MARKING)
        .select_related("course", "cohort")
        .first()
    )
    if enrolment is None:
        raise CheckinRefused(
            "not_enrolled",
            _(
                "This code is for a session of a group you are not enrolled in, so your attendance cannot be "
                "recorded. If this is a mistake, talk to the instructor."
            ),
        )
    opens, closes = checkin.session_window(session)
    if now < opens:
        raise CheckinRefused(
            "not_started",
            _("This session has not started yet: you can check in from %(time)s on %(date)s.") % _when(opens),
        )
    if now > closes:
        raise CheckinRefused(
            "over",
            _(
                "This session is over: check-in closed at %(time)s on %(date)s. If you attended, ask the "
                "instructor to mark you."
            )
            % _when(closes),
        )
    return _checkin_write(session=session, enrolment=enrolment, user=user)


@transaction.atomic
def _checkin_write(*, session: Session, enrolment: Enrolment, user: AbstractBaseUser) -> CheckinResult:
    record = _present_insert(session=session, enrolment=enrolment, user=user)
    if record is not None:
        enrolment_evaluate_completion(enrolment=enrolment)
        return CheckinResult(session=session, record=record, created=True)
    # a second scan, or the instructor got there first
    existing = AttendanceRecord.objects.get(session=session, enrolment=enrolment)
    if existing.status == AttendanceRecord.Status.PRESENT:
        return CheckinResult(session=session, record=existing, created=False)
    raise CheckinRefused(
        "instructor_mark",
        _(
            "The instructor already recorded you as “%(status)s” for this session, and a scan does not change "
            "that. If it is a mistake, ask the instructor to correct it."
        )
        % {"status": existing.get_status_display()},
        status=409,
    )


def _present_insert(*, session: Session, enrolment: Enrolment, user: AbstractBaseUser) -> AttendanceRecord | None:
    """INSERT her QR "present" mark unless the session already has one for her; the new row, or None when a mark
    existed (one round trip instead of a locked read, a savepoint and an insert: the check-in benchmark's 200
    learners in a minute). ``ON CONFLICT … DO NOTHING RETURNING`` works on PostgreSQL and on SQLite ≥ 3.35."""
    ops = connection.ops
    quote = ops.quote_name
    record = AttendanceRecord(
        session=session,
        enrolment=enrolment,
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.QR,
        recorded_by=user,
        recorded_at=timezone.now(),
    )
    columns = ["session_id", "enrolment_id", "status", "method", "recorded_by_id", "recorded_at"]
    values = [
        session.pk,
        enrolment.pk,
        record.status,
        record.method,
        user.pk,
        ops.adapt_datetimefield_value(record.recorded_at),
    ]
    sql = (
        f"INSERT INTO {quote(AttendanceRecord._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({quote('session_id')}, {quote('enrolment_id')}) DO NOTHING RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    record.pk = row[0]
    record._state.adding, record._state.db = False, connection.alias
    return record
