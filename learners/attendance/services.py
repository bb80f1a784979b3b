"""Writes for attendance."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from learners.attendance.models import AttendanceRecord
from learners.enrolment.models import Enrolment, Session
from learners.progress.services import enrolment_evaluate_completion


@transaction.atomic
def attendance_record(*, session: Session, marks: dict[int, str], recorded_by: AbstractBaseUser) -> int:
    """Save attendance for a session: ``marks`` maps enrolment ids to a status. Returns rows written.

    Enrolments that are not active in the session's cohort are ignored. Courses whose rule needs
    attendance are re-evaluated for the learners marked.
    """
    valid = set(AttendanceRecord.Status.values)
    enrolments = {
        enrolment.pk: enrolment
        for enrolment in Enrolment.objects.filter(
            cohort=session.cohort,
            pk__in=marks,
            status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED],
        ).select_related("course", "cohort")
    }
    written = 0
    for enrolment_id, status in marks.items():
        if enrolment_id not in enrolments or status not in valid:
            continue
        AttendanceRecord.objects.update_or_create(
            session=session, enrolment_id=enrolment_id, defaults={"status": status, "recorded_by": recorded_by}
        )
        written += 1
    for enrolment in enrolments.values():
        enrolment_evaluate_completion(enrolment=enrolment)
    return written
