from django.core.management.base import BaseCommand, CommandError

from certificates import selectors
from certificates.services import rendering


class Command(BaseCommand):
    help = (
        "Draw stored certificate PDFs again with the site's public address (PUBLIC_BASE_URL) in their QR code and "
        "printed link, keeping folio, verification code and printed data; each one is signed again and recorded in "
        "the audit log. By default (--wrong-link) only the PDFs whose link is not today's address: safe to repeat, "
        "a second run changes nothing, and an interrupted run is finished by running it again. --all draws every "
        "stored PDF (for example after changing the signing certificate); resume it with --after-id. Certificates "
        "of learners whose data were deleted have no PDF and are skipped."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--wrong-link", action="store_true", help="Only PDFs whose link is not the public address (default)."
        )
        which.add_argument("--all", action="store_true", help="Every stored PDF, whatever its link.")
        parser.add_argument("--after-id", type=int, default=0, help="Start after this certificate id (to resume).")
        parser.add_argument("--dry-run", action="store_true", help="List what would be drawn again; change nothing.")

    def handle(self, *args, all=False, after_id=0, dry_run=False, **options):
        targets = selectors.stored_pdfs(wrong_link_only=not all, after_id=after_id)
        if dry_run:
            for pk, folio in targets:
                self.stdout.write(f"{folio} (id {pk})")
            self.stdout.write(f"Would draw again: {len(targets)}.")
            return
        done = unchanged = 0
        failed = []
        for pk, folio in targets:
            try:
                result = rendering.certificate_rerender(certificate_id=pk, only_wrong_link=not all)
            except Exception as error:  # reported at the end; the others go on
                failed.append(f"{folio} (id {pk}): {error.__class__.__name__}: {error}")
                continue
            if result is None:
                unchanged += 1
                continue
            done += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"{result.folio}: {result.old_url} → {result.new_url}")
            if done % 100 == 0:
                self.stdout.write(f"… {done} drawn again (last id {pk}; resume with --after-id {pk})")
        self.stdout.write(f"Drawn again: {done}. Already right or without a PDF: {unchanged}. Failed: {len(failed)}.")
        if failed:
            raise CommandError(
                "Some PDFs could not be drawn again (run the command again to retry):\n" + "\n".join(failed)
            )
