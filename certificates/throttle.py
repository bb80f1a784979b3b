"""Rate limit for public verification lookups: at most N lookups per client IP in a window (Django's cache)."""

from django.conf import settings

from learners.accounts.throttle import client_ip, count_hit

PREFIX = "certificates:verify"


def verify_allowed(request) -> bool:
    """Count this lookup for the client's IP; False once the IP is over ``CERTIFICATES_VERIFY_RATE``."""
    limit, window = getattr(settings, "CERTIFICATES_VERIFY_RATE", (30, 60))
    return count_hit(f"{PREFIX}:{client_ip(request) or 'unknown'}", window=window) <= limit


def retry_after() -> int:
    return getattr(settings, "CERTIFICATES_VERIFY_RATE", (30, 60))[1]
