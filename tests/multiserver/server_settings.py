"""Settings of the app servers that tests/multiserver starts (gunicorn, one process tree each): the test settings,
with this server's own empty local folders, the shared Redis (cache and sessions, under a prefix of this test run)
and the S3-compatible store chosen by the environment (DJANGO_STORAGE=s3 and DJANGO_S3_*, read by cms.settings.base)."""

import os
from pathlib import Path

from cms.settings.test import *  # noqa: F403

MEDIA_ROOT = Path(os.environ["DJANGO_MEDIA_ROOT"])
H5P_ROOT = Path(os.environ["H5P_ROOT"])
CERTIFICATES_PRIVATE_ROOT = Path(os.environ["CERTIFICATES_PRIVATE_ROOT"])
CERTIFICATES_CREDENTIAL_KEY_DIR = Path(os.environ["CERTIFICATES_CREDENTIAL_KEY_DIR"])
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": os.environ["CACHE_KEY_PREFIX"],
    }
}
RATE_LIMITS_REQUIRE_SHARED_CACHE = True  # as in production: cms.E001 refuses a per-process cache
