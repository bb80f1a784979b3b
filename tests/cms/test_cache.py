"""cms.cache.ReusingRedisCache against the real Redis on 127.0.0.1: Django's RedisCache behaviour (values, counters,
expiry, the rate-limit counter), with one redis client per connection pool instead of one per call."""

import threading
import time

from django.core.cache.backends.redis import RedisCache
from django.test import SimpleTestCase

from cms.cache import ReusingRedisCache

LOCATION = "redis://127.0.0.1:6379/11"


class ReusingRedisCacheTests(SimpleTestCase):
    def setUp(self):
        self.cache = ReusingRedisCache(LOCATION, {"KEY_PREFIX": f"test-cache-{time.monotonic_ns()}"})
        self.addCleanup(self.cache.clear)

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
