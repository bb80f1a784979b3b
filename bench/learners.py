"""Learner hot paths through a real WSGI server: gunicorn (2 workers) on PostgreSQL, 20 concurrent learners.

Every measured mark-complete request completes a lesson for the first time; each client moves on to a fresh
learner account when hers has finished the 60-lesson course (so course completions are part of the load).

Run with `make bench-learners`. It creates a throwaway PostgreSQL database (BENCH_DATABASE_URL's server,
default postgres://postgres@127.0.0.1:5432), loads the demo, builds a 60-lesson course, enrols 300 learner
accounts, starts gunicorn with the production settings and drives it with wrk: 20 connections with keep-alive
connections (wrk). Prints one line per figure: `name: value unit`.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, gunicorn_command, setup_step, start_server, stop_server  # noqa: E402
from throwaway_db import SERVER, psql, settle  # noqa: E402

DB_NAME = f"escuela_bench_{os.getpid()}"
DATABASE_URL = f"{SERVER.rstrip('/')}/{DB_NAME}"
LEARNERS = 20
ACCOUNTS = 300  # 20 at a time; each client moves on to a fresh account when hers has finished the course
MODULES, LESSONS_PER_MODULE = 3, 20  # a 60-lesson course, the size the query budgets are tested with
DURATION = float(os.environ.get("BENCH_SECONDS", "20"))
PAGE_DURATION = float(os.environ.get("BENCH_PAGE_SECONDS", "8"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
# Two processes (one per core); threads let a process serve another request while one waits on PostgreSQL.
THREADS = os.environ.get("BENCH_THREADS", "0")  # 0: deploy/gunicorn.conf.py's threads
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="escuela-bench-static-"))

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,.localhost",  # the demo's schools: penalolen.localhost…
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_BEHIND_PROXY": "0",
    "DJANGO_STATIC_ROOT": str(STATIC_ROOT),
    "PUBLIC_BASE_URL": f"https://127.0.0.1:{PORT}",  # production refuses to start without it (courses.E001)
    "DATABASE_URL": DATABASE_URL,
    "DATABASE_CONN_MAX_AGE": "60",
    "DJANGO_REQUEST_LOG_LEVEL": "WARNING",  # not one JSON line per request on the terminal (bench/launch.py too)
    # Production refuses a per-process cache (cms.E001): the workers share Redis, as in production.
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
}


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)


SETUP = """
import json
from courses.models import CoursePage
from courses import selectors
from harness import enrolled_learners

from courses.models import CourseIndexPage, LessonPage, ModulePage
from wagtail.rich_text import RichText

# A long course, so that every measured request completes a lesson for the first time.
catalogue = CourseIndexPage.objects.order_by("path").first()  # the academy's (schools come after it)
course = CoursePage(title="Curso de medición", slug="curso-de-medicion", summary="Medición.", thematic_area="civic",
    modality="e_learning", duration_hours=40, learning_objectives="<p>Medir.</p>")
catalogue.add_child(instance=course)
for module_number in range(%(modules)d):
    module = ModulePage(title=f"Módulo {module_number}", slug=f"modulo-{module_number}")
    course.add_child(instance=module)
    for lesson_number in range(%(lessons)d):
        module.add_child(instance=LessonPage(title=f"Lección {lesson_number}", slug=f"leccion-{lesson_number}",
            body=[("paragraph", RichText("<p>Texto de la lección.</p>"))]))
lessons = list(selectors.course_lessons(course=course))
learners = enrolled_learners(course=course, count=%(accounts)d, email_prefix="bench", first_run=17000000)
print(json.dumps({"course": course.url, "lessons": [lesson.pk for lesson in lessons], "sessions": learners}))
"""


def setup_data() -> dict:
    manage("migrate", "--noinput")
    manage("load_demo_data", "--allow-production", "--no-admin")
    manage("collectstatic", "--noinput")
    return setup_step(SETUP % {"accounts": ACCOUNTS, "modules": MODULES, "lessons": LESSONS_PER_MODULE}, env=ENV)


WRK_SCRIPT = """
local sessions = {%(sessions)s}
local lessons = {%(lessons)s}
local csrf = "%(csrf)s"
local mode = "%(mode)s"
local course = "%(course)s"
local clients = %(clients)d
local threads_total = %(threads)d
local counter = 0
local thread_index = 0
local next_id = 0

function setup(thread)
  thread:set("thread_index", next_id)
  next_id = next_id + 1
end

-- Each wrk thread serves clients / threads_total learners in turn; a learner completes the course's lessons in
-- order and then hands over to a fresh account, so no request repeats a lesson already done.
function request()
  local per_thread = clients / threads_total
  local slot = counter %% per_thread
  local step = math.floor(counter / per_thread)
  counter = counter + 1
  local round = math.floor(step / #lessons)
  local account = 1 + thread_index + threads_total * (slot + per_thread * round)
  if account > #sessions then account = 1 + ((account - 1) %% #sessions) end
  local headers = {}
  headers["Cookie"] = "sessionid=" .. sessions[account] .. "; csrftoken=" .. csrf
  headers["X-CSRFToken"] = csrf
  if mode == "complete" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local lesson = lessons[1 + (step %% #lessons)]
    return wrk.format("POST", "/lecciones/" .. lesson .. "/completar/", headers, "next=/mis-cursos/")
  end
  local active = 1 + thread_index + threads_total * slot
  headers["Cookie"] = "sessionid=" .. sessions[active] .. "; csrftoken=" .. csrf
  return wrk.format("GET", mode == "dashboard" and "/mis-cursos/" or course, headers)
end

local errors = 0
function response(status, headers, body)
  if status >= 400 then errors = errors + 1 end
end
"""


def run_wrk(data: dict, mode: str, seconds: float, clients: int = LEARNERS) -> dict:
    """Drive the server with wrk (C, light on the CPU the server shares) and read its figures."""
    threads = min(2, clients)
    script = Path(tempfile.mkdtemp(prefix="escuela-bench-")) / f"{mode}.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "sessions": ", ".join(f'"{key}"' for key in data["sessions"]),
            "lessons": ", ".join(str(pk) for pk in data["lessons"]),
            "csrf": secrets.token_hex(16),
            "mode": mode,
            "course": data["course"],
            "clients": clients,
            "threads": threads,
        }
    )
    return wrk(script=script, threads=threads, clients=clients, seconds=seconds)


def wrk(*, script: Path, threads: int, clients: int, seconds: float) -> dict:
    """Run wrk with a Lua script against the server; requests per second, p50/p99 latency (ms) and errors."""
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{PORT}",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))}
    for label in ("50", "99"):
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", result.stdout, re.M).groups()
        figures[f"p{label}"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    figures["errors"] = int(errors.group(1)) if errors else 0
    return figures


def main() -> None:
    psql(f'CREATE DATABASE "{DB_NAME}"')
    server = None
    try:
        data = setup_data()
        settle(DB_NAME)
        server = start_server(gunicorn_command(PORT, threads=int(THREADS)), env=ENV, port=PORT)

        if shutil.which("wrk") is None:
            raise SystemExit("wrk is needed: apt-get install wrk (make bench-learners installs it)")
        run_wrk(data, "complete", 3)  # warm-up: caches and connection pools, on accounts the next run skips
        data = {**data, "sessions": data["sessions"][len(data["sessions"]) // 2 :]}
        figures = run_wrk(data, "complete", DURATION)
        print(f"progress_mark_complete_rps: {figures['rps']:.0f} req/s")
        print(f"progress_mark_complete_p99_ms: {figures['p99']:.1f} ms")
        print(f"progress_mark_complete_p50_ms: {figures['p50']:.1f} ms")
        print(f"progress_mark_complete_errors: {figures['errors']} requests")
        dashboard = run_wrk(data, "dashboard", PAGE_DURATION)
        print(f"dashboard_p50_ms: {dashboard['p50']:.1f} ms")
        print(f"dashboard_p99_ms: {dashboard['p99']:.1f} ms")
        course = run_wrk(data, "course", PAGE_DURATION)
        print(f"course_page_p50_ms: {course['p50']:.1f} ms")
        print(f"course_page_p99_ms: {course['p99']:.1f} ms")
        print(f"page_errors: {dashboard['errors'] + course['errors']} requests")
        # The same pages for one learner alone: the latency a person feels when the server is not busy.
        print(f"dashboard_single_p50_ms: {run_wrk(data, 'dashboard', PAGE_DURATION, clients=1)['p50']:.1f} ms")
        print(f"course_page_single_p50_ms: {run_wrk(data, 'course', PAGE_DURATION, clients=1)['p50']:.1f} ms")
    finally:
        stop_server(server)
        psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
