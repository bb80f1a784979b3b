"""Rate limit for public verification lookups: at most N lookups per client IP in a window (Django's cache)."""

from django.conf import settings
from django.core.cache import cache

from learners.accounts.throttle import client_ip

PREFIX = "certificates:verify"


def verify_allowed(request) -> bool:
    """Count this lookup for the client's IP; False once the IP is over ``CERTIFICATES_VERIFY_RATE``."""
    limit, window = getattr(settings, "CERTIFICATES_VERIFY_RATE", (30, 60))
    key = f"{PREFIX}:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def retry_after() -> int:
    return getattr(settings, "CERTIFICATES_VERIFY_RATE", (30, 60))[1]
