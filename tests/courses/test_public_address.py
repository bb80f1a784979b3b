"""Issue 12, item 5: the site's public address is one setting, PUBLIC_BASE_URL, checked at start-up.

The system check (courses.checks) runs with every manage.py command and, through
cms.checks.refuse_to_start_on_errors, when the WSGI or ASGI server loads the site: production without a valid
https:// address does not start.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, TestCase, override_settings
from wagtail.models import Page, Site

from courses.checks import check_default_site_address, check_public_address
from courses.public_address import public_base_url, public_host, public_url, site_record_address

ROOT = str(settings.BASE_DIR)
PRODUCTION = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "escuela.example.cl",
    "REDIS_URL": "redis://127.0.0.1:6379/15",  # production refuses a per-process cache (cms.E001)
}


def run(args: list[str], module: str, **env: str) -> subprocess.CompletedProcess:
    """Run python with ``args`` under the settings ``module``, with only ``env`` for the site's variables."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "PUBLIC_BASE_URL", "WAGTAILADMIN_BASE_URL"))
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def ids(**overrides) -> list[str]:
    with override_settings(**overrides):
        return [message.id for message in check_public_address()]


class PublicUrlTests(SimpleTestCase):
    @override_settings(PUBLIC_BASE_URL="https://Escuela.Example.cl:443/", WAGTAILADMIN_BASE_URL="http://otra")
    def test_links_are_built_on_the_public_address_normalised(self):
        self.assertEqual(public_base_url(), "https://escuela.example.cl")
        self.assertEqual(public_url("/certificados/"), "https://escuela.example.cl/certificados/")
        self.assertEqual(public_host(), "escuela.example.cl")

    @override_settings(PUBLIC_BASE_URL="http://192.168.1.20:8080")
    def test_a_port_is_kept(self):
        self.assertEqual(public_url("/a/"), "http://192.168.1.20:8080/a/")
        self.assertEqual(public_host(), "192.168.1.20:8080")

    @override_settings(PUBLIC_BASE_URL="", WAGTAILADMIN_BASE_URL="https://sitio-anfitrion.example")
    def test_a_host_site_without_the_setting_uses_wagtails(self):
        self.assertEqual(public_url("/x/"), "https://sitio-anfitrion.example/x/")

    def test_without_a_valid_address_links_are_refused_not_guessed(self):
        for value in ("", "escuela.example.cl", "https://escuela.example.cl/sub", "ftp://escuela.example.cl"):
            with self.subTest(value=value), override_settings(PUBLIC_BASE_URL=value, WAGTAILADMIN_BASE_URL=""):
                with self.assertRaises(ImproperlyConfigured):
                    public_url("/x/")

    def test_a_path_must_start_with_a_slash(self):
        with pytest.raises(ValueError):
            public_url("certificados/")


class PublicAddressCheckTests(SimpleTestCase):
    def test_the_test_settings_pass(self):
        self.assertEqual(check_public_address(), [])

    def test_missing_address_is_an_error(self):
        self.assertEqual(ids(PUBLIC_BASE_URL="", WAGTAILADMIN_BASE_URL=""), ["courses.E001"])

    def test_malformed_addresses_are_errors(self):
        for value in (
            "escuela.example.cl",
            "https://",
            "https://escuela.example.cl/escuela",
            "https://escuela.example.cl/?a=1",
            "https://user:clave@escuela.example.cl",
            "https://escuela.example.cl:99999",
        ):
            with self.subTest(value=value):
                self.assertEqual(ids(PUBLIC_BASE_URL=value), ["courses.E002"])

    def test_wagtails_address_must_agree(self):
        self.assertEqual(
            ids(PUBLIC_BASE_URL="http://testserver", WAGTAILADMIN_BASE_URL="http://127.0.0.1:8000"), ["courses.E003"]
        )
        self.assertEqual(ids(PUBLIC_BASE_URL="http://testserver", WAGTAILADMIN_BASE_URL="http://TestServer/"), [])

    def test_the_host_must_be_allowed(self):
        self.assertEqual(ids(PUBLIC_BASE_URL="http://escuela.example.cl", WAGTAILADMIN_BASE_URL=""), ["courses.E004"])
        self.assertEqual(
            ids(PUBLIC_BASE_URL="http://a.example.cl", WAGTAILADMIN_BASE_URL="", ALLOWED_HOSTS=[".example.cl"]), []
        )
        self.assertEqual(ids(PUBLIC_BASE_URL="http://127.0.0.1:8000", WAGTAILADMIN_BASE_URL=""), [])
        self.assertEqual(
            ids(PUBLIC_BASE_URL="http://[::1]:8000", ALLOWED_HOSTS=["[::1]"], WAGTAILADMIN_BASE_URL=""), []
        )

    def test_an_https_only_site_needs_an_https_address(self):
        secure = {"ALLOWED_HOSTS": ["escuela.example.cl"], "WAGTAILADMIN_BASE_URL": "", "SESSION_COOKIE_SECURE": True}
        self.assertEqual(ids(PUBLIC_BASE_URL="http://escuela.example.cl", **secure), ["courses.E005"])
        self.assertEqual(ids(PUBLIC_BASE_URL="https://escuela.example.cl", **secure), [])


class DefaultSiteCheckTests(TestCase):
    """Wagtail links to pages with its Site record (page.full_url in its review emails): it should agree."""

    def site(self, hostname: str, port: int) -> Site:
        Site.objects.all().delete()
        return Site.objects.create(
            hostname=hostname, port=port, root_page=Page.get_first_root_node(), is_default_site=True
        )

    def test_a_default_site_with_another_address_is_a_warning_with_the_values_to_set(self):
        self.site("localhost", 80)
        (warning,) = check_default_site_address(databases=["default"])
        self.assertEqual(warning.id, "courses.W001")
        self.assertIn("'testserver' and port 80", warning.hint)
        self.assertEqual(check_default_site_address(databases=None), [])  # only when the database is checked

    def test_a_matching_site_passes(self):
        self.site("testserver", 80)
        self.assertEqual(check_default_site_address(databases=["default"]), [])
        self.site("escuela.example.cl", 443)
        with override_settings(PUBLIC_BASE_URL="https://escuela.example.cl"):
            self.assertEqual(check_default_site_address(databases=["default"]), [])

    def test_the_site_values_for_an_address(self):
        self.assertEqual(site_record_address("https://escuela.example.cl"), ("escuela.example.cl", 443))
        self.assertEqual(site_record_address("http://127.0.0.1:8000"), ("127.0.0.1", 8000))
        self.assertIsNone(site_record_address("https://escuela.example.cl:8443"))


class StartUpTests(SimpleTestCase):
    """The real settings modules, in a fresh process each."""

    def test_production_refuses_to_start_without_a_public_address(self):
        check = run(["manage.py", "check"], "cms.settings.production", **PRODUCTION)
        self.assertNotEqual(check.returncode, 0)
        self.assertIn("courses.E001", check.stderr)
        server = run(["-c", "import cms.wsgi"], "cms.settings.production", **PRODUCTION)
        self.assertNotEqual(server.returncode, 0)
        self.assertIn("courses.E001", server.stderr)
        self.assertIn("The site will not start", server.stderr)

    def test_production_refuses_an_http_address(self):
        env = {**PRODUCTION, "PUBLIC_BASE_URL": "http://escuela.example.cl"}
        check = run(["manage.py", "check"], "cms.settings.production", **env)
        self.assertNotEqual(check.returncode, 0)
        self.assertIn("courses.E005", check.stderr)

    def test_production_starts_with_one_and_wagtail_gets_the_same_address(self):
        env = {**PRODUCTION, "PUBLIC_BASE_URL": "https://escuela.example.cl"}
        check = run(["manage.py", "check"], "cms.settings.production", **env)
        self.assertEqual(check.returncode, 0, check.stderr)
        code = (
            "import cms.wsgi; from django.conf import settings; from courses.public_address import public_url;"
            "print(settings.WAGTAILADMIN_BASE_URL, public_url('/x/'))"
        )
        server = run(["-c", code], "cms.settings.production", **env)
        self.assertEqual(server.returncode, 0, server.stderr)
        self.assertEqual(server.stdout.split(), ["https://escuela.example.cl", "https://escuela.example.cl/x/"])

    def test_development_defaults_to_the_address_make_run_serves(self):
        check = run(["manage.py", "check"], "cms.settings.dev")
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertNotIn("courses.", check.stderr)
        code = "import django; django.setup(); from django.conf import settings; print(settings.PUBLIC_BASE_URL)"
        self.assertEqual(run(["-c", code], "cms.settings.dev").stdout.strip(), "http://127.0.0.1:8000")
        code = (
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.WAGTAILADMIN_BASE_URL, '192.168.1.20' in settings.ALLOWED_HOSTS)"
        )
        lan = run(["-c", code], "cms.settings.dev", PUBLIC_BASE_URL="http://192.168.1.20:8080")
        self.assertEqual(lan.stdout.split(), ["http://192.168.1.20:8080", "True"])

    def test_make_run_exports_the_address_it_serves_on(self):
        show = ["--eval", "show-address: ; @echo $$PUBLIC_BASE_URL", "show-address"]
        make = ["make", "--no-print-directory", "-s", "-C", ROOT]
        clean = {key: value for key, value in os.environ.items() if key != "PUBLIC_BASE_URL"}

        def address(*args: str, **env: str) -> str:
            result = subprocess.run([*make, *args, *show], env={**clean, **env}, capture_output=True, text=True)
            return result.stdout.strip()

        self.assertEqual(address(), "http://127.0.0.1:8000")
        self.assertEqual(address("PORT=8080"), "http://127.0.0.1:8080")
        self.assertEqual(address("HOST=0.0.0.0", "PORT=9000"), "http://127.0.0.1:9000")
        self.assertEqual(address(PUBLIC_BASE_URL="http://192.168.1.20:8000"), "http://192.168.1.20:8000")
