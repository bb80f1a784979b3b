"""`make bench-notifications`: the outbox under load, and QR check-in through gunicorn.

``reminders_10000_s``: a throwaway PostgreSQL database (BENCH_DATABASE_URL's server) holds 10 groups of 1,000
learners with a session starting in about 23 hours. The clock runs from ``manage.py notifications_tick`` (which
builds and queues the 10,000 reminders, each with its .ics, in the outbox and its send tasks in the django-tasks
database queue) until two ``db_worker`` processes have sent all of them through Django's SMTP backend to a local
aiosmtpd server (its own process); it fails unless every reminder is "sent" exactly once. Median of RUNS runs
(default 3), each on fresh rows; the figure of each run goes to stderr.

``checkin_p99_ms``: gunicorn (2 workers, production settings) serves the check-in page; 200 learners of a
running session each scan the current QR code once within one minute (requests spread evenly, several at a time);
the 99th percentile of their response times (the check-in view, its redirect target not included).

The machine may be busy with other work: each run also writes to stderr the CPU time of ``notifications_tick``, of
the workers and of the SMTP server, the gunicorn workers' CPU time per check-in, and the load average before and
after, which compare better than wall-clock seconds.

Run alone: ``python bench/notifications.py`` (needs PostgreSQL and Redis on 127.0.0.1).
"""

import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from throwaway_db import ROOT, SERVER, manage, run_step, start_db_workers
from throwaway_db import psql as _psql

COUNT = int(os.environ.get("BENCH_REMINDERS", "10000"))
GROUPS = 10
WORKERS = 2
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CHECKIN_LEARNERS = 200
CHECKIN_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _children_cpu() -> float:
    """CPU time of this process's finished children (the ``manage.py`` and step processes it waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def _script(env: dict, *args: str) -> str:
    return run_step(env, __file__, *args)


def _environment(database: str, smtp_port: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,escuela.example.cl",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "PUBLIC_BASE_URL": "https://escuela.example.cl",  # production requires https; links are not followed here
        "DJANGO_BEHIND_PROXY": "0",
        "DJANGO_STATIC_ROOT": tempfile.mkdtemp(prefix="bench-notif-static-"),
        "DATABASE_URL": f"{SERVER.rstrip('/')}/{database}",
        "DATABASE_CONN_MAX_AGE": "600",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DJANGO_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(smtp_port),
        "DJANGO_LOG_LEVEL": "ERROR",
        "CERTIFICATES_PRIVATE_ROOT": tempfile.mkdtemp(prefix="bench-notif-private-"),
    }


def reminders() -> list[float]:
    database = f"escuela_bench_notif_{os.getpid()}"
    smtp_port = _free_port()
    env = _environment(database, smtp_port)
    _psql(f'CREATE DATABASE "{database}"')
    smtp = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Sink"],
        cwd=ROOT,
    )
    workers = []
    log = open(Path(env["CERTIFICATES_PRIVATE_ROOT"]) / "workers.log", "w")  # noqa: SIM115 (closed in finally)
    try:
        manage(env, "migrate", "--verbosity", "0")
        workers = start_db_workers(env, WORKERS, log)
        figures = []
        for _run in range(RUNS):
            _script(env, "seed", str(COUNT))
            time.sleep(2)  # workers idle and ready, as in production
            load = _load()
            workers_cpu = sum(_cpu_seconds(worker.pid) for worker in workers)
            smtp_cpu = _cpu_seconds(smtp.pid)
            tick_cpu = _children_cpu()
            begin = time.perf_counter()
            manage(env, "notifications_tick", stdout=subprocess.DEVNULL)
            queued = time.perf_counter() - begin
            tick_cpu = _children_cpu() - tick_cpu
            _script(env, "wait", str(COUNT))
            figures.append(time.perf_counter() - begin)
            workers_cpu = sum(_cpu_seconds(worker.pid) for worker in workers) - workers_cpu
            smtp_cpu = _cpu_seconds(smtp.pid) - smtp_cpu
            _script(env, "check", str(COUNT))
            print(
                f"  run: {figures[-1]:.1f} s (queued after {queued:.1f} s; CPU: notifications_tick {tick_cpu:.1f} s, "
                f"{WORKERS} workers {workers_cpu:.1f} s, SMTP server {smtp_cpu:.1f} s; load {load} -> {_load()})",
                file=sys.stderr,
            )
        return figures
    except Exception:
        log.flush()
        print((Path(env["CERTIFICATES_PRIVATE_ROOT"]) / "workers.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        for process in [*workers, smtp]:
            process.terminate()
        for process in [*workers, smtp]:
            process.wait(timeout=30)
        log.close()
        _psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def checkin() -> float:
    database = f"escuela_bench_checkin_{os.getpid()}"
    port = _free_port()
    env = _environment(database, _free_port())
    _psql(f'CREATE DATABASE "{database}"')
    server = None
    try:
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        cookies = _script(env, "checkin_seed", str(CHECKIN_LEARNERS)).splitlines()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cms.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "error",
            ],
            env=env,
            cwd=ROOT,
        )
        _wait_for(port)
        paths = dict(line.split() for line in _script(env, "checkin_paths").splitlines())  # the code changes every 30 s
        import http.client

        def scan(cookie: str) -> float:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            begin = time.perf_counter()
            path = paths[str(int(time.time()) // 30)]
            connection.request("GET", path, headers={"Cookie": cookie, "Host": f"127.0.0.1:{port}"})
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - begin
            connection.close()
            if response.status >= 400:
                raise RuntimeError(f"check-in answered {response.status}")
            return elapsed * 1000

        with ThreadPoolExecutor(max_workers=2) as pool:  # warm-up: two at a time, so that both workers load the code
            list(pool.map(scan, [cookies[0]] * 4))
        load = _load()
        workers = _children(server.pid)
        workers_cpu = sum(_cpu_seconds(worker) for worker in workers)
        gap = CHECKIN_SECONDS / len(cookies)
        times = []
        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = []
            start = time.perf_counter()
            for index, cookie in enumerate(cookies):
                delay = start + index * gap - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(scan, cookie))
            times = [future.result() for future in futures]
        workers_cpu = sum(_cpu_seconds(worker) for worker in workers) - workers_cpu
        print(
            f"  run: p99 {statistics.quantiles(times, n=100)[98]:.1f} ms, median {statistics.median(times):.1f} ms; "
            f"gunicorn workers' CPU {workers_cpu / len(cookies) * 1000:.1f} ms a check-in; load {load} -> {_load()}",
            file=sys.stderr,
        )
        present = _script(env, "checkin_count")
        if int(present) != len(cookies):
            raise RuntimeError(f"{present} of {len(cookies)} learners marked present")
        return statistics.quantiles(times, n=100)[98]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        _psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


# Subcommands, run in their own process with the bench environment ------------------------------------------------


def _setup():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _course():
    from wagtail.models import Page

    from courses.models import CoursePage

    existing = CoursePage.objects.first()
    if existing is not None:
        return existing
    home = Page.objects.get(depth=2)
    return home.add_child(
        instance=CoursePage(
            title="Participación ciudadana y presupuestos municipales",
            slug="bench-avisos",
            summary="Curso del benchmark.",
            thematic_area="participation",
            duration_hours=10,
            learning_objectives="<p>Aprender.</p>",
        )
    )


def _learners(count: int, prefix: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    User = get_user_model()  # noqa: N806
    password = make_password(None)
    return User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{n}@example.cl",
                email=f"{prefix}{n}@example.cl",
                password=password,
                first_name=["Ana", "Luis", "María José", "Nguyễn"][n % 4],
            )
            for n in range(count)
        ],
        batch_size=2000,
    )


def seed(count: int) -> None:
    """``count`` learners in GROUPS groups, each group with one session starting in about 23 hours; the outbox of
    an earlier run is emptied (its sessions are moved out of the window)."""
    from datetime import date, datetime, timedelta

    from django.utils import timezone

    from learners.enrolment.services import session_create
    from learners.models import Cohort, Enrolment, OutboxMessage, Session

    OutboxMessage.objects.all().delete()
    Session.objects.update(date=date(2000, 1, 3))
    course = _course()
    start = timezone.localtime() + timedelta(hours=23)
    if start.hour >= 22 or start.hour < 1:
        start = start.replace(hour=21, minute=0) if start.hour >= 22 else start.replace(hour=1, minute=0)
    run = Cohort.objects.count() // GROUPS
    users = _learners(count, f"r{run}-")
    per_group = count // GROUPS
    for group in range(GROUPS):
        cohort = Cohort.objects.create(
            course=course, name=f"Grupo {run}-{group}", starts_on=date(2026, 1, 5), ends_on=date(2030, 12, 20)
        )
        session_create(
            cohort=cohort,
            date=start.date(),
            start_time=start.time().replace(second=0, microsecond=0),
            end_time=(datetime.combine(start.date(), start.time()) + timedelta(minutes=90))
            .time()
            .replace(second=0, microsecond=0),
            place=f"Sede vecinal {group}",
            address="Los Aromos 1450, Peñalolén",
            directions="Entrada por el portón verde.",
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(user=user, course=course, cohort=cohort)
                for user in users[group * per_group : (group + 1) * per_group]
            ]
        )


def wait(count: int) -> None:
    from learners.models import OutboxMessage

    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        done = OutboxMessage.objects.filter(status__in=["sent", "failed"]).count()
        if done >= count:
            return
        time.sleep(0.2)
    raise SystemExit("the reminders were not all sent within 10 minutes")


def check(count: int) -> None:
    from django.db.models import Count

    from learners.models import OutboxMessage

    sent = OutboxMessage.objects.filter(kind="recordatorio_sesion", status="sent")
    if sent.count() != count or OutboxMessage.objects.exclude(status="sent").exists():
        raise SystemExit(
            f"{sent.count()} of {count} reminders sent; others: "
            f"{list(OutboxMessage.objects.exclude(status='sent').values_list('status', 'last_error')[:3])}"
        )
    if (
        sent.filter(attempts__gt=1).exists()
        or sent.values("recipient").annotate(n=Count("pk")).filter(n__gt=1).exists()
    ):
        raise SystemExit("a reminder was sent twice")


def checkin_seed(count: int) -> None:
    """A session running now with ``count`` enrolled learners; prints one session cookie per learner."""
    from datetime import date, timedelta
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from learners.enrolment.services import session_create
    from learners.models import Cohort, Enrolment

    course = _course()
    now = timezone.localtime()
    begin = max(now - timedelta(minutes=20), now.replace(hour=0, minute=0, second=0, microsecond=0))
    end = min(now + timedelta(minutes=40), now.replace(hour=23, minute=59, second=0, microsecond=0))
    cohort = Cohort.objects.create(
        course=course, name="Grupo QR", starts_on=date(2026, 1, 5), ends_on=date(2030, 12, 20)
    )
    session_create(
        cohort=cohort,
        date=now.date(),
        start_time=begin.time().replace(second=0, microsecond=0),
        end_time=end.time().replace(second=0, microsecond=0),
        place="Sede vecinal",
    )
    users = _learners(count, "qr")
    Enrolment.objects.bulk_create([Enrolment(user=user, course=course, cohort=cohort) for user in users])
    engine = import_module(settings.SESSION_ENGINE)
    for user in users:
        store = engine.SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        print(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")


def checkin_paths() -> None:
    from learners.attendance.checkin import checkin_path as path
    from learners.attendance.checkin import current_step
    from learners.models import Session

    session = Session.objects.get(cohort__name="Grupo QR")
    for step in range(current_step() - 1, current_step() + 8):
        print(step, path(session_id=session.pk, step=step))


def checkin_count() -> None:
    from learners.models import AttendanceRecord

    print(AttendanceRecord.objects.filter(session__cohort__name="Grupo QR", status="present").count())


def main() -> None:
    figures = reminders()
    print(f"reminders_{COUNT}_s: {statistics.median(figures):.1f} s")
    p99 = [checkin() for _run in range(RUNS)]
    print(f"checkin_p99_ms: {statistics.median(p99):.1f} ms")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        _setup()
        command, *args = sys.argv[1:]
        globals()[command](*(int(arg) for arg in args))
    else:
        main()
