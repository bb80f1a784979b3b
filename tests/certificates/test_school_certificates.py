"""Issue 15, item 4: each school certifies its own courses with its own issuer (municipality name, RUT, logo,
signatories, folio series); national courses are certified by the academy and co-signed by the learner's school
(the school of her cohort's comuna) when that school chose to; every school's certificates verify on every host;
links, QR codes and Open Badges credentials of a school's certificates name the school's host (did:web on it).

The PDFs are the real renderer's (QR decoded with zxing-cpp, text extracted); credentials are checked by the
independent verifier (Digital Bazaar's libraries with Node) against the documents fetched from the school's host.
"""

from datetime import date
from urllib.parse import urlsplit

from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import TestCase, override_settings
from wagtail.models import Site

from certificates.credentials import keys
from certificates.models import IssuedCertificate, Issuer, IssuerSignatory
from certificates.selectors import stored_pdfs
from certificates.services import issuance
from cms.schools import services as school_services
from courses.models import CourseIndexPage, NationalCourseOffer
from courses.public_address import public_base_url, public_url
from tests.certificates.test_credentials import node_verify
from tests.certificates.test_pdf import extract_text, squash
from tests.certificates.test_qr import decode_page
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import cohort, ensure_comuna, learner

ACADEMY = "http://127.0.0.1:8000"
PENALOLEN, VALPARAISO, SANTIAGO = "13122", "05101", "13101"


def stored_pdf(certificate: IssuedCertificate) -> bytes:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return handle.read()


@override_settings(PUBLIC_BASE_URL=ACADEMY, ALLOWED_HOSTS=[".localhost", "127.0.0.1", "testserver"])
class SchoolCertificateTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        for code, name in ((PENALOLEN, "Peñalolén"), (VALPARAISO, "Valparaíso"), (SANTIAGO, "Santiago")):
            ensure_comuna(code, name)
        national = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.national_course = build_course(catalogue=national, modules=1, lessons=1, title="Liderazgo comunitario")
        cls.academy = make_issuer(short_code="AMUCH", name="Asociación de Municipalidades de Chile")
        cls.template = make_template(issuer=cls.academy, is_default=True, signatories=(("Ana Pérez", "Directora"),))
        with override_settings(PUBLIC_BASE_URL=ACADEMY):
            cls.penalolen = school_services.school_create(
                name="Escuela Ciudadana de Peñalolén",
                comuna_code=PENALOLEN,
                host="penalolen.localhost",
                admin_email="daniela@penalolen.cl",
                rut="69.072.100-4",
            ).school
            cls.valparaiso = school_services.school_create(
                name="Escuela Ciudadana de Valparaíso",
                comuna_code=VALPARAISO,
                host="valparaiso.localhost",
                admin_email="admin@valparaiso.cl",
            ).school
        cls.school_issuer = Issuer.objects.get(school=cls.penalolen)
        keys.create_key(keys.key_path(cls.school_issuer.short_code))
        IssuerSignatory.objects.create(issuer=cls.school_issuer, name="Claudio Orrego", role="Alcalde", sort_order=0)
        IssuerSignatory.objects.create(
            issuer=cls.school_issuer, name="Rosa Lagos", role="Directora de la escuela", sort_order=1
        )
        catalogue = CourseIndexPage.objects.child_of(cls.penalolen.site.root_page).get()
        cls.local_course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Ordenanza de participación")
        NationalCourseOffer.objects.create(school=cls.penalolen, course=cls.national_course, sort_order=0)
        cls.penalolen_cohort = cohort(
            course=cls.national_course,
            name="Peñalolén 2026",
            municipality_id=PENALOLEN,
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 5, 29),
        )
        cls.santiago_cohort = cohort(
            course=cls.national_course,
            name="Santiago 2026",
            municipality_id=SANTIAGO,
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 5, 29),
        )

    def setUp(self):
        cache.clear()  # verify lookups are rate-limited per IP

    def issue(self, *, course, group=None, email="ana@example.cl", run="12345678-5") -> IssuedCertificate:
        user = learner(given_names="Ana", family_names="Rojas", email=email, run=run)
        with self.captureOnCommitCallbacks(execute=True):
            certificate = issuance.certificate_issue(
                enrolment=completed_enrolment(course=course, cohort=group, user=user)
            )
        certificate.refresh_from_db()
        self.assertEqual(certificate.render_state, IssuedCertificate.RenderState.DONE, certificate.render_error)
        return certificate


class PublicAddressPerSiteTests(SchoolCertificateTestCase):
    def test_the_academy_keeps_public_base_url_and_a_school_gets_its_host(self):
        academy_site = Site.objects.get(is_default_site=True)
        self.assertEqual(public_base_url(), ACADEMY)
        self.assertEqual(public_base_url(site=academy_site), ACADEMY)
        self.assertEqual(public_base_url(site=self.penalolen.site), "http://penalolen.localhost:8000")
        self.assertEqual(public_url("/cursos/", site=self.penalolen.site), "http://penalolen.localhost:8000/cursos/")

    def test_scheme_of_public_base_url_and_default_ports_left_out(self):
        site = self.penalolen.site
        with override_settings(PUBLIC_BASE_URL="https://escuelaciudadana.cl"):
            site.hostname, site.port = "penalolen.escuelaciudadana.cl", 443
            self.assertEqual(public_base_url(site=site), "https://penalolen.escuelaciudadana.cl")
            site.port = 80  # behind the TLS proxy: still https, no port
            self.assertEqual(public_base_url(site=site), "https://penalolen.escuelaciudadana.cl")
            site.port = 8443
            self.assertEqual(public_base_url(site=site), "https://penalolen.escuelaciudadana.cl:8443")


class SchoolCourseCertificateTests(SchoolCertificateTestCase):
    def test_a_school_course_is_certified_by_the_school_issuer_on_the_school_host(self):
        certificate = self.issue(course=self.local_course)
        self.assertEqual(certificate.issuer, self.school_issuer)
        self.assertTrue(certificate.folio.startswith(f"{self.school_issuer.short_code}-"))
        snapshot = certificate.snapshot
        self.assertEqual(snapshot["issuer_name"], "Municipalidad de Peñalolén")
        self.assertEqual(snapshot["issuer_rut"], "69.072.100-4")
        self.assertEqual([s["name"] for s in snapshot["signatories"]], ["Claudio Orrego", "Rosa Lagos"])
        self.assertEqual(snapshot["co_signatories"], [])
        expected = f"http://penalolen.localhost:8000/certificados/verificar/{certificate.code}/"
        self.assertEqual(snapshot["verify_url"], expected)
        self.assertEqual(certificate.verify_url, expected)
        document = stored_pdf(certificate)
        self.assertEqual(decode_page(document), [expected])
        text = squash(extract_text(document))
        for printed in ("Municipalidad de Peñalolén", "69.072.100-4", "Claudio Orrego", "Rosa Lagos", expected):
            self.assertIn(squash(printed), text)
        self.assertNotIn(squash("Ana Pérez"), text)  # the academy's signatory does not sign a school's course

    def test_the_email_links_to_the_school_host(self):
        certificate = self.issue(course=self.local_course)
        (message,) = [m for m in mail.outbox if certificate.code in m.body]
        self.assertIn(f"http://penalolen.localhost:8000/certificados/verificar/{certificate.code}/", message.body)
        self.assertIn("http://penalolen.localhost:8000/mis-cursos/", message.body)
        self.assertNotIn(f"{ACADEMY}/certificados/", message.body)
        self.assertNotIn(f"{ACADEMY}/mis-cursos/", message.body)  # account links (unsubscribe) stay national

    def test_folio_series_are_per_issuer(self):
        first = self.issue(course=self.local_course, email="a@example.cl", run="11111111-1")
        national = self.issue(course=self.national_course, email="b@example.cl", run="22222222-2")
        second = self.issue(course=self.local_course, email="c@example.cl", run="33333333-3")
        self.assertEqual(first.folio[-6:], "000001")
        self.assertEqual(second.folio[-6:], "000002")
        self.assertTrue(national.folio.startswith("AMUCH-") and national.folio.endswith("000001"))

    def test_a_school_template_keeps_its_own_signatories(self):
        from certificates.models import TemplateAssignment

        own = make_template(issuer=self.school_issuer, signatories=(("Carolina Leitao", "Alcaldesa"),))
        TemplateAssignment.objects.create(template=own, course=self.local_course)
        certificate = self.issue(course=self.local_course)
        self.assertEqual([s["name"] for s in certificate.snapshot["signatories"]], ["Carolina Leitao"])

    def test_the_rerender_command_does_not_take_the_school_host_for_a_wrong_link(self):
        certificate = self.issue(course=self.local_course)
        self.assertNotIn((certificate.pk, certificate.folio), stored_pdfs(wrong_link_only=True))


class NationalCourseCosigningTests(SchoolCertificateTestCase):
    def test_a_national_course_is_the_academy_s_co_signed_by_the_cohort_s_school(self):
        self.school_issuer.cosigns_national_courses = True
        self.school_issuer.save()
        certificate = self.issue(course=self.national_course, group=self.penalolen_cohort)
        self.assertEqual(certificate.issuer, self.academy)
        snapshot = certificate.snapshot
        self.assertEqual([s["name"] for s in snapshot["signatories"]], ["Ana Pérez"])
        self.assertEqual([s["name"] for s in snapshot["co_signatories"]], ["Claudio Orrego", "Rosa Lagos"])
        self.assertEqual(snapshot["co_issuer_name"], "Municipalidad de Peñalolén")
        expected = f"{ACADEMY}/certificados/verificar/{certificate.code}/"  # the academy's certificate
        self.assertEqual(snapshot["verify_url"], expected)
        document = stored_pdf(certificate)
        self.assertEqual(decode_page(document), [expected])
        text = squash(extract_text(document))
        for printed in (
            "Asociación de Municipalidades de Chile",
            "Ana Pérez",
            "Claudio Orrego",
            "Alcalde, Municipalidad",
        ):
            self.assertIn(squash(printed), text)
        self.assertIn(squash("Con la co-firma de Municipalidad de Peñalolén"), text)

    def test_no_co_signature_without_the_school_s_choice_a_school_or_a_cohort(self):
        without_choice = self.issue(
            course=self.national_course, group=self.penalolen_cohort, email="a@e.cl", run="11111111-1"
        )
        self.assertEqual(without_choice.snapshot["co_signatories"], [])
        self.school_issuer.cosigns_national_courses = True
        self.school_issuer.save()
        no_school = self.issue(
            course=self.national_course, group=self.santiago_cohort, email="b@e.cl", run="22222222-2"
        )
        self.assertEqual(no_school.snapshot["co_signatories"], [])
        no_cohort = self.issue(course=self.national_course, email="c@e.cl", run="33333333-3")
        self.assertEqual(no_cohort.snapshot["co_signatories"], [])
        self.assertNotIn(squash("co-firma"), squash(extract_text(stored_pdf(no_cohort))))

    def test_a_school_without_signatories_does_not_co_sign(self):
        self.school_issuer.cosigns_national_courses = True
        self.school_issuer.save()
        self.school_issuer.signatories.all().delete()
        certificate = self.issue(course=self.national_course, group=self.penalolen_cohort)
        self.assertEqual(certificate.snapshot["co_issuer_name"], "")


class VerificationOnEveryHostTests(SchoolCertificateTestCase):
    def test_every_school_s_certificates_verify_on_every_host(self):
        local = self.issue(course=self.local_course, email="a@e.cl", run="11111111-1")
        national = self.issue(
            course=self.national_course, group=self.penalolen_cohort, email="b@e.cl", run="22222222-2"
        )
        for host in ("penalolen.localhost:8000", "valparaiso.localhost:8000", "127.0.0.1:8000", "otra.localhost"):
            for certificate in (local, national):
                response = self.client.get(f"/certificados/verificar/{certificate.code}/", HTTP_HOST=host)
                self.assertContains(response, certificate.folio, msg_prefix=host)
                json_response = self.client.get(
                    f"/certificados/verificar/{certificate.code}/credencial.json", HTTP_HOST=host
                )
                self.assertEqual(json_response.status_code, 200, host)

    def test_refused_cases_on_a_school_host(self):
        certificate = self.issue(course=self.local_course)
        host = {"HTTP_HOST": "penalolen.localhost:8000"}
        typo = certificate.code[:5] + ("X" if certificate.code[5] != "X" else "Y") + certificate.code[6:]
        response = self.client.get(f"/certificados/verificar/{typo}/", **host)
        self.assertContains(response, "error de tipeo", status_code=404)
        self.assertNotContains(response, certificate.folio, status_code=404)
        self.assertEqual(self.client.get("/certificados/verificar/XXXX/credencial.json", **host).status_code, 404)
        self.assertEqual(
            self.client.get(f"/certificados/verificar/{certificate.code}/", HTTP_HOST="evil.example").status_code, 400
        )

    def test_a_moved_school_s_certificates_still_verify_everywhere(self):
        certificate = self.issue(course=self.local_course)
        site = self.penalolen.site
        site.hostname = "penalolen.escuelaciudadana.localhost"
        site.save()
        for host in ("penalolen.localhost:8000", "penalolen.escuelaciudadana.localhost:8000", "127.0.0.1:8000"):
            response = self.client.get(f"/certificados/verificar/{certificate.code}/", HTTP_HOST=host)
            self.assertContains(response, certificate.folio, msg_prefix=host)
        wrong = stored_pdfs(wrong_link_only=True)
        self.assertIn((certificate.pk, certificate.folio), wrong)  # rerender_certificates prints the new host
        call_command("rerender_certificates", verbosity=0)
        self.assertEqual(
            decode_page(stored_pdf(certificate)),
            [f"http://penalolen.escuelaciudadana.localhost:8000/certificados/verificar/{certificate.code}/"],
        )


class SchoolCredentialTests(SchoolCertificateTestCase):
    def fetch(self, url: str):
        parts = urlsplit(url)
        return self.client.get(parts.path, HTTP_HOST=parts.netloc)

    def test_the_school_credential_names_the_school_s_did_web_and_verifies_from_its_host(self):
        certificate = self.issue(course=self.local_course)
        credential = certificate.credential
        code = self.school_issuer.short_code
        did = f"did:web:penalolen.localhost%3A8000:emisores:{code}"
        self.assertEqual(credential["issuer"]["id"], did)
        self.assertEqual(credential["issuer"]["url"], "http://penalolen.localhost:8000/")
        self.assertEqual(credential["issuer"]["name"], "Municipalidad de Peñalolén")
        self.assertTrue(credential["id"].startswith("http://penalolen.localhost:8000/certificados/verificar/"))
        status_url = credential["credentialStatus"]["statusListCredential"]
        self.assertEqual(status_url, f"http://penalolen.localhost:8000/certificados/emisores/{code}/estado/")
        self.assertTrue(credential["proof"]["verificationMethod"].startswith(did + "#z6Mk"))
        did_response = self.client.get(f"/emisores/{code}/did.json", HTTP_HOST="penalolen.localhost:8000")
        self.assertEqual(did_response.status_code, 200)
        self.assertEqual(did_response.json()["id"], did)
        status = self.fetch(status_url)
        self.assertEqual(status.status_code, 200)
        self.assertEqual(status.json()["issuer"], did)
        documents = {did: did_response.json(), status_url: status.json()}
        self.assertEqual(node_verify(credential, documents), {"verified": True, "revoked": False, "errors": []})

    def test_did_documents_are_refused_on_other_schools_hosts(self):
        code = self.school_issuer.short_code
        other = self.client.get(f"/emisores/{code}/did.json", HTTP_HOST="valparaiso.localhost:8000")
        self.assertEqual(other.status_code, 404)
        # the academy's host still answers for it (credentials signed before the school had its own host)
        legacy = self.client.get(f"/emisores/{code}/did.json", HTTP_HOST="127.0.0.1:8000")
        self.assertEqual(legacy.json()["id"], f"did:web:127.0.0.1%3A8000:emisores:{code}")
        # the academy's DID is the academy host's, never a school's
        self.assertEqual(
            self.client.get("/.well-known/did.json", HTTP_HOST="penalolen.localhost:8000").status_code, 404
        )
        self.assertEqual(self.client.get("/.well-known/did.json", HTTP_HOST="127.0.0.1:8000").status_code, 200)
        self.assertEqual(
            self.client.get("/emisores/AMUCH/did.json", HTTP_HOST="penalolen.localhost:8000").status_code, 404
        )

    def test_sign_credentials_keeps_school_credentials_that_name_the_school_host(self):
        certificate = self.issue(course=self.local_course)
        before = certificate.credential["proof"]["proofValue"]
        call_command("sign_credentials", verbosity=0)
        certificate.refresh_from_db()
        self.assertEqual(certificate.credential["proof"]["proofValue"], before)


class IssuerAdminTests(SchoolCertificateTestCase):
    def test_the_academy_adds_the_school_s_signatories_and_co_signature_in_the_admin(self):
        from django.urls import reverse
        from wagtail.test.utils.form_data import inline_formset, nested_form_data

        from tests.factories.learners import make_user

        admin = make_user(email="root@example.cl", is_superuser=True, is_staff=True)
        self.client.force_login(admin)
        url = reverse("wagtailsnippets_certificates_issuer:edit", args=[self.school_issuer.pk])
        self.assertContains(self.client.get(url), "Firmas del emisor")
        data = nested_form_data(
            {
                "name": "Municipalidad de Peñalolén",
                "short_code": self.school_issuer.short_code,
                "rut": "69.072.100-4",
                "city": "Peñalolén",
                "comuna": PENALOLEN,
                "cosigns_national_courses": "on",
                "signatories": inline_formset([{"name": "Carolina Leitao", "role": "Alcaldesa"}]),
            }
        )
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.school_issuer.refresh_from_db()
        self.assertTrue(self.school_issuer.cosigns_national_courses)
        self.assertIn("Carolina Leitao", [s.name for s in self.school_issuer.signatories.all()])
