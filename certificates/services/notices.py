"""Emails to learners about their certificates."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates.models import IssuedCertificate
from courses.public_address import public_url


def certificates_notify(*, certificates: Iterable[IssuedCertificate]) -> int:
    """Email each learner that her certificate is ready (once per certificate), with its verify link."""
    pending = [c for c in certificates if c.notified_at is None and c.status == "valid" and c.user.email]
    if not pending:
        return 0
    dashboard_url = public_url(reverse("learners:dashboard"))
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for certificate in pending:
            context = {
                "snapshot": certificate.snapshot,
                "dashboard_url": dashboard_url,
                "verify_url": certificate.verify_url,
            }
            subject = _("Your certificate for %(course)s") % {"course": certificate.snapshot["course_title"]}
            body = render_to_string("certificates/emails/certificate_issued.txt", context)
            messages.append(EmailMessage(subject, body, None, [certificate.user.email]))
    connection = get_connection()
    sent = connection.send_messages(messages) or 0
    IssuedCertificate.objects.filter(pk__in=[c.pk for c in pending]).update(notified_at=timezone.now())
    return sent
