"""The weekly digests (issue 14, item 6): producers the notification scheduler calls with the current time.

Each producer is a callable ``(now) -> Iterable[Outgoing]`` (``now`` an aware datetime). It decides whether it is
time: on ``LEARNERS_DIGEST_WEEKDAY`` (0 = Monday) from ``LEARNERS_DIGEST_HOUR`` o'clock Santiago time until the end
of that day, and yields nothing at any other moment. Its deduplication keys name the person and the ISO week
(Santiago time), so running it every few minutes that day yields the same keys and the outbox sends each once.

- ``instructor_weekly_digests``: to each active instructor (``learners.staff.selectors.teaching_accounts`` whose
  ``staff_scope`` is an instructor's: academy staff and municipal coordinators get none) with something to report:
  sessions of her cohorts that ended without attendance, learners of her cohorts who have not started, and pages of
  her courses waiting for review.
- ``academy_weekly_digests``: to each active account that answers data requests (``learners.change_datarequest``,
  the Academia and Administrador roles) with something to report: open data requests by legal deadline
  (overdue, due this week, later), named by reference number only, and pages waiting for her review.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from courses.public_address import public_url
from courses.selectors import PageInReview, pages_in_review, pages_to_review
from learners.attendance.selectors import sessions_awaiting_attendance
from learners.enrolment.models import Cohort, Session
from learners.gradebook.selectors import FLAG_NOT_STARTED, gradebook_access, learner_name, not_started_enrolments
from learners.notifications.messages import Outgoing
from learners.privacy.selectors import PendingRequest, pending_data_requests
from learners.staff.selectors import accounts_with_permission, staff_scope, teaching_accounts

INSTRUCTOR_KIND = "resumen_semanal_docente"
ACADEMY_KIND = "resumen_semanal_academia"
ACADEMY_PERMISSION = "learners.change_datarequest"  # who answers data requests (learners.privacy.admin_views)
NAMES_PER_COHORT = 30  # learners named per cohort; the rest are counted


def digest_week(now: datetime) -> tuple[int, int] | None:
    """(ISO year, ISO week) of ``now`` in Santiago time when it is time for the weekly digests, else None."""
    local = timezone.localtime(now)
    weekday = getattr(settings, "LEARNERS_DIGEST_WEEKDAY", 0)
    hour = getattr(settings, "LEARNERS_DIGEST_HOUR", 7)
    if local.weekday() != weekday or local.hour < hour:
        return None
    iso = local.isocalendar()
    return iso.year, iso.week


def week_start(now: datetime) -> date:
    """The Monday of ``now``'s week, Santiago time."""
    today = timezone.localdate(now)
    return today - timedelta(days=today.weekday())


def _link(name: str, *args, query: str = "") -> str:
    return public_url(reverse(name, args=args) + (f"?{query}" if query else ""))


# What each digest holds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionToMark:
    session: Session
    url: str


@dataclass(frozen=True)
class CohortNotStarted:
    cohort: Cohort
    names: list[str]
    count: int
    url: str

    @property
    def more(self) -> int:
        return self.count - len(self.names)


@dataclass(frozen=True)
class PageToReview:
    page: PageInReview
    url: str


@dataclass(frozen=True)
class RequestDue:
    request: PendingRequest
    url: str


@dataclass(frozen=True)
class InstructorDigest:
    """What one instructor's weekly digest reports (empty lists: nothing of that kind)."""

    user: AbstractBaseUser
    week_of: date
    sessions: list[SessionToMark] = field(default_factory=list)
    not_started: list[CohortNotStarted] = field(default_factory=list)
    reviews: list[PageToReview] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.sessions or self.not_started or self.reviews)

    @property
    def not_started_count(self) -> int:
        return sum(group.count for group in self.not_started)


@dataclass(frozen=True)
class AcademyDigest:
    """What one academy account's weekly digest reports."""

    user: AbstractBaseUser
    week_of: date
    requests: list[RequestDue] = field(default_factory=list)
    reviews: list[PageToReview] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.requests or self.reviews)

    @property
    def overdue(self) -> int:
        return sum(item.request.overdue for item in self.requests)

    @property
    def due_this_week(self) -> int:
        return sum(item.request.due_this_week for item in self.requests)


def instructor_digest(*, user: AbstractBaseUser, now: datetime) -> InstructorDigest | None:
    """The instructor's digest as of ``now``, or None when her account is not an instructor's (academy staff,
    a municipal coordinator, nobody's instructor). A fixed number of queries however many cohorts and learners:
    the scope (``staff_scope``), sessions, learners, pages."""
    scope = staff_scope(user=user)
    if not scope.teaching:
        return None
    attendance_days = getattr(settings, "LEARNERS_DIGEST_ATTENDANCE_DAYS", 30)
    not_started_days = getattr(settings, "LEARNERS_DIGEST_NOT_STARTED_DAYS", 7)
    sessions = [
        SessionToMark(session=session, url=_link("learners_staff:attendance", session.pk))
        for session in sessions_awaiting_attendance(user=user, now=now, days=attendance_days)
    ]
    groups: dict[int, list] = {}
    for enrolment in not_started_enrolments(
        cohorts=gradebook_access(user=user, scope=scope).cohorts, now=now, days=not_started_days
    ):
        groups.setdefault(enrolment.cohort_id, []).append(enrolment)
    not_started = [
        CohortNotStarted(
            cohort=enrolments[0].cohort,
            names=[learner_name(enrolment) for enrolment in enrolments[:NAMES_PER_COHORT]],
            count=len(enrolments),
            url=_link("learners_staff:group", cohort_id, query=f"filtro={FLAG_NOT_STARTED}"),
        )
        for cohort_id, enrolments in groups.items()
    ]
    reviews = [
        PageToReview(page=page, url=_link("wagtailadmin_pages:edit", page.page_id))
        for page in pages_in_review(course_ids=scope.course_ids, requested_by=user)
    ]
    return InstructorDigest(
        user=user, week_of=week_start(now), sessions=sessions, not_started=not_started, reviews=reviews
    )


def academy_digest(
    *, user: AbstractBaseUser, now: datetime, requests: list[PendingRequest] | None = None
) -> AcademyDigest:
    """The academy's digest as of ``now``: every open data request (by reference number, kind and deadline) and
    the pages waiting for this person's review. A fixed number of queries; pass ``requests`` (from
    ``pending_data_requests``) to share them between recipients."""
    if requests is None:
        requests = pending_data_requests(today=timezone.localdate(now))
    due = [RequestDue(request=request, url=_link("learners_data_request_answer", request.pk)) for request in requests]
    reviews = [
        PageToReview(page=page, url=_link("wagtailadmin_pages:edit", page.page_id))
        for page in pages_to_review(user=user)
    ]
    return AcademyDigest(user=user, week_of=week_start(now), requests=due, reviews=reviews)


# Messages ----------------------------------------------------------------------------------------------------


def _render(template: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"learners/notifications/email/{template}.txt", context)
    html = render_to_string(f"learners/notifications/email/{template}.html", context)
    return text, html


def instructor_message(*, digest: InstructorDigest, week: tuple[int, int]) -> Outgoing:
    """The email of one instructor's digest (Spanish, plain text and light HTML)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "digest": digest,
            "first_name": digest.user.first_name,
            "sessions_url": _link("learners_staff:sessions"),
            "groups_url": _link("learners_staff:groups"),
            "not_started_days": getattr(settings, "LEARNERS_DIGEST_NOT_STARTED_DAYS", 7),
        }
        subject = _("Your weekly summary for the week of %(date)s") % {"date": f"{digest.week_of:%d/%m/%Y}"}
        text, html = _render("digest_instructor", context)
    return Outgoing(
        kind=INSTRUCTOR_KIND,
        recipient_id=digest.user.pk,
        dedup_key=f"resumen-docente:{digest.user.pk}:{week[0]}-W{week[1]:02d}",
        subject=subject,
        text=text,
        html=html,
    )


def academy_message(*, digest: AcademyDigest, week: tuple[int, int]) -> Outgoing:
    """The email of one academy account's digest (Spanish, plain text and light HTML)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "digest": digest,
            "first_name": digest.user.first_name,
            "requests_url": _link("learners_data_request:index"),
        }
        if digest.overdue:
            subject = _("Academy weekly summary for %(date)s: data requests past their legal deadline")
        else:
            subject = _("Academy weekly summary for the week of %(date)s")
        subject %= {"date": f"{digest.week_of:%d/%m/%Y}"}
        text, html = _render("digest_academy", context)
    return Outgoing(
        kind=ACADEMY_KIND,
        recipient_id=digest.user.pk,
        dedup_key=f"resumen-academia:{digest.user.pk}:{week[0]}-W{week[1]:02d}",
        subject=subject,
        text=text,
        html=html,
    )


# Producers ---------------------------------------------------------------------------------------------------


def instructor_weekly_digests(now: datetime) -> Iterator[Outgoing]:
    """One ``resumen_semanal_docente`` per instructor with something to report, when it is digest time."""
    week = digest_week(now)
    if week is None:
        return
    for user in teaching_accounts():
        digest = instructor_digest(user=user, now=now)
        if digest is not None and not digest.is_empty:
            yield instructor_message(digest=digest, week=week)


def academy_weekly_digests(now: datetime) -> Iterator[Outgoing]:
    """One ``resumen_semanal_academia`` per account that answers data requests with something to report, when it
    is digest time."""
    week = digest_week(now)
    if week is None:
        return
    requests = pending_data_requests(today=timezone.localdate(now))
    for user in accounts_with_permission(permission=ACADEMY_PERMISSION):
        digest = academy_digest(user=user, now=now, requests=requests)
        if not digest.is_empty:
            yield academy_message(digest=digest, week=week)
