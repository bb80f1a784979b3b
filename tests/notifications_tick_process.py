"""One scheduler run in its own process, for tests/learners/test_notifications_concurrency.py.

    python tests/notifications_tick_process.py <database name> <smtp port> <now ISO> <start file>

It connects to the test database (the test's PostgreSQL database, with its committed rows), sends through the
test's SMTP server, waits until ``start file`` exists (so that several processes start together), runs
``notifications_tick(now=...)`` and prints how many messages it queued."""

import os
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402
from django.conf import settings  # noqa: E402


def main(database: str, port: str, now: str, start_file: str) -> None:
    settings.DATABASES["default"]["NAME"] = database
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", int(port), False
    django.setup()
    from learners.notifications.scheduler import notifications_tick

    deadline = time.monotonic() + 30
    while not Path(start_file).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    tick = notifications_tick(now=datetime.fromisoformat(now))
    sys.stdout.write(f"{tick.queued}\n")


if __name__ == "__main__":
    main(*sys.argv[1:5])
