"""Deleting a learner's data leaves no trace of her except what keeps her certificates verifiable."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command

from certificates.models import IssuedCertificate
from learners.models import AuditEvent, DataRequest, Enrolment, LearnerProfile
from learners.privacy import services
from tests.learners.privacy_setup import PrivacyTestCase, traces_in_database, traces_in_files


class LearnerDeleteTests(PrivacyTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()

    def test_the_setup_does_leave_traces_everywhere(self):
        """The search can fail: before deletion it finds her in the tables and in the PDF."""
        self.make_full_learner()
        found = "\n".join(traces_in_database())
        for table in (
            "learners.LearnerProfile",
            "auth.User",
            "learners.H5PStatement",
            "learners.DataRequest",
            "wagtailcore.ModelLogEntry",
            "learners.AuditEvent",
            "certificates.IssuedCertificate",
        ):
            self.assertIn(table, found)
        self.assertTrue(traces_in_files())

    def test_nothing_of_her_remains_in_any_table_or_file(self):
        user, enrolment, certificate = self.make_full_learner()
        pdf_name = certificate.pdf.name
        storage = certificate.pdf.storage
        with self.captureOnCommitCallbacks(execute=True):
            erasure = services.learner_delete(user=user, by=self.staff)
        self.assertEqual(traces_in_database(), [])
        self.assertEqual(traces_in_files(), [])
        self.assertFalse(storage.exists(pdf_name))
        self.assertFalse(get_user_model().objects.filter(pk=user.pk).exists())
        self.assertFalse(LearnerProfile.objects.filter(pk=user.learner_profile.pk).exists())
        self.assertEqual(erasure.counts["h5p_statements"], 1)
        self.assertEqual(erasure.counts["enrolments_anonymised"], 1)
        deleted = AuditEvent.objects.get(action="learner.deleted")
        self.assertEqual((deleted.actor, deleted.subject_label), (self.staff, erasure.label))
        viewed = AuditEvent.objects.get(action="learner.viewed")
        self.assertEqual(viewed.subject_label, erasure.label, "the action stays, her name does not")

    def test_certificates_still_verify_with_name_and_masked_run(self):
        user, enrolment, certificate = self.make_full_learner()
        with self.captureOnCommitCallbacks(execute=True):
            services.learner_delete(user=user, by=self.staff)
        certificate.refresh_from_db()
        self.assertEqual(certificate.status, IssuedCertificate.Status.VALID)
        self.assertFalse(certificate.pdf)
        self.assertNotIn("learner_run", certificate.snapshot)
        self.assertNotIn("body", certificate.snapshot)
        response = self.client.get(f"/certificados/verificar/{certificate.code}/")
        self.assertContains(response, 'data-status="valid"')
        self.assertContains(response, "Xiomara Belén Quintanilla Zúñiga")
        self.assertContains(response, "17.XXX.321-")
        self.assertContains(response, "Participación ciudadana")

    def test_numbers_stay_right(self):
        user, enrolment, certificate = self.make_full_learner()
        other = self.make_other_completed_enrolment()
        services.learner_delete(user=user, by=self.staff)
        enrolments = Enrolment.objects.filter(course=self.course)
        self.assertEqual(enrolments.count(), 2)
        self.assertEqual(enrolments.filter(status=Enrolment.Status.COMPLETED).count(), 2)
        anonymous = Enrolment.objects.get(pk=enrolment.pk)
        self.assertFalse(anonymous.user.is_active)
        self.assertFalse(anonymous.user.has_usable_password())
        self.assertEqual(anonymous.final_grade, enrolment.final_grade)
        self.assertNotEqual(anonymous.user_id, other.user_id)
        certificate.refresh_from_db()
        self.assertEqual(certificate.user_id, anonymous.user_id)

    def make_other_completed_enrolment(self):
        from tests.factories.certificates import completed_enrolment

        return completed_enrolment(course=self.course, cohort=self.group)

    def test_a_deletion_request_is_carried_out_from_its_answer(self):
        user, _enrolment, _certificate = self.make_full_learner()
        request = services.data_request_create(user=user, kind=DataRequest.Kind.DELETION)
        services.data_request_answer(
            request=request, by=self.staff, status=DataRequest.Status.DONE, response="Hecho.", execute=True
        )
        request.refresh_from_db()
        self.assertEqual((request.status, request.user, request.details), (DataRequest.Status.DONE, None, ""))
        self.assertEqual(request.answered_by, self.staff)
        self.assertFalse(get_user_model().objects.filter(pk=user.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(action="data_request.answered", subject_id=str(request.pk)).exists())

    def test_staff_accounts_are_refused(self):
        with self.assertRaises(services.PrivacyError):
            services.learner_delete(user=self.staff, by=self.staff)

    def test_management_command(self):
        user, _enrolment, _certificate = self.make_full_learner()
        out = StringIO()
        with self.assertRaises(CommandError):
            call_command("delete_learner_data", str(user.pk), stdout=out)
        call_command("delete_learner_data", str(user.pk), "--yes", stdout=out)
        self.assertIn("Persona eliminada", out.getvalue())
        self.assertFalse(get_user_model().objects.filter(pk=user.pk).exists())
        with self.assertRaises(CommandError):
            call_command("delete_learner_data", str(user.pk), "--yes", stdout=out)
