"""Issue 13 item 10: after confirming her email, a learner lands where she was going (the course she signed up
from). The ``next`` path rides sign-up → email link → confirm view; only a path on this site is accepted."""

import re
from urllib.parse import unquote

from django.core import mail
from django.core.cache import cache
from django.test import SimpleTestCase, TestCase

from learners.safe_next import safe_next_path
from tests.learners.test_accounts import SIGNUP, make_account, make_territory, signup_data

REFUSED = [
    "https://evil.example/cursos/",
    "http://evil.example",
    "//evil.example/cursos/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " /cursos/",
    "/cursos/\x00/",
    "/cursos/\n/",
    "/cursos/١٢/",  # Arabic-Indic digits
    "/cursos/１２/",  # full-width digits
    "/cursos/liderazgo ",
    "cursos/liderazgo/",
    "-1",
    "/" + "a" * 600,
    "",
]


def confirm_link(message):
    match = re.search(r"http://testserver(/cuenta/confirmar/\S+)", message.body)
    assert match, message.body
    return match.group(1)


class SafeNextPathTests(SimpleTestCase):
    def test_paths_on_this_site_are_kept(self):
        for value in ["/cursos/liderazgo/", "/cursos/liderazgo/?tab=2", "/mis-cursos/"]:
            self.assertEqual(safe_next_path(value), value)

    def test_other_hosts_schemes_and_odd_characters_are_ignored(self):
        for value in REFUSED:
            with self.subTest(value=value):
                self.assertEqual(safe_next_path(value, "/por-defecto/"), "/por-defecto/")

    def test_non_text_is_ignored(self):
        self.assertEqual(safe_next_path(None), "")
        self.assertEqual(safe_next_path(["/cursos/"]), "")


class SignupNextTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_territory()

    def setUp(self):
        cache.clear()

    def test_sign_up_from_a_course_confirms_into_that_course(self):
        page = self.client.get(SIGNUP + "?next=/cursos/liderazgo/")
        self.assertContains(page, '<input type="hidden" name="next" value="/cursos/liderazgo/">', html=True)
        self.client.post(SIGNUP + "?next=/cursos/liderazgo/", signup_data(next="/cursos/liderazgo/"))
        link = confirm_link(mail.outbox[0])
        self.assertIn("next=", link)
        response = self.client.get(link)
        self.assertRedirects(response, "/cursos/liderazgo/", fetch_redirect_response=False)
        self.assertIn("_auth_user_id", self.client.session)

    def test_without_next_she_lands_on_mis_cursos(self):
        self.client.post(SIGNUP, signup_data())
        link = confirm_link(mail.outbox[0])
        self.assertNotIn("next=", link)
        self.assertRedirects(self.client.get(link), "/mis-cursos/", fetch_redirect_response=False)

    def test_refused_next_at_sign_up_never_reaches_the_email(self):
        for index, value in enumerate(["//evil.example/", "javascript:alert(1)", "/cursos/١٢/"]):
            with self.subTest(value=value):
                cache.clear()
                mail.outbox.clear()
                data = signup_data(
                    email=f"persona{index}@example.cl", run=["11111111-1", "22222222-2", "5126663-3"][index]
                )
                response = self.client.post(SIGNUP, {**data, "next": value})
                self.assertEqual(response.status_code, 302)
                self.assertEqual(len(mail.outbox), 1)
                self.assertNotIn("next=", mail.outbox[0].body)
                self.assertNotIn("evil", mail.outbox[0].body)
                self.assertNotIn("javascript", mail.outbox[0].body)

    def test_tampered_next_on_the_link_is_ignored(self):
        self.client.post(SIGNUP, signup_data())
        link = confirm_link(mail.outbox[0])
        for value in REFUSED[:6] + ["/cursos/١٢/"]:
            with self.subTest(value=value):
                response = self.client.get(link, {"next": value})
                self.assertEqual(response.status_code, 302)
                location = unquote(response["Location"])
                self.assertFalse(location.startswith("//") or "evil" in location or "javascript" in location.lower())
                self.client.post("/cuenta/salir/")

    def test_used_link_keeps_next_for_the_login(self):
        self.client.post(SIGNUP, signup_data())
        link = confirm_link(mail.outbox[0])
        self.client.get(link + "?next=/cursos/liderazgo/")
        self.client.post("/cuenta/salir/")
        response = self.client.get(link + "?next=/cursos/liderazgo/")
        self.assertRedirects(response, "/cuenta/ingresar/?next=%2Fcursos%2Fliderazgo%2F", fetch_redirect_response=False)

    def test_resent_link_keeps_next(self):
        self.client.post(SIGNUP, signup_data(next="/cursos/liderazgo/"))
        done = self.client.get("/cuenta/registro/revisa-tu-correo/")
        self.assertContains(done, 'name="next" value="/cursos/liderazgo/"')
        mail.outbox.clear()
        cache.clear()
        self.client.post(
            "/cuenta/confirmar/reenviar/", {"email": "maria.gonzalez@example.cl", "next": "/cursos/liderazgo/"}
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("next=%2Fcursos%2Fliderazgo%2F", mail.outbox[0].body)

    def test_logged_in_visitor_goes_to_next_or_her_courses(self):
        user = make_account()
        self.client.force_login(user)
        self.assertRedirects(self.client.get(SIGNUP + "?next=/cursos/x/"), "/cursos/x/", fetch_redirect_response=False)
        self.assertRedirects(
            self.client.get(SIGNUP + "?next=//evil.example/"), "/mis-cursos/", fetch_redirect_response=False
        )


class LoginSignupLinksKeepNextTests(TestCase):
    def test_log_in_and_sign_up_pages_link_to_each_other_with_next(self):
        login = self.client.get("/cuenta/ingresar/?next=/cursos/liderazgo/")
        self.assertContains(login, 'href="/cuenta/registro/?next=%2Fcursos%2Fliderazgo%2F"')
        signup = self.client.get(SIGNUP + "?next=/cursos/liderazgo/")
        self.assertContains(signup, 'href="/cuenta/ingresar/?next=%2Fcursos%2Fliderazgo%2F"')

    def test_refused_next_is_left_off_the_links(self):
        for value in ["//evil.example/", "javascript:alert(1)", "/cursos/١٢/"]:
            with self.subTest(value=value):
                login = self.client.get("/cuenta/ingresar/", {"next": value})
                self.assertContains(login, 'href="/cuenta/registro/"')
                signup = self.client.get(SIGNUP, {"next": value})
                self.assertContains(signup, 'href="/cuenta/ingresar/"')
                self.assertNotContains(signup, '<input type="hidden" name="next"')
