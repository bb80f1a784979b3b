"""Reads for calendars: who may see a session, a learner's and an instructor's sessions ("Mi calendario"), a
subscription found by its token, and sessions turned into iCalendar events. Fixed query counts throughout."""

import hmac
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.public_address import public_host, public_url
from learners.calendar.ics import CalendarEvent, render_calendar
from learners.calendar.models import CalendarFeed
from learners.enrolment.models import Enrolment, Session
from learners.enrolment.selectors import PROGRESSING
from learners.staff.selectors import ScopeLookups, staff_scope_filter

KEY_LENGTH = 12
SESSION_SCOPE = ScopeLookups(course="cohort__course_id", cohort="cohort_id", municipality="cohort__municipality_id")
STAFF_VIEW_PERMISSION = "learners.view_session"


def _with_details(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.select_related("cohort__course", "instructor").order_by("date", "start_time", "pk")


def learner_sessions(*, user: AbstractBaseUser) -> QuerySet[Session]:
    """Sessions of the cohorts where she is enrolled (enrolled or completed; not waiting, not withdrawn)."""
    cohorts = Enrolment.objects.filter(user=user, status__in=PROGRESSING, cohort__isnull=False).values("cohort_id")
    return _with_details(Session.objects.filter(cohort_id__in=cohorts))


def instructor_sessions(*, user: AbstractBaseUser) -> QuerySet[Session]:
    """Sessions she teaches: named as the session's instructor, or instructor of its cohort."""
    return _with_details(Session.objects.filter(Q(instructor=user) | Q(cohort__instructors=user)).distinct())


def teaches(*, user: AbstractBaseUser) -> bool:
    return Session.objects.filter(Q(instructor=user) | Q(cohort__instructors=user)).exists()


def visible_session(*, user: AbstractBaseUser, session_id: int) -> Session | None:
    """The session if ``user`` may see it (an enrolled learner of its cohort, its instructors, staff whose scope
    covers it), else None, whether it exists or not."""
    if not user.is_authenticated or not user.is_active:
        return None
    cohorts = Enrolment.objects.filter(user=user, status__in=PROGRESSING, cohort__isnull=False).values("cohort_id")
    mine = Session.objects.filter(pk=session_id).filter(
        Q(cohort_id__in=cohorts) | Q(instructor=user) | Q(cohort__instructors=user)
    )
    session = _with_details(mine.distinct()).first()
    if session is None and (user.is_superuser or user.has_perm(STAFF_VIEW_PERMISSION)):
        session = staff_scope_filter(
            user=user, queryset=_with_details(Session.objects.filter(pk=session_id)), lookups=SESSION_SCOPE
        ).first()
    return session


def course_sessions(*, enrolment: Enrolment | None) -> list[Session]:
    """Her cohort's sessions for the course page, next first, then those already past (one query)."""
    if enrolment is None or enrolment.cohort_id is None or enrolment.status not in PROGRESSING:
        return []
    sessions = list(Session.objects.filter(cohort_id=enrolment.cohort_id).select_related("instructor"))
    today = timezone.localdate()
    upcoming = [session for session in sessions if session.date >= today]
    past = [session for session in sessions if session.date < today]
    return upcoming + past[::-1]


@dataclass
class MyCalendar:
    upcoming: list[Session] = field(default_factory=list)
    past: list[Session] = field(default_factory=list)
    teaching: list[Session] = field(default_factory=list)
    teaches: bool = False
    feeds: dict[str, CalendarFeed] = field(default_factory=dict)

    @property
    def next_session(self) -> Session | None:
        return next((session for session in self.upcoming if not session.is_suspended), None)


def my_calendar(*, user: AbstractBaseUser, today: date | None = None) -> MyCalendar:
    """Everything "Mi calendario" shows, in three queries however many sessions: her sessions as a learner
    (upcoming soonest first, past most recent first), the upcoming ones she teaches and her subscriptions."""
    today = today or timezone.localdate()
    result = MyCalendar()
    for session in learner_sessions(user=user):
        (result.upcoming if session.date >= today else result.past).append(session)
    result.past.reverse()
    result.teaching = list(instructor_sessions(user=user).filter(date__gte=today))
    result.feeds = {feed.kind: feed for feed in CalendarFeed.objects.filter(user=user)}
    result.teaches = bool(result.teaching) or CalendarFeed.Kind.INSTRUCTOR in result.feeds
    return result


def feed_for_token(*, token: str) -> CalendarFeed | None:
    """The subscription whose address carries ``token``, if its account may still use it (active, not blocked);
    the secret is compared in constant time. None for anything else, without saying why."""
    if len(token) <= KEY_LENGTH or len(token) > KEY_LENGTH + 64:
        return None
    key, secret = token[:KEY_LENGTH], token[KEY_LENGTH:]
    feed = CalendarFeed.objects.filter(key=key).select_related("user", "user__learner_profile").first()
    if feed is None or not hmac.compare_digest(feed.secret.encode(), secret.encode()):
        return None
    profile = getattr(feed.user, "learner_profile", None)
    if not feed.user.is_active or (profile is not None and profile.blocked_at is not None):
        return None
    return feed


def feed_sessions(*, feed: CalendarFeed) -> QuerySet[Session]:
    if feed.kind == CalendarFeed.Kind.INSTRUCTOR:
        return instructor_sessions(user=feed.user)
    return learner_sessions(user=feed.user)


def feed_url(*, feed: CalendarFeed) -> str:
    return public_url(reverse("learners:calendar_feed", args=[feed.token]))


# iCalendar ---------------------------------------------------------------------------------------------------


def session_uid(session: Session) -> str:
    """Stable for the life of the session, whatever changes: ``session-<pk>@<public host>``."""
    return f"session-{session.pk}@{public_host()}"


def _course_url(course, cache: dict[int, str]) -> str:
    if course.pk not in cache:
        parts = course.get_url_parts()
        cache[course.pk] = public_url(parts[2]) if parts else ""
    return cache[course.pk]


def session_event(session: Session, *, course_urls: dict[int, str] | None = None) -> CalendarEvent:
    """One session as an iCalendar event (needs ``cohort__course`` and ``instructor`` loaded)."""
    zone = timezone.get_default_timezone()
    course = session.cohort.course
    url = _course_url(course, {} if course_urls is None else course_urls)
    lines = []
    if session.is_suspended:
        lines.append(_("This session is suspended."))
    elif session.status == Session.Status.CHANGED:
        lines.append(_("This session changed: check its date, time and place."))
    lines.append(_("Group: %(cohort)s") % {"cohort": session.cohort.name})
    if session.instructor_id:
        name = session.instructor.get_full_name() or session.instructor.get_username()
        lines.append(_("Instructor: %(name)s") % {"name": name})
    if session.directions:
        lines.append(_("How to get there: %(directions)s") % {"directions": session.directions})
    if url:
        lines.append(_("Course: %(url)s") % {"url": url})
    title = " ".join(course.title.split())  # one line: a newline in a title cannot break the file's content lines
    summary = title if not session.is_suspended else _("Suspended: %(title)s") % {"title": title}
    return CalendarEvent(
        uid=session_uid(session),
        sequence=session.sequence,
        start=datetime.combine(session.date, session.start_time, tzinfo=zone),
        end=datetime.combine(session.date, session.end_time, tzinfo=zone),
        stamp=session.updated_at,
        summary=summary,
        location=", ".join(part for part in (session.place, session.address) if part),
        description="\n".join(lines),
        url=url,
        cancelled=session.is_suspended,
    )


def sessions_ics(*, sessions, name: str) -> bytes:
    """iCalendar bytes for ``sessions`` (a queryset or list with ``cohort__course`` and ``instructor`` loaded)."""
    course_urls: dict[int, str] = {}
    events = [session_event(session, course_urls=course_urls) for session in sessions]
    return render_calendar(events=events, name=name, timezone_name=settings.TIME_ZONE)
