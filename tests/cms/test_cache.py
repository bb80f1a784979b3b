"""cms.cache.ReusingRedisCache against the real Redis on 127.0.0.1: Django's RedisCache behaviour (values, counters,
expiry, the rate-limit counter), with one redis client per connection pool instead of one per call. Every key has a
unique prefix and a timeout (no ``clear()``: it would empty the whole Redis database, which others may share)."""

import threading
import time

from django.core.cache.backends.redis import RedisCache
from django.test import SimpleTestCase

from cms.cache import ReusingRedisCache

LOCATION = "redis://127.0.0.1:6379/11"


class ReusingRedisCacheTests(SimpleTestCase):
    def setUp(self):
        self.cache = ReusingRedisCache(LOCATION, {"KEY_PREFIX": f"test-cache-{time.monotonic_ns()}"})

    def test_behaves_as_djangos_redis_cache(self):
        self.assertIsInstance(self.cache, RedisCache)
        self.cache.set("lesson", {"id": 7, "blocks": ["h5p"]}, 30)
        self.assertEqual(self.cache.get("lesson"), {"id": 7, "blocks": ["h5p"]})
        self.assertIsNone(self.cache.get("missing"))
        self.assertTrue(self.cache.add("counter", 0, timeout=30))
        self.assertFalse(self.cache.add("counter", 5, timeout=30))
        self.assertEqual(self.cache.incr("counter"), 1)
        self.assertEqual(self.cache.incr("counter"), 2)
        self.cache.set("short", 1, 1)
        time.sleep(1.2)
        self.assertIsNone(self.cache.get("short"))
        with self.assertRaises(ValueError):
            self.cache.incr("never-set")
        self.cache.delete("lesson")
        self.assertIsNone(self.cache.get("lesson"))

    def test_one_client_per_pool_instead_of_one_per_call(self):
        client = self.cache._cache
        self.assertIs(client.get_client(write=True), client.get_client(write=True))
        self.assertIs(client.get_client(), client.get_client(write=True))  # one server: reads use the write pool

    def test_the_shared_client_serves_several_threads(self):
        self.cache.set("hits", 0, 60)
        client = self.cache._cache

        def hit():
            for _ in range(50):
                client.incr(self.cache.make_and_validate_key("hits"), 1)

        threads = [threading.Thread(target=hit) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(self.cache.get("hits"), 200)


class CountHitTests(SimpleTestCase):
    def setUp(self):
        self.cache = ReusingRedisCache(LOCATION, {"KEY_PREFIX": f"test-count-{time.monotonic_ns()}"})

    def test_counts_from_one_and_reads_back_as_a_number(self):
        self.assertEqual([self.cache.count_hit("k", window=30) for _ in range(3)], [1, 2, 3])
        self.assertEqual(self.cache.get("k"), 3)
        self.assertEqual(self.cache.count_hit("other", window=30), 1)

    def test_the_window_runs_from_the_first_hit(self):
        self.cache.count_hit("k", window=1)
        time.sleep(0.6)
        self.assertEqual(self.cache.count_hit("k", window=1), 2)  # a later hit does not extend the window
        time.sleep(0.6)
        self.assertEqual(self.cache.count_hit("k", window=1), 1)

    def test_the_rate_limits_count_with_it(self):
        from django.test import override_settings

        from learners.accounts.throttle import count_hit

        backend = {"BACKEND": "cms.cache.ReusingRedisCache", "LOCATION": LOCATION, "KEY_PREFIX": "test-throttle"}
        with override_settings(CACHES={"default": backend}):
            from django.core.cache import cache

            key = f"h5p-xapi:{time.monotonic_ns()}"
            self.assertEqual([count_hit(key, window=30) for _ in range(3)], [1, 2, 3])
            self.assertEqual(cache.get(key), 3)
