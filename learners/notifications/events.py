"""The platform's events as messages in the outbox: each function builds the ``Outgoing`` messages of one event
and queues them in the caller's transaction (they are sent once it commits; a rolled-back event sends nothing).

Dedup keys name the event and the person, plus what makes a repetition a new event (a re-enrolment after
withdrawing, the session's calendar revision), so calling twice never sends twice."""

from django.db import transaction
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from courses.public_address import public_url
from learners.calendar.selectors import sessions_ics
from learners.enrolment.models import Enrolment, Session
from learners.enrolment.selectors import PROGRESSING, waitlist_position
from learners.notifications.compose import compose, first_name
from learners.notifications.messages import Outgoing
from learners.notifications.services import outbox_queue, outbox_queue_many

ICS_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


def _stamp(value) -> str:
    return str(int(value.timestamp())) if value else "0"


def _course_link(course) -> str:
    parts = course.get_url_parts()
    return public_url(parts[2]) if parts else public_url(reverse("learners:dashboard"))


def _dashboard() -> str:
    return public_url(reverse("learners:dashboard"))


def enrolment_notify(*, enrolment: Enrolment) -> None:
    """Enrolment confirmed, or her place on the waitlist (when the group was full)."""
    course, user = enrolment.course, enrolment.user
    if enrolment.status == Enrolment.Status.WAITLISTED:
        position = waitlist_position(enrolment=enrolment)
        subject, text, html = compose(
            name=first_name(user),
            subject=_("You are on the waitlist for %(course)s") % {"course": course.title},
            paragraphs=[
                _("The group “%(cohort)s” of the course “%(course)s” is full, so you joined its waitlist.")
                % {"cohort": enrolment.cohort.name, "course": course.title},
                _(
                    "Your place on the list: %(position)s. When a seat frees up it goes to the first person waiting, "
                    "and we will tell you."
                )
                % {"position": position or "—"},
            ],
            link_label=_("See the course"),
            link_url=_course_link(course),
        )
        queue_key = f"lista_espera:{enrolment.pk}:{_stamp(enrolment.waitlisted_at)}"
        kind = "lista_espera"
    elif enrolment.status == Enrolment.Status.ACTIVE:
        paragraphs = [_("Your enrolment in the course “%(course)s” is confirmed.") % {"course": course.title}]
        if enrolment.cohort_id:
            paragraphs.append(_("Your group: %(cohort)s.") % {"cohort": enrolment.cohort.name})
            first = (
                Session.objects.filter(cohort_id=enrolment.cohort_id)
                .exclude(status=Session.Status.SUSPENDED)
                .order_by("date", "start_time")
                .first()
            )
            if first is not None:
                paragraphs.append(session_line(first))
        subject, text, html = compose(
            name=first_name(user),
            subject=_("You are enrolled in %(course)s") % {"course": course.title},
            paragraphs=paragraphs,
            link_label=_("Start the course"),
            link_url=_course_link(course),
        )
        queue_key = f"inscripcion_confirmada:{enrolment.pk}:{_stamp(enrolment.enrolled_at)}"
        kind = "inscripcion_confirmada"
    else:
        return
    outbox_queue(Outgoing(kind=kind, recipient_id=user.pk, dedup_key=queue_key, subject=subject, text=text, html=html))


def waitlist_promoted_notify(*, enrolments: list[Enrolment]) -> None:
    """A seat freed up: she moved from the waitlist into the group."""
    messages = []
    for enrolment in enrolments:
        course = enrolment.course
        subject, text, html = compose(
            name=first_name(enrolment.user),
            subject=_("A seat freed up for you in %(course)s") % {"course": course.title},
            paragraphs=[
                _("Good news: you moved from the waitlist into the group “%(cohort)s” of the course “%(course)s”.")
                % {"cohort": enrolment.cohort.name, "course": course.title},
                _(
                    "If you can no longer take part, withdraw from the course page so that the seat goes to someone "
                    "else."
                ),
            ],
            link_label=_("See the course"),
            link_url=_course_link(course),
        )
        messages.append(
            Outgoing(
                kind="lista_espera",
                recipient_id=enrolment.user_id,
                dedup_key=f"lista_espera_promocion:{enrolment.pk}:{_stamp(enrolment.enrolled_at)}",
                subject=subject,
                text=text,
                html=html,
            )
        )
    outbox_queue_many(messages)


def session_line(session: Session) -> str:
    when = _("%(date)s from %(start)s to %(end)s") % {
        "date": formats.date_format(session.date, "d/m/Y"),
        "start": session.start_time.strftime("%H:%M"),
        "end": session.end_time.strftime("%H:%M"),
    }
    where = ", ".join(part for part in (session.place, session.address) if part)
    return _("Session: %(when)s, at %(where)s.") % {"when": when, "where": where}


def session_ics_attachment(session: Session) -> tuple[str, bytes, str]:
    return (f"sesion-{session.pk}.ics", sessions_ics(sessions=[session], name=session.cohort.course.title), ICS_TYPE)


def _session_learners(session: Session) -> list:
    return list(
        Enrolment.objects.filter(cohort_id=session.cohort_id, status__in=PROGRESSING)
        .select_related("user")
        .order_by("pk")
    )


def session_change_notify(*, change) -> int:
    """``learners.enrolment.services.SessionChange`` → one update ("cambiada") or cancellation ("suspendida") per
    learner of the group, with the new calendar file; keyed by the calendar revision, so it is sent once per
    change. A change that learners do not see in their calendar (or of a session already held) sends nothing."""
    session = change.session
    if not (change.rescheduled or change.suspended or change.reinstated) or session.status == Session.Status.HELD:
        return 0
    session = Session.objects.select_related("cohort__course", "instructor").get(pk=session.pk)
    course = session.cohort.course
    if change.suspended:
        subject = _("Session suspended: %(course)s, %(date)s") % {
            "course": course.title,
            "date": formats.date_format(session.date, "d/m/Y"),
        }
        paragraphs = [
            _("The session of the course “%(course)s” planned for %(date)s is suspended. Do not go to %(place)s.")
            % {"course": course.title, "date": formats.date_format(session.date, "d/m/Y"), "place": session.place},
            _("The attached calendar file removes it from your calendar."),
        ]
    else:
        subject = _("Session changed: %(course)s") % {"course": course.title}
        paragraphs = [
            _("A session of the course “%(course)s” changed. Its new details:") % {"course": course.title},
            session_line(session),
        ]
        if session.directions:
            paragraphs.append(_("How to get there: %(directions)s") % {"directions": session.directions})
        paragraphs.append(_("The attached calendar file updates it in your calendar."))
    attachment = session_ics_attachment(session)
    messages = []
    for enrolment in _session_learners(session):
        subject_, text, html = compose(
            name=first_name(enrolment.user),
            subject=subject,
            paragraphs=paragraphs,
            link_label=_("See my calendar"),
            link_url=public_url(reverse("learners:my_calendar")),
        )
        messages.append(
            Outgoing(
                kind="cambio_sesion",
                recipient_id=enrolment.user_id,
                dedup_key=f"cambio_sesion:{session.pk}:{session.sequence}:{enrolment.user_id}",
                subject=subject_,
                text=text,
                html=html,
                attachments=(attachment,),
            )
        )
    return outbox_queue_many(messages)


def course_completed_notify(*, enrolment_id: int) -> None:
    """She completed a course (her certificate, if the course gives one, has its own notice)."""
    enrolment = Enrolment.objects.select_related("user", "course").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.status != Enrolment.Status.COMPLETED:
        return
    subject, text, html = compose(
        name=first_name(enrolment.user),
        subject=_("You completed %(course)s") % {"course": enrolment.course.title},
        paragraphs=[
            _("Congratulations! You completed the course “%(course)s”.") % {"course": enrolment.course.title},
            _("You can look back at your lessons and grades whenever you want."),
        ],
        link_label=_("My courses"),
        link_url=_dashboard(),
    )
    outbox_queue(
        Outgoing(
            kind="curso_completado",
            recipient_id=enrolment.user_id,
            dedup_key=f"curso_completado:{enrolment.pk}:{_stamp(enrolment.completed_at)}",
            subject=subject,
            text=text,
            html=html,
        )
    )


def on_course_completed(sender, enrolment_id, **kwargs) -> None:
    """Receiver of ``learners.signals.course_completed`` (sent after the completing transaction committed): the
    notice is composed and queued by a background task, like the certificate, so that the lesson, answer or QR
    check-in that completed the course does not wait for it (one INSERT instead of seven queries and two
    templates)."""
    from learners.notifications.tasks import course_completed_notify_task

    transaction.on_commit(lambda: course_completed_notify_task.enqueue(enrolment_id=enrolment_id))
