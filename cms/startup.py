"""Start-up of the WSGI and ASGI servers: the system checks, which only ``manage.py`` commands run by themselves.

Without this a server process would start with, say, no public address (courses.E001) and issue certificates whose
QR code never verifies. Errors stop the process with the checks' own messages; warnings are left to ``manage.py``.
"""

from django.core import checks
from django.core.management.base import SystemCheckError


def run_system_checks() -> None:
    """Run the registered system checks (not the deployment or database ones); raise on any error."""
    serious = [message for message in checks.run_checks() if message.is_serious() and not message.is_silenced()]
    if serious:
        raise SystemCheckError("The site will not start:\n" + "\n".join(str(message) for message in serious))
