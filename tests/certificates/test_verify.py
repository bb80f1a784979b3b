from django.core.cache import cache
from django.db import connection
from django.test import SimpleTestCase, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from certificates.codes import (
    check_character,
    format_code,
    generate_code,
    is_well_formed,
    looks_mistyped,
    normalise_code,
)
from certificates.services import issuance, revocation
from tests.certificates.test_services import CertificateTestCase
from tests.factories.certificates import completed_enrolment
from tests.factories.learners import learner


class NormaliseCodeTests(SimpleTestCase):
    def test_case_dashes_and_spaces_do_not_matter(self):
        self.assertEqual(normalise_code("abcd-efgh jklm-npqr-s"), "ABCDEFGHJKLMNPQRS")
        self.assertEqual(normalise_code("  ABCD–EFGH "), "ABCDEFGH")

    def test_confusable_or_foreign_characters_are_refused(self):
        for raw in ("ABC0", "IOU1", "<script>", "", "A" * 41, "ÑANDÚ"):
            self.assertEqual(normalise_code(raw), "", raw)


class CodeGenerationTests(SimpleTestCase):
    def test_codes_have_80_random_bits_and_a_valid_check_character(self):
        code = generate_code()
        self.assertEqual(len(code), 17)
        self.assertTrue(is_well_formed(code))
        self.assertEqual(normalise_code(format_code(code).lower()), code)
        self.assertEqual(len(format_code(code)), 21)

    def test_every_single_typo_is_caught(self):
        code = generate_code()
        for position in range(len(code)):
            for char in "23456789ABCDEFGHJKLMNPQRSTUVWXYZ":
                if char != code[position]:
                    typo = code[:position] + char + code[position + 1 :]
                    self.assertFalse(is_well_formed(typo), typo)

    def test_a_typo_is_told_apart_from_an_unknown_code(self):
        code = generate_code()
        self.assertFalse(looks_mistyped(code))
        changed = code[:3] + ("2" if code[3] != "2" else "3") + code[4:]
        swapped = code[0] + code[2] + code[1] + code[3:] if code[1] != code[2] else code
        self.assertTrue(looks_mistyped(changed))
        if swapped != code:
            self.assertEqual(looks_mistyped(swapped), not is_well_formed(swapped))
        self.assertTrue(looks_mistyped(code[:-2] + code[-1]))  # one character missing
        self.assertTrue(looks_mistyped(code + "A"))  # one extra
        self.assertFalse(looks_mistyped("ABCDEFGH"))  # too short to be a typo: "not found"

    def test_check_character_is_stable(self):
        self.assertEqual(check_character("ABCDEFGHJKLMNPQR"), check_character("ABCDEFGHJKLMNPQR"))
        self.assertFalse(is_well_formed("ABCDEFGH"))


class VerifyViewTests(TestCase):
    def setUp(self):
        cache.clear()

    def test_form_redirects_to_the_stable_url(self):
        response = self.client.get("/certificados/verificar/", {"codigo": "abcd-efgh-jkmn"})
        self.assertRedirects(response, "/certificados/verificar/ABCDEFGHJKMN/", fetch_redirect_response=False)

    def test_non_canonical_url_redirects(self):
        response = self.client.get("/certificados/verificar/abcd-efgh/")
        self.assertRedirects(
            response, "/certificados/verificar/ABCDEFGH/", status_code=301, fetch_redirect_response=False
        )

    def test_unknown_code_says_not_found(self):
        response = self.client.get("/certificados/verificar/ABCDEFGH/")
        self.assertContains(response, "No encontramos un certificado", status_code=404)

    def test_invalid_code_explains_the_format(self):
        response = self.client.get("/certificados/verificar/", {"codigo": "0O1I!"})
        self.assertContains(response, "sin 0, O, 1 ni I")
        self.assertContains(response, 'value="0O1I!"')

    def test_home_page_has_the_verification_box(self):
        response = self.client.get("/")
        self.assertContains(response, 'action="/certificados/verificar/"')
        self.assertContains(response, 'name="codigo"')


class VerifyStatusTests(CertificateTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.staff = learner(email="staff@example.cl")
        enrolment = completed_enrolment(course=self.course, cohort=self.group, run="12345678-5")
        self.certificate = issuance.certificate_issue(enrolment=enrolment, render=False)

    def get(self, code, **extra):
        with translation.override("en"):
            return self.client.get(f"/certificados/verificar/{code}/", headers={"accept-language": "en"}, **extra)

    def test_valid_shows_the_public_facts_and_a_masked_run_only(self):
        response = self.client.get(f"/certificados/verificar/{self.certificate.code}/")
        self.assertContains(response, 'data-status="valid"')
        for text in ("María González Pérez", "12.XXX.678-5", "Participación ciudadana", "02/03/2026", "29/05/2026"):
            self.assertContains(response, text)
        self.assertContains(response, self.issuer.name)
        self.assertContains(response, self.certificate.folio)
        content = response.content.decode()
        for secret in ("12.345.678-5", "12345678", "345.678", self.certificate.user.email, "6,5"):
            self.assertNotIn(secret, content)
        self.assertEqual(response["Cache-Control"].count("no-cache") + response["Cache-Control"].count("max-age=0"), 2)

    def test_any_case_and_dashes_lead_to_the_certificate(self):
        typed = format_code(self.certificate.code).lower()
        response = self.client.get("/certificados/verificar/", {"codigo": typed}, follow=True)
        self.assertContains(response, 'data-status="valid"')

    def test_revoked_shows_the_date_but_not_the_reason(self):
        revocation.certificate_revoke(certificate=self.certificate, reason="Plagio comprobado", by=self.staff)
        response = self.client.get(f"/certificados/verificar/{self.certificate.code}/")
        self.assertContains(response, 'data-status="revoked"')
        self.certificate.refresh_from_db()
        self.assertContains(response, self.certificate.revoked_at.astimezone().strftime("%d/%m/%Y")[:5])
        self.assertNotContains(response, "Plagio")

    def test_replaced_links_to_the_new_certificate(self):
        new = revocation.certificate_reissue(certificate=self.certificate, by=self.staff, reason="Nombre")
        response = self.client.get(f"/certificados/verificar/{self.certificate.code}/")
        self.assertContains(response, 'data-status="replaced"')
        self.assertContains(response, f'href="/certificados/verificar/{new.code}/"')
        self.assertContains(self.client.get(f"/certificados/verificar/{new.code}/"), 'data-status="valid"')

    def test_not_found_even_with_a_well_formed_code(self):
        other = generate_code()
        response = self.client.get(f"/certificados/verificar/{other}/")
        self.assertContains(response, 'data-status="not_found"', status_code=404)

    def test_a_wrong_check_character_costs_no_query(self):
        code = self.certificate.code
        wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(f"/certificados/verificar/{wrong}/")
        self.assertEqual(response.status_code, 404)
        self.assertFalse([q for q in queries.captured_queries if "certificates_issuedcertificate" in q["sql"]])

    def test_a_one_character_typo_says_so_instead_of_not_found(self):
        code = self.certificate.code
        typo = code[:5] + ("X" if code[5] != "X" else "Y") + code[6:]
        response = self.client.get(f"/certificados/verificar/{typo}/")
        self.assertContains(response, 'data-status="typo"', status_code=404)
        self.assertContains(response, "Parece que hay un error de tipeo", status_code=404)
        self.assertNotContains(response, "No encontramos", status_code=404)
        self.assertNotContains(response, "María", status_code=404)

    def test_a_missing_character_is_a_typo_too(self):
        response = self.client.get("/certificados/verificar/", {"codigo": self.certificate.code[1:]}, follow=True)
        self.assertContains(response, 'data-status="typo"', status_code=404)

    def test_the_facts_are_marked_with_the_status_for_styling(self):
        response = self.client.get(f"/certificados/verificar/{self.certificate.code}/")
        self.assertContains(response, '<dl class="certificate-facts" data-status="valid">')

    @override_settings(CERTIFICATES_VERIFY_RATE=(3, 60))
    def test_lookups_are_rate_limited_per_ip(self):
        url = f"/certificados/verificar/{self.certificate.code}/"
        for _ in range(3):
            self.assertEqual(self.client.get(url, REMOTE_ADDR="10.0.0.1").status_code, 200)
        response = self.client.get(url, REMOTE_ADDR="10.0.0.1")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response["Retry-After"], "60")
        self.assertNotContains(response, "María", status_code=429)
        self.assertEqual(self.client.get(url, REMOTE_ADDR="10.0.0.2").status_code, 200)

    @override_settings(CERTIFICATES_VERIFY_RATE=(1, 60))
    def test_the_429_page_explains_in_the_visitors_language(self):
        url = f"/certificados/verificar/{self.certificate.code}/"
        self.client.get(url)
        with translation.override("en"):
            response = self.client.get(url, headers={"accept-language": "en"})
        self.assertEqual(response.status_code, 429)
