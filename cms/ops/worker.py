"""The background worker that survives a lost database connection and a killed process (``manage.py run_worker``).

What django-tasks-db 0.13's own ``db_worker`` does when its connection is cut (measured on PostgreSQL with
``pg_terminate_backend``; tests/cms/ops/test_worker.py holds the cases that matter):

- Between tasks, with ``CONN_MAX_AGE=0`` (the default here), nothing: it reconnects on every poll.
- With a persistent connection (``DATABASE_CONN_MAX_AGE`` > 0 and no health checks), the next poll raises
  ``OperationalError`` out of ``Worker.run()`` and the process exits with status 1: the queue stops.
- During a task inside ``transaction.atomic`` (a certificate chunk), the rollback fails, Django drops the
  connection, and the worker reconnects only to record the task as FAILED: the chunk's certificates are never
  issued (a gap) and the batch is marked failed.
- During a task outside ``atomic``, ``set_failed`` retries three times on the same dead connection and raises: the
  process exits and the task stays RUNNING for ever (``ready()`` never picks a RUNNING task again).

This module runs the library's own loop (``Worker.run``) and adds what it lacks: a task whose connection was lost
is not recorded as failed but left to be put back in the queue; the loop closes the broken connections and starts
again after a back-off (1 s doubling to a minute); on every start, the tasks that this worker id left RUNNING (a
killed process, a lost connection) go back to the queue, or to FAILED after ``MAX_ATTEMPTS`` claims. Tasks must
therefore be idempotent: the certificate chunks are (``certificates.services.batches``).

With ``--processes N`` the command supervises N worker processes (ids ``<worker id>-1`` … ``-N``) and starts again
any that dies, so a ``kill -9`` costs one task's restart, not the queue. Under systemd the unit restarts the whole
command (deploy/systemd/escuela-worker.service).
"""

import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import Error, connections, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from courses.db_errors import connection_lost

logger = logging.getLogger("cms.ops.worker")

# A task claimed this many times without finishing is poison (it kills its worker every time): recorded as failed.
MAX_ATTEMPTS = 5
# A worker that ran this long before failing starts again with the shortest back-off.
HEALTHY_SECONDS = 60


class ConnectionLost(Exception):
    """The database connection broke while a task ran: the task goes back to the queue, not to FAILED."""


@dataclass(frozen=True)
class WorkerOptions:
    worker_id: str
    backend_name: str = "default"
    queue_names: tuple[str, ...] = ("default",)
    excluded_queue_names: tuple[str, ...] = ()
    interval: float = 1.0
    batch: bool = False
    max_tasks: int | None = None
    startup_delay: bool = True
    min_delay: float = 1.0
    max_delay: float = 60.0
    heartbeat_seconds: float = 10.0
    lease_seconds: float = 120.0


class SurvivingWorker(Worker):
    """django-tasks-db's worker, except that a task cut off by a lost connection is not recorded as failed."""

    def run_task(self, db_task_result: DBTaskResult) -> None:
        record_failure = db_task_result.set_failed

        def set_failed(error: BaseException) -> None:
            if connection_lost(error):
                raise ConnectionLost(str(error)) from error
            record_failure(error)

        db_task_result.set_failed = set_failed
        super().run_task(db_task_result)


def configure_logging(*, verbosity: int) -> None:
    """The worker's, django-tasks' and this module's messages at INFO (DEBUG with -v 2), on stderr when the site's
    logging configuration gives them no handler."""
    level = {0: logging.ERROR, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    for name in ("django_tasks", "django_tasks_db", "cms.ops.worker"):
        named = logging.getLogger(name)
        named.setLevel(level)
        if not named.hasHandlers():
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            named.addHandler(handler)


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Error:
            connection.connection = None  # already broken: forget it, the next query opens a new one


def _requeue_or_fail(task: DBTaskResult, *, why: str) -> bool:
    """Put a RUNNING task back in the queue, or record it as failed after ``MAX_ATTEMPTS`` claims. True if requeued."""
    if len(task.worker_ids) >= MAX_ATTEMPTS:
        logger.error(
            "Tarea %s (%s) interrumpida %d veces: queda como fallida / task interrupted %d times: failed",
            task.pk,
            task.task_path,
            len(task.worker_ids),
            len(task.worker_ids),
        )
        DBTaskResult.objects.filter(pk=task.pk, status="RUNNING").update(
            status="FAILED",
            finished_at=timezone.now(),
            exception_class_path="cms.ops.worker.ConnectionLost",
            traceback=f"Interrupted {len(task.worker_ids)} times (worker died or lost its connection).",
        )
        return False
    DBTaskResult.objects.filter(pk=task.pk, status="RUNNING").update(status="READY", started_at=None)
    logger.warning("Tarea %s (%s) devuelta a la cola: %s / task requeued", task.pk, task.task_path, why)
    return True


def requeue_interrupted(*, worker_id: str, backend_name: str) -> int:
    """Put back in the queue the tasks that ``worker_id`` left RUNNING (its process died or lost its connection),
    or record them as failed after ``MAX_ATTEMPTS`` claims. Returns how many went back to the queue."""
    requeued = 0
    with transaction.atomic():
        running = DBTaskResult.objects.running().filter(backend_name=backend_name).select_for_update()
        for task in running.only("pk", "worker_ids", "task_path"):
            if not task.worker_ids or task.worker_ids[-1] != worker_id:
                continue
            requeued += _requeue_or_fail(task, why="su ejecución se interrumpió")
    return requeued


def heartbeat(*, worker_id: str) -> None:
    """Record that ``worker_id`` is alive now (one row per worker id, cms.models.WorkerHeartbeat)."""
    from cms.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id[:64],
        defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "last_seen": timezone.now()},
    )


def requeue_orphaned(*, backend_name: str, lease_seconds: float) -> int:
    """Put back in the queue the tasks RUNNING under a worker that has given no sign of life for ``lease_seconds``
    (its machine crashed or is gone: it will never start again to requeue them itself). A worker with no heartbeat
    row at all counts from the task's start. Tasks of live workers are never touched. Returns how many were requeued.
    Any worker may run this at any time: rows are locked with SKIP LOCKED and updated only while still RUNNING."""
    from cms.models import WorkerHeartbeat

    cutoff = timezone.now() - timedelta(seconds=lease_seconds)
    requeued = 0
    with transaction.atomic():
        running = DBTaskResult.objects.running().filter(backend_name=backend_name)
        if connection_supports_skip_locked(running.db):
            running = running.select_for_update(skip_locked=True)
        tasks = list(running.only("pk", "worker_ids", "task_path", "started_at"))
        owners = {task.worker_ids[-1] for task in tasks if task.worker_ids}
        seen = dict(WorkerHeartbeat.objects.filter(worker_id__in=owners).values_list("worker_id", "last_seen"))
        for task in tasks:
            owner = task.worker_ids[-1] if task.worker_ids else None
            last_sign = seen.get(owner) or task.started_at
            if last_sign is not None and last_sign >= cutoff:
                continue
            requeued += _requeue_or_fail(task, why=f"el proceso {owner} no da señales de vida")
    return requeued


def connection_supports_skip_locked(alias: str) -> bool:
    return connections[alias].features.has_select_for_update_skip_locked


def start_heartbeat(options: WorkerOptions, stopping: threading.Event) -> threading.Thread:
    """A thread that writes this worker's heartbeat every ``heartbeat_seconds`` and requeues the orphaned tasks of
    workers that stopped beating. Database errors are logged and retried on the next beat."""

    def beat():
        while not stopping.is_set():
            try:
                heartbeat(worker_id=options.worker_id)
                requeue_orphaned(backend_name=options.backend_name, lease_seconds=options.lease_seconds)
            except Error as error:
                logger.warning("No se pudo registrar el latido (%s) / heartbeat failed", error)
            finally:
                for alias in connections:
                    connections[alias].close()
            stopping.wait(options.heartbeat_seconds)

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    return thread


def run_worker(options: WorkerOptions) -> None:
    """Run the worker loop until a signal (or --batch / --max-tasks) ends it; survive database failures."""
    delay = options.min_delay
    startup_delay = options.startup_delay
    if connections[DBTaskResult.objects.db].vendor != "sqlite":
        # SQLite (one machine, development) has one writer at a time: a second thread writing would make the
        # worker's own task transactions fail with "database is locked". There the steps below, at each start, do.
        start_heartbeat(options, threading.Event())
    while True:
        started = time.monotonic()
        worker = SurvivingWorker(
            queue_names=list(options.queue_names),
            interval=options.interval,
            batch=options.batch,
            backend_name=options.backend_name,
            startup_delay=startup_delay,
            max_tasks=options.max_tasks,
            worker_id=options.worker_id,
            excluded_queue_names=list(options.excluded_queue_names),
        )
        worker.configure_signals()
        try:
            requeue_interrupted(worker_id=options.worker_id, backend_name=options.backend_name)
            heartbeat(worker_id=options.worker_id)
            requeue_orphaned(backend_name=options.backend_name, lease_seconds=options.lease_seconds)
            worker.run()
            return
        except (Error, ConnectionLost) as error:
            if time.monotonic() - started > HEALTHY_SECONDS:
                delay = options.min_delay
            wait = delay * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not a secret)
            logger.warning(
                "Se perdió la conexión con la base de datos (%s); reintento en %.1f s / "
                "database connection lost; retrying in %.1f s",
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
                wait,
                wait,
            )
            _close_connections()
            time.sleep(wait)
            delay = min(delay * 2, options.max_delay)
            startup_delay = False


def _child_command(argv: list[str]) -> list[str]:
    manage = Path(sys.argv[0])
    if manage.name == "manage.py":
        return [sys.executable, str(manage.resolve()), "run_worker", *argv]
    return [sys.executable, "-m", "django", "run_worker", *argv]


def supervise(*, processes: int, options: WorkerOptions, child_argv: list[str]) -> None:
    """Keep ``processes`` worker processes running, each with its own stable id, starting again any that dies
    (with the same back-off as a lost connection). SIGTERM/SIGINT are passed on and the children finish their task."""
    stopping = threading.Event()
    children: dict[int, subprocess.Popen] = {}
    next_start = dict.fromkeys(range(1, processes + 1), 0.0)
    delays = dict.fromkeys(range(1, processes + 1), options.min_delay)
    started_at: dict[int, float] = {}
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)}

    def stop(signum, frame):
        stopping.set()
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("Supervisando %d procesos de trabajo / supervising %d workers", processes, processes)
    while not stopping.is_set():
        now = time.monotonic()
        for slot in range(1, processes + 1):
            child = children.get(slot)
            if child is not None and child.poll() is not None:
                lived = now - started_at[slot]
                if lived > HEALTHY_SECONDS:
                    delays[slot] = options.min_delay
                wait = delays[slot] * random.uniform(0.5, 1.0)  # noqa: S311
                logger.warning(
                    "El proceso de trabajo %s-%d terminó (código %s); se inicia de nuevo en %.1f s / "
                    "worker exited (code %s); restarting in %.1f s",
                    options.worker_id,
                    slot,
                    child.returncode,
                    wait,
                    child.returncode,
                    wait,
                )
                del children[slot]
                if options.batch and child.returncode == 0:
                    next_start[slot] = float("inf")  # --batch: a clean exit means the queue is empty
                    continue
                next_start[slot] = now + wait
                delays[slot] = min(delays[slot] * 2, options.max_delay)
            if slot not in children and now >= next_start[slot]:
                worker_id = f"{options.worker_id}-{slot}"
                children[slot] = subprocess.Popen(
                    _child_command([*child_argv, "--worker-id", worker_id]), env=env, stdin=subprocess.DEVNULL
                )
                started_at[slot] = now
        if options.batch and not children and all(value == float("inf") for value in next_start.values()):
            return
        stopping.wait(0.2)
    for child in children.values():
        child.wait()


def stop_with_parent() -> None:
    """In a supervised worker: finish the current task and exit if the supervisor disappears."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, daemon=True).start()
