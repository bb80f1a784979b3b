"""Create Ed25519 credential keys for certificate issuers that have none (idempotent; development and first set-up)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from certificates.credentials import keys
from certificates.models import Issuer


class Command(BaseCommand):
    requires_system_checks = []  # it fixes what the credential-key check reports
    help = (
        "Create an Ed25519 key <SHORT_CODE>.pem in CERTIFICATES_CREDENTIAL_KEY_DIR for every certificate issuer "
        "(or those named) that has none. Existing keys are never touched. In production, keep the directory "
        "outside the repository and back it up: a lost key cannot sign status lists for its credentials."
    )

    def add_arguments(self, parser):
        parser.add_argument("short_codes", nargs="*", help="Folio prefixes of the issuers (default: all).")

    def handle(self, *args, **options):
        folder = keys.key_dir()
        if folder is None:
            raise CommandError("Set CERTIFICATES_CREDENTIAL_KEY_DIR to the directory for the credential keys.")
        codes = [code.strip().upper() for code in options["short_codes"]]
        if not codes:
            try:
                codes = list(Issuer.objects.values_list("short_code", flat=True))
            except DatabaseError:  # `make run` creates keys before the first migrate: nothing to do yet
                self.stdout.write("No database yet: run this again after migrate.")
                return
        for code in codes:
            if not (code.isascii() and code.isalnum()):
                raise CommandError(f"{code!r} is not a folio prefix (capital letters and digits).")
            path = keys.key_path(code)
            if keys.create_key(path):
                self.stdout.write(f"Created the credential key {path}.")
            elif options["verbosity"] > 1:
                self.stdout.write(f"The credential key {path} already exists.")
