"""Background work for certificates (django-tasks). Tasks take ids, load, and call a service."""

from django_tasks import task

from certificates.models import CertificateBatch, IssuedCertificate
from certificates.services import batches, issuance, notices, rendering
from courses.db_errors import connection_lost


@task()
def issue_certificate_task(*, enrolment_id: int) -> None:
    """Issue the certificate of a course just completed (failures are recorded for the admin)."""
    issuance.certificate_issue_automatically(enrolment_id=enrolment_id)


@task()
def render_certificates_task(*, certificate_ids: list[int], batch_id: int | None = None) -> None:
    """Render, sign, store and announce a chunk of certificates."""
    rendering.certificate_render_many(certificate_ids=certificate_ids, batch_id=batch_id)


@task()
def run_batch_task(*, batch_id: int) -> None:
    """Plan a cohort's batch; its chunks become tasks that several workers share."""
    batch = CertificateBatch.objects.select_related("cohort", "requested_by").get(pk=batch_id)
    batches.certificate_bulk_issue(batch=batch, enqueue=True)


@task()
def notify_certificates_task(*, certificate_ids: list[int]) -> None:
    """Email the learners whose certificates are ready (each one once)."""
    certificates = IssuedCertificate.objects.filter(pk__in=certificate_ids, notified_at__isnull=True).select_related(
        "user"
    )
    notices.certificates_notify(certificates=certificates)


@task()
def issue_chunk_task(*, batch_id: int, enrolment_ids: list[int]) -> None:
    """Create one chunk of a batch's certificates and render their PDFs; a failure stops the batch, recorded.

    A lost database connection is not a failure of the batch: the worker (``manage.py run_worker``) puts the task
    back in the queue and the chunk runs again, skipping what it had already done.
    """
    try:
        batches.certificate_batch_issue_chunk(batch_id=batch_id, enrolment_ids=enrolment_ids)
    except Exception as error:
        if not connection_lost(error):
            batches.batch_record_failure(batch_id=batch_id, error=error)
        raise


@task()
def notify_revoked_task(*, certificate_id: int) -> None:
    """Email the learner that her certificate was revoked (once)."""
    notices.certificate_revoked_notify(certificate_id=certificate_id)
