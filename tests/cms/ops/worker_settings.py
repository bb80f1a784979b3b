"""Settings of the worker processes that tests/cms/ops/test_worker.py starts: the test settings with the database
queue, and a certificate folder given in the environment, which the test reads afterwards."""

import os
from pathlib import Path

from cms.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CERTIFICATES_PRIVATE_ROOT = Path(os.environ["CERTIFICATES_PRIVATE_ROOT"])
