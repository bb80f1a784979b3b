from datetime import date
from unittest import mock

from django.core import mail
from django.db import IntegrityError, transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from certificates import selectors
from certificates.codes import CODE_ALPHABET, is_well_formed
from certificates.models import (
    CertificateBatch,
    CertificateTemplate,
    FolioCounter,
    IssuanceFailure,
    IssuedCertificate,
    TemplateAssignment,
)
from certificates.services import batches, issuance, rendering, revocation
from certificates.services.errors import CertificateError
from courses.models import LessonPage
from learners.enrolment.services import enrolment_create
from learners.models import Enrolment
from learners.progress.services import lesson_mark_complete
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import cohort, learner, session

FAKE_PDF = b"%PDF-1.7 fake\n%%EOF"


def fake_render(snapshot, images=None):
    return FAKE_PDF + snapshot["folio"].encode()


class CertificateTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Participación ciudadana")
        cls.issuer = make_issuer(short_code="AMUCH", city="Santiago")
        cls.template = make_template(issuer=cls.issuer, is_default=True)
        cls.group = cohort(course=cls.course, starts_on=date(2026, 3, 2), ends_on=date(2026, 5, 29))

    def setUp(self):
        patcher = mock.patch("certificates.services.rendering.render_pdf", side_effect=fake_render)
        self.render = patcher.start()
        self.addCleanup(patcher.stop)


class IssueTests(CertificateTestCase):
    def test_issue_builds_folio_code_and_snapshot(self):
        enrolment = completed_enrolment(course=self.course, cohort=self.group, run="12345678-5")
        session(cohort=self.group, on=date(2026, 3, 3))
        certificate = issuance.certificate_issue(enrolment=enrolment, render=False)
        year = timezone.localdate().year
        self.assertEqual(certificate.folio, f"AMUCH-{year}-000001")
        self.assertTrue(is_well_formed(certificate.code))
        self.assertEqual(certificate.status, IssuedCertificate.Status.VALID)
        self.assertEqual(certificate.template_version, self.template.version)
        snap = certificate.snapshot
        self.assertEqual(snap["learner_name"], "María González Pérez")
        self.assertEqual(snap["learner_run"], "12.345.678-5")
        self.assertEqual(snap["learner_run_masked"], "12.XXX.678-5")
        self.assertEqual(snap["course_title"], "Participación ciudadana")
        self.assertEqual(snap["hours"], "8")
        self.assertRegex(snap["dates"], r"^\w+ 02/03/2026 \w+ 29/05/2026$")
        self.assertEqual(snap["grade"], "6,5")
        self.assertEqual(snap["attendance"], "0 %")
        self.assertTrue(snap["city_and_date"].startswith("Santiago, "))
        self.assertIn("María González Pérez, RUN 12.345.678-5, aprobó el curso Participación ciudadana", snap["body"])
        self.assertIn(f"realizado {snap['dates']}, con nota 6,5", snap["body"])
        self.assertEqual(snap["signatories"], [{"name": "Ana Pérez", "role": "Directora académica", "signature": ""}])
        self.assertTrue(snap["verify_url"].endswith(f"/certificados/verificar/{certificate.code}/"))

    def test_issuing_twice_returns_the_same_certificate(self):
        enrolment = completed_enrolment(course=self.course)
        first = issuance.certificate_issue(enrolment=enrolment, render=False)
        second = issuance.certificate_issue(enrolment=enrolment, render=False)
        self.assertEqual(first.pk, second.pk)
        self.assertEqual(IssuedCertificate.objects.count(), 1)
        self.assertEqual(FolioCounter.objects.get().last, 1)

    def test_only_completed_enrolments_get_a_certificate(self):
        enrolment = completed_enrolment(course=self.course)
        Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.ACTIVE)
        with self.assertRaises(CertificateError):
            issuance.certificate_issue(enrolment=enrolment)

    def test_folios_are_consecutive_per_issuer_and_year(self):
        other = make_template(issuer=make_issuer(short_code="MUNI"))
        TemplateAssignment.objects.create(course=build_course(catalogue=self.course.get_parent()), template=other)
        folios = [
            issuance.certificate_issue(enrolment=completed_enrolment(course=self.course), render=False).folio
            for _ in range(3)
        ]
        year = timezone.localdate().year
        self.assertEqual(folios, [f"AMUCH-{year}-00000{n}" for n in (1, 2, 3)])
        other_course = TemplateAssignment.objects.get(template=other).course
        muni = issuance.certificate_issue(enrolment=completed_enrolment(course=other_course), render=False)
        self.assertEqual(muni.folio, f"MUNI-{year}-000001")

    def test_a_rolled_back_issue_gives_its_folio_back(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            issuance.certificate_issue(enrolment=completed_enrolment(course=self.course), render=False)
            raise RuntimeError
        certificate = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course), render=False)
        self.assertTrue(certificate.folio.endswith("-000001"))

    def test_one_valid_certificate_per_enrolment_is_a_database_rule(self):
        certificate = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course), render=False)
        with self.assertRaises(IntegrityError), transaction.atomic():
            IssuedCertificate.objects.create(
                **{
                    field: getattr(certificate, field)
                    for field in ("enrolment", "user", "course", "issuer", "template", "template_version", "snapshot")
                },
                folio="X-1",
                code="ABC",
                issued_at=timezone.now(),
            )

    def test_codes_use_the_alphabet_and_differ(self):
        codes = {issuance.certificate_issue(enrolment=completed_enrolment(course=self.course)).code for _ in range(5)}
        self.assertEqual(len(codes), 5)
        self.assertTrue(all(set(code) <= set(CODE_ALPHABET) and len(code) == 17 for code in codes))

    def test_cohort_template_overrides_course_template_which_overrides_default(self):
        course_template = make_template(issuer=self.issuer, name="Curso")
        cohort_template = make_template(issuer=self.issuer, name="Grupo")
        enrolment = completed_enrolment(course=self.course, cohort=self.group)
        self.assertEqual(selectors.template_for(enrolment=enrolment), self.template)
        TemplateAssignment.objects.create(course=self.course, template=course_template)
        self.assertEqual(selectors.template_for(enrolment=enrolment), course_template)
        TemplateAssignment.objects.create(cohort=self.group, template=cohort_template)
        self.assertEqual(selectors.template_for(enrolment=enrolment), cohort_template)

    def test_learner_without_run_shows_her_passport_masked_in_public(self):
        user = learner(run=None, document_type="passport", document_number="AB1234567")
        certificate = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course, user=user))
        self.assertEqual(certificate.snapshot["learner_run"], "Pasaporte AB1234567")
        self.assertEqual(certificate.snapshot["learner_run_masked"], "Pasaporte XXXXXX567")
        data = rendering.certificate_data(certificate.snapshot)
        self.assertEqual(data.document_label, "")  # the PDF prints "Pasaporte AB1234567", not "RUN Pasaporte …"
        self.assertIsNone(rendering.certificate_data(dict(certificate.snapshot, learner_has_run=True)).document_label)


class SnapshotImmutabilityTests(CertificateTestCase):
    def test_later_edits_never_change_an_issued_certificate(self):
        user = learner(given_names="Ana", family_names="Rojas")
        certificate = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course, user=user))
        with self.captureOnCommitCallbacks(execute=True):
            pass
        before = dict(IssuedCertificate.objects.get(pk=certificate.pk).snapshot)
        version = certificate.template_version

        self.course.title = "Otro título"
        self.course.duration_hours = 40
        self.course.save()
        user.learner_profile.given_names = "Anita"
        user.learner_profile.save()
        self.template.title = "Certificado de participación"
        self.template.body = "Otro texto {nombre}"
        self.template.save()
        self.issuer.name, self.issuer.city = "Otra", "Valparaíso"
        self.issuer.save()

        certificate.refresh_from_db()
        self.assertEqual(certificate.snapshot, before)
        self.assertEqual(certificate.template_version, version)
        self.assertGreater(CertificateTemplate.objects.get(pk=self.template.pk).version, version)
        self.assertEqual(certificate.learner_name, "Ana Rojas")


class RenderTests(CertificateTestCase):
    def test_issue_renders_stores_and_emails_after_commit(self):
        enrolment = completed_enrolment(course=self.course, email="ana@example.cl")
        with self.captureOnCommitCallbacks(execute=True):
            certificate = issuance.certificate_issue(enrolment=enrolment)
        certificate.refresh_from_db()
        self.assertEqual(certificate.render_state, IssuedCertificate.RenderState.DONE)
        with certificate.pdf.open("rb") as handle:
            self.assertTrue(handle.read().startswith(b"%PDF-"))
        self.assertEqual(len(certificate.pdf_sha256), 64)
        self.assertNotIn("12", certificate.pdf.name.split("/")[-1].replace(certificate.folio, ""))
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["ana@example.cl"])
        self.assertIn(certificate.snapshot["verify_url"], message.body)
        self.assertIn("Participación ciudadana", message.subject)
        self.assertIsNotNone(IssuedCertificate.objects.get(pk=certificate.pk).notified_at)

    def test_a_failing_pdf_is_recorded_and_can_be_retried(self):
        certificate = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course), render=False)
        self.render.side_effect = ValueError("font missing")
        outcome = rendering.certificate_render_many(certificate_ids=[certificate.pk])
        self.assertEqual((outcome.rendered, outcome.failed), (0, 1))
        certificate.refresh_from_db()
        self.assertEqual(certificate.render_state, IssuedCertificate.RenderState.FAILED)
        self.assertIn("font missing", certificate.render_error)
        self.assertEqual(len(mail.outbox), 0)

        self.render.side_effect = fake_render
        with self.captureOnCommitCallbacks(execute=True):  # the notice is sent once the transaction commits
            rendering.certificate_render_many(certificate_ids=[certificate.pk])
        certificate.refresh_from_db()
        self.assertEqual(certificate.render_state, IssuedCertificate.RenderState.DONE)
        self.assertEqual(certificate.render_error, "")
        self.assertEqual(len(mail.outbox), 1)


class AutomaticIssueTests(CertificateTestCase):
    def test_completing_the_course_issues_the_certificate(self):
        course = build_course(catalogue=self.course.get_parent(), modules=1, lessons=1)
        enrolment = enrolment_create(user=learner(), course=course)
        lesson = LessonPage.objects.descendant_of(course).get()
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            lesson_mark_complete(enrolment=enrolment, lesson=lesson.specific)
        self.assertTrue(callbacks)
        certificate = IssuedCertificate.objects.get(enrolment=enrolment)
        self.assertEqual(certificate.render_state, IssuedCertificate.RenderState.DONE)
        # "course completed" and "your certificate", each once
        self.assertEqual(sorted(m.subject.split()[0] for m in mail.outbox), ["Completaste", "Tu"])

    def test_a_failure_is_recorded_for_the_admin_and_cleared_by_a_retry(self):
        CertificateTemplate.objects.update(is_default=False)
        enrolment = completed_enrolment(course=self.course)
        self.assertIsNone(issuance.certificate_issue_automatically(enrolment_id=enrolment.pk))
        failure = IssuanceFailure.objects.get(enrolment=enrolment)
        self.assertIn("plantilla", failure.error)  # recorded in the site language, for the admin
        issuance.certificate_issue_automatically(enrolment_id=enrolment.pk)
        self.assertEqual(IssuanceFailure.objects.get(enrolment=enrolment).attempts, 2)

        CertificateTemplate.objects.filter(pk=self.template.pk).update(is_default=True)
        self.assertIsNotNone(issuance.certificate_issue_automatically(enrolment_id=enrolment.pk))
        self.assertFalse(IssuanceFailure.objects.exists())


class RevokeAndReissueTests(CertificateTestCase):
    def setUp(self):
        super().setUp()
        self.staff = learner(email="staff@example.cl")
        self.certificate = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course), render=False)

    def test_revoke_records_reason_author_and_date(self):
        revocation.certificate_revoke(certificate=self.certificate, reason="Error en la nota", by=self.staff)
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.status, IssuedCertificate.Status.REVOKED)
        self.assertEqual(self.certificate.revoked_by, self.staff)
        self.assertEqual(self.certificate.revoked_reason, "Error en la nota")
        self.assertIsNotNone(self.certificate.revoked_at)
        with self.assertRaises(CertificateError):
            revocation.certificate_revoke(certificate=self.certificate, reason="otra vez", by=self.staff)
        with self.assertRaises(CertificateError):
            issuance.certificate_issue(enrolment=self.certificate.enrolment)

    def test_revoke_needs_a_reason(self):
        with self.assertRaises(CertificateError):
            revocation.certificate_revoke(certificate=self.certificate, reason="  ", by=self.staff)

    def test_reissue_replaces_with_new_folio_and_code(self):
        profile = self.certificate.user.learner_profile
        profile.family_names = "González Pérez de Tal"
        profile.save()
        with self.captureOnCommitCallbacks(execute=True):
            new = revocation.certificate_reissue(certificate=self.certificate, by=self.staff, reason="Apellido")
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.status, IssuedCertificate.Status.REPLACED)
        self.assertEqual(self.certificate.replaced_by, new)
        self.assertEqual(new.replaces, self.certificate)
        self.assertNotEqual(new.code, self.certificate.code)
        self.assertNotEqual(new.folio, self.certificate.folio)
        self.assertEqual(new.status, IssuedCertificate.Status.VALID)
        self.assertEqual(new.learner_name, "María González Pérez de Tal")
        self.assertEqual(new.issued_by, self.staff)
        new.refresh_from_db()
        self.assertEqual(new.render_state, IssuedCertificate.RenderState.DONE)
        with self.assertRaises(CertificateError):
            revocation.certificate_reissue(certificate=self.certificate, by=self.staff, reason="otra")

    def test_a_revoked_certificate_can_be_reissued(self):
        revocation.certificate_revoke(certificate=self.certificate, reason="Error", by=self.staff)
        new = revocation.certificate_reissue(certificate=self.certificate, by=self.staff, reason="Corregido")
        self.assertEqual(new.status, IssuedCertificate.Status.VALID)
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.status, IssuedCertificate.Status.REPLACED)


class BulkIssueTests(CertificateTestCase):
    def _complete(self, count):
        return [completed_enrolment(course=self.course, cohort=self.group) for _ in range(count)]

    def test_bulk_issue_for_a_cohort(self):
        self._complete(5)
        completed_enrolment(course=self.course, cohort=self.group).__class__.objects.filter(
            pk=self._complete(1)[0].pk
        ).update(status=Enrolment.Status.ACTIVE)
        already = issuance.certificate_issue(enrolment=self._complete(1)[0], render=False)
        batch = CertificateBatch.objects.create(cohort=self.group)
        with mock.patch.object(batches, "CHUNK_SIZE", 2), self.captureOnCommitCallbacks(execute=True):
            batch = batches.certificate_bulk_issue(batch=batch)
        self.assertEqual(batch.state, CertificateBatch.State.DONE)
        self.assertEqual((batch.total, batch.rendered, batch.failed, batch.skipped), (6, 6, 0, 1))
        self.assertEqual(batch.percent, 100)
        self.assertEqual(IssuedCertificate.objects.filter(batch=batch).count(), 6)
        self.assertEqual(IssuedCertificate.objects.filter(cohort=self.group).count(), 7)
        already.refresh_from_db()
        self.assertIsNone(already.batch_id)
        folios = sorted(IssuedCertificate.objects.values_list("folio", flat=True))
        self.assertEqual([int(folio[-6:]) for folio in folios], list(range(1, 8)))
        self.assertEqual(len(mail.outbox), 6)

    def test_a_crashed_batch_resumes_without_duplicates(self):
        self._complete(5)
        batch = CertificateBatch.objects.create(cohort=self.group)
        calls = {"n": 0}
        real_new = issuance.new_certificates

        def crash_on_second_chunk(**kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise SystemExit("worker killed")
            return real_new(**kwargs)

        with (
            mock.patch.object(batches, "CHUNK_SIZE", 2),
            mock.patch.object(issuance, "new_certificates", side_effect=crash_on_second_chunk),
            self.assertRaises(SystemExit),
        ):
            batches.certificate_bulk_issue(batch=batch)
        self.assertEqual(IssuedCertificate.objects.count(), 2)
        batch.refresh_from_db()
        self.assertEqual(batch.state, CertificateBatch.State.RUNNING)
        self.assertIn(batch, selectors.unfinished_batches())

        with mock.patch.object(batches, "CHUNK_SIZE", 2):
            batch = batches.certificate_bulk_issue(batch=batch)
        self.assertEqual(batch.state, CertificateBatch.State.DONE)
        self.assertEqual(IssuedCertificate.objects.count(), 5)
        self.assertEqual(IssuedCertificate.objects.values("enrolment").distinct().count(), 5)
        self.assertEqual(batch.total, 5)
        self.assertEqual(FolioCounter.objects.get().last, 5)

    def test_render_failures_mark_the_batch(self):
        self._complete(3)
        self.render.side_effect = [fake_render({"folio": "A"}), ValueError("bad image"), fake_render({"folio": "B"})]
        batch = batches.certificate_bulk_issue(batch=CertificateBatch.objects.create(cohort=self.group))
        self.assertEqual(batch.state, CertificateBatch.State.FAILED)
        self.assertEqual((batch.rendered, batch.failed), (2, 1))
        self.assertIn("bad image", batch.last_error)

    def test_batch_without_template_fails_visibly(self):
        CertificateTemplate.objects.update(is_default=False)
        self._complete(1)
        batch = batches.certificate_bulk_issue(batch=CertificateBatch.objects.create(cohort=self.group))
        self.assertEqual(batch.state, CertificateBatch.State.FAILED)
        self.assertIn("plantilla", batch.last_error)

    @override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
    def test_batch_create_runs_the_task_on_commit(self):
        self._complete(2)
        with self.captureOnCommitCallbacks(execute=True):
            batch = batches.certificate_batch_create(cohort=self.group, requested_by=None)
        batch.refresh_from_db()
        self.assertEqual(batch.state, CertificateBatch.State.DONE)
        self.assertEqual(batch.rendered, 2)


class BatchChunkFailureTests(CertificateTestCase):
    def test_a_chunk_that_crashes_marks_the_batch_failed(self):
        from certificates.tasks import issue_chunk_task

        enrolment = completed_enrolment(course=self.course, cohort=self.group)
        batch = CertificateBatch.objects.create(cohort=self.group, state=CertificateBatch.State.RUNNING, total=1)
        with mock.patch.object(issuance, "new_certificates", side_effect=RuntimeError("disk full")):
            with self.assertRaises(RuntimeError):
                issue_chunk_task.call(batch_id=batch.pk, enrolment_ids=[enrolment.pk])
        batch.refresh_from_db()
        self.assertEqual(batch.state, CertificateBatch.State.FAILED)
        self.assertIn("disk full", batch.last_error)

    def test_total_is_recounted_when_someone_else_issued_meanwhile(self):
        enrolments = [completed_enrolment(course=self.course, cohort=self.group) for _ in range(3)]
        batch = CertificateBatch.objects.create(cohort=self.group)
        plan = batches.certificate_batch_plan(batch=batch)
        self.assertEqual(CertificateBatch.objects.get(pk=batch.pk).total, 3)
        issuance.certificate_issue(enrolment=enrolments[0], render=False)  # the automatic issue got there first
        batches.certificate_batch_issue_chunk(batch_id=batch.pk, enrolment_ids=plan.enrolment_chunks[0])
        batch.refresh_from_db()
        self.assertEqual((batch.total, batch.rendered, batch.state), (2, 2, CertificateBatch.State.DONE))
