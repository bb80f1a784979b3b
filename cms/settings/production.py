"""Production: base settings plus HTTPS hardening. Everything else comes from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, env, env_bool

if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Define DJANGO_ALLOWED_HOSTS (comma-separated host names).")

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# The load balancer's health checks and Prometheus reach the app servers directly over the private network.
SECURE_REDIRECT_EXEMPT = [r"^salud/", r"^metricas/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", True) else None
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Allows submitting the domain to the browsers' HTTPS-only list (README); DJANGO_HSTS_PRELOAD=0 to leave it out.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The rate limits count in the cache: every server process must share it (Redis, REDIS_URL). cms/checks.py
# refuses to start with a per-process cache.
RATE_LIMITS_REQUIRE_SHARED_CACHE = True
# Certificates, batches and e-mails go to the database queue and a `manage.py db_worker` process (README,
# "Proceso de trabajo"), never into the request that completes a course.
TASKS = {"default": {"BACKEND": env("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# Production never accepts the ClaveÚnica sandbox's synthetic RUNs, whatever the environment says.
CLAVEUNICA_ACCEPT_SANDBOX_RUNS = False
