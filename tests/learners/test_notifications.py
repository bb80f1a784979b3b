"""Notifications (issue 14 items 5-8): the outbox (dedup, retries, who gets what), the events, the reminders and
daily summaries in time-travel (``now`` passed to the scheduler), preferences and the unsubscribe link.

Emails go to Django's locmem backend here; tests/learners/test_notifications_smtp.py sends through a real SMTP
server and tests/learners/test_notifications_concurrency.py runs the scheduler from two processes."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from learners.enrolment import services as enrolment_services
from learners.enrolment.models import Enrolment
from learners.notifications import services
from learners.notifications.kinds import DAILY, KINDS, NEVER
from learners.notifications.messages import Outgoing
from learners.notifications.models import NotificationPreference, OutboxMessage
from learners.notifications.scheduler import notifications_tick
from learners.notifications.tokens import unsubscribe_token
from learners.privacy.selectors import learner_data
from learners.privacy.services import learner_block, learner_delete
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, site_root
from tests.factories.learners import learner, make_cohort, make_user
from tests.learners.test_admin import grant

SANTIAGO = ZoneInfo("America/Santiago")
DAY = date(2027, 3, 22)  # a Monday, far from the daylight-saving changes of April and September


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SANTIAGO)


class FailingBackend:
    """An email backend whose server is down (a real class: it fails as a refused connection would)."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise OSError("connection refused")

    def close(self):
        pass

    def send_messages(self, messages):
        raise OSError("connection refused")


class NotificationTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = CoursePageFactory(parent=catalogue, title="Presupuesto participativo")
        cls.cohort = make_cohort(course=cls.course, name="Grupo Ñuñoa", starts_on=date(2027, 1, 4), ends_on=DAY)
        cls.session = enrolment_services.session_create(
            cohort=cls.cohort,
            date=DAY,
            start_time=time(18, 30),
            end_time=time(20, 30),
            place="Sede vecinal Los Aromos",
            address="Los Aromos 1450, Peñalolén",
            directions="Entrada por el portón verde.",
        )
        cls.ana = learner(email="ana@example.cl", given_names="Ana")
        cls.ana.first_name = "Ana"
        cls.ana.save()
        cls.luis = learner(email="luis@example.cl", given_names="Luis")
        for user in (cls.ana, cls.luis):
            Enrolment.objects.create(user=user, course=cls.course, cohort=cls.cohort)
        cls.away = learner(email="retirada@example.cl")
        Enrolment.objects.create(user=cls.away, course=cls.course, cohort=cls.cohort, status=Enrolment.Status.WITHDRAWN)

    def tick(self, now: datetime):
        with self.captureOnCommitCallbacks(execute=True):
            return notifications_tick(now=now)

    def sent_to(self, address: str) -> list:
        return [message for message in mail.outbox if message.to == [address]]


class ReminderTests(NotificationTestCase):
    def test_a_reminder_goes_24_hours_before_once_with_the_calendar_file(self):
        self.tick(at(DAY - timedelta(days=1), 17))  # 25.5 hours before: not yet
        self.assertEqual(mail.outbox, [])
        self.tick(at(DAY - timedelta(days=1), 19))
        self.assertEqual(sorted(m.to[0] for m in mail.outbox), ["ana@example.cl", "luis@example.cl"])
        self.tick(at(DAY - timedelta(days=1), 19, 5))  # the scheduler again: nothing new
        self.tick(at(DAY, 17))  # 1.5 hours before: the 2-hour reminder is off by default
        self.assertEqual(len(mail.outbox), 2)

        (message,) = self.sent_to("ana@example.cl")
        self.assertEqual(message.subject, "Recordatorio: Presupuesto participativo, 22/03/2027 a las 18:30")
        self.assertIn("Hola, Ana:", message.body)
        self.assertIn("22/03/2027 de 18:30 a 20:30, en Sede vecinal Los Aromos, Los Aromos 1450", message.body)
        self.assertIn("Cómo llegar: Entrada por el portón verde.", message.body)
        (name, content, mimetype) = message.attachments[0]
        self.assertEqual(name, f"sesion-{self.session.pk}.ics")
        self.assertTrue(mimetype.startswith("text/calendar"))
        event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
        self.assertEqual(event.decoded("dtstart"), at(DAY, 18, 30))
        self.assertEqual(str(event["status"]), "CONFIRMED")
        html = message.alternatives[0][0]
        self.assertIn('name="viewport"', html)
        self.assertIn("Sede vecinal Los Aromos", html)

    @override_settings(NOTIFICATIONS_REMINDER_HOURS=(24, 2))
    def test_a_second_reminder_two_hours_before_and_a_late_scheduler_sends_only_the_nearer_one(self):
        self.tick(at(DAY - timedelta(days=1), 19))
        self.tick(at(DAY, 17))
        self.tick(at(DAY, 17, 30))
        self.assertEqual(len(self.sent_to("ana@example.cl")), 2)
        other = enrolment_services.session_create(
            cohort=self.cohort, date=DAY + timedelta(days=1), start_time=time(10), end_time=time(12), place="Sede"
        )
        mail.outbox.clear()
        self.tick(at(DAY + timedelta(days=1), 9))  # the scheduler was down until one hour before
        self.assertEqual(len(self.sent_to("ana@example.cl")), 1)
        self.assertEqual(
            OutboxMessage.objects.filter(kind="recordatorio_sesion", dedup_key__contains=f":{other.pk}:").count(), 2
        )

    def test_no_reminder_for_a_suspended_session_a_past_one_or_a_withdrawn_learner(self):
        self.tick(at(DAY, 19))  # already started
        self.assertEqual(mail.outbox, [])
        enrolment_services.session_suspend(session=self.session)
        mail.outbox.clear()
        self.tick(at(DAY - timedelta(days=1), 19))
        self.assertFalse(OutboxMessage.objects.filter(kind="recordatorio_sesion").exists())
        self.assertFalse(OutboxMessage.objects.filter(recipient=self.away).exists())

    def test_a_rescheduled_session_gets_a_new_reminder_for_its_new_time(self):
        self.tick(at(DAY - timedelta(days=1), 19))
        with self.captureOnCommitCallbacks(execute=True):
            enrolment_services.session_change(session=self.session, start_time=time(19), end_time=time(21))
        mail.outbox.clear()
        self.tick(at(DAY - timedelta(days=1), 19, 30))
        self.assertEqual(len(self.sent_to("ana@example.cl")), 1)
        self.assertIn("19:00", self.sent_to("ana@example.cl")[0].subject)


class SessionChangeTests(NotificationTestCase):
    def test_a_changed_session_sends_one_update_and_a_suspended_one_a_cancellation(self):
        with self.captureOnCommitCallbacks(execute=True):
            enrolment_services.session_change(session=self.session, place="Escuela D-123")
            enrolment_services.session_change(session=self.session, place="Escuela D-123")  # nothing changed
            enrolment_services.session_change(session=self.session, directions="Otra puerta")  # learners need no mail
        (update,) = self.sent_to("ana@example.cl")
        self.assertEqual(update.subject, "Sesión cambiada: Presupuesto participativo")
        self.assertIn("Escuela D-123", update.body)
        event = icalendar.Calendar.from_ical(update.attachments[0][1]).walk("VEVENT")[0]
        self.assertEqual(int(event["sequence"]), 1)
        self.assertFalse(self.sent_to("retirada@example.cl"))

        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            enrolment_services.session_suspend(session=self.session)
            enrolment_services.session_suspend(session=self.session)
        (cancellation,) = self.sent_to("ana@example.cl")
        self.assertEqual(cancellation.subject, "Sesión suspendida: Presupuesto participativo, 22/03/2027")
        event = icalendar.Calendar.from_ical(cancellation.attachments[0][1]).walk("VEVENT")[0]
        self.assertEqual(str(event["status"]), "CANCELLED")

    def test_a_course_title_with_newlines_cannot_inject_headers(self):
        self.course.title = "Taller\r\nBcc: todos@example.cl\nX-Evil: 1"
        self.course.save()
        with self.captureOnCommitCallbacks(execute=True):
            enrolment_services.session_change(session=self.session, place="Escuela D-123")
        (message,) = self.sent_to("ana@example.cl")
        self.assertEqual(message.subject, "Sesión cambiada: Taller Bcc: todos@example.cl X-Evil: 1")
        self.assertNotIn("X-Evil", message.message().keys())
        self.assertEqual(message.recipients(), ["ana@example.cl"])


class EnrolmentEventTests(NotificationTestCase):
    def test_enrolment_confirmed_waitlist_place_and_promotion(self):
        full = make_cohort(course=self.course, name="Grupo chico", capacity=1)
        first, second = learner(email="primera@example.cl"), learner(email="segunda@example.cl")
        with self.captureOnCommitCallbacks(execute=True):
            enrolment = enrolment_services.enrolment_create(user=first, course=self.course, cohort=full)
            enrolment_services.enrolment_create(user=first, course=self.course, cohort=full)  # a double click
            waiting = enrolment_services.enrolment_create(user=second, course=self.course, cohort=full)
        (confirmed,) = self.sent_to("primera@example.cl")
        self.assertEqual(confirmed.subject, "Te inscribiste en Presupuesto participativo")
        (waitlisted,) = self.sent_to("segunda@example.cl")
        self.assertIn("lista de espera", waitlisted.subject)
        self.assertIn("Tu lugar en la lista: 1.", waitlisted.body)

        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            enrolment_services.enrolment_withdraw(enrolment=enrolment)
        (promoted,) = self.sent_to("segunda@example.cl")
        self.assertIn("se liberó un cupo", promoted.subject.lower())
        waiting.refresh_from_db()
        self.assertEqual(waiting.status, Enrolment.Status.ACTIVE)


class OutboxTests(NotificationTestCase):
    def outgoing(self, key="prueba:1", kind="curso_completado", user=None):
        return Outgoing(kind=kind, recipient_id=(user or self.ana).pk, dedup_key=key, subject="Hola", text="Texto")

    def test_the_same_dedup_key_is_one_message_sent_once(self):
        with self.captureOnCommitCallbacks(execute=True):
            first = services.outbox_queue(self.outgoing())
            again = services.outbox_queue(self.outgoing())
            self.assertEqual(services.outbox_queue_many([self.outgoing(), self.outgoing()]), 0)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(len(mail.outbox), 1)
        first.refresh_from_db()
        self.assertEqual((first.status, first.attempts), (OutboxMessage.Status.SENT, 1))
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(services.outbox_send(message_ids=[first.pk]), 0)  # a task run again
        self.assertEqual(len(mail.outbox), 1)

    def test_an_unknown_kind_is_refused(self):
        with self.assertRaises(KeyError):
            services.outbox_queue(self.outgoing(kind="publicidad"))

    def test_a_transient_failure_is_retried_with_back_off_and_shown_to_staff(self):
        start = timezone.now()
        with self.settings(EMAIL_BACKEND="tests.learners.test_notifications.FailingBackend"):
            with self.captureOnCommitCallbacks(execute=True):
                message = services.outbox_queue(self.outgoing(), now=start)
            message.refresh_from_db()
            self.assertEqual((message.status, message.attempts), (OutboxMessage.Status.PENDING, 1))
            self.assertEqual(message.last_error, "OSError: connection refused")
            self.assertEqual(services.outbox_retry_due(now=start + timedelta(seconds=30)), 0)  # backing off
            with self.captureOnCommitCallbacks(execute=True):
                services.outbox_retry_due(now=start + timedelta(minutes=2))
            message.refresh_from_db()
            self.assertEqual(message.attempts, 2)
            self.assertGreaterEqual(message.next_attempt_at, start + timedelta(minutes=5))
        self.tick(message.next_attempt_at + timedelta(seconds=1))
        message.refresh_from_db()
        self.assertEqual((message.status, message.last_error), (OutboxMessage.Status.SENT, ""))
        self.assertEqual(len(mail.outbox), 1)

    @override_settings(NOTIFICATIONS_MAX_ATTEMPTS=2, EMAIL_BACKEND="tests.learners.test_notifications.FailingBackend")
    def test_after_the_last_attempt_it_is_failed(self):
        start = timezone.now()
        with self.captureOnCommitCallbacks(execute=True):
            message = services.outbox_queue(self.outgoing(), now=start)
        with self.captureOnCommitCallbacks(execute=True):
            services.outbox_retry_due(now=start + timedelta(hours=1))
        message.refresh_from_db()
        self.assertEqual((message.status, message.attempts), (OutboxMessage.Status.FAILED, 2))

    def test_blocked_and_deactivated_accounts_get_only_security_messages(self):
        learner_block(user=self.luis, by=None)
        with self.captureOnCommitCallbacks(execute=True):
            skipped = services.outbox_queue(self.outgoing(user=self.luis))
            security = services.outbox_send_now(
                self.outgoing(key="seguridad:1", kind="restablecer_contrasena", user=self.luis)
            )
        self.assertEqual(skipped.status, OutboxMessage.Status.SKIPPED)
        self.assertEqual(security.status, OutboxMessage.Status.SENT)
        self.assertEqual([m.to for m in mail.outbox], [["luis@example.cl"]])
        self.assertNotIn("List-Unsubscribe", mail.outbox[0].extra_headers)
        # the reset link does not stay readable in the admin
        self.assertEqual(security.text, services.SECRET_ERASED)

    def test_a_security_message_cannot_be_switched_off(self):
        with self.assertRaises(services.NotificationError):
            services.preference_set(user=self.ana, kind="restablecer_contrasena", choice=NEVER)
        self.assertFalse(services.unsubscribe(user_id=self.ana.pk, kind="confirmacion_cuenta"))

    def test_never_records_the_event_and_sends_nothing(self):
        services.preference_set(user=self.ana, kind="recordatorio_sesion", choice=NEVER)
        self.tick(at(DAY - timedelta(days=1), 19))
        self.assertEqual([m.to for m in mail.outbox], [["luis@example.cl"]])
        row = OutboxMessage.objects.get(recipient=self.ana)
        self.assertEqual(row.status, OutboxMessage.Status.SKIPPED)


class DailyDigestTests(NotificationTestCase):
    def test_held_messages_go_in_one_summary_a_day(self):
        services.preference_set(user=self.ana, kind="recordatorio_sesion", choice=DAILY)
        services.preference_set(user=self.ana, kind="cambio_sesion", choice=DAILY)
        self.tick(at(DAY - timedelta(days=2), 19))
        self.tick(at(DAY - timedelta(days=1), 6))  # before 8:00: the summary waits
        with self.captureOnCommitCallbacks(execute=True):
            enrolment_services.session_change(session=self.session, place="Escuela D-123")
        self.assertFalse(self.sent_to("ana@example.cl"))
        self.tick(at(DAY - timedelta(days=1), 8, 5))
        self.tick(at(DAY - timedelta(days=1), 8, 10))
        self.tick(at(DAY - timedelta(days=1), 19))  # the reminder is held for tomorrow's summary
        (digest,) = self.sent_to("ana@example.cl")
        self.assertEqual(digest.subject, "Tu resumen diario del 21/03/2027")
        self.assertIn("Sesión cambiada: Presupuesto participativo", digest.body)
        self.assertIn("List-Unsubscribe", digest.extra_headers)
        self.assertEqual(
            OutboxMessage.objects.filter(recipient=self.ana, status=OutboxMessage.Status.IN_DIGEST).count(), 1
        )
        self.tick(at(DAY, 8, 1))
        self.assertEqual(len(self.sent_to("ana@example.cl")), 2)
        self.assertIn("Recordatorio", self.sent_to("ana@example.cl")[1].body)

    def test_unsubscribing_from_the_summary_stops_what_it_held(self):
        services.preference_set(user=self.ana, kind="recordatorio_sesion", choice=DAILY)
        self.tick(at(DAY - timedelta(days=1), 19))
        self.assertTrue(services.unsubscribe(user_id=self.ana.pk, kind="resumen_diario"))
        self.tick(at(DAY, 9))
        self.assertFalse(self.sent_to("ana@example.cl"))
        preference = NotificationPreference.objects.get(user=self.ana, kind="recordatorio_sesion")
        self.assertEqual((preference.choice, preference.changed_via), (NEVER, "unsubscribe"))


class PreferencePageTests(NotificationTestCase):
    def test_logged_out_goes_to_log_in(self):
        response = self.client.get(reverse("learners:notifications_preferences"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("next=", response["Location"])

    def test_she_sees_and_saves_her_choices(self):
        self.client.force_login(self.ana)
        response = self.client.get(reverse("learners:notifications_preferences"))
        self.assertContains(response, "Mis avisos")
        self.assertContains(response, "Recordatorios de sesiones")
        self.assertNotContains(response, "Restablecer contraseña")
        self.assertNotContains(response, "Resumen semanal para docentes")  # staff only
        response = self.client.post(
            reverse("learners:notifications_preferences"),
            {"recordatorio_sesion": "daily", "certificado": "never", "restablecer_contrasena": "never"},
            follow=True,
        )
        self.assertContains(response, "Guardamos tus preferencias.")
        chosen = dict(NotificationPreference.objects.filter(user=self.ana).values_list("kind", "choice"))
        self.assertEqual(chosen, {"recordatorio_sesion": "daily", "certificado": "never"})

    def test_bad_choices_get_a_spanish_error(self):
        self.client.force_login(self.ana)
        response = self.client.post(
            reverse("learners:notifications_preferences"), {"recordatorio_sesion": "siempre"}, follow=True
        )
        self.assertContains(response, "no eran válidas")
        response = self.client.post(reverse("learners:notifications_preferences"), {"recordatorio_sesion": "a\x00b"})
        self.assertContains(response, "No pudimos leer esta solicitud", status_code=400)
        self.assertFalse(NotificationPreference.objects.exists())

    def test_staff_also_choose_for_the_weekly_summaries(self):
        staff = make_user(email="docente@example.cl", is_staff=True)
        self.client.force_login(staff)
        response = self.client.get(reverse("learners:notifications_preferences"))
        self.assertContains(response, "Resumen semanal para docentes")
        self.assertContains(response, "Resumen semanal para la academia")


class UnsubscribeTests(NotificationTestCase):
    def url(self, token):
        return reverse("learners:notifications_unsubscribe", args=[token])

    def test_get_asks_and_post_unsubscribes_without_log_in(self):
        url = self.url(unsubscribe_token(user_id=self.ana.pk, kind="recordatorio_sesion"))
        response = self.client.get(url)
        self.assertContains(response, "¿Quieres dejar de recibir avisos del tipo “Recordatorios de sesiones”")
        self.assertFalse(NotificationPreference.objects.exists())
        response = self.client.post(url, {"List-Unsubscribe": "One-Click"})
        self.assertContains(response, "Listo")
        preference = NotificationPreference.objects.get(user=self.ana, kind="recordatorio_sesion")
        self.assertEqual((preference.choice, preference.changed_via), (NEVER, "unsubscribe"))

    def test_forged_altered_or_foreign_tokens_get_a_spanish_error(self):
        good = unsubscribe_token(user_id=self.ana.pk, kind="recordatorio_sesion")
        deleted = make_user(email="borrada@example.cl")
        gone = unsubscribe_token(user_id=deleted.pk, kind="recordatorio_sesion")
        deleted.delete()
        from django.core import signing

        for token in (
            "abc",
            good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
            good.replace(":", ":x", 1),
            signing.dumps({"u": self.ana.pk, "k": "recordatorio_sesion"}, salt="otra-cosa"),
            unsubscribe_token(user_id=self.ana.pk, kind="restablecer_contrasena"),
            unsubscribe_token(user_id=self.ana.pk, kind="no-existe"),
            gone,
        ):
            for method in (self.client.get, self.client.post):
                response = method(self.url(token))
                self.assertEqual(response.status_code, 400, token)
                self.assertContains(response, "Este enlace para dejar de recibir avisos no es válido", status_code=400)
        response = self.client.get(self.url("a\x00b"))
        self.assertContains(response, "No pudimos leer esta solicitud", status_code=400)
        self.assertFalse(NotificationPreference.objects.exists())


class KindsRegistryTests(TestCase):
    def test_every_kind_producers_use_is_registered(self):
        for code in (
            "inscripcion_confirmada",
            "lista_espera",
            "invitacion",
            "recordatorio_sesion",
            "cambio_sesion",
            "curso_completado",
            "certificado",
            "resumen_semanal_docente",
            "resumen_semanal_academia",
            "resumen_diario",
            "confirmacion_cuenta",
            "restablecer_contrasena",
        ):
            self.assertIn(code, KINDS)
        self.assertTrue(KINDS["restablecer_contrasena"].required)
        self.assertFalse(KINDS["resumen_semanal_docente"].required)


class OutboxAdminTests(NotificationTestCase):
    def test_staff_with_the_permission_see_the_messages_and_their_last_error(self):
        with self.settings(EMAIL_BACKEND="tests.learners.test_notifications.FailingBackend"):
            with self.captureOnCommitCallbacks(execute=True):
                enrolment_services.session_change(session=self.session, place="Escuela D-123")
        staff = grant(make_user(email="academia@example.cl", is_staff=True), "wagtailadmin.access_admin")
        self.client.force_login(staff)
        self.assertEqual(self.client.get("/admin/learners/outbox/").status_code, 302)  # no permission
        grant(staff, "learners.view_outboxmessage")
        response = self.client.get("/admin/learners/outbox/")
        self.assertContains(response, "Avisos enviados")
        self.assertContains(response, "Sesión cambiada: Presupuesto participativo")
        self.assertContains(response, "OSError: connection refused")
        self.assertContains(response, "Por enviar")
        message = OutboxMessage.objects.first()
        response = self.client.get(f"/admin/learners/outbox/inspect/{message.pk}/")
        self.assertContains(response, "Último error")
        self.assertEqual(self.client.get("/admin/learners/outbox/edit/1/").status_code, 404)

    def test_a_learner_cannot_open_it(self):
        self.client.force_login(self.ana)
        response = self.client.get("/admin/learners/outbox/")
        self.assertNotEqual(response.status_code, 200)


class PersonalDataTests(NotificationTestCase):
    def test_her_choices_and_notices_are_in_her_download_and_go_with_her_account(self):
        services.preference_set(user=self.ana, kind="certificado", choice=NEVER)
        self.tick(at(DAY - timedelta(days=1), 19))
        data = learner_data(user=self.ana)
        self.assertEqual(
            [(row["kind"], row["choice"], row["changed_via"]) for row in data["notification_preferences"]],
            [("certificado", "never", "page")],
        )
        self.assertEqual([row["kind"] for row in data["notices"]], ["recordatorio_sesion"])
        self.assertNotIn("text", data["notices"][0])
        erasure = learner_delete(user=self.ana, by=None)
        self.assertEqual((erasure.counts["notification_preferences"], erasure.counts["notices"]), (1, 1))
        self.assertFalse(OutboxMessage.objects.filter(dedup_key__endswith=f":{self.ana.pk}").exists())
