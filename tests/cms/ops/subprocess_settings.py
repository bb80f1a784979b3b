"""Settings of the processes that tests/cms/ops start (a worker, a restore): the test settings with the database
queue, and the folders given in the environment (which the test reads afterwards) instead of throwaway ones."""

import os
from pathlib import Path

from cms.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if os.environ.get("DJANGO_MEDIA_ROOT"):
    MEDIA_ROOT = Path(os.environ["DJANGO_MEDIA_ROOT"])
if os.environ.get("H5P_ROOT"):
    H5P_ROOT = Path(os.environ["H5P_ROOT"])
if os.environ.get("CERTIFICATES_PRIVATE_ROOT"):
    CERTIFICATES_PRIVATE_ROOT = Path(os.environ["CERTIFICATES_PRIVATE_ROOT"])
