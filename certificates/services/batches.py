"""Bulk issuing for a cohort: a batch is planned, its certificates created in chunks of ``CHUNK_SIZE`` (each in its
own transaction, safe to run again after a crash), then rendered; failures end up on the batch.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import selectors
from certificates.models import CertificateBatch, IssuedCertificate
from certificates.services import issuance, rendering
from certificates.services.errors import CertificateError
from learners.models import Cohort, Enrolment

logger = logging.getLogger(__name__)

CHUNK_SIZE = 250


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

    The rows are locked and checked again, so a concurrent automatic issue or a second run never duplicates. A second
    run of the same chunk (its worker died or lost its connection after the certificates committed) also draws the
    batch's PDFs of these enrolments still pending.
    """
    batch = CertificateBatch.objects.select_related("cohort", "requested_by").get(pk=batch_id)
    template = selectors.templates_for_cohort(cohort=batch.cohort)
    if template is None:
        raise CertificateError(_("No certificate template applies: create a default template or choose one."))
    template = issuance.template_with_parts(template)
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
        created = issuance.new_certificates(
            enrolments=enrolments, template=template, issued_by=batch.requested_by, batch=batch
        )
    ids = [certificate.pk for certificate in created]
    left_pending = []
    if len(enrolments) < len(enrolment_ids):  # issued meanwhile by someone else, or by this chunk's interrupted run
        _recount_total(batch=batch, handled=enrolment_ids)
        if render:  # a run cut off after its certificates committed left their PDFs to draw
            left_pending = list(
                IssuedCertificate.objects.filter(
                    batch_id=batch_id, enrolment_id__in=issued, render_state=IssuedCertificate.RenderState.PENDING
                )
                .only("pk", "folio", "code", "snapshot", "pdf", "issued_at", "batch_id", "issuer_id")
                .order_by("pk")
            )
    if render:
        rendering.render_and_store([*left_pending, *created], batch_id=batch_id)
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
            rendering.certificate_render_many(certificate_ids=chunk, batch_id=batch.pk)
    for chunk in plan.enrolment_chunks:
        if enqueue:
            issue_chunk_task.enqueue(batch_id=batch.pk, enrolment_ids=chunk)
        else:
            certificate_batch_issue_chunk(batch_id=batch.pk, enrolment_ids=chunk)
    rendering.batch_update_progress(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


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
