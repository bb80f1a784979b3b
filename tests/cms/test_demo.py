import json
from io import StringIO
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site

from certificates.models import CertificateTemplate
from cms.demo import DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USERNAME, DEMO_LEARNER_EMAIL, DEMO_LEARNER_PASSWORD
from cms.demo_staff import DEMO_CLASSMATES, DEMO_INSTRUCTOR_EMAIL
from cms.models import HomePage
from courses.models import Comuna, CourseIndexPage, CoursePage, LessonPage, ModulePage, School
from courses.models.pages import ThematicArea
from learners.gradebook.selectors import FLAG_FEEDBACK, FLAG_INACTIVE, FLAG_NOT_STARTED, cohort_gradebook
from learners.models import Cohort, Enrolment, LearnerProfile, Session


def academy_home() -> HomePage:
    return Site.objects.get(is_default_site=True).root_page.specific


def academy_courses():
    return CoursePage.objects.live().descendant_of(academy_home())


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
        "featured": academy_home().featured_courses.count(),
        "schools": School.objects.count(),
        "sites": Site.objects.count(),
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
        courses = academy_courses()
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
        self.assertEqual(CourseIndexPage.objects.live().descendant_of(academy_home()).count(), 1)
        self.assertEqual(Comuna.objects.count(), 346)

    def test_demo_learner_and_cohort(self):
        self.assertEqual(LearnerProfile.objects.count(), 1 + len(DEMO_CLASSMATES))
        learner = Enrolment.objects.filter(user__username="vecina@example.cl")
        in_person = Cohort.objects.get(name__startswith="Peñalolén")
        online = Cohort.objects.get(name__startswith="En línea")
        self.assertEqual(
            set(learner.values_list("status", "cohort__name")),
            {("active", online.name), ("active", in_person.name), ("completed", None)},
        )
        self.assertEqual(in_person.sessions.count(), 6)

    def test_the_demo_instructor_has_groups_to_follow(self):
        """The demo instructor teaches both groups, and the online one shows every flag of "Mis grupos"."""
        instructor = get_user_model().objects.get(username=DEMO_INSTRUCTOR_EMAIL)
        self.assertEqual(Cohort.objects.filter(instructors=instructor).count(), 2)
        online = Cohort.objects.get(name__startswith="En línea")
        self.assertEqual(Enrolment.objects.filter(cohort=online).count(), 1 + len(DEMO_CLASSMATES))
        book = cohort_gradebook(cohort=online)
        self.assertEqual(book.total, 1 + len(DEMO_CLASSMATES))
        for flag in (FLAG_NOT_STARTED, FLAG_INACTIVE, FLAG_FEEDBACK):
            self.assertGreater(book.counts.get(flag, 0), 0, flag)
        self.client.force_login(instructor)
        response = self.client.get(f"/equipo/grupos/{online.pk}/")
        self.assertContains(response, "Ernesto")

    def test_demo_pages_render(self):
        home = academy_home()
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
        catalogue = CourseIndexPage.objects.child_of(academy_home()).get()
        response = self.client.get(f"/admin/pages/{catalogue.pk}/")
        self.assertContains(response, "Participación ciudadana local")


class DemoSchoolsTests(TestCase):
    """The demo's three municipal schools beside the academy (issue 15, item 9)."""

    @classmethod
    def setUpTestData(cls):
        with cls.captureOnCommitCallbacks(execute=True):
            call_command("load_demo_data", "--allow-production", stdout=StringIO())

    def test_three_schools_with_branding_a_local_course_and_their_people(self):
        from django.contrib.auth import authenticate

        from cms.demo_schools import DEMO_SCHOOL_PASSWORD, demo_school_logins
        from cms.models import SchoolSettings

        logins = demo_school_logins()
        self.assertEqual(
            [(school.name, school.site.hostname) for school, _admin, _instructor in logins],
            [
                ("Escuela Ciudadana de Peñalolén", "penalolen.localhost"),
                ("Escuela Ciudadana de Valparaíso", "valparaiso.localhost"),
                ("Escuela Ciudadana de Temuco", "temuco.localhost"),
            ],
        )
        for school, admin_email, instructor_email in logins:
            home = school.site.root_page
            school_settings = SchoolSettings.for_site(school.site)
            self.assertNotEqual(school_settings.primary_colour, "#0b3a66", school.name)
            self.assertIsNotNone(school_settings.logo, school.name)
            self.assertTrue(school_settings.privacy_contact_email, school.name)
            courses = CoursePage.objects.live().descendant_of(home)
            self.assertEqual(courses.count(), 1, school.name)
            administrator = authenticate(username=admin_email, password=DEMO_SCHOOL_PASSWORD)
            instructor = authenticate(username=instructor_email, password=DEMO_SCHOOL_PASSWORD)
            self.assertTrue(home.permissions_for_user(administrator).can_publish(), school.name)
            self.assertTrue(courses.get().permissions_for_user(instructor).can_edit(), school.name)
            self.assertFalse(academy_home().permissions_for_user(instructor).can_edit(), school.name)
            response = self.client.get("/", HTTP_HOST=school.site.hostname)
            self.assertContains(response, f"<span>{school.name}</span>")
            self.assertContains(response, f"--brand:{school_settings.primary_colour};")
            response = self.client.get("/cursos/", HTTP_HOST=school.site.hostname)
            self.assertContains(response, courses.get().title)
            self.assertContains(response, "Participación ciudadana local")  # the national catalogue, offered
            self.assertEqual(school.national_courses.count(), academy_courses().count())

    def test_the_academy_keeps_the_default_site(self):
        response = self.client.get("/")
        self.assertContains(response, "<span>Escuela Ciudadana</span>")
        self.assertEqual(response.context["page"].pk, academy_home().pk)


def lesson_text(slug: str) -> str:
    return json.dumps(LessonPage.objects.get(slug=slug).body.get_prep_value(), ensure_ascii=False)


# Lessons that teach a legal procedure whose details a local ordinance or office decides (issue 19, item 10).
LEGAL_HOW_TO_LESSONS = [
    "ordenanza-de-participacion",
    "tu-voz-en-el-cosoc",
    "audiencia-publica",
    "solicitudes-y-reclamos",
    "plebiscito-consulta-cabildo",
    "presupuestos-participativos",
    "unidad-vecinal-y-junta-de-vecinos",
    "antes-de-empezar",
    "asamblea-constitutiva",
    "deposito-y-personalidad-juridica",
    "fondeve",
    "elecciones-de-la-directiva",
    "ferias-y-mercados",
    "formalizacion-basica",
]


@override_settings(DEBUG=True)
class DemoContentTests(TestCase):
    """The demo as guidance people can rely on (issue 19): corrected legal claims, hints, review dates."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_demo_data", "--no-admin", stdout=StringIO())

    def test_no_reflection_prompt_has_an_empty_hint(self):
        prompts = 0
        for lesson in LessonPage.objects.all():
            for block in lesson.body:
                if block.block_type == "reflection":
                    prompts += 1
                    self.assertTrue(block.value["hint"].strip(), lesson.slug)
        self.assertEqual(prompts, LessonPage.objects.count())  # one in every lesson

    def test_the_false_plebiscite_rule_of_thumb_is_gone(self):
        text = lesson_text("plebiscito-consulta-cabildo")
        self.assertNotIn("se trata de un plebiscito", text)
        self.assertNotIn("Sí. El resultado obliga a la autoridad", text)
        self.assertIn("más de la mitad", text)
        self.assertIn("10 %", text)
        self.assertIn("Ley 20.568", text)
        self.assertIn("dos tercios de los integrantes del COSOC", text)
        self.assertIn("modificación del plan regulador", text)
        self.assertIn("inversiones específicas de desarrollo comunal (obras o proyectos concretos", text)

    def test_corrected_claims(self):
        claims = {
            "el-cosoc": [
                "organizaciones de interés público, es decir,",
                "cuatro años",
                "al menos cuatro veces al año",
                "15 días hábiles",
                "<b>públicas</b>",
            ],
            "tu-voz-en-el-cosoc": ["que son públicas"],
            "solicitudes-y-reclamos": ["Oficina de Informaciones, Reclamos y Sugerencias (OIRS)", "30 días"],
            "ordenanza-de-participacion": ["Ley 19.602", "artículo 93 de la Ley 18.695"],
            "audiencia-publica": ["cien ciudadanos", "5.000 habitantes", "hasta cinco"],
            "deposito-y-personalidad-juridica": ["30 días", "90 días", "60 días", "Registro Civil"],
            "elecciones-de-la-directiva": ["15 días hábiles", "la elección es nula", "5 días hábiles", "Ley 21.146"],
            "transparencia-de-la-directiva": ["Comisión fiscalizadora de finanzas", "exige"],
            "formalizacion-basica": ["SEREMI de Salud", "Ley 19.749"],
            "asamblea-constitutiva": ["Ley 21.719", "oficial del Registro Civil", "notario"],
            # jargon explained where it first appears
            "ley-20500-en-palabras-simples": ["«ley de bases»", "su propia ley orgánica, la Ley 18.695"],
            "organiza-un-cabildo": ["En plenario, es decir,"],
        }
        for slug, phrases in claims.items():
            text = lesson_text(slug)
            for phrase in phrases:
                with self.subTest(lesson=slug, phrase=phrase):
                    self.assertIn(phrase, text)
        gone = {
            "el-cosoc": ["Estudios sobre su funcionamiento", "duración de su periodo se fijan en el reglamento"],
            "tu-voz-en-el-cosoc": ["cuando sean abiertas al público"],
            "ley-20500-en-palabras-simples": ["para que sea más simple constituirlas", "quedó obligada a tener"],
            "transparencia-de-la-directiva": ["si tus estatutos la contemplan"],
            "gestion-de-conflictos": ["Generen", "Anoten", "Acuerden", "Dejen"],  # one form of address: tú
            "diagnostico-participativo": ["dibujen", "marquen"],
        }
        for slug, phrases in gone.items():
            text = lesson_text(slug)
            for phrase in phrases:
                with self.subTest(lesson=slug, gone=phrase):
                    self.assertNotIn(phrase, text)

    def test_every_data_protection_box_names_ley_21719(self):
        for slug in ("asamblea-constitutiva", "elecciones-de-la-directiva", "comunicacion-con-vecinos"):
            text = lesson_text(slug)
            self.assertIn("Ley 19.628", text, slug)
            self.assertIn("Ley 21.719", text, slug)

    def test_legal_how_to_lessons_end_with_a_check_with_your_municipality_note(self):
        for slug in LEGAL_HOW_TO_LESSONS:
            lesson = LessonPage.objects.get(slug=slug)
            last = list(lesson.body)[-1]
            self.assertEqual(last.block_type, "local_check", slug)
            self.assertEqual(last.value["title"], "Confirma en tu municipalidad")
        self.client.login(username=DEMO_LEARNER_EMAIL, password=DEMO_LEARNER_PASSWORD)  # enrolled in this course
        response = self.client.get(LessonPage.objects.get(slug="audiencia-publica").url)
        self.assertContains(response, '<aside class="callout callout--local">')
        self.assertContains(response, "Confirma en tu municipalidad")

    def test_every_course_has_a_review_date_shown_on_its_page(self):
        for course in CoursePage.objects.live():
            self.assertIsNotNone(course.last_reviewed_on, course.title)
            self.assertTrue(course.last_reviewed_by, course.title)
            _site, root_url, path = course.get_url_parts()
            response = self.client.get(path, HTTP_HOST=urlsplit(root_url).hostname)
            self.assertContains(response, f"Revisado el {course.last_reviewed_on:%d/%m/%Y}")

    def test_the_update_option_on_an_untouched_installation_changes_nothing(self):
        before = counts()
        output = StringIO()
        call_command("load_demo_data", "--no-admin", "--actualizar-contenido", stdout=output)
        self.assertIn("Demo content: 0 pages updated.", output.getvalue())
        self.assertEqual(counts(), before)

    def test_the_update_option_names_the_pages_it_leaves_alone(self):
        lesson = LessonPage.objects.get(slug="fondeve")
        lesson.title = "El FONDEVE de nuestra comuna"
        lesson.save_revision().publish()
        output = StringIO()
        call_command("load_demo_data", "--no-admin", "--update-content", stdout=output)
        self.assertIn(
            "left alone: juntas-de-vecinos-y-organizaciones-comunitarias/vida-de-la-organizacion/fondeve",
            output.getvalue(),
        )
        self.assertEqual(LessonPage.objects.get(slug="fondeve").title, "El FONDEVE de nuestra comuna")

    def test_every_demo_page_is_recorded_and_fingerprints_can_be_printed(self):
        from cms.models import DemoPageRecord

        self.assertEqual(
            DemoPageRecord.objects.count(),
            CoursePage.objects.count() + ModulePage.objects.count() + LessonPage.objects.count(),
        )
        output = StringIO()
        call_command("load_demo_data", "--print-fingerprints", stdout=output)
        printed = json.loads(output.getvalue())
        self.assertEqual(len(printed), DemoPageRecord.objects.count())
        self.assertEqual(
            printed["participacion-ciudadana-local"],
            DemoPageRecord.objects.get(key="participacion-ciudadana-local").fingerprint,
        )


class DemoLoaderSafetyTests(TestCase):
    @override_settings(DEBUG=False)
    def test_refuses_without_debug(self):
        with self.assertRaisesMessage(CommandError, "DEBUG is off"):
            call_command("load_demo_data", stdout=StringIO())
        self.assertFalse(get_user_model().objects.exists())
        self.assertFalse(CoursePage.objects.exists())
