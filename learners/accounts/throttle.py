"""Failed log-in throttling and email rate limits, kept in Django's cache.

After ``LEARNERS_LOGIN_FAILURE_LIMIT`` failures for one email, or from one client IP, within
``LEARNERS_LOGIN_LOCKOUT_SECONDS``, further attempts are refused (even with the right password) for
``LEARNERS_LOGIN_LOCKOUT_SECONDS``. Counting starts again when the lock ends. The cache must be shared by
every server process (Redis in production) for the limits to hold across processes.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

PREFIX = "learners:accounts"


def _now() -> float:
    return time.time()


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _subjects(*, email: str, ip: str) -> list[tuple[str, int]]:
    """Cache key stems to count, with their failure limit (emails are hashed: no personal data in keys)."""
    limit = getattr(settings, "LEARNERS_LOGIN_FAILURE_LIMIT", 5)
    subjects = [(f"email:{_digest(email)}", limit)]
    if ip:
        subjects.append((f"ip:{ip}", getattr(settings, "LEARNERS_LOGIN_IP_FAILURE_LIMIT", limit)))
    return subjects


def count_hit(key: str, *, window: int) -> int:
    """Add one to the counter ``key``, which lives ``window`` seconds from its first hit; returns the new count.
    The rate limits of the project (log-ins, certificate lookups, xAPI statements) all count with this."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def client_ip(request) -> str:
    """The address the request came from (REMOTE_ADDR; a reverse proxy must set it to the real client)."""
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def seconds_locked(*, email: str, ip: str) -> int:
    """Seconds until log-ins for this email or from this IP are allowed again; 0 when they are allowed."""
    locks = cache.get_many([f"{PREFIX}:lock:{stem}" for stem, _limit in _subjects(email=email, ip=ip)])
    until = max(locks.values(), default=0)
    return max(0, math.ceil(until - _now()))


def record_failure(*, email: str, ip: str) -> int:
    """Count a failed log-in for the email and the IP. Returns the seconds locked (0 when not locked yet)."""
    window = getattr(settings, "LEARNERS_LOGIN_LOCKOUT_SECONDS", 15 * 60)
    for stem, limit in _subjects(email=email, ip=ip):
        key = f"{PREFIX}:failures:{stem}"
        if count_hit(key, window=window) >= limit:
            cache.set(f"{PREFIX}:lock:{stem}", _now() + window, timeout=window)
            cache.delete(key)
    return seconds_locked(email=email, ip=ip)


def clear(*, email: str) -> None:
    """Forget failures and any lock for this email (after a successful log-in or a password reset)."""
    stem = f"email:{_digest(email)}"
    cache.delete_many([f"{PREFIX}:failures:{stem}", f"{PREFIX}:lock:{stem}"])


def email_send_allowed(*, purpose: str, email: str, seconds: int = 60) -> bool:
    """At most one message of this purpose per address every ``seconds``, so nobody can flood an inbox."""
    return cache.add(f"{PREFIX}:sent:{purpose}:{_digest(email)}", 1, timeout=seconds)
