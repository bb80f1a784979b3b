import io
import zipfile

from django.test import override_settings
from django.urls import reverse

from certificates.models import CertificateBatch, CertificateTemplate, IssuanceFailure, IssuedCertificate
from certificates.services import batches, issuance, revocation
from tests.certificates.test_services import FAKE_PDF, CertificateTestCase, fake_render
from tests.csv_files import csv_body, csv_rows
from tests.factories.certificates import completed_enrolment
from tests.factories.learners import learner, make_user
from tests.learners.test_admin import grant


class AdminTestCase(CertificateTestCase):
    def setUp(self):
        super().setUp()
        self.admin = make_user(email="admin@example.cl", is_superuser=True, is_staff=True)
        self.client.force_login(self.admin)
        self.ana = learner(given_names="Ana", family_names="Rojas", run="12345678-5", email="ana@example.cl")
        with self.captureOnCommitCallbacks(execute=True):
            self.certificate = issuance.certificate_issue(
                enrolment=completed_enrolment(course=self.course, cohort=self.group, user=self.ana)
            )
        self.certificate.refresh_from_db()


class AdminTests(AdminTestCase):
    def test_menu_lists_the_certificate_items_in_the_citizen_school_group(self):
        response = self.client.get("/admin/")
        for url in (
            "/admin/certificates/issued/",
            "/admin/certificates/batches/",
            "/admin/snippets/certificates/certificatetemplate/",
        ):
            self.assertContains(response, url)

    def test_search_by_folio_code_name_and_run(self):
        other = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course), render=False)
        url = reverse("certificates_issued:index")
        for query in (self.certificate.folio, self.certificate.code_display.lower(), "rojas", "12.345.678-5"):
            response = self.client.get(url, {"q": query})
            ids = [obj.pk for obj in response.context["object_list"]]
            self.assertEqual(ids, [self.certificate.pk], query)
        self.assertEqual(len(self.client.get(url).context["object_list"]), 2)
        self.assertContains(self.client.get(url), other.folio)

    def test_inspect_shows_the_actions(self):
        response = self.client.get(reverse("certificates_issued:inspect", args=[self.certificate.pk]))
        self.assertContains(response, reverse("certificates_revoke", args=[self.certificate.pk]))
        self.assertContains(response, reverse("certificates_reissue", args=[self.certificate.pk]))
        self.assertContains(response, reverse("certificates:download", args=[self.certificate.pk]))
        self.assertContains(response, "12.345.678-5")

    def test_revoke_needs_post_and_a_reason(self):
        url = reverse("certificates_revoke", args=[self.certificate.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.post(url, {"reason": ""}).status_code, 400)
        response = self.client.post(url, {"reason": "Datos erróneos"})
        self.assertRedirects(response, reverse("certificates_issued:inspect", args=[self.certificate.pk]))
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.status, IssuedCertificate.Status.REVOKED)
        self.assertEqual(self.certificate.revoked_by, self.admin)

    def test_revoke_is_csrf_protected(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.admin)
        response = client.post(reverse("certificates_revoke", args=[self.certificate.pk]), {"reason": "x"})
        self.assertEqual(response.status_code, 403)
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.status, IssuedCertificate.Status.VALID)

    def test_reissue_from_the_admin(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("certificates_reissue", args=[self.certificate.pk]), {"reason": "Cambio de nombre"}
            )
        new = IssuedCertificate.objects.get(replaces=self.certificate)
        self.assertRedirects(response, reverse("certificates_issued:inspect", args=[new.pk]))
        self.assertEqual(new.render_state, IssuedCertificate.RenderState.DONE)

    def test_staff_without_permission_cannot_act(self):
        viewer = grant(
            make_user(email="viewer@example.cl"), "wagtailadmin.access_admin", "certificates.view_issuedcertificate"
        )
        self.client.force_login(viewer)
        self.assertEqual(self.client.get(reverse("certificates_issued:index")).status_code, 200)
        for name in ("certificates_revoke", "certificates_reissue", "certificates_retry"):
            response = self.client.post(reverse(name, args=[self.certificate.pk]), {"reason": "x"})
            self.assertEqual(response.status_code, 302, name)  # permission_denied redirects to the admin home
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.status, IssuedCertificate.Status.VALID)
        self.assertEqual(self.client.post(reverse("certificates_issue_one"), {}).status_code, 302)

    def test_issue_one_learner_by_run(self):
        bea = learner(given_names="Bea", run="11111111-1")
        enrolment = completed_enrolment(course=self.course, user=bea)
        response = self.client.post(
            reverse("certificates_issue_one"), {"learner": "11.111.111-1", "course": self.course.pk}
        )
        certificate = IssuedCertificate.objects.get(enrolment=enrolment)
        self.assertRedirects(response, reverse("certificates_issued:inspect", args=[certificate.pk]))
        self.assertEqual(certificate.issued_by, self.admin)
        response = self.client.post(
            reverse("certificates_issue_one"), {"learner": "nadie@example.cl", "course": self.course.pk}
        )
        self.assertEqual(response.status_code, 400)

    def test_retry_a_failed_pdf(self):
        IssuedCertificate.objects.filter(pk=self.certificate.pk).update(render_state="failed", render_error="boom")
        response = self.client.get(reverse("certificates_issued:inspect", args=[self.certificate.pk]))
        self.assertContains(response, "boom")
        self.client.post(reverse("certificates_retry", args=[self.certificate.pk]))
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.render_state, IssuedCertificate.RenderState.DONE)

    def test_failed_automatic_issue_is_listed_and_retried(self):
        CertificateTemplate.objects.update(is_default=False)
        enrolment = completed_enrolment(course=self.course)
        issuance.certificate_issue_automatically(enrolment_id=enrolment.pk)
        failure = IssuanceFailure.objects.get()
        response = self.client.get(reverse("certificates_failure:index"))
        self.assertContains(response, reverse("certificates_failure_retry", args=[failure.pk]))
        CertificateTemplate.objects.filter(pk=self.template.pk).update(is_default=True)
        response = self.client.post(reverse("certificates_failure_retry", args=[failure.pk]))
        self.assertTrue(IssuedCertificate.objects.filter(enrolment=enrolment).exists())
        self.assertFalse(IssuanceFailure.objects.exists())

    def test_bulk_issue_for_a_cohort_with_progress(self):
        for _ in range(3):
            completed_enrolment(course=self.course, cohort=self.group)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("certificates_batch:add"), {"cohort": self.group.pk, "confirm": "1"})
        batch = CertificateBatch.objects.get()
        self.assertRedirects(response, reverse("certificates_batch:inspect", args=[batch.pk]))
        progress = self.client.get(reverse("certificates_batch_progress", args=[batch.pk])).json()
        self.assertEqual(progress["state"], "done")
        self.assertEqual((progress["percent"], progress["total"], progress["rendered"]), (100, 3, 3))
        response = self.client.get(reverse("certificates_batch:inspect", args=[batch.pk]))
        self.assertContains(response, "<progress")
        self.assertEqual(batch.requested_by, self.admin)

    def test_cohort_zip_holds_every_valid_pdf_and_an_index(self):
        others = [completed_enrolment(course=self.course, cohort=self.group) for _ in range(2)]
        with self.captureOnCommitCallbacks(execute=True):
            issued = [issuance.certificate_issue(enrolment=enrolment) for enrolment in others]
        revocation.certificate_revoke(certificate=issued[1], reason="x", by=self.admin)
        completed_enrolment(course=self.course)  # another course run: not in the ZIP
        response = self.client.get(reverse("certificates_cohort_zip", args=[self.group.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        expected = sorted([f"{self.certificate.folio}.pdf", f"{issued[0].folio}.pdf"])
        self.assertEqual(sorted(name for name in archive.namelist() if name.endswith(".pdf")), expected)
        for name in expected:
            self.assertTrue(archive.read(name).startswith(FAKE_PDF))
        index = csv_body(archive.read("indice.csv"))
        self.assertIn("Ana Rojas", index)
        self.assertNotIn("12.345.678", index)

    def test_cohort_zip_index_writes_a_formula_like_name_as_text(self):
        hostile = learner(given_names='=HYPERLINK("http://x","click")', family_names="Soto", email="h@example.cl")
        enrolment = completed_enrolment(course=self.course, cohort=self.group, user=hostile)
        with self.captureOnCommitCallbacks(execute=True):
            issuance.certificate_issue(enrolment=enrolment)
        response = self.client.get(reverse("certificates_cohort_zip", args=[self.group.pk]))
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        rows = csv_rows(archive.read("indice.csv"))
        self.assertIn('\'=HYPERLINK("http://x","click") Soto', [row[1] for row in rows])
        self.assertFalse([row[1] for row in rows if row[1].startswith("=")])

    def test_cohort_zip_needs_permission(self):
        self.client.force_login(grant(make_user(email="x@example.cl"), "wagtailadmin.access_admin"))
        response = self.client.get(reverse("certificates_cohort_zip", args=[self.group.pk]))
        self.assertEqual(response.status_code, 302)


@override_settings(CERTIFICATES_VERIFY_RATE=(1000, 60))
class ResumeCommandTests(CertificateTestCase):
    def test_resume_requeues_unfinished_batches(self):
        from io import StringIO

        from django.core.management import call_command

        for _ in range(2):
            completed_enrolment(course=self.course, cohort=self.group)
        batch = CertificateBatch.objects.create(cohort=self.group, state=CertificateBatch.State.RUNNING)
        out = StringIO()
        call_command("resume_certificate_batches", stdout=out)
        batch.refresh_from_db()
        self.assertEqual(batch.state, CertificateBatch.State.DONE)
        self.assertEqual(batch.rendered, 2)
        self.assertIn("1", out.getvalue())

    def test_missing_issues_completed_enrolments_without_a_certificate(self):
        from io import StringIO

        from django.core.management import call_command

        old = completed_enrolment(course=self.course)
        revoked = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course), render=False)
        revocation.certificate_revoke(certificate=revoked, reason="x", by=learner())
        out = StringIO()
        call_command("resume_certificate_batches", "--missing", stdout=out)
        self.assertTrue(IssuedCertificate.objects.filter(enrolment=old, status="valid").exists())
        self.assertEqual(IssuedCertificate.objects.filter(enrolment=revoked.enrolment).count(), 1)
        self.assertIn("without a certificate queued: 1", out.getvalue())


class AdminPagesRenderTests(AdminTestCase):
    def test_every_admin_page_renders(self):
        urls = [
            reverse("certificates_batch:add"),
            reverse("certificates_batch:index"),
            reverse("certificates_failure:index"),
            reverse("certificates_assignment:index"),
            reverse("certificates_assignment:add"),
            reverse("certificates_issue_one"),
            reverse("certificates_retry", args=[self.certificate.pk]),
            reverse("wagtailsnippets_certificates_issuer:add"),
            reverse("wagtailsnippets_certificates_issuer:edit", args=[self.issuer.pk]),
            reverse("wagtailsnippets_certificates_certificatetemplate:list"),
            reverse("wagtailsnippets_certificates_certificatetemplate:add"),
            reverse("wagtailsnippets_certificates_certificatetemplate:edit", args=[self.template.pk]),
        ]
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_template_listing_offers_the_sample_pdf(self):
        response = self.client.get(reverse("wagtailsnippets_certificates_certificatetemplate:list"))
        self.assertContains(response, reverse("certificates_template_sample", args=[self.template.pk]))

    def test_saving_a_template_in_the_admin_bumps_its_version(self):
        from wagtail.test.utils.form_data import inline_formset, nested_form_data

        version = CertificateTemplate.objects.get(pk=self.template.pk).version
        data = nested_form_data(
            {
                "name": "Plantilla AMUCH",
                "issuer": self.issuer.pk,
                "kind": "aprobacion",
                "orientation": "portrait",
                "is_default": "on",
                "title": "Certificado de aprobación",
                "body": "Se certifica que {nombre} aprobó {curso}.",
                "signatories": inline_formset([{"name": "Ana", "role": "Directora"}]),
            }
        )
        url = reverse("wagtailsnippets_certificates_certificatetemplate:edit", args=[self.template.pk])
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        template = CertificateTemplate.objects.get(pk=self.template.pk)
        self.assertEqual(template.version, version + 1)
        self.assertEqual(self.certificate.template_version, version)

    def test_unknown_placeholders_are_refused(self):
        from wagtail.test.utils.form_data import inline_formset, nested_form_data

        data = nested_form_data(
            {
                "name": "Mala",
                "issuer": self.issuer.pk,
                "kind": "aprobacion",
                "orientation": "landscape",
                "title": "T",
                "body": "Hola {nombre.__class__} {rut}",
                "signatories": inline_formset([]),
            }
        )
        response = self.client.post(reverse("wagtailsnippets_certificates_certificatetemplate:add"), data)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(CertificateTemplate.objects.filter(name="Mala").exists())


class BatchRetryTests(AdminTestCase):
    def test_failed_pdfs_of_a_batch_are_retried(self):
        for _ in range(2):
            completed_enrolment(course=self.course, cohort=self.group)
        self.render.side_effect = [fake_render({"folio": "A"}), ValueError("sin fuente")]
        batch = batches.certificate_bulk_issue(batch=CertificateBatch.objects.create(cohort=self.group))
        self.assertEqual(batch.state, CertificateBatch.State.FAILED)
        response = self.client.get(reverse("certificates_batch:inspect", args=[batch.pk]))
        self.assertContains(response, reverse("certificates_batch_retry", args=[batch.pk]))
        self.render.side_effect = fake_render
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("certificates_batch_retry", args=[batch.pk]))
        batch.refresh_from_db()
        self.assertEqual((batch.state, batch.rendered, batch.failed, batch.last_error), ("done", 2, 0, ""))
        self.assertEqual(self.client.get(reverse("certificates_batch_retry", args=[batch.pk])).status_code, 405)

    def test_cohort_filter_offers_the_zip(self):
        response = self.client.get(reverse("certificates_issued:index"), {"cohort": self.group.pk})
        self.assertContains(response, reverse("certificates_cohort_zip", args=[self.group.pk]))
