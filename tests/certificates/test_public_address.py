"""Issue 12, item 5: a certificate's QR code, printed link, email, admin page and data download name the site's
public address (PUBLIC_BASE_URL), never another host; ``rerender_certificates`` fixes PDFs drawn with a wrong one.

The PDFs here are the real renderer's: the QR code is decoded with zxing-cpp and the printed text extracted.
"""

import io
import shutil
import tempfile
from pathlib import Path

from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings
from django.urls import reverse

from certificates import signing
from certificates.management.commands.certificates_dev_key import create_dev_key
from certificates.models import IssuedCertificate
from certificates.receivers import certificates_for_download
from certificates.services import issuance
from learners.models import AuditEvent
from learners.privacy import services as privacy_services
from tests.certificates.test_pdf import extract_text, squash
from tests.certificates.test_qr import decode_page
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import learner, make_user

PUBLIC = "https://escuela.example.cl"
OLD = "http://127.0.0.1:8000"  # the default address every certificate got before PUBLIC_BASE_URL existed


def public(url: str):
    """A site whose public address is ``url``: PUBLIC_BASE_URL alone decides (cms derives Wagtail's
    WAGTAILADMIN_BASE_URL from it; the platform never reads that one when PUBLIC_BASE_URL is set)."""
    return override_settings(PUBLIC_BASE_URL=url)


def stored_pdf(certificate: IssuedCertificate) -> bytes:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return handle.read()


class PublicAddressTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Presupuestos participativos")
        cls.template = make_template(issuer=make_issuer(short_code="AMUCH"), is_default=True)

    def issue(self, email: str, run: str) -> IssuedCertificate:
        user = learner(given_names="Ana", family_names="Rojas", email=email, run=run)
        with self.captureOnCommitCallbacks(execute=True):
            certificate = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course, user=user))
        certificate.refresh_from_db()
        self.assertEqual(certificate.render_state, IssuedCertificate.RenderState.DONE, certificate.render_error)
        return certificate


@public(PUBLIC)
class IssuedCertificateLinkTests(PublicAddressTestCase):
    def test_qr_code_and_printed_link_name_the_public_address(self):
        certificate = self.issue("ana@example.cl", "12345678-5")
        expected = f"{PUBLIC}/certificados/verificar/{certificate.code}/"
        document = stored_pdf(certificate)
        self.assertEqual(decode_page(document), [expected])
        self.assertIn(squash(expected), squash(extract_text(document)))
        self.assertEqual(certificate.snapshot["verify_url"], expected)

    def test_the_email_links_to_the_public_address(self):
        certificate = self.issue("ana@example.cl", "12345678-5")
        (message,) = mail.outbox
        self.assertIn(f"{PUBLIC}/certificados/verificar/{certificate.code}/", message.body)
        self.assertIn(f"{PUBLIC}{reverse('learners:dashboard')}", message.body)
        self.assertNotIn("testserver", message.body)
        self.assertNotIn("127.0.0.1", message.body)

    def test_admin_page_and_data_download_give_the_public_verify_link(self):
        certificate = self.issue("ana@example.cl", "12345678-5")
        expected = f"{PUBLIC}/certificados/verificar/{certificate.code}/"
        self.client.force_login(make_user(email="admin@example.cl", is_superuser=True, is_staff=True))
        response = self.client.get(reverse("certificates_issued:inspect", args=[certificate.pk]))
        self.assertContains(response, expected)
        (row,) = certificates_for_download(sender=None, user=certificate.user)["certificates"]
        self.assertEqual(row["verify_url"], expected)

    def test_a_certificate_issued_before_a_move_gets_the_new_address_when_its_pdf_is_drawn(self):
        with public(OLD):
            user = learner(email="ana@example.cl", run="12345678-5")
            certificate = issuance.certificate_issue(
                enrolment=completed_enrolment(course=self.course, user=user), render=False
            )
        self.assertTrue(certificate.snapshot["verify_url"].startswith(OLD))
        with self.captureOnCommitCallbacks(execute=True):
            issuance.enqueue_render_on_commit([certificate.pk])
        expected = f"{PUBLIC}/certificados/verificar/{certificate.code}/"
        self.assertEqual(decode_page(stored_pdf(certificate)), [expected])
        self.assertEqual(certificate.snapshot["verify_url"], expected)


class RerenderCommandTests(PublicAddressTestCase):
    """Certificates drawn under the old default address, one already right, one of a learner whose data were
    deleted; the site then moves to PUBLIC."""

    def setUp(self):
        folder = Path(tempfile.mkdtemp(prefix="rerender-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        self.key, self.cert = folder / "key.pem", folder / "cert.pem"
        create_dev_key(self.key, self.cert)
        signed = override_settings(CERTIFICATES_SIGNING_KEY=str(self.key), CERTIFICATES_SIGNING_CERT=str(self.cert))
        signed.enable()
        self.addCleanup(signed.disable)
        with public(OLD):
            self.wrong = [self.issue("ana@example.cl", "12345678-5"), self.issue("eva@example.cl", "11111111-1")]
            erased = self.issue("luz@example.cl", "22222222-2")
            privacy_services.learner_delete(user=erased.user, by=None)
        self.erased = IssuedCertificate.objects.get(pk=erased.pk)
        with public(PUBLIC):
            self.right = self.issue("sol@example.cl", "33333333-3")
        self.before = {c.pk: c for c in IssuedCertificate.objects.all()}

    def run_command(self, *args) -> str:
        output = io.StringIO()
        with public(PUBLIC), self.captureOnCommitCallbacks(execute=True):
            call_command("rerender_certificates", *args, stdout=output)
        return output.getvalue()

    def changed(self) -> set[int]:
        return {c.pk for c in IssuedCertificate.objects.all() if c.pdf_sha256 != self.before[c.pk].pdf_sha256}

    def test_only_wrong_links_are_drawn_again_keeping_folio_code_and_printed_data(self):
        output = self.run_command("--wrong-link")
        self.assertIn("Drawn again: 2.", output)
        self.assertEqual(self.changed(), {c.pk for c in self.wrong})
        for old in self.wrong:
            certificate = IssuedCertificate.objects.get(pk=old.pk)
            expected = f"{PUBLIC}/certificados/verificar/{old.code}/"
            document = stored_pdf(certificate)
            self.assertEqual(decode_page(document), [expected])
            self.assertIn(squash(expected), squash(extract_text(document)))
            self.assertTrue(signing.verify_pdf(document, trust=[self.cert]).valid)
            self.assertEqual((certificate.folio, certificate.code), (old.folio, old.code))
            self.assertEqual(
                {k: v for k, v in certificate.snapshot.items() if k != "verify_url"},
                {k: v for k, v in old.snapshot.items() if k != "verify_url"},
            )
            self.assertEqual(certificate.snapshot["verify_url"], expected)
            self.assertFalse(old.pdf.storage.exists(old.pdf.name))  # the old file is gone
            entry = AuditEvent.objects.get(action="certificate.rerendered", subject_id=str(old.pk))
            self.assertEqual(entry.actor_label, "sistema")
            self.assertEqual(
                entry.data,
                {"folio": old.folio, "old_url": f"{OLD}/certificados/verificar/{old.code}/", "new_url": expected},
            )
        self.assertEqual(AuditEvent.objects.filter(action="certificate.rerendered").count(), 2)
        erased = IssuedCertificate.objects.get(pk=self.erased.pk)
        self.assertEqual((erased.pdf.name, erased.snapshot), ("", self.erased.snapshot))

    def test_a_second_run_changes_nothing(self):
        self.run_command()
        after_first = {c.pk: (c.pdf.name, c.pdf_sha256, c.snapshot) for c in IssuedCertificate.objects.all()}
        output = self.run_command()
        self.assertIn("Drawn again: 0.", output)
        self.assertEqual(
            {c.pk: (c.pdf.name, c.pdf_sha256, c.snapshot) for c in IssuedCertificate.objects.all()}, after_first
        )
        self.assertEqual(AuditEvent.objects.filter(action="certificate.rerendered").count(), 2)

    def test_dry_run_lists_the_wrong_ones_and_changes_nothing(self):
        output = self.run_command("--dry-run")
        for certificate in self.wrong:
            self.assertIn(certificate.folio, output)
        self.assertNotIn(self.right.folio, output)
        self.assertNotIn(self.erased.folio, output)
        self.assertIn("Would draw again: 2.", output)
        self.assertEqual(self.changed(), set())
        self.assertFalse(AuditEvent.objects.filter(action="certificate.rerendered").exists())

    def test_an_interrupted_run_is_finished_by_running_it_again(self):
        missing_key = override_settings(CERTIFICATES_SIGNING_KEY=str(self.key.with_name("missing.pem")))
        with missing_key, self.assertRaises(CommandError):
            self.run_command()
        self.assertEqual(self.changed(), set())
        self.assertIn("Drawn again: 2.", self.run_command())
        self.assertEqual(self.changed(), {c.pk for c in self.wrong})

    def test_all_draws_every_stored_pdf_and_resumes_after_an_id(self):
        first, second = sorted(self.wrong, key=lambda c: c.pk)
        self.assertIn("Drawn again: 2.", self.run_command("--all", "--after-id", str(first.pk)))
        self.assertEqual(self.changed(), {second.pk, self.right.pk})
        self.assertEqual(IssuedCertificate.objects.get(pk=self.right.pk).snapshot, self.right.snapshot)
        self.run_command("--all")
        self.assertEqual(self.changed(), {first.pk, second.pk, self.right.pk})
        self.assertEqual(IssuedCertificate.objects.get(pk=self.erased.pk).pdf.name, "")
