"""Learner hot paths through a real WSGI server: gunicorn (2 workers) on PostgreSQL, 20 concurrent learners.

Run with `make bench-learners`. It creates a throwaway PostgreSQL database (BENCH_DATABASE_URL's server,
default postgres://postgres@127.0.0.1:5432), loads the demo, enrols 20 learners in the largest demo
course, starts gunicorn with the production settings and drives it from 20 client threads with keep-alive
connections. Prints one line per figure: `name: value unit`.
"""

import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = f"escuela_bench_{os.getpid()}"
DATABASE_URL = f"{SERVER.rstrip('/')}/{DB_NAME}"
LEARNERS = 20
DURATION = float(os.environ.get("BENCH_SECONDS", "20"))
PAGE_DURATION = float(os.environ.get("BENCH_PAGE_SECONDS", "8"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="escuela-bench-static-"))

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_BEHIND_PROXY": "0",
    "DJANGO_STATIC_ROOT": str(STATIC_ROOT),
    "DATABASE_URL": DATABASE_URL,
    "DATABASE_CONN_MAX_AGE": "60",
}


def psql(sql: str) -> None:
    parsed = urlparse(SERVER)
    subprocess.run(
        [
            "psql",
            "-q",
            "-h",
            parsed.hostname or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
            "-d",
            "postgres",
            "-c",
            sql,
        ],
        check=True,
    )


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)


SETUP = """
import json
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from courses.models import Comuna, CoursePage
from learners import selectors, services
from learners.models import LearnerProfile
from learners.run import check_digit

course = max(CoursePage.objects.live(), key=lambda c: selectors.course_lessons(course=c).count())
lessons = list(selectors.course_lessons(course=course))
comuna = Comuna.objects.get(code="13101")
learners = []
for number in range(%(learners)d):
    body = 16000000 + number
    email = f"bench{number}@example.cl"
    user = get_user_model().objects.create_user(username=email, email=email, password="x" * 12)
    LearnerProfile.objects.create(user=user, given_names="Persona", family_names=f"Prueba {number}",
        run=f"{body}-{check_digit(body)}", comuna=comuna, learner_type="citizen", birth_year=1970,
        privacy_notice_version="bench", privacy_accepted_at=timezone.now())
    services.enrolment_create(user=user, course=course)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    learners.append(session.session_key)
print(json.dumps({"course": course.url, "lessons": [lesson.pk for lesson in lessons[:-1]], "sessions": learners}))
"""


def setup_data() -> dict:
    import json

    manage("migrate", "--noinput")
    manage("load_demo_data", "--allow-production", "--no-admin")
    manage("collectstatic", "--noinput")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", SETUP % {"learners": LEARNERS}],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_server() -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cms.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def drive(sessions: list[str], make_request, seconds: float) -> tuple[int, list[float], int]:
    """Each learner loops on her own keep-alive connection until time runs out."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def learner(index: int, session_key: str) -> None:
        nonlocal errors
        csrf = secrets.token_hex(16)
        headers = {"Cookie": f"sessionid={session_key}; csrftoken={csrf}", "X-CSRFToken": csrf, "Host": "127.0.0.1"}
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        mine, bad, step = [], 0, 0
        while time.perf_counter() < stop:
            method, path, body = make_request(index, step)
            step += 1
            started = time.perf_counter()
            request_headers = dict(headers)
            if body is not None:
                request_headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=request_headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status >= 400:
                bad += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=learner, args=(i, key)) for i, key in enumerate(sessions)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies, errors


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def main() -> None:
    psql(f'CREATE DATABASE "{DB_NAME}"')
    server = None
    try:
        data = setup_data()
        server = start_server()
        lessons = data["lessons"]

        def mark_complete(index, step):
            return "POST", f"/lecciones/{lessons[(index + step) % len(lessons)]}/completar/", "next=/mis-cursos/"

        drive(data["sessions"], mark_complete, 3)  # warm-up: first completions, connection pools
        rps, latencies, errors = drive(data["sessions"], mark_complete, DURATION)
        print(f"progress_mark_complete_rps: {rps:.0f} req/s")
        print(f"progress_mark_complete_p99_ms: {percentile(latencies, 0.99):.1f} ms")
        print(f"progress_mark_complete_p50_ms: {percentile(latencies, 0.50):.1f} ms")
        print(f"progress_mark_complete_errors: {errors} requests")

        _, latencies, errors = drive(data["sessions"], lambda i, s: ("GET", "/mis-cursos/", None), PAGE_DURATION)
        print(f"dashboard_p50_ms: {statistics.median(latencies) * 1000:.1f} ms")
        print(f"dashboard_p99_ms: {percentile(latencies, 0.99):.1f} ms")
        _, latencies, errors2 = drive(data["sessions"], lambda i, s: ("GET", data["course"], None), PAGE_DURATION)
        print(f"course_page_p50_ms: {statistics.median(latencies) * 1000:.1f} ms")
        print(f"course_page_p99_ms: {percentile(latencies, 0.99):.1f} ms")
        print(f"page_errors: {errors + errors2} requests")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
        psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
