"""Local development: DEBUG on, console email, a throwaway secret key."""

import os
from urllib.parse import urlsplit

os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")

from .base import *  # noqa: E402,F403
from .base import BASE_DIR, LOGGING, STORAGES, env, env_list  # noqa: E402

DEBUG = True
# ".localhost": the municipal schools of the demo (penalolen.localhost…), which browsers send to this machine.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", ".localhost", "[::1]", "testserver", *env_list("DJANGO_ALLOWED_HOSTS")]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
LOGGING["loggers"]["cms.requests"]["level"] = "WARNING"  # runserver prints each request already
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# A development key for signed certificate PDFs, created by `manage.py certificates_dev_key` (make run).
CERTIFICATES_SIGNING_KEY = env("CERTIFICATES_SIGNING_KEY", str(BASE_DIR / "var" / "certificates" / "dev-key.pem"))
CERTIFICATES_SIGNING_CERT = env("CERTIFICATES_SIGNING_CERT", str(BASE_DIR / "var" / "certificates" / "dev-cert.pem"))
# Development credential keys, created by `manage.py certificates_credential_keys` (make run); AMUCH, the demo
# issuer, plays the academy.
CERTIFICATES_CREDENTIAL_KEY_DIR = env("CERTIFICATES_CREDENTIAL_KEY_DIR", str(BASE_DIR / "var" / "credentials"))
CERTIFICATES_ACADEMY_ISSUER = env("CERTIFICATES_ACADEMY_ISSUER", "AMUCH")

# The address the development server is reached at: `make run` serves on HOST:PORT and exports PUBLIC_BASE_URL
# for them (Makefile); run by hand, set PUBLIC_BASE_URL to where you serve it (README, "Dirección pública del sitio").
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL") or "http://127.0.0.1:8000"

try:
    from .local import *  # noqa: F403
except ImportError:
    pass

WAGTAILADMIN_BASE_URL = PUBLIC_BASE_URL
_public_host = urlsplit(PUBLIC_BASE_URL).hostname or ""
if _public_host:  # the host that the links and QR codes of `make run` point at
    ALLOWED_HOSTS.append(f"[{_public_host}]" if ":" in _public_host else _public_host)
CLAVEUNICA_ACCEPT_SANDBOX_RUNS = True  # the sandbox RUNs (44.444.444-4…) work here; never in production
