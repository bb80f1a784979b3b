"""Orphaned tasks (issue 18): a task claimed by a worker whose machine never returns (it crashed, lost power, was
removed from the set of servers) is RUNNING for ever with django-tasks-db alone, because only the same worker id
starting again puts it back (``requeue_interrupted``). Every ``run_worker`` now writes a heartbeat; any worker puts
back in the queue the tasks of a worker silent for longer than the lease (``requeue_orphaned``)."""

import os
from datetime import timedelta

from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates.tasks import issue_chunk_task
from cms.models import WorkerHeartbeat
from cms.ops import worker
from tests.cms.ops.test_worker import DATABASE_QUEUE, WorkerSurvivalTestCase
from tests.factories.courses import ensure_site_baseline

LONG_AGO = timedelta(minutes=10)


class RequeueOrphanedTests(TransactionTestCase):
    def setUp(self):
        ensure_site_baseline()
        with override_settings(TASKS=DATABASE_QUEUE):
            self.tasks = [issue_chunk_task.enqueue(batch_id=n, enrolment_ids=[]) for n in range(1, 7)]

    def claim(self, index: int, worker_ids: list[str], *, started_ago: timedelta = timedelta(0)) -> str:
        pk = self.tasks[index].id
        DBTaskResult.objects.filter(pk=pk).update(
            status="RUNNING", worker_ids=worker_ids, started_at=timezone.now() - started_ago
        )
        return pk

    def beat(self, worker_id: str, ago: timedelta) -> None:
        WorkerHeartbeat.objects.create(worker_id=worker_id, last_seen=timezone.now() - ago)

    def test_only_the_tasks_of_silent_workers_go_back_to_the_queue(self):
        self.beat("servidor-caido-1", LONG_AGO)
        self.beat("servidor-vivo-1", timedelta(seconds=2))
        lost = self.claim(0, ["servidor-caido-1"], started_ago=LONG_AGO)
        alive_long_task = self.claim(1, ["servidor-vivo-1"], started_ago=LONG_AGO)  # a long task, still beating
        never_beat = self.claim(2, ["db-worker-antiguo"], started_ago=LONG_AGO)  # no heartbeat row: its start counts
        just_claimed = self.claim(3, ["recien-llegado"])
        poison = self.claim(4, ["a", "b", "c", "d", "servidor-caido-1"], started_ago=LONG_AGO)

        self.assertEqual(worker.requeue_orphaned(backend_name="default", lease_seconds=60), 2)

        status = {str(pk): state for pk, state in DBTaskResult.objects.values_list("pk", "status")}
        self.assertEqual(status[lost], "READY")
        self.assertEqual(status[never_beat], "READY")
        self.assertEqual(status[alive_long_task], "RUNNING")
        self.assertEqual(status[just_claimed], "RUNNING")
        self.assertEqual(status[poison], "FAILED", "claimed MAX_ATTEMPTS times: not requeued again")
        self.assertEqual(status[self.tasks[5].id], "READY")
        self.assertIsNone(DBTaskResult.objects.get(pk=lost).started_at)
        # Running it again changes nothing.
        self.assertEqual(worker.requeue_orphaned(backend_name="default", lease_seconds=60), 0)

    def test_the_heartbeat_is_one_row_per_worker(self):
        worker.heartbeat(worker_id="servidor-1")
        first = WorkerHeartbeat.objects.get().last_seen
        worker.heartbeat(worker_id="servidor-1")
        self.assertEqual(WorkerHeartbeat.objects.count(), 1)
        self.assertGreaterEqual(WorkerHeartbeat.objects.get().last_seen, first)


class OrphanedTaskFinishedByAnotherWorkerTests(WorkerSurvivalTestCase):
    """A real batch whose first chunk was claimed by a machine that is gone: another server's worker runs it."""

    def execute(self, sql: str, params: list) -> None:
        if self.sqlite_copy is not None:
            import sqlite3

            with sqlite3.connect(self.sqlite_copy, timeout=10) as db:
                db.execute(sql.replace("%s", "?"), params)
            return
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def test_a_task_of_a_machine_that_never_returns_is_requeued_and_the_batch_finishes_once(self):
        [(task_id,)] = self.rows("SELECT id FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at, id LIMIT 1")
        stale = timezone.now() - LONG_AGO
        when = f"{stale:%Y-%m-%d %H:%M:%S.%f}" if self.sqlite_copy is not None else stale
        self.execute(
            "UPDATE django_tasks_database_dbtaskresult SET status = 'RUNNING', worker_ids = %s, started_at = %s "
            "WHERE id = %s",
            ['["maquina-perdida"]', when, task_id],
        )
        self.execute(
            "INSERT INTO cms_workerheartbeat (worker_id, host, pid, last_seen) VALUES (%s, %s, NULL, %s)",
            ["maquina-perdida", "servidor-3", when],
        )
        self.start_worker("--heartbeat", "0.2", "--lease", "1")
        self.assert_batch_finished_exactly_once()
        self.assertIn("maquina-perdida no da señales de vida", self.log())
        beats = f"SELECT last_seen FROM cms_workerheartbeat WHERE worker_id = 'test-{os.getpid()}'"
        [(first,)] = self.rows(beats)
        if self.sqlite_copy is None:  # PostgreSQL: a thread keeps beating while the worker waits for work
            self.wait_for(lambda: self.rows(beats)[0][0] > first, "a second heartbeat")
