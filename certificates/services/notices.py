"""Emails to learners about their certificates."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
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


def certificate_revoked_notify(*, certificate_id: int) -> bool:
    """Email the learner that her certificate was revoked (once: ``revocation_notified_at``), with its verify link.

    The row is locked while the email goes out and marked in the same transaction: a retry, or two workers at
    once, never send it twice; an email that could not be sent rolls the mark back, so a retry sends it."""
    with transaction.atomic():
        certificate = (
            IssuedCertificate.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=certificate_id, revocation_notified_at__isnull=True, status=IssuedCertificate.Status.REVOKED)
            .first()
        )
        if certificate is None or not certificate.user.email:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "snapshot": certificate.snapshot,
                "reason": certificate.revoked_reason,
                "revoked_on": timezone.localdate(certificate.revoked_at),
                "verify_url": certificate.verify_url,
            }
            subject = _("Your certificate for %(course)s was revoked") % {
                "course": certificate.snapshot["course_title"]
            }
            body = render_to_string("certificates/emails/certificate_revoked.txt", context)
        EmailMessage(subject, body, None, [certificate.user.email]).send()
        IssuedCertificate.objects.filter(pk=certificate.pk).update(revocation_notified_at=timezone.now())
    return True
