"""The learner pages under load: gunicorn (2 workers) on PostgreSQL with Redis as the cache, 20 logged-in learners.

Run with `make bench-pages-load`. It creates a throwaway PostgreSQL database (bench/throwaway_db.py: the server in
BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432), loads the demo, adds a 60-lesson course (3 modules
of 20) with one more lesson that embeds an H5P activity, enrols 20 learner accounts with a session each, starts
gunicorn with the production settings (REDIS_URL: BENCH_REDIS_URL, default redis://127.0.0.1:6379/13, under a key
prefix of its own so that runs never share keys) and drives each page with wrk, 20 connections, each request as one
of the 20 learners in turn. Prints one line per figure, `name: value unit`:

    <page>_rps, <page>_p99_ms, <page>_p50_ms, <page>_errors for course, lesson, lesson_h5p, dashboard, catalogue
    <page>_cpu_ms_per_req: CPU time of the two gunicorn workers per request (user + system, from /proc), the figure
        to compare between runs on a machine shared with other work, where wall-clock rates are noisy
    load_average: the 1-minute load average before and after the run

BENCH_APP_ROOT runs another checkout of the application (for example the main branch, to measure "before") with the
same data and load; BENCH_PAGE_SECONDS sets the measured seconds per page (default 10, after 3 s of warm-up).
"""

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness import free_port, setup_step  # noqa: E402
from throwaway_db import SERVER, psql, settle  # noqa: E402  (bench/ is on sys.path when run as a script)

APP_ROOT = Path(os.environ.get("BENCH_APP_ROOT") or Path(__file__).resolve().parents[1])
DB_NAME = f"escuela_bench_pages_{os.getpid()}"
LEARNERS = 20
PAGE_SECONDS = float(os.environ.get("BENCH_PAGE_SECONDS", "10"))
WARM_SECONDS = 3
PAGES = ("course", "lesson", "lesson_h5p", "dashboard", "catalogue")
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="escuela-bench-pages-static-"))
SERVER_LOG = tempfile.NamedTemporaryFile(prefix="escuela-bench-pages-", suffix=".log", delete=False)  # noqa: SIM115


PORT = int(os.environ.get("BENCH_PORT") or free_port())
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,.localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_BEHIND_PROXY": "0",
    "DJANGO_STATIC_ROOT": str(STATIC_ROOT),
    "PUBLIC_BASE_URL": f"https://127.0.0.1:{PORT}",
    "DATABASE_URL": f"{SERVER.rstrip('/')}/{DB_NAME}",
    "DATABASE_CONN_MAX_AGE": "60",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
    "DJANGO_CACHE_KEY_PREFIX": f"bench-pages-{os.getpid()}-{secrets.token_hex(4)}",
    "PYTHONPATH": str(APP_ROOT),
}

SETUP = """
import json
from wagtail.rich_text import RichText

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from harness import enrolled_learners
from tests.factories.h5p import questionset_capture_content
from tests.factories.h5p_activities import approve_libraries, make_activity

catalogue = CourseIndexPage.objects.order_by("path").first()  # the academy's (schools come after it)
course = CoursePage(title="Curso de medición", slug="curso-de-medicion", summary="Medición.", thematic_area="civic",
    modality="e_learning", duration_hours=40, learning_objectives="<p>Medir.</p>")
catalogue.add_child(instance=course)
text = "<p>Texto de la lección, con <strong>énfasis</strong> y <a href=\\"https://www.bcn.cl\\">un enlace</a>.</p>"
lessons = []
for module_number in range(3):
    module = ModulePage(title=f"Módulo {module_number + 1}", slug=f"modulo-{module_number + 1}")
    course.add_child(instance=module)
    for lesson_number in range(20):
        lesson = LessonPage(title=f"Lección {lesson_number + 1}", slug=f"leccion-{lesson_number + 1}",
            body=[("heading", {"text": "Idea central", "level": "h2"}), ("paragraph", RichText(text * 6)),
                ("paragraph", RichText(text * 4))])
        module.add_child(instance=lesson)
        lessons.append(lesson)
activity = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21",
    title="Cuestionario")
approve_libraries(activity)
h5p_lesson = LessonPage(title="Lección con actividad", slug="leccion-con-actividad",
    body=[("paragraph", RichText(text * 3)), ("h5p", {"activity": activity, "required": True, "pass_percentage": 50})])
module.add_child(instance=h5p_lesson)
sessions = enrolled_learners(course=course, count=%(learners)d, email_prefix="pagesbench", first_run=19000000)
path = lambda page: page.get_url_parts()[2]  # the path on the academy's site (the default one)
print(json.dumps({"course": path(course), "lesson": path(lessons[24]), "lesson_h5p": path(h5p_lesson),
    "dashboard": "/mis-cursos/", "catalogue": path(catalogue), "sessions": sessions}))
"""

WRK_SCRIPT = """
local sessions = {%(sessions)s}
local path = "%(path)s"
local counter = 0
function request()
  counter = counter + 1
  local headers = {}
  headers["Cookie"] = "sessionid=" .. sessions[1 + (counter %% #sessions)]
  return wrk.format("GET", path, headers)
end
"""


def manage(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=APP_ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, **kwargs
    )


def setup_data() -> dict:
    manage("migrate", "--noinput")
    manage("load_demo_data", "--allow-production", "--no-admin")
    manage("collectstatic", "--noinput")
    return setup_step(SETUP % {"learners": LEARNERS}, env=ENV, cwd=APP_ROOT)


def start_server() -> subprocess.Popen:
    # The production configuration (2 workers; threads and keep-alive as deploy/gunicorn.conf.py says).
    command = [sys.executable, "-m", "gunicorn", "cms.wsgi:application"]
    command += ["-c", str(APP_ROOT / "deploy" / "gunicorn.conf.py"), "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"]
    # The request log (one JSON line per request, as in production) goes to a file, not to the figures.
    return harness.start_server(command, env=ENV, port=PORT, cwd=APP_ROOT, stdout=SERVER_LOG, stderr=subprocess.STDOUT)


def worker_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (seconds), from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the stat line)
    return total / ticks


def wrk(*, sessions: list[str], path: str, seconds: float) -> dict:
    script = Path(tempfile.mkdtemp(prefix="escuela-bench-pages-")) / "page.lua"
    script.write_text(WRK_SCRIPT % {"sessions": ", ".join(f'"{key}"' for key in sessions), "path": path})
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{LEARNERS}",
            f"-d{int(seconds)}s",
            "--timeout",
            "30s",
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
    figures["requests"] = int(re.search(r"(\d+) requests in", result.stdout).group(1))
    for label in ("50", "99"):
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", result.stdout, re.M).groups()
        figures[f"p{label}"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    figures["errors"] = int(errors.group(1)) if errors else 0
    return figures


def check_pages(data: dict) -> None:
    """Every page answers 200 to a learner (not a redirect to the log-in or the privacy notice)."""
    for page in PAGES:
        completed = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-b", f"sessionid={data['sessions'][0]}"]
            + [f"http://127.0.0.1:{PORT}{data[page]}"],
            capture_output=True,
            text=True,
        )
        if completed.stdout != "200":
            raise SystemExit(f"{page} ({data[page]}): HTTP {completed.stdout}")


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench-pages-load installs it)")
    psql(f'CREATE DATABASE "{DB_NAME}"')
    server = None
    try:
        data = setup_data()
        settle(DB_NAME)
        server = start_server()
        check_pages(data)
        pids = worker_pids(server)
        print(f"load_average_before: {os.getloadavg()[0]:.2f}")
        for page in PAGES:
            wrk(sessions=data["sessions"], path=data[page], seconds=WARM_SECONDS)
            before = cpu_seconds(pids)
            figures = wrk(sessions=data["sessions"], path=data[page], seconds=PAGE_SECONDS)
            cpu = cpu_seconds(pids) - before
            print(f"{page}_rps: {figures['rps']:.0f} req/s")
            print(f"{page}_p99_ms: {figures['p99']:.1f} ms")
            print(f"{page}_p50_ms: {figures['p50']:.1f} ms")
            print(f"{page}_cpu_ms_per_req: {1000 * cpu / max(figures['requests'], 1):.1f} ms")
            print(f"{page}_errors: {figures['errors']} requests")
        print(f"load_average_after: {os.getloadavg()[0]:.2f}")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(STATIC_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
