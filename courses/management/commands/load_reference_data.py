from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.services import TerritoryFileError, territory_import, territory_rows_from_csv

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "chile_comunas.csv"  # shipped with the app


class Command(BaseCommand):
    help = "Load Chile's regions, provinces and comunas (SUBDERE CUT codes) from a CSV. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="CSV with the CUT columns.")

    def handle(self, *args, **options):
        path = options["file"]
        if not path.exists():
            raise CommandError(f"File not found: {path}")
        try:
            counts = territory_import(rows=territory_rows_from_csv(path=path))
        except TerritoryFileError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Territory: {counts.regions} regions, {counts.provinces} provinces, {counts.comunas} comunas."
        )
