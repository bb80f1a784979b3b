"""Emails to learners about their certificates (ready, reissued, revoked), queued in the platform's outbox
(learners.notifications): sent by background tasks, retried, each one once (dedup key per certificate)."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates.models import IssuedCertificate, verify_url
from certificates.selectors import issuer_sites
from courses.public_address import public_url
from learners.notifications.channels import one_line
from learners.notifications.messages import Outgoing
from learners.notifications.services import outbox_queue, outbox_queue_many

KIND = "certificado"


def _outgoing(certificate: IssuedCertificate, *, key: str, subject: str, template: str, context: dict) -> Outgoing:
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"certificates/emails/{template}.txt", context)
    return Outgoing(kind=KIND, recipient_id=certificate.user_id, dedup_key=key, subject=one_line(subject), text=text)


def certificates_notify(*, certificates: Iterable[IssuedCertificate]) -> int:
    """Tell each learner that her certificate is ready, or reissued (once per certificate), with its verify link;
    returns how many notices were queued. The links of a school's certificate name the school's host."""
    pending = [c for c in certificates if c.notified_at is None and c.status == "valid"]
    if not pending:
        return 0
    dashboard_path = reverse("learners:dashboard")
    sites = issuer_sites(certificate.issuer_id for certificate in pending)  # a school's certificate: its host
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for certificate in pending:
            site = sites.get(certificate.issuer_id)
            context = {
                "snapshot": certificate.snapshot,
                "dashboard_url": public_url(dashboard_path, site=site),
                "verify_url": verify_url(certificate.code, site=site),
                "reissued": certificate.replaces_id is not None,
            }
            course = certificate.snapshot["course_title"]
            if certificate.replaces_id is not None:
                subject = _("Your certificate for %(course)s was reissued") % {"course": course}
            else:
                subject = _("Your certificate for %(course)s") % {"course": course}
            key = f"certificado_listo:{certificate.pk}"
            messages.append(
                _outgoing(certificate, key=key, subject=subject, template="certificate_issued", context=context)
            )
    with transaction.atomic():
        queued = outbox_queue_many(messages)
        IssuedCertificate.objects.filter(pk__in=[c.pk for c in pending]).update(notified_at=timezone.now())
    return queued


def certificate_revoked_notify(*, certificate_id: int) -> bool:
    """Tell the learner that her certificate was revoked (once: ``revocation_notified_at`` and the outbox's dedup
    key), with its verify link. The row is locked while the notice is queued and marked in the same transaction."""
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
        outbox_queue(
            _outgoing(
                certificate,
                key=f"certificado_revocado:{certificate.pk}",
                subject=subject,
                template="certificate_revoked",
                context=context,
            )
        )
        IssuedCertificate.objects.filter(pk=certificate.pk).update(revocation_notified_at=timezone.now())
    return True
