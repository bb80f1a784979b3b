"""Settings for the test suite: fast hashing, immediate tasks, throwaway media folder."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-key")

from .base import *  # noqa: E402,F403
from .base import STORAGES  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", ".localhost", "testserver"]  # schools: penalolen.localhost…
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Uploaded files go to a throwaway folder per test process (removed at exit), with the real file-system storage
# so that document downloads and image renditions behave as in production.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="escuela-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
H5P_ROOT = Path(tempfile.mkdtemp(prefix="escuela-test-h5p-"))
atexit.register(shutil.rmtree, H5P_ROOT, ignore_errors=True)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
PUBLIC_BASE_URL = WAGTAILADMIN_BASE_URL = "http://testserver"
LOGGING = {"version": 1, "disable_existing_loggers": False}
CERTIFICATES_PRIVATE_ROOT = Path(tempfile.mkdtemp(prefix="escuela-test-private-"))
atexit.register(shutil.rmtree, CERTIFICATES_PRIVATE_ROOT, ignore_errors=True)
# Credential keys: tests.factories.certificates.make_issuer creates one per issuer here.
CERTIFICATES_CREDENTIAL_KEY_DIR = Path(tempfile.mkdtemp(prefix="escuela-test-credential-keys-"))
atexit.register(shutil.rmtree, CERTIFICATES_CREDENTIAL_KEY_DIR, ignore_errors=True)
CERTIFICATES_ACADEMY_ISSUER = "AMUCH"
CLAVEUNICA_ACCEPT_SANDBOX_RUNS = True  # the sandbox RUNs (44.444.444-4…) work here; never in production
