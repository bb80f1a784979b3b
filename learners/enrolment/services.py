"""Writes for enrolment: enrolling, withdrawing, the waitlist, and creating or changing a cohort's sessions.

Every function is safe to call twice (double clicks, two tabs, retries): database constraints plus
get-or-create inside a transaction make the second call a no-op.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage
from learners.enrolment import selectors
from learners.enrolment.models import Cohort, Enrolment, Session
from learners.notifications import events


class EnrolmentError(Exception):
    """A learner-facing reason why an enrolment action was refused (the message is translated)."""


@transaction.atomic
def enrolment_create(*, user: AbstractBaseUser, course: CoursePage, cohort: Cohort | None = None) -> Enrolment:
    """Enrol ``user`` in ``course`` (in ``cohort`` when given). A full cohort puts her on its waitlist.

    Enrolling again returns the existing enrolment; a withdrawn learner is enrolled anew. Raises
    EnrolmentError when the course is not live, the cohort belongs to another course or is closed. A new
    enrolment queues its notice (confirmed, or her place on the waitlist; sent once the transaction commits).
    """
    enrolment, new = _enrolment_create(user=user, course=course, cohort=cohort)
    if new:
        events.enrolment_notify(enrolment=enrolment)
    return enrolment


def _enrolment_create(*, user, course, cohort) -> tuple[Enrolment, bool]:
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
        return existing, False
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
        return existing, True
    try:
        with transaction.atomic():
            return Enrolment.objects.create(user=user, course=course, **values), True
    except IntegrityError:  # a concurrent request enrolled her first
        return Enrolment.objects.get(user=user, course=course), False


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
    promoted = list(waiting.select_related("user", "course", "cohort"))
    for enrolment in promoted:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.waitlisted_at = None
        enrolment.save(update_fields=["status", "waitlisted_at"])
    events.waitlist_promoted_notify(enrolments=promoted)
    return promoted


# Sessions ------------------------------------------------------------------------------------------------------

SCHEDULE_FIELDS = frozenset({"date", "start_time", "end_time", "place", "address"})
"""A change to any of these after creation marks the session "cambiada" (learners must look again)."""
CALENDAR_FIELDS = SCHEDULE_FIELDS | {"directions", "instructor", "cohort"}
"""Everything a calendar file shows: a change to any of them (or a suspension) bumps the session's SEQUENCE."""
CHANGEABLE_FIELDS = CALENDAR_FIELDS | {"status"}
FOREIGN_KEYS = frozenset({"instructor", "cohort"})


@dataclass(frozen=True)
class SessionChange:
    """What ``session_change`` did to a session: the hook for notifying people (reminders, "changed", "suspended").

    ``changed`` names the fields whose stored value changed (``status`` included when it changed, automatically
    or not); ``previous`` holds their values before the change (``instructor`` and ``cohort`` as ids)."""

    session: Session
    changed: frozenset[str]
    previous: dict[str, Any]

    @property
    def rescheduled(self) -> bool:
        """Date, times, place or address changed."""
        return bool(self.changed & SCHEDULE_FIELDS)

    @property
    def suspended(self) -> bool:
        return "status" in self.changed and self.session.status == Session.Status.SUSPENDED

    @property
    def reinstated(self) -> bool:
        return "status" in self.changed and self.previous["status"] == Session.Status.SUSPENDED

    @property
    def calendar_changed(self) -> bool:
        """The calendar files show something new (the SEQUENCE went up)."""
        return bool(self.changed & CALENDAR_FIELDS) or self.suspended or self.reinstated


def session_duration(*, start_time: time, end_time: time) -> Decimal:
    """Hours between two times of one day, to one decimal (the unit ``Session.duration_hours`` keeps)."""
    minutes = (datetime.combine(date.min, end_time) - datetime.combine(date.min, start_time)).total_seconds() / 60
    return (Decimal(int(minutes)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _valid_times(start_time: time, end_time: time) -> None:
    if end_time <= start_time:
        raise EnrolmentError(_("The session must end after it starts."))


@transaction.atomic
def session_create(
    *,
    cohort: Cohort,
    date: date,
    start_time: time,
    end_time: time,
    place: str,
    address: str = "",
    directions: str = "",
    instructor: AbstractBaseUser | None = None,
    status: str = Session.Status.SCHEDULED,
) -> Session:
    """Create a session of ``cohort`` (``duration_hours`` from its times). Raises EnrolmentError when it ends
    before it starts."""
    _valid_times(start_time, end_time)
    session = Session(
        cohort=cohort,
        date=date,
        start_time=start_time,
        end_time=end_time,
        place=place,
        address=address,
        directions=directions,
        instructor=instructor,
        status=status,
        duration_hours=session_duration(start_time=start_time, end_time=end_time),
    )
    session.full_clean()
    session.save()
    return session


def _stored(session: Session, name: str) -> Any:
    return getattr(session, f"{name}_id") if name in FOREIGN_KEYS else getattr(session, name)


@transaction.atomic
def session_change(*, session: Session, **values: Any) -> SessionChange:
    """Change a session's date, times, place, address, directions, instructor, status or cohort (the fields in
    ``CHANGEABLE_FIELDS``) and return what changed (``SessionChange``), for notifications to hook on.

    A change of date, time or place after creation makes a scheduled session "cambiada", and so does bringing
    back a suspended one; the SEQUENCE goes up once per call that changes what a calendar shows, never for a save
    that changes nothing. Raises EnrolmentError when the session would end before it starts."""
    unknown = set(values) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"session_change() cannot change {sorted(unknown)}")
    session = Session.objects.select_for_update().get(pk=session.pk)
    wanted = {
        name: (value.pk if name in FOREIGN_KEYS and value is not None else value) for name, value in values.items()
    }
    changed = {name for name, value in wanted.items() if _stored(session, name) != value}
    previous = {name: _stored(session, name) for name in changed | {"status"}}

    status = wanted.get("status", session.status)
    active = (Session.Status.SCHEDULED, Session.Status.CHANGED)
    if status in active and (changed & SCHEDULE_FIELDS or session.status == Session.Status.SUSPENDED):
        status = Session.Status.CHANGED
    if status != session.status:
        changed.add("status")
    for name in changed - {"status"}:
        if name in FOREIGN_KEYS:
            setattr(session, f"{name}_id", wanted[name])
        else:
            setattr(session, name, wanted[name])
    session.status = status
    _valid_times(session.start_time, session.end_time)
    change = SessionChange(session=session, changed=frozenset(changed), previous=previous)
    if not changed:
        return change
    session.duration_hours = session_duration(start_time=session.start_time, end_time=session.end_time)
    if change.calendar_changed:
        session.sequence += 1
    session.full_clean()
    session.save()
    events.session_change_notify(change=change)  # an update or a cancellation to each learner, once per revision
    return change


def session_suspend(*, session: Session) -> SessionChange:
    """Suspend a session: it stays listed, struck through, and calendars show it cancelled."""
    return session_change(session=session, status=Session.Status.SUSPENDED)
