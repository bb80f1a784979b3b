"""Notifications through a real SMTP server (aiosmtpd, started by the test): what arrives has the headers mail
providers expect (RFC 8058 one-click unsubscribe), a calendar attachment that parses, a phone-readable HTML part,
and its unsubscribe link works with the POST a provider sends. A server that answers "try later" gets the message
again after the back-off, once."""

from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
from django.test import override_settings
from django.utils import timezone

from learners.notifications.models import NotificationPreference, OutboxMessage
from learners.notifications.services import outbox_retry_due
from tests.learners.test_notifications import DAY, NotificationTestCase, at
from tests.smtp_server import SmtpServer


class SmtpDeliveryTests(NotificationTestCase):
    def test_a_reminder_arrives_with_headers_calendar_and_a_working_unsubscribe_link(self):
        with SmtpServer() as server, override_settings(**server.email_settings()):
            self.tick(at(DAY - timedelta(days=1), 19))
            self.tick(at(DAY - timedelta(days=1), 19, 5))
        self.assertEqual(
            sorted(rcpt for rcpts in server.recipients for rcpt in rcpts), ["ana@example.cl", "luis@example.cl"]
        )
        (message,) = [m for m in server.messages if m["To"] == "ana@example.cl"]
        self.assertEqual(message["Subject"], "Recordatorio: Presupuesto participativo, 22/03/2027 a las 18:30")
        self.assertEqual(message["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        link = message["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")  # a long header is folded
        self.assertTrue(link.startswith("http://testserver/avisos/baja/"))

        text = message.get_body(("plain",)).get_content()
        self.assertIn("Hola, Ana:", text)
        self.assertIn(link, text)  # the same link in the text, for people
        html = message.get_body(("html",)).get_content()
        self.assertIn('<meta name="viewport" content="width=device-width, initial-scale=1">', html)
        self.assertIn("Dejar de recibir estos avisos", html)

        (attachment,) = list(message.iter_attachments())
        self.assertEqual(attachment.get_filename(), f"sesion-{self.session.pk}.ics")
        self.assertEqual(attachment.get_content_type(), "text/calendar")
        calendar = icalendar.Calendar.from_ical(attachment.get_payload(decode=True))
        (event,) = calendar.walk("VEVENT")
        self.assertEqual(event.decoded("dtstart"), at(DAY, 18, 30))
        self.assertEqual(str(event["location"]), "Sede vecinal Los Aromos, Los Aromos 1450, Peñalolén")

        # The provider's one-click POST (no cookies, no log-in) unsubscribes her from reminders only.
        response = self.client.post(
            urlsplit(link).path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        self.assertEqual(response.status_code, 200)
        preference = NotificationPreference.objects.get(user=self.ana)
        self.assertEqual((preference.kind, preference.choice), ("recordatorio_sesion", "never"))

    def test_a_server_that_says_try_later_gets_the_message_once_after_the_back_off(self):
        start = timezone.now()
        with SmtpServer(refuse=1) as server, override_settings(**server.email_settings()):
            with self.captureOnCommitCallbacks(execute=True):
                from learners.enrolment import services as enrolment_services

                enrolment_services.session_suspend(session=self.session)
            failed = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, attempts=1)
            self.assertEqual(failed.count(), 1)
            self.assertIn("451", failed.get().last_error)
            with self.captureOnCommitCallbacks(execute=True):
                outbox_retry_due(now=start + timedelta(minutes=2))
                outbox_retry_due(now=start + timedelta(minutes=3))
        self.assertEqual(len(server.messages), 2)
        self.assertEqual(sorted(m["To"] for m in server.messages), ["ana@example.cl", "luis@example.cl"])
        self.assertFalse(OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists())
        for message in server.messages:
            (attachment,) = list(message.iter_attachments())
            event = icalendar.Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")[0]
            self.assertEqual(str(event["status"]), "CANCELLED")
