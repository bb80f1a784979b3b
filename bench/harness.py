"""What the benchmarks against a real gunicorn share: starting the server, the data set-up step that runs in
``manage.py shell`` (with logged-in learners and their session keys), and the CPU time of processes from /proc.

Imported two ways: by the bench scripts (bench/ is on sys.path when one runs as a script), and inside the set-up
code that ``setup_step`` runs in ``manage.py shell`` (``from harness import enrolled_learners``): ``setup_step``
puts bench/ on that process's PYTHONPATH, so a bench that runs another checkout (BENCH_APP_ROOT) still finds it.
Nothing here imports Django at module level.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


# -- gunicorn ------------------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_command(
    port: int, *, workers: int | None = None, threads: int | None = None, extra: tuple[str, ...] = ()
) -> list[str]:
    """gunicorn serving the site on 127.0.0.1:``port`` with production's deploy/gunicorn.conf.py (2 processes of 4
    threads, gthread, kept-alive connections); ``workers`` and ``threads`` override the file's values."""
    config = ROOT / "deploy" / "gunicorn.conf.py"
    command = [sys.executable, "-m", "gunicorn", "cms.wsgi:application", "-c", str(config)]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    return [*command, "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *extra]


def start_server(command: list[str], *, env: dict, port: int, cwd: Path = ROOT, **popen) -> subprocess.Popen:
    """Start ``command`` (a server) and return once it accepts connections on ``port`` (20 s at most)."""
    server = subprocess.Popen(command, cwd=cwd, env=env, **popen)
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def stop_server(server: subprocess.Popen | None, timeout: float = 30) -> None:
    """SIGTERM (gunicorn finishes the requests in progress), then wait for it."""
    if server is not None and server.poll() is None:
        server.terminate()
        server.wait(timeout=timeout)


# -- Data set-up in manage.py shell ----------------------------------------------------------------------------------


def setup_step(code: str, *, env: dict, cwd: Path = ROOT) -> dict:
    """Run ``code`` in ``manage.py shell`` (in ``cwd``, with ``env``) and return the JSON its last line printed.

    bench/ is added to the process's PYTHONPATH, so ``code`` can ``from harness import enrolled_learners``."""
    paths = [env.get("PYTHONPATH", ""), str(BENCH)]
    env = {**env, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def logged_in_session(user) -> str:
    """A session of the site's session engine in which ``user`` is logged in (what the log-in form would store);
    its key is the ``sessionid`` cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def enrolled_learners(*, course, count: int, email_prefix: str, first_run: int) -> list[str]:
    """``count`` learner accounts (``<email_prefix><n>@example.cl``, RUN from ``first_run``, comuna Santiago, one
    password hash computed once) enrolled in ``course`` through the enrolment service, each logged in: their
    session keys, in order."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from courses.models import Comuna
    from learners.accounts.run import check_digit
    from learners.enrolment import services
    from learners.models import LearnerProfile

    comuna = Comuna.objects.get(code="13101")
    password = make_password("x" * 12)
    sessions = []
    for number in range(count):
        body = first_run + number
        email = f"{email_prefix}{number}@example.cl"
        user = get_user_model().objects.create(username=email, email=email, password=password)
        LearnerProfile.objects.create(
            user=user,
            given_names="Persona",
            family_names=f"Prueba {number}",
            run=f"{body}-{check_digit(body)}",
            comuna=comuna,
            learner_type="citizen",
            birth_year=1970,
            privacy_notice_version="bench",
            privacy_accepted_at=timezone.now(),
        )
        services.enrolment_create(user=user, course=course)
        sessions.append(logged_in_session(user))
    return sessions


# -- CPU time from /proc -------------------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """The process ``pid`` and all its descendants (gunicorn's workers, locust's worker processes)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            queue += [int(child) for child in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            pass
    return found


def database_backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving ``database`` on this machine (their title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these live processes (seconds), from /proc/<pid>/stat; gone ones count 0."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the stat line)
    return total / ticks
