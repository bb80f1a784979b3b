"""Writes for certificates: issuing (one, automatic, bulk), folios, PDFs, revocation, reissue, notices.

Issuing and rendering are two steps. ``certificate_issue`` (and the bulk ``certificate_batch_prepare``) create the
certificate rows in one transaction: folio, code and a snapshot of every printed field, so that later edits never
change an issued certificate. ``certificate_render_many`` then draws each PDF from its snapshot, signs it when a
signing key is configured, stores it and emails the learner. A PDF that fails is recorded on the certificate
(``render_state``/``render_error``) and can be retried from the admin.
"""

import hashlib
import io
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Count, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from certificates import selectors
from certificates.codes import check_character, format_code, generate_code
from certificates.models import (
    CertificateBatch,
    CertificateTemplate,
    FolioCounter,
    IssuanceFailure,
    IssuedCertificate,
    Issuer,
)
from courses.models import CoursePage
from learners.attendance.selectors import attendance_summaries
from learners.models import Cohort, Enrolment, LearnerProfile
from learners.privacy.audit import audit_record

logger = logging.getLogger(__name__)

CHUNK_SIZE = 250
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class CertificateError(Exception):
    """A staff-facing reason why a certificate action was refused (the message is translated)."""


# Snapshot: everything a certificate prints --------------------------------------------------------------------


def _number(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=1 if value != value.to_integral() else 0, use_l10n=True)


def _document(profile) -> tuple[str, str]:
    """(as printed, masked for public pages); a learner without a RUN shows her other document."""
    if profile is None:
        return "", ""
    if profile.run:
        return profile.run_display, profile.run_masked
    return profile.document_display, profile.document_masked


def verify_url(code: str) -> str:
    base = getattr(settings, "CERTIFICATES_BASE_URL", None) or settings.WAGTAILADMIN_BASE_URL
    return base.rstrip("/") + reverse("certificates:verify", kwargs={"code": code})


def build_snapshot(
    *,
    enrolment: Enrolment,
    template: CertificateTemplate,
    folio: str,
    code: str,
    issued_at: datetime,
    attendance: Decimal | None,
) -> dict:
    """Every field printed on the certificate, as text in the site's language, plus what the verify page shows."""
    user = enrolment.user
    profile = getattr(user, "learner_profile", None)
    course = enrolment.course
    cohort = enrolment.cohort
    issuer = template.issuer
    with translation.override(settings.LANGUAGE_CODE):
        name = profile.full_name if profile is not None else (user.get_full_name() or user.get_username())
        run, run_masked = _document(profile)
        if cohort is not None:
            start, end = cohort.starts_on, cohort.ends_on
        else:
            start = timezone.localdate(enrolment.enrolled_at)
            end = timezone.localdate(enrolment.completed_at or issued_at)
        dates = _("from %(start)s to %(end)s") % {
            "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(end, "SHORT_DATE_FORMAT"),
        }
        issued_on = timezone.localdate(issued_at)
        long_date = formats.date_format(issued_on, r"j \d\e F \d\e Y")
        grade = _number(enrolment.final_grade) if enrolment.final_grade is not None else None
        attendance_text = f"{_number(attendance)} %" if attendance is not None else None
        hours = _number(course.duration_hours)
        values = {
            "nombre": name,
            "run": run,
            "curso": course.title,
            "horas": hours,
            "modalidad": str(course.get_modality_display()),
            "fechas": dates,
            "nota": grade or "",
            "asistencia": attendance_text or "",
            "ciudad": issuer.city,
            "fecha_emision": long_date,
        }
        body = _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template.body)
        return {
            "title": template.title,
            "kind": template.kind,
            "orientation": template.orientation,
            "template_id": template.pk,
            "template_version": template.version,
            "issuer_name": issuer.name,
            "issuer_rut": issuer.rut,
            "issuer_logo": issuer.logo.file.name if issuer.logo_id else "",
            "body": body,
            "learner_name": name,
            "learner_run": run,
            "learner_run_masked": run_masked,
            "learner_has_run": bool(profile is not None and profile.run),
            "course_title": course.title,
            "hours": hours,
            "duration": _("%(hours)s clock hours") % {"hours": hours},
            "modality": values["modalidad"],
            "dates": dates,
            "starts_on": start.isoformat(),
            "ends_on": end.isoformat(),
            "grade": grade,
            "attendance": attendance_text,
            "city": issuer.city,
            "city_and_date": f"{issuer.city}, {long_date}",
            "issued_on": issued_on.isoformat(),
            "folio": folio,
            "code": code,
            "code_display": format_code(code),
            "verify_url": verify_url(code),
            "signatories": [
                {
                    "name": signatory.name,
                    "role": signatory.role,
                    "signature": signatory.signature.file.name if signatory.signature_id else "",
                }
                for signatory in template.signatories.all()
            ],
        }


def sample_snapshot(*, template: CertificateTemplate) -> dict:
    """A snapshot with made-up learner data, for the template's preview (nothing is saved)."""
    if template.issuer_id is None:  # an unsaved template in the editor, before an issuer is chosen
        template.issuer = Issuer(name="—", short_code="EMISOR", rut="—", city="Santiago")
    user = get_user_model()(username="vista-previa", email="")
    user.learner_profile = LearnerProfile(
        user=user, given_names="María José", family_names="Nguyễn Muñoz Agüero", run="12345678-5"
    )
    with translation.override(settings.LANGUAGE_CODE):
        course = CoursePage(title=_("Citizen participation in the comuna"), duration_hours=Decimal(24))
    now = timezone.now()
    enrolment = Enrolment(
        user=user, course=course, enrolled_at=now, completed_at=now, final_grade=Decimal("6.5"), cohort=None
    )
    code = "ABCDEFGHJKLMNPQR" + check_character("ABCDEFGHJKLMNPQR")
    return build_snapshot(
        enrolment=enrolment,
        template=template,
        folio=f"{template.issuer.short_code}-{timezone.localdate().year}-000000",
        code=code,
        issued_at=now,
        attendance=Decimal("92.5"),
    )


# Folios ---------------------------------------------------------------------------------------------------------


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


def _template_with_parts(template: CertificateTemplate) -> CertificateTemplate:
    return (
        CertificateTemplate.objects.select_related("issuer__logo")
        .prefetch_related("signatories__signature")
        .get(pk=template.pk)
    )


def _new_certificates(
    *,
    enrolments: list[Enrolment],
    template: CertificateTemplate,
    issued_by: AbstractBaseUser | None,
    batch: CertificateBatch | None = None,
    replaces: IssuedCertificate | None = None,
) -> list[IssuedCertificate]:
    """Create certificates for enrolments (already locked and checked) in the caller's transaction."""
    if not enrolments:
        return []
    issued_at = timezone.now()
    folios = folio_allocate(issuer=template.issuer, year=timezone.localdate(issued_at).year, count=len(enrolments))
    attendance = attendance_summaries(enrolments=[enrolment for enrolment in enrolments if enrolment.cohort_id])
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
                issuer_id=template.issuer_id,
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
                ),
                issued_at=issued_at,
                issued_by=issued_by,
                replaces=replaces,
            )
        )
    return IssuedCertificate.objects.bulk_create(certificates)


def _locked_enrolment(enrolment_id: int) -> Enrolment:
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
    enrolment = _locked_enrolment(enrolment.pk)  # serialises concurrent issuing for the same learner
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
    (certificate,) = _new_certificates(
        enrolments=[enrolment], template=_template_with_parts(template), issued_by=issued_by
    )
    IssuanceFailure.objects.filter(enrolment=enrolment).delete()
    if render:
        _enqueue_render_on_commit([certificate.pk])
    return certificate


def _enqueue_render_on_commit(certificate_ids: list[int], batch_id: int | None = None) -> None:
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
    audit_record(actor=by, action="certificate.revoked", subject=certificate, data={"folio": certificate.folio})
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
    enrolment = _locked_enrolment(old.enrolment_id)
    template = selectors.template_for(enrolment=enrolment) or old.template
    now = timezone.now()
    old.status = IssuedCertificate.Status.REPLACED
    if old.revoked_at is None:
        old.revoked_at, old.revoked_by = now, by
    old.revoked_reason = "\n".join(filter(None, [old.revoked_reason, reason.strip()]))
    old.save(update_fields=["status", "revoked_at", "revoked_by", "revoked_reason"])
    (new,) = _new_certificates(
        enrolments=[enrolment], template=_template_with_parts(template), issued_by=by, replaces=old
    )
    _enqueue_render_on_commit([new.pk])
    audit_record(
        actor=by, action="certificate.reissued", subject=old, data={"folio": old.folio, "new_folio": new.folio}
    )
    return new


# Bulk issuing for a cohort ----------------------------------------------------------------------------------------


@transaction.atomic
def certificate_batch_create(*, cohort: Cohort, requested_by: AbstractBaseUser | None) -> CertificateBatch:
    """Ask for a cohort's certificates; the background task starts when this transaction commits."""
    from certificates.tasks import run_batch_task

    batch = CertificateBatch.objects.create(cohort=cohort, requested_by=requested_by)
    transaction.on_commit(lambda: run_batch_task.enqueue(batch_id=batch.pk))
    return batch


@dataclass(frozen=True)
class BatchPlan:
    """What is left to do in a batch: enrolments without a certificate, and certificates without a PDF."""

    enrolment_chunks: list[list[int]]
    render_chunks: list[list[int]]


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + CHUNK_SIZE] for start in range(0, len(ids), CHUNK_SIZE)]


def certificate_batch_plan(*, batch: CertificateBatch) -> BatchPlan:
    """Start (or resume) a batch: count what is already issued and split what is left into chunks.

    Raises CertificateError when no template applies to the cohort.
    """
    if selectors.templates_for_cohort(cohort=batch.cohort) is None:
        raise CertificateError(_("No certificate template applies: create a default template or choose one."))
    completed = Enrolment.objects.filter(cohort_id=batch.cohort_id, status=Enrolment.Status.COMPLETED)
    already = IssuedCertificate.objects.filter(enrolment_id__in=completed.values("pk"))
    skipped = already.exclude(batch=batch).values("enrolment_id").distinct().count()
    missing = list(completed.exclude(pk__in=already.values("enrolment_id")).order_by("pk").values_list("pk", flat=True))
    mine = IssuedCertificate.objects.filter(batch=batch)
    pending = list(
        mine.filter(render_state=IssuedCertificate.RenderState.PENDING).order_by("pk").values_list("pk", flat=True)
    )
    CertificateBatch.objects.filter(pk=batch.pk).update(
        state=CertificateBatch.State.RUNNING,
        started_at=batch.started_at or timezone.now(),
        skipped=skipped,
        total=mine.count() + len(missing),
    )
    return BatchPlan(enrolment_chunks=_chunks(missing), render_chunks=_chunks(pending))


def certificate_batch_issue_chunk(*, batch_id: int, enrolment_ids: list[int], render: bool = True) -> list[int]:
    """Create the certificates of these enrolments (those still without one) in one transaction, then render them.

    The rows are locked and checked again, so a concurrent automatic issue or a second run never duplicates.
    """
    batch = CertificateBatch.objects.select_related("cohort", "requested_by").get(pk=batch_id)
    template = selectors.templates_for_cohort(cohort=batch.cohort)
    if template is None:
        raise CertificateError(_("No certificate template applies: create a default template or choose one."))
    template = _template_with_parts(template)
    with transaction.atomic():
        locked = list(
            Enrolment.objects.select_for_update(of=("self",))
            .filter(pk__in=enrolment_ids, status=Enrolment.Status.COMPLETED)
            .select_related("user__learner_profile", "course", "cohort")
            .order_by("pk")
        )
        # Checked again once the rows are locked, in a new statement: an automatic issue may have just committed.
        issued = set(IssuedCertificate.objects.filter(enrolment__in=locked).values_list("enrolment_id", flat=True))
        enrolments = [enrolment for enrolment in locked if enrolment.pk not in issued]
        created = _new_certificates(enrolments=enrolments, template=template, issued_by=batch.requested_by, batch=batch)
    ids = [certificate.pk for certificate in created]
    if len(enrolments) < len(enrolment_ids):  # issued meanwhile by someone else: the batch expects fewer
        _recount_total(batch=batch, handled=enrolment_ids)
    if render:
        _render_and_store(created, batch_id=batch_id)
    return ids


def _recount_total(*, batch: CertificateBatch, handled: list[int]) -> None:
    """total = the batch's certificates + the cohort's completions still without one (other than ``handled``),
    counted in one UPDATE statement so that a chunk committing meanwhile is counted once."""
    mine = (
        IssuedCertificate.objects.filter(batch_id=batch.pk)
        .order_by()
        .values("batch_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    missing = (
        Enrolment.objects.filter(cohort_id=batch.cohort_id, status=Enrolment.Status.COMPLETED)
        .exclude(pk__in=IssuedCertificate.objects.values("enrolment_id"))
        .exclude(pk__in=handled)
        .order_by()
        .values("cohort_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    CertificateBatch.objects.filter(pk=batch.pk).update(
        total=Coalesce(Subquery(mine), 0) + Coalesce(Subquery(missing), 0)
    )


def certificate_batch_prepare(*, batch: CertificateBatch) -> list[int]:
    """Create every missing certificate of the batch (no PDFs); returns the ids of its certificates still pending."""
    plan = certificate_batch_plan(batch=batch)
    for chunk in plan.enrolment_chunks:
        certificate_batch_issue_chunk(batch_id=batch.pk, enrolment_ids=chunk, render=False)
    return list(
        IssuedCertificate.objects.filter(batch=batch, render_state=IssuedCertificate.RenderState.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def certificate_bulk_issue(*, batch: CertificateBatch, enqueue: bool = False) -> CertificateBatch:
    """Issue a cohort's certificates in chunks: each chunk creates its certificates, then renders, signs and
    stores their PDFs. Running it again after a crash skips what exists and finishes what is pending.

    With ``enqueue=True`` every chunk is its own task, so several workers share the load (the production path);
    otherwise the chunks run here, one after the other. Failures end up in the batch, never lost.
    """
    from certificates.tasks import issue_chunk_task, render_certificates_task

    try:
        plan = certificate_batch_plan(batch=batch)
    except CertificateError as error:
        CertificateBatch.objects.filter(pk=batch.pk).update(
            state=CertificateBatch.State.FAILED, last_error=str(error), finished_at=timezone.now()
        )
        batch.refresh_from_db()
        return batch
    for chunk in plan.render_chunks:
        if enqueue:
            render_certificates_task.enqueue(certificate_ids=chunk, batch_id=batch.pk)
        else:
            certificate_render_many(certificate_ids=chunk, batch_id=batch.pk)
    for chunk in plan.enrolment_chunks:
        if enqueue:
            issue_chunk_task.enqueue(batch_id=batch.pk, enrolment_ids=chunk)
        else:
            certificate_batch_issue_chunk(batch_id=batch.pk, enrolment_ids=chunk)
    batch_update_progress(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def batch_update_progress(*, batch_id: int) -> None:
    """Recount the batch from its certificates and close it once every planned certificate is done or failed."""
    counts = IssuedCertificate.objects.filter(batch_id=batch_id).aggregate(
        rendered=Count("pk", filter=Q(render_state=IssuedCertificate.RenderState.DONE)),
        failed=Count("pk", filter=Q(render_state=IssuedCertificate.RenderState.FAILED)),
    )
    batch = CertificateBatch.objects.filter(pk=batch_id)
    batch.update(rendered=counts["rendered"], failed=counts["failed"])
    finished = counts["rendered"] + counts["failed"]
    batch.filter(state=CertificateBatch.State.RUNNING, total__lte=finished, failed=0).update(
        state=CertificateBatch.State.DONE, finished_at=timezone.now()
    )
    batch.filter(state=CertificateBatch.State.RUNNING, total__lte=finished, failed__gt=0).update(
        state=CertificateBatch.State.FAILED, finished_at=timezone.now()
    )


def batch_record_failure(*, batch_id: int, error: Exception) -> None:
    """A chunk could not be issued: the batch ends as failed with the error (a new batch for the cohort, or
    ``resume_certificate_batches``, issues what is missing)."""
    logger.error("Certificate batch %s: a chunk failed: %s", batch_id, error)
    CertificateBatch.objects.filter(pk=batch_id).update(
        state=CertificateBatch.State.FAILED,
        last_error=f"{error.__class__.__name__}: {error}",
        finished_at=timezone.now(),
    )


def certificate_batch_retry_failed(*, batch: CertificateBatch) -> int:
    """Put the batch's failed PDFs back in the queue; returns how many."""
    from certificates.tasks import render_certificates_task

    failed = IssuedCertificate.objects.filter(batch=batch, render_state=IssuedCertificate.RenderState.FAILED)
    ids = list(failed.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        IssuedCertificate.objects.filter(pk__in=ids).update(
            render_state=IssuedCertificate.RenderState.PENDING, render_error=""
        )
        CertificateBatch.objects.filter(pk=batch.pk).update(
            state=CertificateBatch.State.RUNNING, failed=0, last_error="", finished_at=None
        )
        for chunk in _chunks(ids):
            transaction.on_commit(
                lambda chunk=chunk: render_certificates_task.enqueue(certificate_ids=chunk, batch_id=batch.pk)
            )
    return len(ids)


def unfinished_batches() -> list[CertificateBatch]:
    return list(
        CertificateBatch.objects.filter(state__in=[CertificateBatch.State.PENDING, CertificateBatch.State.RUNNING])
    )


# PDFs -----------------------------------------------------------------------------------------------------------


class _ImageCache:
    """Logo and signature files read once per run and handed to the renderer as PNG bytes."""

    def __init__(self):
        self._images: dict[str, bytes | None] = {}

    def png(self, name: str) -> bytes | None:
        if not name:
            return None
        if name not in self._images:
            self._images[name] = self._load(name)
        return self._images[name]

    @staticmethod
    def _load(name: str) -> bytes | None:
        from django.core.files.storage import default_storage
        from PIL import Image

        try:
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
        except OSError:
            logger.warning("Certificate image %s is missing", name)
            return None
        if data.startswith(b"\x89PNG"):
            return data
        output = io.BytesIO()
        Image.open(io.BytesIO(data)).save(output, format="PNG")
        return output.getvalue()


def certificate_data(snapshot: dict, images: _ImageCache | None = None):
    """The renderer's input (``certificates.pdf.CertificateData``) from a certificate's snapshot."""
    from certificates.pdf import CertificateData, Signatory

    images = images or _ImageCache()
    return CertificateData(
        title=snapshot["title"],
        issuer_name=snapshot["issuer_name"],
        issuer_rut=snapshot["issuer_rut"],
        issuer_logo_png=images.png(snapshot["issuer_logo"]),
        body=snapshot["body"],
        learner_name=snapshot["learner_name"],
        learner_run=snapshot["learner_run"],
        course_title=snapshot["course_title"],
        hours=snapshot.get("duration") or snapshot["hours"],
        modality=snapshot["modality"],
        dates=snapshot["dates"],
        grade=snapshot["grade"],
        attendance=snapshot["attendance"],
        city_and_date=snapshot["city_and_date"],
        folio=snapshot["folio"],
        verification_code=snapshot["code_display"],
        verify_url=snapshot["verify_url"],
        signatories=tuple(
            Signatory(name=item["name"], role=item["role"], signature_png=images.png(item["signature"]))
            for item in snapshot["signatories"]
        ),
        orientation=snapshot["orientation"],
        document_label=None if snapshot.get("learner_has_run", True) else "",
    )


def render_pdf(snapshot: dict, images: _ImageCache | None = None) -> bytes:
    """Draw (and sign, when a key is configured) the PDF of a snapshot."""
    from certificates.pdf import render_certificate
    from certificates.signing import get_signer, sign_pdf

    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_certificate(certificate_data(snapshot, images))
        signer = get_signer()
        if signer is not None:
            reason = _("Certificate %(folio)s issued by %(issuer)s") % {
                "folio": snapshot["folio"],
                "issuer": snapshot["issuer_name"],
            }
            pdf = sign_pdf(pdf, signer, reason=reason, location=snapshot["city"])
    return pdf


@dataclass(frozen=True)
class RenderOutcome:
    rendered: int
    failed: int


def certificate_render_many(*, certificate_ids: Iterable[int], batch_id: int | None = None) -> RenderOutcome:
    """Render, sign and store the PDFs of these certificates (skipping those already done), then email the learners.

    A certificate whose PDF fails is marked failed with the error; the others go on.
    """
    certificates = list(
        IssuedCertificate.objects.filter(pk__in=list(certificate_ids))
        .exclude(render_state=IssuedCertificate.RenderState.DONE)
        .only("pk", "folio", "snapshot", "pdf", "issued_at", "batch_id")
        .order_by("pk")
    )
    return _render_and_store(certificates, batch_id=batch_id)


def _render_and_store(certificates: list[IssuedCertificate], *, batch_id: int | None) -> RenderOutcome:
    storage = IssuedCertificate._meta.get_field("pdf").storage
    images = _ImageCache()
    done, failed = [], []
    for certificate in certificates:
        try:
            pdf = render_pdf(certificate.snapshot, images)
            if certificate.pdf:
                storage.delete(certificate.pdf.name)
            name = certificate.pdf.field.generate_filename(certificate, f"{certificate.folio}.pdf")
            done.append((certificate.pk, storage.save(name, ContentFile(pdf)), hashlib.sha256(pdf).hexdigest()))
        except Exception as error:  # recorded on the certificate, retried from the admin
            logger.exception("Certificate %s: the PDF failed", certificate.folio)
            failed.append((certificate.pk, certificate.folio, f"{error.__class__.__name__}: {error}"))
    _record_renders(done=done, failed=failed)
    if failed and batch_id is not None:
        CertificateBatch.objects.filter(pk=batch_id).update(last_error=f"{failed[-1][1]}: {failed[-1][2]}")
    if done:
        from certificates.tasks import notify_certificates_task

        notify_certificates_task.enqueue(certificate_ids=[pk for pk, _name, _digest in done])
    if batch_id is not None:
        batch_update_progress(batch_id=batch_id)
    return RenderOutcome(rendered=len(done), failed=len(failed))


def _record_renders(*, done: list[tuple[int, str, str]], failed: list[tuple[int, str, str]]) -> None:
    """Write the PDF names and digests of a chunk in one UPDATE … FROM a VALUES list (Django's bulk_update builds a
    CASE per row and field, which cost more than rendering); failures one by one (they are rare)."""
    if done:
        quote = connection.ops.quote_name
        table = quote(IssuedCertificate._meta.db_table)
        rows = ", ".join(["(%s, %s, %s)"] * len(done))
        sql = (
            f"WITH v(id, name, digest) AS (VALUES {rows}) "
            f"UPDATE {table} SET {quote('pdf')} = v.name, {quote('pdf_sha256')} = v.digest, "
            f"{quote('render_state')} = %s, {quote('render_error')} = '' "
            f"FROM v WHERE {table}.{quote('id')} = v.id"
        )
        params = [value for row in done for value in row] + [IssuedCertificate.RenderState.DONE]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    for pk, _folio, error in failed:
        IssuedCertificate.objects.filter(pk=pk).update(
            render_state=IssuedCertificate.RenderState.FAILED, render_error=error
        )


# Notices --------------------------------------------------------------------------------------------------------


def certificates_notify(*, certificates: Iterable[IssuedCertificate]) -> int:
    """Email each learner that her certificate is ready (once per certificate), with its verify link."""
    pending = [c for c in certificates if c.notified_at is None and c.status == "valid" and c.user.email]
    if not pending:
        return 0
    dashboard_url = (getattr(settings, "CERTIFICATES_BASE_URL", None) or settings.WAGTAILADMIN_BASE_URL).rstrip(
        "/"
    ) + reverse("learners:dashboard")
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for certificate in pending:
            context = {"snapshot": certificate.snapshot, "dashboard_url": dashboard_url}
            subject = _("Your certificate for %(course)s") % {"course": certificate.snapshot["course_title"]}
            body = render_to_string("certificates/emails/certificate_issued.txt", context)
            messages.append(EmailMessage(subject, body, None, [certificate.user.email]))
    connection = get_connection()
    sent = connection.send_messages(messages) or 0
    IssuedCertificate.objects.filter(pk__in=[c.pk for c in pending]).update(notified_at=timezone.now())
    return sent


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
