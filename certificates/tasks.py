"""Background work for certificates (django-tasks). Tasks take ids, load, and call a service."""

from django_tasks import task

from certificates import services
from certificates.models import CertificateBatch


@task()
def issue_certificate_task(*, enrolment_id: int) -> None:
    """Issue the certificate of a course just completed (failures are recorded for the admin)."""
    services.certificate_issue_automatically(enrolment_id=enrolment_id)


@task()
def render_certificates_task(*, certificate_ids: list[int], batch_id: int | None = None) -> None:
    """Render, sign, store and announce a chunk of certificates."""
    services.certificate_render_many(certificate_ids=certificate_ids, batch_id=batch_id)


@task()
def run_batch_task(*, batch_id: int) -> None:
    """Issue a cohort's certificates; rendering is split into chunk tasks that several workers share."""
    batch = CertificateBatch.objects.select_related("cohort", "requested_by").get(pk=batch_id)
    services.certificate_bulk_issue(batch=batch, enqueue=True)
