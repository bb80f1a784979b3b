"""The background worker survives (issue 18, item 7): a real ``manage.py run_worker`` process works through a real
certificate batch (chunks of ``issue_chunk_task`` in the django-tasks database queue) while the test cuts it off:

- on PostgreSQL, ``pg_terminate_backend`` on the worker's connection while its task waits inside its transaction
  (the test holds a lock on one of the chunk's enrolments, so the cut lands mid-task every time);
- on both databases, ``kill -9`` of the worker process under ``run_worker --processes 1``, which starts it again.

Either way the batch ends with every certificate issued exactly once: one per enrolment, gap-free folios, each PDF
stored once and matching its digest, every task successful and none failed or left running.
"""

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from certificates.models import CertificateBatch
from certificates.tasks import issue_chunk_task
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.learners import cohort

ROOT = Path(__file__).resolve().parents[3]
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LEARNERS = 12
CHUNK = 3
TIMEOUT = 180


class WorkerSurvivalTestCase(TransactionTestCase):
    def setUp(self):
        home = ensure_site_baseline()
        course = build_course(catalogue=CourseIndexPageFactory(parent=home), modules=1, lessons=1)
        make_template(issuer=make_issuer(short_code="AMUCH"), is_default=True)
        group = cohort(course=course)
        self.enrolment_ids = [completed_enrolment(course=course, cohort=group).pk for _ in range(LEARNERS)]
        self.batch = CertificateBatch.objects.create(
            cohort=group, state=CertificateBatch.State.RUNNING, total=LEARNERS, started_at=timezone.now()
        )
        with override_settings(TASKS=DATABASE_QUEUE):
            for start in range(0, LEARNERS, CHUNK):
                chunk = self.enrolment_ids[start : start + CHUNK]
                issue_chunk_task.enqueue(batch_id=self.batch.pk, enrolment_ids=chunk)
        self.tmp = Path(tempfile.mkdtemp(prefix="escuela-worker-test-"))
        self.log_path = self.tmp / "worker.log"
        self.application_name = f"escuela-test-worker-{os.getpid()}"
        self.sqlite_copy = None
        if connection.vendor == "sqlite":
            # The test database lives in this process's memory: the worker gets a copy on disk (SQLite's backup API).
            self.sqlite_copy = self.tmp / "db.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.sqlite_copy)
            connection.connection.backup(target)
            target.close()
        self.process = None

    def tearDown(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for child in self._children():
            os.kill(child, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def database_url(self) -> str:
        if self.sqlite_copy is not None:
            return f"sqlite:///{self.sqlite_copy}"
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            f"?application_name={self.application_name}"
        )

    def start_worker(self, *extra: str) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.cms.ops.subprocess_settings",
            "DATABASE_URL": self.database_url(),
            "DATABASE_CONN_MAX_AGE": "600",  # a persistent connection, as in production
            "CERTIFICATES_PRIVATE_ROOT": str(self.tmp / "private"),
        }
        command = [sys.executable, str(ROOT / "manage.py"), "run_worker", "--interval", "0.05", "--no-startup-delay"]
        command += ["--worker-id", f"test-{os.getpid()}", "--min-delay", "0.2", "--max-delay", "1", *extra]
        log = open(self.log_path, "w")  # noqa: SIM115 (the child writes to it; closed right away here)
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()

    def rows(self, sql: str) -> list[tuple]:
        if self.sqlite_copy is not None:
            with sqlite3.connect(self.sqlite_copy, timeout=10) as db:
                return db.execute(sql).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def task_states(self) -> dict[str, int]:
        return dict(self.rows("SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _children(self) -> list[int]:
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def wait_for(self, condition, what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.01)
        self.fail(f"timed out waiting for {what}; worker log:\n{self.log()[-4000:]}")

    def assert_batch_finished_exactly_once(self) -> None:
        def finished():
            states = self.task_states()
            return not states.get("READY") and not states.get("RUNNING")

        self.wait_for(finished, "the queue to empty")
        log = self.log()
        states = self.task_states()
        self.assertEqual(set(states), {"SUCCESSFUL"}, log[-4000:])
        [(state, total, rendered, failed)] = self.rows(
            f"SELECT state, total, rendered, failed FROM certificates_certificatebatch WHERE id = {self.batch.pk}"
        )
        self.assertEqual((state, total, rendered, failed), ("done", LEARNERS, LEARNERS, 0), log[-4000:])
        certificates = self.rows(
            "SELECT enrolment_id, folio, render_state, pdf, pdf_sha256 FROM certificates_issuedcertificate"
        )
        self.assertEqual(sorted(row[0] for row in certificates), sorted(self.enrolment_ids))  # none twice, none left
        year = timezone.localdate().year
        self.assertEqual(sorted(row[1] for row in certificates), [f"AMUCH-{year}-{n:06d}" for n in range(1, 13)])
        storage_root = self.tmp / "private" / "certificates"
        for _enrolment, folio, render_state, name, digest in certificates:
            self.assertEqual(render_state, "done", folio)
            self.assertEqual(hashlib.sha256((storage_root / name).read_bytes()).hexdigest(), digest, folio)
        stored = [path for path in storage_root.rglob("*.pdf")]
        self.assertEqual(len(stored), LEARNERS, "one PDF per certificate, none drawn twice")


class KilledWorkerTests(WorkerSurvivalTestCase):
    def test_a_worker_killed_mid_batch_is_started_again_and_the_batch_finishes_once(self):
        self.start_worker("--processes", "1")
        killed = []

        def killed_mid_task():
            children = self._children()
            if not children or not self.task_states().get("RUNNING"):
                return False
            os.kill(children[0], signal.SIGKILL)
            killed.append(children[0])
            time.sleep(0.2)
            # A task left RUNNING by the dead process; if it had just finished, wait for the next one and kill again.
            return bool(self.task_states().get("RUNNING"))

        self.wait_for(killed_mid_task, "the worker to run a task")
        self.assert_batch_finished_exactly_once()
        log = self.log()
        self.assertIn("terminó (código -9); se inicia de nuevo", log)
        self.assertIn("devuelta a la cola", log)  # the task it was running went back to the queue
        self.assertNotIn(killed[-1], self._children())


if connection.vendor == "postgresql":

    class TerminatedConnectionTests(WorkerSurvivalTestCase):
        def test_a_connection_terminated_mid_task_is_survived_and_the_batch_finishes_once(self):
            db = connection.settings_dict
            locker = psycopg.connect(
                host=db["HOST"] or "127.0.0.1",
                port=db["PORT"] or 5432,
                user=db["USER"],
                password=db["PASSWORD"] or None,
                dbname=db["NAME"],
            )
            try:
                # The second chunk's first enrolment is locked: its task waits inside its transaction.
                locker.execute("SELECT id FROM learners_enrolment WHERE id = %s FOR UPDATE", [self.enrolment_ids[3]])
                self.start_worker()

                def worker_waiting():
                    return self.rows(
                        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        f"AND application_name = '{self.application_name}'"
                    )

                self.wait_for(worker_waiting, "the worker to wait on the locked enrolment")
                [(pid,)] = worker_waiting()
                self.rows(f"SELECT pg_terminate_backend({int(pid)})")
                self.wait_for(lambda: "devuelta a la cola" in self.log(), "the task to go back to the queue")
            finally:
                locker.rollback()
                locker.close()
            self.assert_batch_finished_exactly_once()
            log = self.log()
            self.assertIn("Se perdió la conexión con la base de datos", log)
            self.assertIsNone(self.process.poll(), "the worker process is still running")
