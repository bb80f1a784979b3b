from django.contrib.auth.models import Permission

from certificates.services import issuance, revocation
from tests.certificates.test_services import FAKE_PDF, CertificateTestCase
from tests.factories.certificates import completed_enrolment
from tests.factories.learners import learner


class DownloadTests(CertificateTestCase):
    def setUp(self):
        super().setUp()
        self.owner = learner(email="ana@example.cl")
        with self.captureOnCommitCallbacks(execute=True):
            self.certificate = issuance.certificate_issue(
                enrolment=completed_enrolment(course=self.course, user=self.owner)
            )
        self.url = f"/certificados/{self.certificate.pk}/descargar/"

    def test_owner_downloads_her_pdf(self):
        self.client.force_login(self.owner)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn(f'filename="{self.certificate.folio}.pdf"', response["Content-Disposition"])
        self.assertIn("no-store", response["Cache-Control"])
        self.assertTrue(b"".join(response.streaming_content).startswith(FAKE_PDF))

    def test_other_learners_get_404(self):
        self.client.force_login(learner())
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.get("/certificados/999999/descargar/").status_code, 404)

    def test_anonymous_visitors_are_sent_to_log_in(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("next=", response["Location"])

    def test_staff_with_permission_download(self):
        staff = learner(email="staff@example.cl")
        staff.user_permissions.add(Permission.objects.get(codename="view_issuedcertificate"))
        self.client.force_login(staff)
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_the_pdf_is_not_under_a_public_url(self):
        from django.conf import settings

        self.certificate.refresh_from_db()
        path = self.certificate.pdf.path
        self.assertFalse(path.startswith(str(settings.MEDIA_ROOT)))
        self.assertTrue(path.startswith(str(settings.CERTIFICATES_PRIVATE_ROOT)))


class DashboardTests(CertificateTestCase):
    def test_completed_course_shows_download_and_verify_links(self):
        owner = learner()
        with self.captureOnCommitCallbacks(execute=True):
            certificate = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course, user=owner))
        self.client.force_login(owner)
        response = self.client.get("/mis-cursos/")
        self.assertContains(response, f'href="/certificados/{certificate.pk}/descargar/"')
        self.assertContains(response, f'href="/certificados/verificar/{certificate.code}/"')
        self.assertContains(response, f'data-certificate="{certificate.folio}"')

    def test_a_certificate_issued_shows_at_once_in_a_fixed_number_of_queries(self):
        from tests.learners.test_query_budgets import DASHBOARD_QUERIES

        owner = learner()
        enrolment = completed_enrolment(course=self.course, user=owner)
        self.client.force_login(owner)
        for _ in range(2):  # fills the page cache (the course and its lessons, the same for everyone)
            waiting = self.client.get("/mis-cursos/")
        self.assertContains(waiting, "Certificado: aparecerá aquí cuando la academia lo emita.")
        with self.captureOnCommitCallbacks(execute=True):
            certificate = issuance.certificate_issue(enrolment=enrolment)
        with self.assertNumQueries(DASHBOARD_QUERIES + 1):  # … and her certificates
            response = self.client.get("/mis-cursos/")
        self.assertContains(response, f'href="/certificados/{certificate.pk}/descargar/"')
        self.assertNotContains(response, "aparecerá aquí")
        revocation.certificate_revoke(certificate=certificate, reason="Error en los datos", by=learner())
        self.assertContains(self.client.get("/mis-cursos/"), "Certificado: revocado por la academia.")

    def test_a_pending_pdf_says_so(self):
        owner = learner()
        issuance.certificate_issue(enrolment=completed_enrolment(course=self.course, user=owner), render=False)
        self.client.force_login(owner)
        response = self.client.get("/mis-cursos/")
        self.assertNotContains(response, "/descargar/")
        self.assertContains(response, "certificate-line")
