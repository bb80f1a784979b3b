"""Backup and restore round trip (issue 18, item 8), on the database the suite runs on: ``backup_create`` dumps the
database (pg_dump, or SQLite's backup API) and every stored file through the storage API; ``backup_restore``, run
as the operator would in a new process pointed at a fresh database and fresh folders, loads both and checks that
every table's row count and every file match and that the signed certificate still verifies."""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings

from certificates import signing
from certificates.management.commands.certificates_dev_key import create_dev_key
from certificates.models import IssuedCertificate
from certificates.services import issuance
from cms.ops import backup
from courses import h5p_files
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.learners import cohort

ROOT = Path(__file__).resolve().parents[3]


class BackupTestCase(TransactionTestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="escuela-backup-test-"))
        self.key, self.cert = self.tmp / "key.pem", self.tmp / "cert.pem"
        create_dev_key(self.key, self.cert)
        signed = override_settings(CERTIFICATES_SIGNING_KEY=str(self.key), CERTIFICATES_SIGNING_CERT=str(self.cert))
        signed.enable()
        self.addCleanup(signed.disable)
        home = ensure_site_baseline()
        course = build_course(catalogue=CourseIndexPageFactory(parent=home), modules=1, lessons=1)
        make_template(issuer=make_issuer(short_code="AMUCH"), is_default=True)
        enrolment = completed_enrolment(course=course, cohort=cohort(course=course))
        issuance.certificate_issue(enrolment=enrolment)  # the PDF is drawn and signed right away (immediate tasks)
        self.certificate = IssuedCertificate.objects.get()
        self.assertEqual(self.certificate.render_state, "done")
        self.document = default_storage.save("documentos/guía práctica.pdf", ContentFile(b"%PDF-1.4 guia"))
        h5p_files.storage().save("content/prueba/content.json", ContentFile(b'{"a": 1}'))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fresh_database_url(self, suffix: str = "restaurada") -> str:
        if connection.vendor == "sqlite":
            return f"sqlite:///{self.tmp / f'{suffix}.sqlite3'}"
        db = connection.settings_dict
        name = f"{db['NAME']}_{suffix}"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        self.addCleanup(self._drop, name)
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"

    def _drop(self, name):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def make_backup(self) -> Path:
        out = StringIO()
        call_command("backup_create", output=str(self.tmp / "respaldos"), stdout=out, stderr=StringIO())
        return Path(out.getvalue().strip())


class RoundTripTests(BackupTestCase):
    def restored_rows(self, url: str, sql: str) -> list[tuple]:
        if url.startswith("sqlite"):
            with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
                return db.execute(sql).fetchall()
        with psycopg.connect(url) as db:
            return db.execute(sql).fetchall()

    def test_restore_into_a_fresh_database_and_folders_matches_and_the_certificate_verifies(self):
        folder = self.make_backup()
        manifest = backup.read_manifest(folder)
        self.assertEqual(manifest["engine"], connection.vendor)
        self.assertEqual(manifest["tables"]["certificates_issuedcertificate"], 1)
        self.assertIn(self.document, manifest["files"]["media"])
        self.assertIn(self.certificate.pdf.name, manifest["files"]["certificados"])
        self.assertIn("content/prueba/content.json", manifest["files"]["h5p"])

        url = self.fresh_database_url()
        media, private, h5p = self.tmp / "media", self.tmp / "private", self.tmp / "h5p"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.cms.ops.subprocess_settings",
            "DATABASE_URL": url,
            "DJANGO_MEDIA_ROOT": str(media),
            "CERTIFICATES_PRIVATE_ROOT": str(private),
            "H5P_ROOT": str(h5p),
            "CERTIFICATES_SIGNING_KEY": str(self.key),
            "CERTIFICATES_SIGNING_CERT": str(self.cert),
        }
        completed = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "backup_restore", str(folder)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(completed.returncode, 0, completed.stderr[-3000:])
        self.assertIn("1 certificados verificados", completed.stdout)
        self.assertIn(f"{len(manifest['tables'])} tablas", completed.stdout)

        # Checked again from outside the command: the rows, the files, the signature.
        [(folio, code, digest)] = self.restored_rows(
            url, "SELECT folio, code, pdf_sha256 FROM certificates_issuedcertificate"
        )
        self.assertEqual(
            (folio, code, digest), (self.certificate.folio, self.certificate.code, self.certificate.pdf_sha256)
        )
        pdf = (private / "certificates" / self.certificate.pdf.name).read_bytes()
        self.assertEqual(hashlib.sha256(pdf).hexdigest(), digest)
        status = signing.verify_pdf(pdf, trust=[self.cert])
        self.assertTrue(status.valid, status.problem)
        self.assertEqual((media / self.document).read_bytes(), b"%PDF-1.4 guia")
        self.assertEqual((h5p / "content" / "prueba" / "content.json").read_bytes(), b'{"a": 1}')


class RefusalAndCheckTests(BackupTestCase):
    def test_restore_refuses_a_database_that_is_not_empty(self):
        folder = self.make_backup()
        with self.assertRaisesMessage(CommandError, "La base de datos de destino no está vacía"):
            call_command("backup_restore", str(folder), stdout=StringIO(), stderr=StringIO())
        self.assertEqual(IssuedCertificate.objects.count(), 1)

    def test_check_reports_rows_and_files_that_differ(self):
        folder = self.make_backup()
        out = StringIO()
        call_command("backup_restore", str(folder), "--check-only", stdout=out, stderr=StringIO())
        self.assertIn("1 certificados verificados", out.getvalue())
        make_issuer(short_code="OTRO")
        with default_storage.open(self.document, "wb") as handle:
            handle.write(b"cambiado")
        errors = StringIO()
        with self.assertRaisesMessage(CommandError, "no coincide con el respaldo (2 diferencias)"):
            call_command("backup_restore", str(folder), "--check-only", stdout=StringIO(), stderr=errors)
        self.assertIn("La tabla certificates_issuer tiene 2 filas; el respaldo tenía 1.", errors.getvalue())
        self.assertIn(f"El archivo media/{self.document} no es igual al respaldado.", errors.getvalue())

    def test_not_a_backup(self):
        with self.assertRaisesMessage(CommandError, "no es un respaldo: falta manifest.json"):
            call_command("backup_restore", str(self.tmp), stdout=StringIO(), stderr=StringIO())

    def test_files_are_listed_through_the_storage_api(self):
        names = backup.storage_files(default_storage)
        self.assertIn(self.document, names)
        self.assertEqual(backup.storage_files(FileSystemStorage(location=self.tmp / "no-existe")), [])


@pytest.mark.usefixtures("s3_server_class")
class ObjectStoreRoundTripTests(BackupTestCase):
    """The same round trip with every file in an S3-compatible object store (DJANGO_STORAGE=s3): the backup reads
    the bucket through the storage API, the restore writes a new, empty bucket."""

    def setUp(self):
        self.bucket = self.s3.new_bucket("respaldo")
        s3 = override_settings(STORAGES={**settings.STORAGES, **self.s3.storages(self.bucket)})
        s3.enable()
        self.addCleanup(s3.disable)
        super().setUp()

    def test_backup_of_a_bucket_restores_into_a_fresh_bucket(self):
        stored = self.s3.keys(self.bucket)
        self.assertIn("private/h5p/content/prueba/content.json", stored)
        self.assertIn(f"private/certificates/{self.certificate.pdf.name}", stored)
        self.assertIn(f"media/{self.document}", stored)
        folder = self.make_backup()
        manifest = backup.read_manifest(folder)
        self.assertIn(self.certificate.pdf.name, manifest["files"]["certificados"])

        fresh = self.s3.new_bucket("restaurada")
        url = self.fresh_database_url()
        env = {
            **os.environ,
            **self.s3.environment(fresh),
            "DJANGO_SETTINGS_MODULE": "tests.cms.ops.subprocess_settings",
            "DATABASE_URL": url,
            "CERTIFICATES_SIGNING_KEY": str(self.key),
            "CERTIFICATES_SIGNING_CERT": str(self.cert),
        }
        completed = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "backup_restore", str(folder)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(completed.returncode, 0, completed.stderr[-3000:])
        self.assertIn("1 certificados verificados", completed.stdout)
        self.assertEqual(self.s3.keys(fresh), stored)
        client = self.s3.client()
        pdf = client.get_object(Bucket=fresh, Key=f"private/certificates/{self.certificate.pdf.name}")["Body"].read()
        self.assertTrue(signing.verify_pdf(pdf, trust=[self.cert]).valid)

        # A second restore into the now full bucket is refused.
        again = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "backup_restore", str(folder)],
            env={**env, "DATABASE_URL": self.fresh_database_url("otra")},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("no está vacío", again.stderr)
