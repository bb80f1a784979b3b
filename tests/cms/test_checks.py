"""cms.E001: production refuses a rate-limit cache that each server process keeps for itself."""

import secrets

from django.core import checks
from django.core.cache import caches
from django.test import SimpleTestCase, override_settings

from cms.checks import rate_limit_cache_is_shared
from tests.cms.test_security_headers import REDIS, run_production

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DUMMY = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS["REDIS_URL"],
        "KEY_PREFIX": f"escuela-test-{secrets.token_hex(4)}",
    }
}


class RateLimitCacheCheckTests(SimpleTestCase):
    def ids(self) -> list[str]:
        return [message.id for message in checks.run_checks(tags=[checks.Tags.caches])]

    @override_settings(RATE_LIMITS_REQUIRE_SHARED_CACHE=True, CACHES=LOCMEM)
    def test_production_with_a_per_process_cache_is_an_error(self):
        (error,) = rate_limit_cache_is_shared()
        self.assertEqual(error.id, "cms.E001")
        self.assertTrue(error.is_serious())
        self.assertIn("REDIS_URL", error.hint)
        self.assertIn("cms.E001", self.ids())  # registered: `manage.py check` and start-up run it

    @override_settings(RATE_LIMITS_REQUIRE_SHARED_CACHE=True, CACHES=DUMMY)
    def test_production_with_the_dummy_cache_is_an_error(self):
        self.assertEqual([error.id for error in rate_limit_cache_is_shared()], ["cms.E001"])

    @override_settings(RATE_LIMITS_REQUIRE_SHARED_CACHE=True, CACHES=REDIS_CACHE)
    def test_production_with_redis_passes_and_the_cache_is_shared(self):
        self.assertEqual(rate_limit_cache_is_shared(), [])
        self.assertNotIn("cms.E001", self.ids())
        # Two connections, as two server processes would have, see the same counter.
        first, second = (caches.create_connection("default") for _ in range(2))
        try:
            first.add("check-counter", 0, timeout=30)
            first.incr("check-counter")
            self.assertEqual(second.incr("check-counter"), 2)
        finally:
            first.delete("check-counter")

    @override_settings(CACHES=LOCMEM)
    def test_development_and_tests_may_use_a_per_process_cache(self):
        with self.settings(RATE_LIMITS_REQUIRE_SHARED_CACHE=False):
            self.assertEqual(rate_limit_cache_is_shared(), [])


def test_production_without_redis_refuses_to_start():
    """Under gunicorn (cms.wsgi), not only in `manage.py check`."""
    result = run_production("import cms.wsgi")
    assert result.returncode != 0
    assert "cms.E001" in result.stderr
    check = run_production(
        "from django.core.management import execute_from_command_line;execute_from_command_line(['manage.py', 'check'])"
    )
    assert check.returncode != 0
    assert "cms.E001" in check.stderr


def test_production_with_redis_starts():
    for module in ("cms.wsgi", "cms.asgi"):
        result = run_production(f"import {module}; print({module}.application.__class__.__name__)", **REDIS)
        assert result.returncode == 0, result.stderr
        assert "Handler" in result.stdout
