"""Revoking a certificate, and reissuing one (the old one is kept as "replaced" and points to the new one)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import selectors
from certificates.credentials import services as credential_services
from certificates.models import IssuedCertificate
from certificates.services import issuance
from certificates.services.errors import CertificateError
from learners.privacy.audit import audit_record


@transaction.atomic
def certificate_revoke(*, certificate: IssuedCertificate, reason: str, by: AbstractBaseUser) -> IssuedCertificate:
    """Revoke a valid certificate with a recorded reason; its verify page then says "revoked" and the date."""
    certificate = IssuedCertificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != IssuedCertificate.Status.VALID:
        raise CertificateError(_("Only a valid certificate can be revoked."))
    if not reason.strip():
        raise CertificateError(_("Give the reason for revoking it."))
    certificate.status = IssuedCertificate.Status.REVOKED
    certificate.revoked_at, certificate.revoked_by, certificate.revoked_reason = timezone.now(), by, reason.strip()
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revoked_reason"])
    credential_services.status_list_refresh(issuer=certificate.issuer)  # same transaction: list = verify page
    audit_record(actor=by, action="certificate.revoked", subject=certificate, data={"folio": certificate.folio})
    from certificates.tasks import notify_revoked_task

    transaction.on_commit(lambda: notify_revoked_task.enqueue(certificate_id=certificate.pk))
    return certificate


@transaction.atomic
def certificate_reissue(*, certificate: IssuedCertificate, by: AbstractBaseUser, reason: str) -> IssuedCertificate:
    """Replace a certificate (valid or revoked) with a new one: new folio, new code, today's data and template.

    The old one becomes "replaced" and links to the new one, so its code still verifies and points onwards.
    """
    if not reason.strip():
        raise CertificateError(_("Give the reason for reissuing it."))
    old = IssuedCertificate.objects.select_for_update().get(pk=certificate.pk)
    if old.status == IssuedCertificate.Status.REPLACED:
        raise CertificateError(_("This certificate was already replaced; reissue the newest one."))
    if old.snapshot.get("erased"):
        raise CertificateError(_("The learner's data were deleted: this certificate can only be verified."))
    enrolment = issuance.locked_enrolment(old.enrolment_id)
    template = selectors.template_for(enrolment=enrolment) or old.template
    now = timezone.now()
    old.status = IssuedCertificate.Status.REPLACED
    if old.revoked_at is None:
        old.revoked_at, old.revoked_by = now, by
    old.revoked_reason = "\n".join(filter(None, [old.revoked_reason, reason.strip()]))
    old.save(update_fields=["status", "revoked_at", "revoked_by", "revoked_reason"])
    (new,) = issuance.new_certificates(
        enrolments=[enrolment], template=issuance.template_with_parts(template), issued_by=by, replaces=old
    )
    issuance.enqueue_render_on_commit([new.pk])
    credential_services.status_list_refresh(issuer=old.issuer)
    if new.issuer_id != old.issuer_id:
        credential_services.status_list_refresh(issuer=new.issuer)
    audit_record(
        actor=by, action="certificate.reissued", subject=old, data={"folio": old.folio, "new_folio": new.folio}
    )
    return new
