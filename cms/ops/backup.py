"""Backup and restore of the whole platform: the database and every stored file (README, "Respaldo y restauración").

A backup is a folder::

    escuela-20261207-031500/
        manifest.json        engine, time, row count of every table, size and SHA-256 of every file
        database.dump        PostgreSQL: pg_dump's custom format (pg_restore reads it)
        database.sqlite3     SQLite: a copy made with SQLite's backup API
        files/<storage>/...  every file of every storage, read through Django's storage API

Files are listed and read through the storage API (``listdir``/``open``), never from a folder on disk, so that a
storage moved to an object store (django-storages) is backed up the same way; ``file_storages()`` is the one list
of storages to keep up to date. On PostgreSQL the dump and the row counts come from one snapshot
(``pg_export_snapshot`` + ``pg_dump --snapshot``), so they agree even while the site is in use.

Restoring needs an empty database and empty storages (a fresh database, fresh folders or buckets): the database is
loaded with pg_restore (or the SQLite copy), the files saved through the storage API under their own names, and
then ``check`` compares the restored copy with the manifest: every table's row count, every file's digest, and
that the certificates still verify (found by their code, PDF digest as recorded, signature valid when signed).
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction

FORMAT = 1
CERTIFICATES_CHECKED = 20  # certificates whose verification and PDF are checked after a restore (newest first)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator, in Spanish."""


def file_storages() -> dict[str, Storage]:
    """Every storage whose files the platform keeps: uploads (images, documents), certificate PDFs, H5P."""
    from certificates.storage import certificate_storage
    from courses import h5p_files

    return {
        "media": default_storage,
        "certificados": certificate_storage(),
        "h5p": h5p_files.storage(),
    }


# Folders of a storage that are not data: each server's own H5P scratch space (H5P_ROOT/tmp on the file system).
NOT_BACKED_UP = ("tmp/",)


def storage_files(storage: Storage, folder: str = "") -> list[str]:
    """Every file name in ``storage``, walking its folders through the storage API."""
    if folder in NOT_BACKED_UP:
        return []
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}{name}" for name in files]
    for name in folders:
        names.extend(storage_files(storage, f"{folder}{name}/"))
    return sorted(names)


def _sha256(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    arguments = ["--host", str(db["HOST"] or "127.0.0.1"), "--port", str(db["PORT"] or 5432)]
    if db["USER"]:
        arguments += ["--username", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or "", "PGDATABASE": db["NAME"]}
    return arguments, env


def _table_counts(cursor, tables: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (table names from introspection)
        counts[table] = cursor.fetchone()[0]
    return counts


def _dump_database(target: Path) -> tuple[str, dict[str, int]]:
    if connection.vendor == "postgresql":
        arguments, env = _pg_environment()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _table_counts(cursor, connection.introspection.table_names(cursor))
            dump = target / "database.dump"
            command = ["pg_dump", *arguments, "--format=custom", "--no-owner", "--no-acl", f"--snapshot={snapshot}"]
            completed = subprocess.run([*command, "--file", str(dump)], env=env, capture_output=True, text=True)
            if completed.returncode:
                raise BackupError(f"pg_dump falló: {completed.stderr.strip()}")
        return "postgresql", counts
    if connection.vendor == "sqlite":
        copy = target / "database.sqlite3"
        connection.ensure_connection()
        destination = sqlite3.connect(copy)
        try:
            connection.connection.backup(destination)
            tables = [
                row[0]
                for row in destination.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not row[0].startswith("sqlite_")
            ]
            counts = {table: destination.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608
        finally:
            destination.close()
        return "sqlite", dict(sorted(counts.items()))
    raise BackupError(f"No sé respaldar una base de datos {connection.vendor}: solo PostgreSQL o SQLite.")


def backup_create(*, destination: Path) -> Path:
    """Write a new backup folder inside ``destination`` and return its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = Path(destination) / f"escuela-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    engine, counts = _dump_database(target)
    files: dict[str, dict[str, dict]] = {}
    for storage_name, storage in file_storages().items():
        files[storage_name] = {}
        for name in storage_files(storage):
            path = target / "files" / storage_name / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(name, "rb") as source, open(path, "wb") as copy:
                shutil.copyfileobj(source, copy, 1024 * 1024)
            with open(path, "rb") as copy:
                digest, size = _sha256(copy)
            files[storage_name][name] = {"sha256": digest, "size": size}
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "tables": counts,
        "files": files,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return target


def read_manifest(source: Path) -> dict:
    path = Path(source) / "manifest.json"
    if not path.is_file():
        raise BackupError(f"{source} no es un respaldo: falta manifest.json.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Formato de respaldo desconocido: {manifest.get('format')!r}.")
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _restore_database(source: Path, engine: str) -> None:
    if engine != connection.vendor:
        raise BackupError(f"El respaldo es de {engine} y la base de destino es {connection.vendor}.")
    if engine == "postgresql":
        arguments, env = _pg_environment()
        command = ["pg_restore", *arguments, "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction"]
        completed = subprocess.run(
            [*command, "--dbname", env["PGDATABASE"], str(source / "database.dump")],
            env=env,
            capture_output=True,
            text=True,
        )
        if completed.returncode:
            raise BackupError(f"pg_restore falló: {completed.stderr.strip()}")
        return
    connection.ensure_connection()
    backup = sqlite3.connect(source / "database.sqlite3")
    try:
        backup.backup(connection.connection)
    finally:
        backup.close()


def backup_restore(*, source: Path) -> None:
    """Load a backup into the configured database and storages, which must be empty. Raises BackupError."""
    source = Path(source)
    manifest = read_manifest(source)
    if not _database_is_empty():
        raise BackupError("La base de datos de destino no está vacía: restaura en una base nueva.")
    storages = file_storages()
    for storage_name, names in manifest["files"].items():
        if names and storage_files(storages[storage_name]):
            raise BackupError(f"El almacenamiento «{storage_name}» de destino no está vacío: usa uno nuevo.")
    _restore_database(source, manifest["engine"])
    for storage_name, names in manifest["files"].items():
        storage = storages[storage_name]
        for name in names:
            with open(source / "files" / storage_name / name, "rb") as handle:
                saved = storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError(f"El archivo {storage_name}/{name} quedó guardado como {saved}.")


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    files: int = 0
    certificates: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check(*, manifest: dict) -> CheckReport:
    """Compare the configured database and storages with a backup's manifest (see the module docstring)."""
    from certificates import selectors, signing
    from certificates.models import IssuedCertificate

    report = CheckReport()
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
        expected = manifest["tables"]
        missing = sorted(set(expected) - present)
        if missing:
            report.problems.append(f"Faltan tablas: {', '.join(missing)}.")
        counts = _table_counts(cursor, [table for table in expected if table in present])
    for table, count in counts.items():
        if count != expected[table]:
            report.problems.append(f"La tabla {table} tiene {count} filas; el respaldo tenía {expected[table]}.")
    report.tables, report.rows = len(counts), sum(counts.values())
    storages = file_storages()
    for storage_name, names in manifest["files"].items():
        storage = storages[storage_name]
        for name, recorded in names.items():
            try:
                with storage.open(name, "rb") as handle:
                    digest, size = _sha256(handle)
            except FileNotFoundError:
                report.problems.append(f"Falta el archivo {storage_name}/{name}.")
                continue
            if (digest, size) != (recorded["sha256"], recorded["size"]):
                report.problems.append(f"El archivo {storage_name}/{name} no es igual al respaldado.")
            report.files += 1
    signer = signing.get_signer()
    newest = IssuedCertificate.objects.exclude(pdf="").order_by("-pk")[:CERTIFICATES_CHECKED]
    for certificate in newest:
        found = selectors.verification(code=certificate.code)
        if not found.found or found.certificate.pk != certificate.pk:
            report.problems.append(f"El certificado {certificate.folio} no se encuentra por su código.")
            continue
        with certificate.pdf.open("rb") as handle:
            pdf = handle.read()
        if hashlib.sha256(pdf).hexdigest() != certificate.pdf_sha256:
            report.problems.append(f"El PDF del certificado {certificate.folio} no coincide con su huella.")
            continue
        if signer is not None and b"/ByteRange" in pdf:
            status = signing.verify_pdf(pdf, trust=[signer])
            if not (status.intact and status.trusted and status.covers_whole_file):
                report.problems.append(f"La firma del certificado {certificate.folio} no es válida: {status.problem}")
                continue
        report.certificates += 1
    return report
