from django.test import SimpleTestCase, TestCase

from certificates.codes import normalise_code


class NormaliseCodeTests(SimpleTestCase):
    def test_case_dashes_and_spaces_do_not_matter(self):
        self.assertEqual(normalise_code("abcd-efgh jklm-npqr-s"), "ABCDEFGHJKLMNPQRS")
        self.assertEqual(normalise_code("  ABCD–EFGH "), "ABCDEFGH")

    def test_confusable_or_foreign_characters_are_refused(self):
        for raw in ("ABC0", "IOU1", "<script>", "", "A" * 41, "ÑANDÚ"):
            self.assertEqual(normalise_code(raw), "", raw)


class VerifyViewTests(TestCase):
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
