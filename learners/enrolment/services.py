"""Writes for enrolment: enrolling, withdrawing and the waitlist.

Every function is safe to call twice (double clicks, two tabs, retries): database constraints plus
get-or-create inside a transaction make the second call a no-op.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage
from learners.enrolment import selectors
from learners.enrolment.models import Cohort, Enrolment


class EnrolmentError(Exception):
    """A learner-facing reason why an enrolment action was refused (the message is translated)."""


@transaction.atomic
def enrolment_create(*, user: AbstractBaseUser, course: CoursePage, cohort: Cohort | None = None) -> Enrolment:
    """Enrol ``user`` in ``course`` (in ``cohort`` when given). A full cohort puts her on its waitlist.

    Enrolling again returns the existing enrolment; a withdrawn learner is enrolled anew. Raises
    EnrolmentError when the course is not live, the cohort belongs to another course or is closed.
    """
    if not course.live:
        raise EnrolmentError(_("This course is not open for enrolment."))
    if cohort is None and Cohort.objects.filter(course=course).exists():
        cohort = selectors.open_cohorts(course=course).first()
        if cohort is None:
            raise EnrolmentError(_("No group of this course is taking enrolments right now."))
    if cohort is not None:
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)  # serialise seat counting
        if cohort.course_id != course.pk:
            raise EnrolmentError(_("That group belongs to another course."))
    existing = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if existing is not None and existing.status != Enrolment.Status.WITHDRAWN:
        return existing
    if cohort is not None and not cohort.enrolment_is_open():
        raise EnrolmentError(_("Enrolment for this group is closed."))

    now = timezone.now()
    full = (
        cohort is not None and cohort.capacity is not None and selectors.seats_taken(cohort=cohort) >= cohort.capacity
    )
    values = {
        "cohort": cohort,
        "status": Enrolment.Status.WAITLISTED if full else Enrolment.Status.ACTIVE,
        "enrolled_at": now,
        "waitlisted_at": now if full else None,
        "withdrawn_at": None,
        "completed_at": None,
    }
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        return existing
    try:
        with transaction.atomic():
            return Enrolment.objects.create(user=user, course=course, **values)
    except IntegrityError:  # a concurrent request enrolled her first
        return Enrolment.objects.get(user=user, course=course)


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment) -> Enrolment:
    """Withdraw from a course or leave its waitlist; a freed seat goes to the first person waiting."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == Enrolment.Status.COMPLETED:
        raise EnrolmentError(_("You already completed this course."))
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        return enrolment
    freed_seat = enrolment.status == Enrolment.Status.ACTIVE and enrolment.cohort_id is not None
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.waitlisted_at = None
    enrolment.save(update_fields=["status", "withdrawn_at", "waitlisted_at"])
    if freed_seat:
        waitlist_promote(cohort=enrolment.cohort)
    return enrolment


@transaction.atomic
def waitlist_promote(*, cohort: Cohort) -> list[Enrolment]:
    """Move people from the waitlist into free seats, first come first served."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    free = None if cohort.capacity is None else cohort.capacity - selectors.seats_taken(cohort=cohort)
    waiting = Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.WAITLISTED).order_by(
        "waitlisted_at", "pk"
    )
    if free is not None:
        waiting = waiting[: max(free, 0)]
    promoted = list(waiting)
    for enrolment in promoted:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.waitlisted_at = None
        enrolment.save(update_fields=["status", "waitlisted_at"])
    return promoted
