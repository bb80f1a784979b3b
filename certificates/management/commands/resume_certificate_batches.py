from django.core.management.base import BaseCommand

from certificates import selectors
from certificates.services.batches import CHUNK_SIZE
from certificates.tasks import issue_certificate_task, render_certificates_task, run_batch_task


class Command(BaseCommand):
    help = (
        "Queue again the certificate batches that did not finish (after a crash or a restart) and the PDFs still "
        "pending. Safe to run any time: a batch skips the certificates that already exist. With --missing, also "
        "issue the certificates of completed enrolments that have none (for example, completions from before "
        "certificates were set up)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing", action="store_true", help="Also issue certificates for completed enrolments without one."
        )

    def handle(self, *args, missing=False, **options):
        batches = selectors.unfinished_batches()
        for batch in batches:
            run_batch_task.enqueue(batch_id=batch.pk)
        loose = selectors.pending_renders_by_batch().get(None, [])
        for start in range(0, len(loose), CHUNK_SIZE):
            render_certificates_task.enqueue(certificate_ids=loose[start : start + CHUNK_SIZE])
        self.stdout.write(f"Batches queued: {len(batches)}. Pending PDFs outside batches queued: {len(loose)}.")
        if missing:
            enrolment_ids = selectors.completed_without_certificate()
            for enrolment_id in enrolment_ids:
                issue_certificate_task.enqueue(enrolment_id=enrolment_id)
            self.stdout.write(f"Completed enrolments without a certificate queued: {len(enrolment_ids)}.")
