from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site

from certificates.models import CertificateTemplate
from cms.demo import DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USERNAME
from cms.models import HomePage
from courses.models import Comuna, CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.models.pages import ThematicArea
from learners.models import Cohort, Enrolment, LearnerProfile, Session


def counts():
    return {
        "pages": Page.objects.count(),
        "courses": CoursePage.objects.count(),
        "modules": ModulePage.objects.count(),
        "lessons": LessonPage.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "users": get_user_model().objects.count(),
        "comunas": Comuna.objects.count(),
        "featured": HomePage.objects.get().featured_courses.count(),
        "revisions": Revision.objects.count(),
        "profiles": LearnerProfile.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "cohorts": Cohort.objects.count(),
        "sessions": Session.objects.count(),
        "certificate_templates": CertificateTemplate.objects.count(),
    }


@override_settings(DEBUG=True)
class DemoLoaderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with cls.captureOnCommitCallbacks(execute=True):  # completing the demo course issues its certificate
            call_command("load_demo_data", stdout=StringIO())

    def test_running_twice_leaves_the_same_counts(self):
        before = counts()
        output = StringIO()
        call_command("load_demo_data", stdout=output)
        self.assertEqual(counts(), before)
        self.assertIn("0 pages", output.getvalue())

    def test_the_demo_learner_has_a_completed_course_with_a_certificate(self):
        from certificates.models import IssuedCertificate

        certificate = IssuedCertificate.objects.get(user__username="vecina@example.cl")
        self.assertEqual(certificate.status, IssuedCertificate.Status.VALID)
        self.assertEqual(certificate.enrolment.status, Enrolment.Status.COMPLETED)
        self.assertTrue(certificate.pdf.name)
        self.assertEqual(self.client.get(f"/certificados/verificar/{certificate.code}/").status_code, 200)

    def test_the_site_record_and_the_printed_links_use_the_public_address(self):
        from certificates.models import IssuedCertificate
        from tests.certificates.test_qr import decode_page

        site = Site.objects.get(is_default_site=True)
        self.assertEqual((site.hostname, site.port, site.root_url), ("testserver", 80, "http://testserver"))
        certificate = IssuedCertificate.objects.get(user__username="vecina@example.cl")
        with certificate.pdf.open("rb") as handle:
            self.assertEqual(
                decode_page(handle.read()), [f"http://testserver/certificados/verificar/{certificate.code}/"]
            )

    def test_there_is_a_default_certificate_template(self):
        template = CertificateTemplate.objects.get(is_default=True)
        self.assertEqual(template.issuer.short_code, "AMUCH")
        self.assertEqual(template.signatories.count(), 2)

    def test_catalogue_content(self):
        courses = CoursePage.objects.live()
        self.assertGreaterEqual(courses.count(), 4)
        areas = set(courses.values_list("thematic_area", flat=True))
        for area in (
            ThematicArea.CIVIC,
            ThematicArea.LEADERSHIP,
            ThematicArea.LOCAL_PROJECTS,
            ThematicArea.PARTICIPATION,
        ):
            self.assertIn(area, areas)
        for course in courses:
            modules = ModulePage.objects.child_of(course).live()
            self.assertGreaterEqual(modules.count(), 3, course.title)
            for module in modules:
                self.assertGreaterEqual(LessonPage.objects.child_of(module).live().count(), 2, module.title)
            self.assertTrue(course.instructors.exists())
            self.assertIsNotNone(course.cover_image)
        self.assertEqual(CourseIndexPage.objects.live().count(), 1)
        self.assertEqual(Comuna.objects.count(), 346)

    def test_demo_learner_and_cohort(self):
        self.assertEqual(LearnerProfile.objects.count(), 1)
        self.assertEqual(
            set(Enrolment.objects.values_list("status", "cohort__name")),
            {("active", None), ("active", Cohort.objects.get().name), ("completed", None)},
        )
        self.assertEqual(Cohort.objects.get().sessions.count(), 6)

    def test_demo_pages_render(self):
        home = HomePage.objects.get()
        self.assertEqual(self.client.get("/").status_code, 200)
        for page in [home, *CoursePage.objects.live()[:2], *LessonPage.objects.live()[:3]]:
            self.assertEqual(self.client.get(page.url).status_code, 200, page.url)
        self.assertEqual(self.client.get("/cursos/?q=junta").status_code, 200)

    def test_demo_documents_download(self):
        document = get_document_model().objects.first()
        response = self.client.get(document.url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF-"))

    def test_local_admin_can_log_in(self):
        user = get_user_model().objects.get(username=DEMO_ADMIN_USERNAME)
        self.assertTrue(user.is_superuser)
        self.assertTrue(self.client.login(username=DEMO_ADMIN_USERNAME, password=DEMO_ADMIN_PASSWORD))
        response = self.client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Panel de control")  # the admin speaks Spanish too
        catalogue = CourseIndexPage.objects.get()
        response = self.client.get(f"/admin/pages/{catalogue.pk}/")
        self.assertContains(response, "Participación ciudadana local")


class DemoLoaderSafetyTests(TestCase):
    @override_settings(DEBUG=False)
    def test_refuses_without_debug(self):
        with self.assertRaisesMessage(CommandError, "DEBUG is off"):
            call_command("load_demo_data", stdout=StringIO())
        self.assertFalse(get_user_model().objects.exists())
        self.assertFalse(CoursePage.objects.exists())
