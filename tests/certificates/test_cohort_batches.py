"""Certificates by cohort (issue 13, item 6): the preview of who gets one and why not, the confirmation step, the
batch's result sentence, and the email that tells a learner her certificate was revoked (sent once)."""

from datetime import date, timedelta
from decimal import Decimal

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates import selectors
from certificates.models import CertificateBatch, IssuedCertificate
from certificates.services import issuance, notices, revocation
from courses.selectors import course_lessons
from learners.models import AttendanceRecord, Enrolment, LessonProgress, OutboxMessage
from learners.notifications.services import outbox_retry_due
from learners.staff.models import StaffProfile
from tests.certificates.test_admin import AdminTestCase
from tests.factories.certificates import completed_enrolment
from tests.factories.learners import ensure_comuna, learner, make_user, session
from tests.learners.test_admin import grant


class CohortTestCase(AdminTestCase):
    """Ana (setUp of AdminTestCase) already has her certificate; Berta and Carmen completed the course; Dora did
    not finish the lessons; Eva finished them with a grade under the pass grade; Fabiola missed the sessions."""

    def setUp(self):
        super().setUp()
        type(self.course).objects.filter(pk=self.course.pk).update(
            grade_required=True, pass_grade=Decimal("4.0"), min_attendance_percent=75
        )
        self.course.refresh_from_db()
        lesson = course_lessons(course=self.course)[0]
        self.sessions = [
            session(cohort=self.group, on=date(2026, 3, 3)),
            session(cohort=self.group, on=date(2026, 3, 10)),
        ]
        for name in ("Berta Soto", "Carmen Vera"):
            given, family = name.split()
            completed_enrolment(
                course=self.course, cohort=self.group, user=learner(given_names=given, family_names=family)
            )
        self.dora = self._active("Dora", "Lagos")
        self.eva = self._active("Eva", "Muñoz")
        LessonProgress.objects.create(
            enrolment=self.eva, lesson=lesson, course=self.course, completed_at=timezone.now(), score=Decimal("0.2")
        )
        self.fabiola = self._active("Fabiola", "Pinto")
        LessonProgress.objects.create(
            enrolment=self.fabiola, lesson=lesson, course=self.course, completed_at=timezone.now(), score=Decimal("0.9")
        )
        for enrolment, status in [(self.dora, "present"), (self.eva, "present"), (self.fabiola, "absent")]:
            for one in self.sessions:
                AttendanceRecord.objects.create(session=one, enrolment=enrolment, status=status)

    def _active(self, given, family):
        return Enrolment.objects.create(
            user=learner(given_names=given, family_names=family), course=self.course, cohort=self.group
        )


class PreviewTests(CohortTestCase):
    def test_preview_says_who_gets_one_and_why_not(self):
        rows = {row.name: row for row in selectors.cohort_certificate_preview(cohort=self.group)}
        self.assertEqual(len(rows), 6)
        self.assertEqual(rows["Berta Soto"].outcome, "issue")
        self.assertEqual(rows["Carmen Vera"].outcome, "issue")
        self.assertEqual(rows["Ana Rojas"].outcome, "has")
        self.assertIn("no completado: 0 de 1 lecciones obligatorias", rows["Dora Lagos"].reason_text)
        self.assertIn("bajo la nota mínima", rows["Eva Muñoz"].reason_text)
        self.assertEqual(rows["Fabiola Pinto"].reason_text, "asistencia 0 % bajo el mínimo")

    def test_choosing_a_cohort_shows_the_preview_and_issues_nothing(self):
        response = self.client.post(reverse("certificates_batch:add"), {"cohort": self.group.pk})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Recibirá certificado", count=2)
        self.assertContains(response, "No recibirá certificado", count=3)
        self.assertContains(response, "asistencia 0 % bajo el mínimo")
        self.assertContains(response, "Emitir 2 certificados")
        self.assertFalse(CertificateBatch.objects.exists())

    def test_confirming_issues_and_the_batch_page_states_the_result(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("certificates_batch:add"), {"cohort": self.group.pk, "confirm": "1"})
        batch = CertificateBatch.objects.get()
        self.assertRedirects(response, reverse("certificates_batch:inspect", args=[batch.pk]))
        self.assertEqual(IssuedCertificate.objects.filter(batch=batch).count(), 2)
        response = self.client.get(reverse("certificates_batch:inspect", args=[batch.pk]))
        text = response.context["result_text"]
        self.assertEqual(
            text,
            "6 inscritas: 2 certificados emitidos, 1 ya tenía uno, 3 sin requisitos: Dora Lagos (no completado: 0 de 1 "
            "lecciones obligatorias; sin nota todavía), Eva Muñoz (nota 2,0 bajo la nota mínima), Fabiola Pinto "
            "(asistencia 0 % bajo el mínimo).",
        )
        self.assertContains(response, "Eva Muñoz (nota 2,0 bajo la nota mínima)")
        self.assertNotContains(response, "0 de 0")

    def test_a_cohort_where_nobody_qualifies_offers_no_issue_button(self):
        Enrolment.objects.filter(cohort=self.group, status=Enrolment.Status.COMPLETED).exclude(
            pk=self.certificate.enrolment_id
        ).update(status=Enrolment.Status.ACTIVE)
        response = self.client.post(reverse("certificates_batch:add"), {"cohort": self.group.pk})
        self.assertContains(response, "No hay certificados que emitir en este grupo.")
        self.assertNotContains(response, "Emitir 0")

    def test_bad_cohort_is_a_form_error_not_a_500(self):
        for value in ("", "abc", "999999"):
            response = self.client.post(reverse("certificates_batch:add"), {"cohort": value, "confirm": "1"})
            self.assertIn(response.status_code, (200, 400))
        self.assertFalse(CertificateBatch.objects.exists())


class RefusedTests(CohortTestCase):
    def test_anonymous_is_sent_to_log_in(self):
        self.client.logout()
        response = self.client.post(reverse("certificates_batch:add"), {"cohort": self.group.pk, "confirm": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("login", response["Location"])
        self.assertFalse(CertificateBatch.objects.exists())

    def test_instructor_and_coordinator_can_neither_preview_nor_issue(self):
        teacher = grant(make_user(email="profe@example.cl"), "wagtailadmin.access_admin", "learners.view_enrolment")
        self.group.instructors.add(teacher)
        coordinator = grant(
            make_user(email="coordinadora@example.cl"),
            "wagtailadmin.access_admin",
            "certificates.view_issuedcertificate",
            "certificates.view_certificatebatch",
        )
        StaffProfile.objects.create(user=coordinator, municipality=ensure_comuna())
        for user in (teacher, coordinator):
            self.client.force_login(user)
            for data in ({"cohort": self.group.pk}, {"cohort": self.group.pk, "confirm": "1"}):
                response = self.client.post(reverse("certificates_batch:add"), data)
                self.assertIn(response.status_code, (302, 403), user.email)
                self.assertNotIn(b"Recibir", response.content)
        self.assertFalse(CertificateBatch.objects.exists())

    def test_inactive_account_cannot_issue(self):
        self.admin.is_active = False
        self.admin.save()
        response = self.client.post(reverse("certificates_batch:add"), {"cohort": self.group.pk, "confirm": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(CertificateBatch.objects.exists())


class RevocationNoticeTests(AdminTestCase):
    def test_revoking_emails_the_learner_once(self):
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("certificates_revoke", args=[self.certificate.pk]), {"reason": "Datos erróneos"}
            )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["ana@example.cl"])
        self.assertIn("revocado", message.subject)
        self.assertIn("Datos erróneos", message.body)
        self.assertIn(self.certificate.folio, message.body)
        self.assertIn(timezone.localdate().strftime("%d/%m/%Y"), message.body)
        # A retry of the task (or a second worker) never sends it again.
        self.assertFalse(notices.certificate_revoked_notify(certificate_id=self.certificate.pk))
        self.assertEqual(len(mail.outbox), 1)
        self.certificate.refresh_from_db()
        self.assertIsNotNone(self.certificate.revocation_notified_at)

    def test_a_failed_send_is_retried(self):
        with self.captureOnCommitCallbacks(execute=False):
            revocation.certificate_revoke(certificate=self.certificate, reason="x", by=self.admin)
        mail.outbox.clear()
        with self.settings(EMAIL_BACKEND="tests.certificates.test_cohort_batches.FailingBackend"):
            with self.captureOnCommitCallbacks(execute=True):
                self.assertTrue(notices.certificate_revoked_notify(certificate_id=self.certificate.pk))
        # queued once and marked; the outbox keeps the failure and tries again later
        self.certificate.refresh_from_db()
        self.assertIsNotNone(self.certificate.revocation_notified_at)
        message = OutboxMessage.objects.get(dedup_key=f"certificado_revocado:{self.certificate.pk}")
        self.assertEqual((message.status, message.attempts), (OutboxMessage.Status.PENDING, 1))
        self.assertIn("OSError", message.last_error)
        self.assertFalse(notices.certificate_revoked_notify(certificate_id=self.certificate.pk))
        with self.captureOnCommitCallbacks(execute=True):
            outbox_retry_due(now=timezone.now() + timedelta(minutes=2))
        self.assertEqual(len(mail.outbox), 1)
        message.refresh_from_db()
        self.assertEqual(message.status, OutboxMessage.Status.SENT)

    def test_a_valid_certificate_gets_no_revocation_email(self):
        self.assertFalse(notices.certificate_revoked_notify(certificate_id=self.certificate.pk))
        other = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course), render=False)
        self.assertFalse(notices.certificate_revoked_notify(certificate_id=other.pk))


class FailingBackend:
    """An email backend whose server is down (a real class, not a mock: it fails as a refused SMTP would)."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise OSError("connection refused")

    def close(self):
        pass

    def send_messages(self, messages):
        raise OSError("connection refused")
