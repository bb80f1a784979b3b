"""The Wagtail admin's log-in is throttled like the learners' (it guards the most valuable accounts)."""

from django.core.cache import cache
from django.test import TestCase

from tests.factories.learners import make_user


class AdminLoginThrottleTests(TestCase):
    def setUp(self):
        cache.clear()
        make_user(email="academia@example.cl", password="clave-correcta-2026", is_staff=True, is_superuser=True)

    def login(self, password, ip="10.0.0.1"):
        data = {"username": "academia@example.cl", "password": password}
        return self.client.post("/admin/login/", data, REMOTE_ADDR=ip)

    def test_right_password_logs_in(self):
        self.assertEqual(self.login("clave-correcta-2026").status_code, 302)

    def test_five_failures_lock_even_the_right_password(self):
        for _attempt in range(5):
            response = self.login("equivocada")
            self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].has_error("__all__", "locked"))
        response = self.login("clave-correcta-2026")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].has_error("__all__", "locked"))
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_success_clears_the_accounts_failures(self):
        for _attempt in range(4):
            self.login("equivocada")
        self.assertEqual(self.login("clave-correcta-2026").status_code, 302)
        self.client.logout()
        for _attempt in range(4):  # from another address: the first one keeps its own count
            self.login("equivocada", ip="10.0.0.2")
        self.assertEqual(self.login("clave-correcta-2026", ip="10.0.0.2").status_code, 302)
