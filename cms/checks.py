"""System checks of the site's own configuration (registered by CmsConfig.ready, so they run with every
``manage.py`` command, and in production before the first request: cms/wsgi.py and cms/asgi.py)."""

from django.conf import settings
from django.core import checks
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

# The caches that the rate limits count in: log-in failures and e-mail limits (learners.accounts.throttle), xAPI
# statements (learners.h5p) and certificate lookups (certificates) all use Django's default cache.
RATE_LIMIT_CACHES = ("default",)
# Caches that each server process keeps for itself (LocMem), or that keep nothing (Dummy).
PROCESS_LOCAL_BACKENDS = (LocMemCache, DummyCache)


@checks.register(checks.Tags.caches)
def rate_limit_cache_is_shared(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """In production (``RATE_LIMITS_REQUIRE_SHARED_CACHE``), the rate-limit cache must be one that every server
    process shares (Redis through REDIS_URL): with a per-process cache each limit is multiplied by the number
    of processes, and with the dummy cache no limit holds at all."""
    if not getattr(settings, "RATE_LIMITS_REQUIRE_SHARED_CACHE", False):
        return []
    errors = []
    for alias in RATE_LIMIT_CACHES:
        backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
        try:
            process_local = issubclass(import_string(backend), PROCESS_LOCAL_BACKENDS)
        except ImportError:
            continue  # Django's own cache checks report a backend that does not import
        if process_local:
            errors.append(
                checks.Error(
                    f"The cache '{alias}' ({backend}) is kept by each server process: the rate limits of log-ins, "
                    "certificate lookups and H5P answers would be multiplied by the number of processes.",
                    hint="Set REDIS_URL (for example redis://127.0.0.1:6379/0) so that every process shares one "
                    "cache (README, «Producción»).",
                    id="cms.E001",
                )
            )
    return errors


def refuse_to_start_on_errors() -> None:
    """Run the system checks that need no database and refuse to serve when one is an error. Django runs them
    for ``manage.py`` commands but not under a WSGI or ASGI server (gunicorn), where a bad setting would
    otherwise go unnoticed."""
    errors = [message for message in checks.run_checks() if message.is_serious() and not message.is_silenced()]
    if errors:
        raise ImproperlyConfigured(
            "The site will not start: " + "; ".join(f"{error.id}: {error.msg} {error.hint or ''}" for error in errors)
        )
