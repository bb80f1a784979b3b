"""Reads for certificates: which template applies, the public verification result, a learner's certificates, and
what the resume and re-render commands pick up."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet
from django.db.models.lookups import IsNull
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Site

from certificates.codes import format_code, is_well_formed, looks_mistyped
from certificates.models import (
    CertificateBatch,
    CertificateTemplate,
    IssuedCertificate,
    Issuer,
    TemplateAssignment,
    issuer_site,
    verify_url,
)
from courses.prepared import PreparedQuery
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
        .only(
            "code",
            "status",
            "snapshot",
            "issued_at",
            "revoked_at",
            "folio",
            "credential",
            "replaced_by__code",
        )
        .first()
    )
    if certificate is None:
        return Verification(code=code, certificate=None)
    replacement = ""
    if certificate.status == IssuedCertificate.Status.REPLACED:
        newer = getattr(certificate, "replaced_by", None)
        replacement = newer.code if newer is not None else ""
    return Verification(code=code, certificate=certificate, replacement_code=replacement)


@dataclass(frozen=True)
class LearnerCertificate:
    """A certificate as "Mis cursos" shows it: what its line needs, without the printed snapshot nor the signed
    credential (a JSON document of several kilobytes that the page only asks about: is there one?)."""

    pk: int
    enrolment_id: int
    folio: str
    code: str
    status: str
    render_state: str
    issued_at: datetime
    has_credential: bool
    issuer_name: str
    site: Site | None  # its issuer's school's Site (whose host its verify link names), None for the academy's

    @property
    def verify_url(self) -> str:
        return verify_url(self.code, site=self.site)


# Compiled once (courses.prepared): this runs on every "Mis cursos" of someone who completed a course.
_HER_CERTIFICATES = PreparedQuery(
    lambda user_id: (
        IssuedCertificate.objects.filter(user_id=user_id)
        .exclude(status=IssuedCertificate.Status.REPLACED)
        .order_by("issued_at")
        .values_list(
            "pk",
            "enrolment_id",
            "folio",
            "code",
            "status",
            "render_state",
            "issued_at",
            IsNull(F("credential"), False),  # a credential is a signed document or nothing (SQL NULL), never {}
            "issuer__name",
            "issuer__school__site__hostname",
            "issuer__school__site__port",
            "issuer__school__site__is_default_site",
        )
    ),
)


def certificates_of(*, user: AbstractBaseUser) -> dict[int, LearnerCertificate]:
    """The learner's current certificates (valid or revoked, not replaced) by enrolment id, in one query."""
    if not user.is_authenticated:
        return {}
    rows = _HER_CERTIFICATES(user_id=user.pk)
    certificates = {}
    for *fields, has_credential, issuer_name, hostname, port, is_default_site in rows:
        site = Site(hostname=hostname, port=port, is_default_site=is_default_site) if hostname is not None else None
        certificate = LearnerCertificate(
            *fields, has_credential=bool(has_credential), issuer_name=issuer_name, site=site
        )
        certificates[certificate.enrolment_id] = certificate
    return certificates


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
    """The learner herself, or staff allowed to view issued certificates; a municipal school's staff only those of
    her school (``certificates.scope``: another school's certificate is a 404 to her)."""
    if not user.is_authenticated:
        return False
    if certificate.user_id == user.pk:
        return True
    if not user.has_perm("certificates.view_issuedcertificate"):
        return False
    from certificates.scope import scoped_certificates
    from learners.staff.selectors import staff_scope

    if staff_scope(user=user).national:
        return True
    return scoped_certificates(user, IssuedCertificate.objects.filter(pk=certificate.pk)).exists()


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


def issuer_sites(issuer_ids) -> dict:
    """issuer id → the Site its certificates' links name (None: the academy's address), in one query."""
    return {
        issuer.pk: issuer_site(issuer)
        for issuer in Issuer.objects.filter(pk__in=set(issuer_ids))
        .select_related("school__site")
        .only("pk", "school__site__hostname", "school__site__port", "school__site__is_default_site")
    }


def stored_pdfs(*, wrong_link_only: bool, after_id: int = 0) -> list[tuple[int, str]]:
    """(id, folio) of the certificates with a stored PDF, by id, after ``after_id``; with ``wrong_link_only``, only
    those whose printed link is not the verify page on today's public address. Erased learners' certificates have
    no PDF and are never listed."""
    stored = (
        IssuedCertificate.objects.filter(render_state=IssuedCertificate.RenderState.DONE, pk__gt=after_id)
        .exclude(pdf="")
        .order_by("pk")
        .values_list("pk", "folio", "code", "snapshot__verify_url", "issuer_id")
    )
    sites = {
        issuer.pk: issuer_site(issuer) for issuer in Issuer.objects.select_related("school__site")
    }  # a school's certificates name the school's address
    return [
        (pk, folio)
        for pk, folio, code, printed, issuer_id in stored.iterator(chunk_size=2000)
        if not wrong_link_only or printed != verify_url(code, site=sites.get(issuer_id))
    ]


# A cohort before and after bulk issuing -----------------------------------------------------------------------


@dataclass(frozen=True)
class CohortCertificateRow:
    """One enrolment of a cohort: what bulk issuing does for her, and why."""

    ISSUE = "issue"  # completed, no certificate yet: the batch issues one
    HAS = "has"  # already has a valid certificate: left as it is
    MISSING = "missing"  # has not met the completion rule: no certificate

    enrolment: Enrolment
    name: str
    outcome: str
    reasons: tuple[str, ...]

    @property
    def reason_text(self) -> str:
        return "; ".join(self.reasons)


def _learner_name(enrolment: Enrolment) -> str:
    profile = getattr(enrolment.user, "learner_profile", None)
    name = profile.full_name if profile is not None else ""
    return name or enrolment.user.get_full_name() or enrolment.user.get_username()


def _missing_reasons(check) -> tuple[str, ...]:
    """Why the completion rule is not met, in the words of the rule (learners.progress.completion_check)."""
    reasons = []
    if not check.lessons_ok:
        reasons.append(
            _("not completed: %(done)s of %(required)s required lessons")
            % {"done": check.done, "required": check.required}
        )
    if not check.grade_ok:
        reasons.append(
            _("no grade yet")
            if check.grade is None
            else _("grade %(grade)s below the pass grade") % {"grade": formats.number_format(check.grade, 1)}
        )
    if not check.attendance_ok:
        reasons.append(
            _("no attendance recorded")
            if check.attendance is None
            else _("attendance %(percent)s %% below the minimum")
            % {"percent": formats.number_format(check.attendance, 0)}
        )
    return tuple(reasons) or (_("not marked as completed"),)


def cohort_certificate_preview(*, cohort: Cohort) -> list[CohortCertificateRow]:
    """Every enrolment of the cohort (enrolled or completed) with what bulk issuing does for her and why not.

    The reasons come from ``learners.progress.selectors.completion_check``, the rule that completes a course and
    so issues its certificate: the preview and certification always agree. One check per enrolment not yet
    completed (a few queries each)."""
    from learners.progress.selectors import completion_check

    enrolments = list(
        Enrolment.objects.filter(
            cohort=cohort, status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED]
        ).select_related("user__learner_profile", "course")
    )
    valid = set(
        IssuedCertificate.objects.filter(enrolment__in=enrolments, status=IssuedCertificate.Status.VALID).values_list(
            "enrolment_id", flat=True
        )
    )
    rows = []
    for enrolment in enrolments:
        name = _learner_name(enrolment)
        if enrolment.status == Enrolment.Status.COMPLETED:
            outcome = CohortCertificateRow.HAS if enrolment.pk in valid else CohortCertificateRow.ISSUE
            rows.append(CohortCertificateRow(enrolment, name, outcome, ()))
        else:
            check = completion_check(enrolment=enrolment, course=enrolment.course)
            rows.append(CohortCertificateRow(enrolment, name, CohortCertificateRow.MISSING, _missing_reasons(check)))
    order = {CohortCertificateRow.ISSUE: 0, CohortCertificateRow.HAS: 1, CohortCertificateRow.MISSING: 2}
    return sorted(rows, key=lambda row: (order[row.outcome], row.name.casefold()))


def batch_result_text(*, batch: CertificateBatch, rows: list[CohortCertificateRow]) -> str:
    """The outcome of a finished batch in one sentence: "6 enrolled: 4 certificates issued, 2 without the
    requirements: Ana Soto (no grade yet), …". ``rows``: ``cohort_certificate_preview`` of its cohort."""
    issued = IssuedCertificate.objects.filter(batch=batch).count()
    missing = [row for row in rows if row.outcome == CohortCertificateRow.MISSING]
    parts = [ngettext("%(count)s certificate issued", "%(count)s certificates issued", issued) % {"count": issued}]
    if batch.skipped:
        parts.append(
            ngettext("%(count)s already had one", "%(count)s already had one", batch.skipped) % {"count": batch.skipped}
        )
    if batch.failed:
        parts.append(ngettext("%(count)s PDF failed", "%(count)s PDFs failed", batch.failed) % {"count": batch.failed})
    if missing:
        who = ", ".join(f"{row.name} ({row.reason_text})" for row in missing)
        parts.append(
            ngettext(
                "%(count)s without the requirements: %(who)s",
                "%(count)s without the requirements: %(who)s",
                len(missing),
            )
            % {"count": len(missing), "who": who}
        )
    enrolled = ngettext("%(count)s enrolled", "%(count)s enrolled", len(rows)) % {"count": len(rows)}
    return f"{enrolled}: {', '.join(parts)}."
