from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.ops import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's backup API) and every stored file (through the storage API) "
        "into a new folder inside --output, with a manifest of row counts and file digests. Prints the folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Folder where the new backup folder is created.")

    def handle(self, *args, output, **options):
        try:
            folder = backup.backup_create(destination=Path(output))
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = backup.read_manifest(folder)
        files = sum(len(names) for names in manifest["files"].values())
        self.stderr.write(
            f"Respaldo listo: {len(manifest['tables'])} tablas, {sum(manifest['tables'].values())} filas, "
            f"{files} archivos."
        )
        self.stdout.write(str(folder))
