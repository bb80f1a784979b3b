"""Issue 12, item 5: the links in account emails and the H5P activity IRIs name the site's public address
(PUBLIC_BASE_URL), not the host name a request happened to come through."""

import re

from django.core import mail
from django.core.cache import cache
from django.test import TestCase, override_settings

from learners.models import H5PStatement
from tests.factories.h5p import test_question_content
from tests.factories.h5p_activities import approve_libraries, h5p_lesson, make_activity
from tests.learners.h5p_setup import H5PTestCase, statement
from tests.learners.test_accounts import make_account, make_territory, signup_data

PUBLIC = "https://escuela.example.cl"
OTHER_HOST = {"HTTP_HOST": "localhost"}  # an allowed host that is not the public address (an alias, an IP…)
SITE = override_settings(PUBLIC_BASE_URL=PUBLIC, ALLOWED_HOSTS=["testserver", "localhost", "escuela.example.cl"])


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


@SITE
class AccountEmailLinkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_territory()

    def setUp(self):
        cache.clear()

    def test_the_confirmation_link_is_on_the_public_address(self):
        response = self.client.post("/cuenta/registro/", signup_data(), **OTHER_HOST)
        self.assertEqual(response.status_code, 302)
        (message,) = mail.outbox
        (link,) = links(message)
        self.assertTrue(link.startswith(f"{PUBLIC}/cuenta/confirmar/"), link)

    def test_a_resent_confirmation_link_is_on_the_public_address(self):
        make_account(email="nueva@example.cl", active=False)
        self.client.post("/cuenta/confirmar/reenviar/", {"email": "nueva@example.cl"}, **OTHER_HOST)
        (message,) = mail.outbox
        (link,) = links(message)
        self.assertTrue(link.startswith(f"{PUBLIC}/cuenta/confirmar/"), link)

    def test_the_password_reset_link_is_on_the_public_address(self):
        make_account(email="ana@example.cl")
        self.client.post("/cuenta/clave/", {"email": "ana@example.cl"}, **OTHER_HOST)
        (message,) = mail.outbox
        (link,) = links(message)
        self.assertTrue(link.startswith(f"{PUBLIC}/cuenta/clave/nueva/"), link)
        path = link.removeprefix(PUBLIC)
        self.assertEqual(self.client.get(path, follow=True).status_code, 200)  # the link works on this site


@SITE
class ActivityIriTests(H5PTestCase):
    """The IRI is a name, not a link: it keeps the https://<host>/h5p/actividad/<uuid> form of the statements
    already stored, with the public address's host, so it is the same whichever host the learner used."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity(content=test_question_content(correct=1))
        approve_libraries(cls.activity)
        cls.lesson = h5p_lesson(parent=cls.module, blocks=[(cls.activity, True, 60)])

    def test_player_and_statements_use_the_public_host(self):
        iri = f"https://escuela.example.cl/h5p/actividad/{self.activity.uuid}"
        html = self.client.get(f"/aprender/h5p/{self.lesson.pk}/{self.activity.uuid}/", **OTHER_HOST).content
        self.assertIn(f'"xAPIObjectIRI": "{iri}"', html.decode())
        data = statement(self.activity, "attempted")
        data["object"]["id"] = iri
        response = self.post_statement(self.lesson, self.activity, data, **OTHER_HOST)
        self.assertEqual(response.status_code, 200, response.content)
        stored = H5PStatement.objects.get()
        self.assertEqual(stored.object_id, iri)
        self.assertEqual(stored.raw["actor"]["account"]["homePage"], "https://escuela.example.cl")

    def test_an_iri_named_after_the_request_host_is_another_activity(self):
        data = statement(self.activity, "attempted")
        data["object"]["id"] = f"https://localhost/h5p/actividad/{self.activity.uuid}"
        response = self.post_statement(self.lesson, self.activity, data, **OTHER_HOST)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(H5PStatement.objects.exists())
