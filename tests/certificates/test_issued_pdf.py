"""End to end with the real renderer: an issued certificate's stored PDF prints its snapshot."""

from datetime import date

from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse

from certificates.models import IssuedCertificate, Signatory
from certificates.services import issuance
from learners.models import AttendanceRecord
from tests.certificates.test_pdf import extract_text, squash
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import cohort, learner, session


class IssuedPdfTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Presupuestos participativos")
        cls.issuer = make_issuer(short_code="AMUCH", name="Asociación de Municipalidades de Chile", city="Temuco")
        cls.template = make_template(
            issuer=cls.issuer,
            is_default=True,
            signatories=(("Ana Pérez", "Directora académica"), ("Luis Soto Núñez", "Alcalde")),
        )
        cls.group = cohort(course=cls.course, starts_on=date(2026, 3, 2), ends_on=date(2026, 5, 29))

    def test_the_stored_pdf_holds_every_printed_field(self):
        session(cohort=self.group, on=date(2026, 3, 3))
        user = learner(given_names="Nguyễn Thị", family_names="Muñoz Güell", run="12345678-5")
        with self.captureOnCommitCallbacks(execute=True):
            certificate = issuance.certificate_issue(
                enrolment=completed_enrolment(course=self.course, cohort=self.group, user=user)
            )
        certificate.refresh_from_db()
        self.assertEqual(certificate.render_state, IssuedCertificate.RenderState.DONE, certificate.render_error)
        with certificate.pdf.open("rb") as handle:
            text = squash(extract_text(handle.read()))
        snap = certificate.snapshot
        fields = [
            snap["title"],
            snap["issuer_name"],
            snap["issuer_rut"],
            snap["learner_name"],
            snap["learner_run"],
            snap["course_title"],
            snap["duration"],
            snap["modality"],
            snap["dates"],
            snap["grade"],
            snap["attendance"],
            snap["city_and_date"],
            snap["folio"],
            snap["code_display"],
            snap["verify_url"],
            "Ana Pérez",
            "Directora académica",
            "Luis Soto Núñez",
            "Alcalde",
        ]
        self.assertEqual(snap["attendance"], "0 %")
        for value in filter(None, fields):
            self.assertIn(squash(value), text, value)
        self.assertIn("nguyễn thị muñoz güell", text)
        self.assertIn("temuco, ", text)

    def test_hours_from_attendance_print_the_hours_of_the_sessions_attended(self):
        """Issue 14 item 4: with "horas certificadas según asistencia" the certificate states the hours of the
        sessions the learner was present at (a QR check-in counts like an instructor's mark)."""
        first = session(cohort=self.group, on=date(2026, 3, 3), hours="2.0")
        second = session(cohort=self.group, on=date(2026, 3, 10), hours="3.5")
        third = session(cohort=self.group, on=date(2026, 3, 17), hours="2.0")
        self.course.hours_from_attendance = True
        self.course.save()
        user = learner(given_names="Rosa", family_names="Huenchullán", run="12345678-5")
        enrolment = completed_enrolment(course=self.course, cohort=self.group, user=user)
        AttendanceRecord.objects.create(session=first, enrolment=enrolment, status="present", method="qr")
        AttendanceRecord.objects.create(session=second, enrolment=enrolment, status="present", method="instructor")
        AttendanceRecord.objects.create(session=third, enrolment=enrolment, status="absent", method="instructor")
        with self.captureOnCommitCallbacks(execute=True):
            certificate = issuance.certificate_issue(enrolment=enrolment)
        certificate.refresh_from_db()
        self.assertEqual(certificate.render_state, IssuedCertificate.RenderState.DONE, certificate.render_error)
        snap = certificate.snapshot
        self.assertEqual(snap["hours"], "5,5")
        self.assertEqual(snap["duration"], "5,5 horas cronológicas")
        self.assertIn("de 5,5 horas cronológicas", snap["body"])
        with certificate.pdf.open("rb") as handle:
            text = squash(extract_text(handle.read()))
        self.assertIn(squash("5,5 horas cronológicas"), text)
        self.assertNotIn(squash(f"{self.course.duration_hours} horas"), text)

    def test_without_the_option_the_course_duration_is_printed(self):
        first = session(cohort=self.group, on=date(2026, 3, 3), hours="2.0")
        enrolment = completed_enrolment(course=self.course, cohort=self.group, user=learner(run="12345678-5"))
        AttendanceRecord.objects.create(session=first, enrolment=enrolment, status="present", method="qr")
        certificate = issuance.certificate_issue(enrolment=enrolment, render=False)
        self.assertEqual(certificate.snapshot["hours"], "8")

    def test_template_preview_is_a_sample_pdf(self):
        staff = learner(email="editor@example.cl")
        staff.is_staff = True
        staff.save()
        staff.user_permissions.add(
            Permission.objects.get(codename="access_admin"),
            Permission.objects.get(codename="change_certificatetemplate"),
        )
        self.client.force_login(staff)
        response = self.client.get(f"/admin/certificates/templates/{self.template.pk}/sample.pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = squash(extract_text(response.content))
        self.assertIn("nguyễn muñoz agüero", text)
        self.assertIn("amuch-", text)

    def _preview(self, url, **fields):
        """The editor's preview panel: the form is posted as it is (unsaved), then the panel loads the PDF."""
        from wagtail.test.utils.form_data import inline_formset, nested_form_data

        staff = learner(email="editor@example.cl")
        staff.is_staff = True
        staff.save()
        staff.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["access_admin", "add_certificatetemplate", "change_certificatetemplate"]
            )
        )
        self.client.force_login(staff)
        data = {"name": "Plantilla", "kind": "aprobacion", "orientation": "landscape", "title": "T", "body": "{nombre}"}
        data = nested_form_data({**data, **fields, "signatories": inline_formset([])})
        self.assertEqual(self.client.post(url, data).json(), {"is_valid": True, "is_available": True})
        return self.client.get(url, {"in_preview_panel": "true"})

    def test_the_editor_preview_renders_unsaved_changes(self):
        url = reverse("wagtailsnippets_certificates_certificatetemplate:preview_on_edit", args=[self.template.pk])
        response = self._preview(url, issuer=self.issuer.pk, title="Certificado de participación especial")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("certificado de participación especial", squash(extract_text(response.content)))
        self.template.refresh_from_db()
        self.assertEqual(self.template.title, "Certificado de aprobación")

    def test_the_preview_of_a_new_template_is_a_pdf(self):
        url = reverse("wagtailsnippets_certificates_certificatetemplate:preview_on_add")
        response = self._preview(url, issuer=self.issuer.pk, title="Borrador")
        self.assertEqual(response.status_code, 200)
        self.assertIn("borrador", squash(extract_text(response.content)))

    def test_preview_without_an_issuer_still_renders(self):
        from certificates.admin_views import sample_pdf
        from certificates.models import CertificateTemplate

        self.assertTrue(sample_pdf(CertificateTemplate(title="Borrador", body="{nombre}")).startswith(b"%PDF-"))

    def test_logo_and_signature_images_reach_the_pdf(self):
        from io import BytesIO

        import wagtail_factories
        from pypdf import PdfReader

        logo = wagtail_factories.ImageFactory(file__width=200, file__height=120, file__color="navy")
        signature = wagtail_factories.ImageFactory(file__width=300, file__height=100, file__format="JPEG")
        self.issuer.logo = logo
        self.issuer.save()
        # The stored row (the template's in-memory children are a ClusterableModel copy without reliable pks).
        Signatory.objects.filter(template=self.template).update(signature=signature)
        with self.captureOnCommitCallbacks(execute=True):
            certificate = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course))
        certificate.refresh_from_db()
        self.assertEqual(certificate.snapshot["issuer_logo"], logo.file.name)
        self.assertEqual(certificate.snapshot["signatories"][0]["signature"], signature.file.name)
        with certificate.pdf.open("rb") as handle:
            page = PdfReader(BytesIO(handle.read())).pages[0]
        self.assertGreaterEqual(len(page.images), 2)
