"""Issuing one certificate: folios, the certificate rows with their snapshot, and the automatic issue that follows
a completed course (its failures recorded for the admin to retry).

``new_certificates``, ``locked_enrolment`` and ``template_with_parts`` are shared with ``revocation`` (reissue) and
``batches`` (a cohort's chunks), which call them through this module.
"""

import logging
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import selectors
from certificates.codes import generate_code
from certificates.credentials import services as credential_services
from certificates.models import (
    CertificateBatch,
    CertificateTemplate,
    FolioCounter,
    IssuanceFailure,
    IssuedCertificate,
    Issuer,
)
from certificates.services.errors import CertificateError
from certificates.services.signers import signers_for
from certificates.services.snapshot import build_snapshot
from learners.attendance.selectors import attendance_summaries, attended_hours
from learners.models import Enrolment

logger = logging.getLogger(__name__)


def folio_allocate(*, issuer: Issuer, year: int, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive folios ``<ISSUER>-<YEAR>-<000123>``; call inside the transaction that uses them.

    The counter row is locked until that transaction ends, so concurrent issuers wait for each other and a rolled
    back transaction gives its numbers back: folios are unique and gap-free per issuer and year.
    """
    FolioCounter.objects.bulk_create([FolioCounter(issuer=issuer, year=year)], ignore_conflicts=True)
    counter = FolioCounter.objects.select_for_update().get(issuer=issuer, year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{issuer.short_code}-{year}-{number:06d}" for number in range(first, first + count)]


# Issuing --------------------------------------------------------------------------------------------------------


def _issuable(enrolment: Enrolment) -> None:
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise CertificateError(_("The learner has not completed this course yet."))


def template_with_parts(template: CertificateTemplate) -> CertificateTemplate:
    return (
        CertificateTemplate.objects.select_related("issuer__logo", "issuer__school__site")
        .prefetch_related("signatories__signature", "issuer__signatories__signature")
        .get(pk=template.pk)
    )


def new_certificates(
    *,
    enrolments: list[Enrolment],
    template: CertificateTemplate,
    issued_by: AbstractBaseUser | None,
    batch: CertificateBatch | None = None,
    replaces: IssuedCertificate | None = None,
) -> list[IssuedCertificate]:
    """Create certificates for enrolments (already locked and checked) in the caller's transaction.

    Each certificate gets the issuer and signatories of ``signers.signers_for`` (the school's issuer for a course of
    a school's tree); enrolments are grouped by issuer so that each issuer's folios stay consecutive."""
    if not enrolments:
        return []
    issued_at = timezone.now()
    groups: dict[tuple, list] = {}
    signers_by_key: dict[tuple, object] = {}
    for enrolment in enrolments:  # a cohort's enrolments share course and comuna: one lookup for the whole batch
        key = (enrolment.course_id, enrolment.cohort.municipality_id if enrolment.cohort_id else None)
        if key not in signers_by_key:
            signers_by_key[key] = signers_for(enrolment=enrolment, template=template)
        groups.setdefault(key, []).append(enrolment)
    created = []
    for key, members in groups.items():
        created += _new_certificates_of(
            enrolments=members,
            template=template,
            signers=signers_by_key[key],
            issued_by=issued_by,
            batch=batch,
            replaces=replaces,
            issued_at=issued_at,
        )
    return created


def _new_certificates_of(*, enrolments, template, signers, issued_by, batch, replaces, issued_at):
    issuer = signers.issuer
    folios = folio_allocate(issuer=issuer, year=timezone.localdate(issued_at).year, count=len(enrolments))
    attendance = attendance_summaries(enrolments=[enrolment for enrolment in enrolments if enrolment.cohort_id])
    by_attendance = [e for e in enrolments if e.cohort_id and e.course.hours_from_attendance]
    hours = attended_hours(enrolments=by_attendance)
    hours_by_attendance = {e.pk for e in by_attendance}
    certificates = []
    for enrolment, folio in zip(enrolments, folios, strict=True):
        code = generate_code()
        summary = attendance.get(enrolment.pk)
        certificates.append(
            IssuedCertificate(
                enrolment=enrolment,
                user_id=enrolment.user_id,
                course_id=enrolment.course_id,
                cohort_id=enrolment.cohort_id,
                issuer=issuer,
                template=template,
                template_version=template.version,
                batch=batch,
                folio=folio,
                code=code,
                snapshot=build_snapshot(
                    enrolment=enrolment,
                    template=template,
                    folio=folio,
                    code=code,
                    issued_at=issued_at,
                    attendance=summary.percent if summary is not None else None,
                    attended_hours=hours.get(enrolment.pk, Decimal(0)) if enrolment.pk in hours_by_attendance else None,
                    signers=signers,
                ),
                issued_at=issued_at,
                issued_by=issued_by,
                replaces=replaces,
            )
        )
    credential_services.credentials_attach(certificates=certificates, issuer=issuer)
    return IssuedCertificate.objects.bulk_create(certificates)


def locked_enrolment(enrolment_id: int) -> Enrolment:
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("user__learner_profile", "course", "cohort")
        .get(pk=enrolment_id)
    )


@transaction.atomic
def certificate_issue(
    *, enrolment: Enrolment, issued_by: AbstractBaseUser | None = None, render: bool = True
) -> IssuedCertificate:
    """Issue the certificate of a completed enrolment, or return the valid one it already has (idempotent).

    The PDF is rendered by a background task after the transaction commits (``render=False`` leaves it pending).
    Raises CertificateError when the course is not completed, no template applies, or the certificate was revoked
    (a revoked certificate is replaced through ``certificate_reissue``, never silently).
    """
    enrolment = locked_enrolment(enrolment.pk)  # serialises concurrent issuing for the same learner
    existing = IssuedCertificate.objects.filter(enrolment=enrolment).exclude(status=IssuedCertificate.Status.REPLACED)
    current = existing.first()
    if current is not None:
        if current.status == IssuedCertificate.Status.REVOKED:
            raise CertificateError(_("This learner's certificate was revoked; reissue it to give her a new one."))
        return current
    _issuable(enrolment)
    template = selectors.template_for(enrolment=enrolment)
    if template is None:
        raise CertificateError(_("No certificate template applies: create a default template or choose one."))
    (certificate,) = new_certificates(
        enrolments=[enrolment], template=template_with_parts(template), issued_by=issued_by
    )
    IssuanceFailure.objects.filter(enrolment=enrolment).delete()
    if render:
        enqueue_render_on_commit([certificate.pk])
    return certificate


def enqueue_render_on_commit(certificate_ids: list[int], batch_id: int | None = None) -> None:
    from certificates.tasks import render_certificates_task

    transaction.on_commit(lambda: render_certificates_task.enqueue(certificate_ids=certificate_ids, batch_id=batch_id))


def certificate_issue_automatically(*, enrolment_id: int) -> IssuedCertificate | None:
    """What the ``course_completed`` receiver's task runs: issue, and record any failure for the admin to retry."""
    enrolment = Enrolment.objects.filter(pk=enrolment_id).first()
    if enrolment is None:
        return None
    try:
        return certificate_issue(enrolment=enrolment)
    except Exception as error:  # recorded for the admin, never lost
        logger.exception("Automatic certificate issuance failed for enrolment %s", enrolment_id)
        issuance_failure_record(enrolment=enrolment, error=error)
        return None


def issuance_failure_record(*, enrolment: Enrolment, error: Exception) -> IssuanceFailure:
    """Remember why a certificate could not be issued (one row per enrolment, counting attempts)."""
    message = str(error) or error.__class__.__name__
    failure, created = IssuanceFailure.objects.get_or_create(enrolment=enrolment, defaults={"error": message})
    if not created:
        failure.error = message
        failure.attempts += 1
        failure.save(update_fields=["error", "attempts", "last_attempt_at"])
    return failure
