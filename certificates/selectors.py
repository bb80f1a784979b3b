"""Reads for certificates: which template applies, the public verification result, a learner's certificates, and
what the resume and re-render commands pick up."""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from certificates.codes import format_code, is_well_formed, looks_mistyped
from certificates.models import (
    CertificateBatch,
    CertificateTemplate,
    IssuedCertificate,
    TemplateAssignment,
    verify_url,
)
from learners.models import Cohort, Enrolment


def template_for(*, enrolment: Enrolment) -> CertificateTemplate | None:
    """The cohort's chosen template, else the course's, else the default one; None when there is none at all."""
    condition = Q(course_id=enrolment.course_id)
    if enrolment.cohort_id:
        condition |= Q(cohort_id=enrolment.cohort_id)
    chosen = {
        ("cohort" if row.cohort_id else "course"): row.template
        for row in TemplateAssignment.objects.filter(condition).select_related("template__issuer")
    }
    template = chosen.get("cohort") or chosen.get("course")
    if template is None:
        template = CertificateTemplate.objects.filter(is_default=True).select_related("issuer").first()
    return template


def templates_for_cohort(*, cohort: Cohort) -> CertificateTemplate | None:
    """The template every enrolment of ``cohort`` gets (the same rule as ``template_for``)."""
    return template_for(enrolment=Enrolment(course_id=cohort.course_id, cohort_id=cohort.pk))


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show about one code."""

    code: str
    certificate: IssuedCertificate | None
    replacement_code: str = ""
    mistyped: bool = False

    @property
    def found(self) -> bool:
        return self.certificate is not None

    @property
    def code_display(self) -> str:
        return format_code(self.code)

    @property
    def status(self) -> str:
        if self.certificate:
            return self.certificate.status
        return "typo" if self.mistyped else "not_found"


def verification(*, code: str) -> Verification:
    """Look up a normalised code (one query; none when the check character is wrong)."""
    if not is_well_formed(code):
        return Verification(code=code, certificate=None, mistyped=looks_mistyped(code))
    certificate = (
        IssuedCertificate.objects.filter(code=code)
        .select_related("replaced_by")
        .only("code", "status", "snapshot", "issued_at", "revoked_at", "folio", "replaced_by__code")
        .first()
    )
    if certificate is None:
        return Verification(code=code, certificate=None)
    replacement = ""
    if certificate.status == IssuedCertificate.Status.REPLACED:
        newer = getattr(certificate, "replaced_by", None)
        replacement = newer.code if newer is not None else ""
    return Verification(code=code, certificate=certificate, replacement_code=replacement)


def certificates_of(*, user: AbstractBaseUser) -> dict[int, IssuedCertificate]:
    """The learner's current certificates (valid or revoked, not replaced) by enrolment id, in one query."""
    if not user.is_authenticated:
        return {}
    rows = (
        IssuedCertificate.objects.filter(user=user)
        .exclude(status=IssuedCertificate.Status.REPLACED)
        .defer("snapshot")
        .order_by("issued_at")
    )
    return {certificate.enrolment_id: certificate for certificate in rows}


def cohort_certificates(*, cohort: Cohort) -> QuerySet[IssuedCertificate]:
    """A cohort's valid certificates whose PDF is ready, by folio (for the ZIP download)."""
    return (
        IssuedCertificate.objects.filter(
            cohort=cohort, status=IssuedCertificate.Status.VALID, render_state=IssuedCertificate.RenderState.DONE
        )
        .only("pk", "folio", "pdf", "snapshot")
        .order_by("folio")
    )


def can_download(*, user: AbstractBaseUser, certificate: IssuedCertificate) -> bool:
    """The learner herself, or staff allowed to view issued certificates."""
    if not user.is_authenticated:
        return False
    return certificate.user_id == user.pk or user.has_perm("certificates.view_issuedcertificate")


# What the resume command picks up after a crash or a restart -------------------------------------------------


def completed_without_certificate() -> list[int]:
    """Ids of completed enrolments with no certificate at all (revoked or replaced ones count as having one)."""
    return list(
        Enrolment.objects.filter(status=Enrolment.Status.COMPLETED)
        .exclude(pk__in=IssuedCertificate.objects.values("enrolment_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def pending_renders_by_batch() -> dict[int | None, list[int]]:
    """Certificates whose PDF is still pending, grouped by batch (for the resume command)."""
    grouped: dict[int | None, list[int]] = defaultdict(list)
    pending = IssuedCertificate.objects.filter(render_state=IssuedCertificate.RenderState.PENDING)
    for pk, batch_id in pending.values_list("pk", "batch_id"):
        grouped[batch_id].append(pk)
    return grouped


def unfinished_batches() -> list[CertificateBatch]:
    """Batches still pending or running (after a crash or a restart they are queued again)."""
    return list(
        CertificateBatch.objects.filter(state__in=[CertificateBatch.State.PENDING, CertificateBatch.State.RUNNING])
    )


def stored_pdfs(*, wrong_link_only: bool, after_id: int = 0) -> list[tuple[int, str]]:
    """(id, folio) of the certificates with a stored PDF, by id, after ``after_id``; with ``wrong_link_only``, only
    those whose printed link is not the verify page on today's public address. Erased learners' certificates have
    no PDF and are never listed."""
    stored = (
        IssuedCertificate.objects.filter(render_state=IssuedCertificate.RenderState.DONE, pk__gt=after_id)
        .exclude(pdf="")
        .order_by("pk")
        .values_list("pk", "folio", "code", "snapshot__verify_url")
    )
    return [
        (pk, folio)
        for pk, folio, code, printed in stored.iterator(chunk_size=2000)
        if not wrong_link_only or printed != verify_url(code)
    ]
