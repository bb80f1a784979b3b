"""Time-based producers that ``manage.py notifications_tick`` runs: each is a callable ``(now) -> Iterable[Outgoing]``
whose messages are queued through the outbox (dedup key + the person's choice for the kind)."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.public_address import public_url
from learners.enrolment.models import Enrolment, Session
from learners.enrolment.selectors import PROGRESSING
from learners.notifications.compose import compose
from learners.notifications.digests import academy_weekly_digests, instructor_weekly_digests
from learners.notifications.events import session_ics_attachment, session_line
from learners.notifications.messages import Outgoing


def reminder_hours() -> list[int]:
    """``NOTIFICATIONS_REMINDER_HOURS``: how long before a session its reminders go (default 24 h; add 2 for a
    second one two hours before), largest first."""
    return sorted({int(hours) for hours in getattr(settings, "NOTIFICATIONS_REMINDER_HOURS", (24,))}, reverse=True)


def session_reminders(now: datetime) -> Iterable[Outgoing]:
    """A reminder with the session's ``.ics`` for every learner of a group whose session starts within the next
    24 hours (and, when configured, within 2 hours). Each reminder is due in its window only (between 24 and 2
    hours before, then in the last 2), so a scheduler that was down sends the nearer one, never both. The dedup
    key holds the session's date and start, so a rescheduled session gets a reminder for its new time."""
    hours = reminder_hours()
    if not hours:
        return
    zone = timezone.get_default_timezone()
    local_now = timezone.localtime(now, zone)
    horizon = local_now + timedelta(hours=hours[0])
    sessions = list(
        Session.objects.filter(
            date__gte=local_now.date(),
            date__lte=horizon.date(),
            status__in=[Session.Status.SCHEDULED, Session.Status.CHANGED],
        ).select_related("cohort__course", "instructor")
    )
    due: dict[int, tuple[Session, int]] = {}
    for session in sessions:
        start = datetime.combine(session.date, session.start_time, tzinfo=zone)
        left = start - now
        for index, window in enumerate(hours):
            lower = hours[index + 1] if index + 1 < len(hours) else 0
            if timedelta(hours=lower) < left <= timedelta(hours=window):
                due[session.pk] = (session, window)
    if not due:
        return
    learners = defaultdict(list)
    for cohort_id, user_id, given in (
        Enrolment.objects.filter(cohort_id__in={s.cohort_id for s, _w in due.values()}, status__in=PROGRESSING)
        .order_by("pk")
        .values_list("cohort_id", "user_id", "user__first_name")
    ):
        learners[cohort_id].append((user_id, given))
    calendar_url = public_url(reverse("learners:my_calendar"))
    for session, window in due.values():
        course = session.cohort.course
        attachment = session_ics_attachment(session)
        paragraphs = [
            _("A reminder of your next session of the course “%(course)s”:") % {"course": course.title},
            session_line(session),
        ]
        if session.directions:
            paragraphs.append(_("How to get there: %(directions)s") % {"directions": session.directions})
        paragraphs.append(_("The attached file adds it to your calendar."))
        subject = _("Reminder: %(course)s, %(date)s at %(time)s") % {
            "course": course.title,
            "date": session.date.strftime("%d/%m/%Y"),
            "time": session.start_time.strftime("%H:%M"),
        }
        rendered: dict[str, tuple[str, str, str]] = {}
        for user_id, given in learners[session.cohort_id]:
            if given not in rendered:
                rendered[given] = compose(
                    name=" ".join((given or "").split())[:80],
                    subject=subject,
                    paragraphs=paragraphs,
                    link_label=_("See my calendar"),
                    link_url=calendar_url,
                )
            subject_, text, html = rendered[given]
            yield Outgoing(
                kind="recordatorio_sesion",
                recipient_id=user_id,
                dedup_key=f"recordatorio_sesion:{session.pk}:{session.date:%Y%m%d}{session.start_time:%H%M}:"
                f"{window}h:{user_id}",
                subject=subject_,
                text=text,
                html=html,
                attachments=(attachment,),
            )


# Session reminders, then the weekly staff digests (learners.notifications.digests); each decides whether it is time.
PRODUCERS = [session_reminders, instructor_weekly_digests, academy_weekly_digests]
