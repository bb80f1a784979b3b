"""Django's Redis cache, with one Redis client per connection pool instead of one per operation.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call,
and redis-py's constructor copies its ~170 response callbacks each time (a session read, the H5P lesson and the
rate-limit counter per xAPI statement): about 3 % of a statement's CPU in `bench/h5p_cpu.py --ab-cache`.
A ``redis.Redis`` is safe to share between threads (its pool hands each command a connection) and its pool
reconnects after a fork, so one client per pool behaves the same, minus the copying.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ReusingRedisCache(RedisCache):
    """``CACHES`` backend ``cms.cache.ReusingRedisCache``: Django's RedisCache with ``ReusingRedisCacheClient``, and
    ``count_hit`` for the rate limits."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def count_hit(self, key: str, *, window: int) -> int:
        """Add one to the counter ``key``, which lives ``window`` seconds from its first hit; the new count.

        What ``learners.accounts.throttle.count_hit`` does with ``add`` and ``incr`` (three round trips: Django's
        ``incr`` first asks whether the key exists), in one MULTI/EXEC round trip, and atomic: the counter cannot
        expire between creating and counting."""
        key = self.make_and_validate_key(key)
        with self._cache.get_client(key, write=True).pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window, nx=True)
            pipe.incr(key)
            return int(pipe.execute()[1])
