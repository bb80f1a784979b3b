from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.ops import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_create into the configured database and storages, which must be empty "
        "(a fresh database and fresh folders or buckets), then check the restored copy: row counts of every table, "
        "every file's digest, and that certificates still verify. With --check-only, only the check (for a copy "
        "restored earlier). Exits with an error when anything differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="The backup folder (escuela-AAAAMMDD-HHMMSS).")
        parser.add_argument("--check-only", action="store_true", help="Do not restore, only compare.")

    def handle(self, *args, source, check_only=False, **options):
        try:
            manifest = backup.read_manifest(Path(source))
            if not check_only:
                backup.backup_restore(source=Path(source))
                self.stderr.write("Base de datos y archivos restaurados; revisando la copia…")
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        report = backup.check(manifest=manifest)
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"La copia restaurada no coincide con el respaldo ({len(report.problems)} diferencias).")
        self.stdout.write(
            f"Copia revisada: {report.tables} tablas y {report.rows} filas iguales al respaldo, {report.files} "
            f"archivos iguales, {report.certificates} certificados verificados."
        )
