"""Issue 18 item 4: passwords are stored with Argon2id at OWASP's minimum configuration (19 MiB, t=2, p=1); a
password stored earlier with PBKDF2 (Django's default until then) still logs in and is stored again with Argon2id.

The test settings hash with MD5 for speed; these tests use the production list (cms/settings/base.py)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    get_hasher,
    identify_hasher,
    make_password,
)
from django.test import override_settings
from django.urls import reverse

from cms.settings.base import PASSWORD_HASHERS as PRODUCTION_HASHERS
from learners.accounts.hashers import Argon2idPasswordHasher
from tests.learners.test_accounts import LOGIN, PASSWORD, AccountTestCase, make_account

User = get_user_model()
DASHBOARD = reverse("learners:dashboard")
OWASP_PREFIX = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
class ProductionHasherTests(AccountTestCase):
    def setUp(self):
        super().setUp()
        self.learner = make_account(email="ana@example.cl")

    def store(self, encoded):
        User.objects.filter(pk=self.learner.pk).update(password=encoded)

    def stored(self):
        return User.objects.values_list("password", flat=True).get(pk=self.learner.pk)

    def login(self, password=PASSWORD):
        self.client.logout()
        return self.client.post(LOGIN, {"username": "ana@example.cl", "password": password})

    def test_production_prefers_argon2id_and_still_verifies_pbkdf2(self):
        self.assertEqual(PRODUCTION_HASHERS[0], "learners.accounts.hashers.Argon2idPasswordHasher")
        self.assertIn("django.contrib.auth.hashers.PBKDF2PasswordHasher", PRODUCTION_HASHERS[1:])
        self.assertIsInstance(get_hasher(), Argon2idPasswordHasher)

    def test_parameters_are_at_least_owasps_minimum(self):
        hasher = Argon2idPasswordHasher()
        self.assertGreaterEqual(hasher.memory_cost, 19 * 1024)  # KiB
        self.assertGreaterEqual(hasher.time_cost, 2)
        self.assertEqual(hasher.parallelism, 1)
        self.assertTrue(make_password(PASSWORD).startswith(OWASP_PREFIX))

    def test_new_account_is_stored_with_argon2id(self):
        self.assertTrue(self.stored().startswith(OWASP_PREFIX))
        self.assertRedirects(self.login(), DASHBOARD, fetch_redirect_response=False)

    def test_pbkdf2_password_logs_in_and_is_stored_again_with_argon2id(self):
        self.store(make_password(PASSWORD, hasher="pbkdf2_sha256"))  # Django 5.2's default: 1,000,000 iterations
        self.assertEqual(identify_hasher(self.stored()).algorithm, "pbkdf2_sha256")

        self.assertRedirects(self.login(), DASHBOARD, fetch_redirect_response=False)

        upgraded = self.stored()
        self.assertTrue(upgraded.startswith(OWASP_PREFIX), upgraded[:40])
        self.assertRedirects(self.login(), DASHBOARD, fetch_redirect_response=False)  # the new hash verifies
        self.assertEqual(self.stored(), upgraded)  # and is not stored again

    def test_wrong_password_leaves_the_pbkdf2_hash_alone(self):
        old = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
        self.store(old)

        response = self.login(password="otra-clave-cualquiera")

        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(self.stored(), old)

    def test_argon2_hash_with_other_parameters_is_stored_again_with_these(self):
        django_default = Argon2PasswordHasher()  # 100 MiB, 8 lanes
        self.store(django_default.encode(PASSWORD, django_default.salt()))
        self.assertIn("m=102400,t=2,p=8", self.stored())

        self.assertRedirects(self.login(), DASHBOARD, fetch_redirect_response=False)

        self.assertTrue(self.stored().startswith(OWASP_PREFIX))
