"""Delete activity logs older than their retention period (for cron or any scheduler; safe to run repeatedly)."""

from django.core.management.base import BaseCommand

from learners.privacy import services


class Command(BaseCommand):
    help = (
        "Delete raw xAPI statements, saved H5P state, expired sessions and (if configured) audit entries older "
        "than the LEARNERS_RETENTION_* settings. Scores, progress, grades and completion are not touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, dry_run, **options):
        purge = services.expired_data_purge(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        for name, count in purge.counts.items():
            self.stdout.write(f"{verb} {count} {name}")
