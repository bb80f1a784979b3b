"""H5P hot path through a real WSGI server: gunicorn (2 workers) on PostgreSQL, 20 concurrent learners posting xAPI.

Each learner replays the real QuestionSet statement sequence (tests/h5p_content/xapi/, 10 statements: attempted,
sub-content attempted/interacted/answered, progressed, the closing completed) once for each of the 5 quizzes of
one lesson, so the mix is 80 % sub-content and navigation statements and 10 % closing statements, and every
fifth closing statement completes the lesson (and the course). Then she hands over to a fresh account, which keeps
every account under the per-minute rate limit. Every statement has a fresh id.

Run with `make bench-h5p` (PostgreSQL on 127.0.0.1 and wrk, like bench/learners.py, whose helpers it reuses).
Prints one line per figure: `name: value unit`.
"""

import importlib.util
import json
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, gunicorn_command, setup_step, start_server, stop_server  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_learners", Path(__file__).with_name("learners.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

LEARNERS = 20
ACCOUNTS = 400
QUIZZES = 5
DURATION = float(common.os.environ.get("BENCH_SECONDS", "20"))
PORT = int(common.os.environ.get("BENCH_H5P_PORT", "8766"))
common.PORT = PORT  # the wrk helper of bench/learners.py drives this port
common.ENV["PUBLIC_BASE_URL"] = f"https://127.0.0.1:{PORT}"  # the statements' activity IRIs name this host

SETUP = """
import json
from wagtail.rich_text import RichText

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from harness import enrolled_learners
from tests.factories.h5p import questionset_capture_content
from tests.factories.h5p_activities import make_activity

catalogue = CourseIndexPage.objects.order_by("path").first()  # the academy's (schools come after it)
course = CoursePage(title="Curso H5P de medición", slug="curso-h5p-medicion", summary="Medición.",
    thematic_area="civic", modality="e_learning", duration_hours=4, learning_objectives="<p>Medir.</p>")
catalogue.add_child(instance=course)
module = ModulePage(title="Módulo", slug="modulo")
course.add_child(instance=module)
activities = [make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21",
    title=f"Cuestionario {n}") for n in range(%(quizzes)d)]
body = [("paragraph", RichText("<p>Responde.</p>"))]
body += [("h5p", {"activity": a, "required": True, "pass_percentage": 50}) for a in activities]
lesson = LessonPage(title="Lección con cuestionarios", slug="leccion-cuestionarios", body=body)
module.add_child(instance=lesson)
sessions = enrolled_learners(course=course, count=%(accounts)d, email_prefix="h5pbench", first_run=18000000)
print(json.dumps({"lesson": lesson.pk, "activities": [str(a.uuid) for a in activities], "sessions": sessions}))
"""

CAPTURE = ROOT / "tests" / "h5p_content" / "xapi" / "questionset-2-multichoice.json"
CAPTURE_IRI = "http://127.0.0.1:18765/lms/h5p/activity/multichoice"

WRK_SCRIPT = """
local sessions = {%(sessions)s}
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local csrf = "%(csrf)s"
local clients = %(clients)d
local threads_total = %(threads)d
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("thread_index", next_id)
  next_id = next_id + 1
end

-- Each wrk thread serves clients / threads_total learners in turn; a learner posts the whole sequence (every
-- quiz of the lesson) and then hands over to a fresh account.
function request()
  local per_thread = clients / threads_total
  local slot = counter %% per_thread
  local step = math.floor(counter / per_thread)
  local round = math.floor(step / #bodies)
  local index = 1 + (step %% #bodies)
  local account = 1 + thread_index + threads_total * (slot + per_thread * round)
  if account > #sessions then account = 1 + ((account - 1) %% #sessions) end
  counter = counter + 1
  local id = string.format("%%08x-%%04x-4000-8000-%%012x", thread_index, slot, counter)
  local headers = {}
  headers["Cookie"] = "sessionid=" .. sessions[account] .. "; csrftoken=" .. csrf
  headers["X-CSRFToken"] = csrf
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", paths[index], headers, (bodies[index]:gsub("__ID__", id)))
end
"""


def statement_bodies(data: dict) -> tuple[list[str], list[str]]:
    """The request paths and JSON bodies of one learner's whole run (every quiz), in order."""
    capture = CAPTURE.read_text(encoding="utf-8")
    paths, bodies = [], []
    for activity in data["activities"]:
        iri = f"https://127.0.0.1:{PORT}/h5p/actividad/{activity}"
        for statement in json.loads(capture.replace(CAPTURE_IRI, iri)):
            statement["id"] = "__ID__"
            paths.append(f"/aprender/h5p/{data['lesson']}/{activity}/xapi/")
            bodies.append(json.dumps(statement, separators=(",", ":")))
    return paths, bodies


def run_wrk(data: dict, seconds: float) -> dict:
    threads = 2
    paths, bodies = statement_bodies(data)
    script = Path(tempfile.mkdtemp(prefix="escuela-bench-h5p-")) / "xapi.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "sessions": ", ".join(f'"{key}"' for key in data["sessions"]),
            "paths": ", ".join(f'"{path}"' for path in paths),
            "bodies": ", ".join(f"[==[{body}]==]" for body in bodies),
            "csrf": secrets.token_hex(16),
            "clients": LEARNERS,
            "threads": threads,
        }
    )
    return common.wrk(script=script, threads=threads, clients=LEARNERS, seconds=seconds)


def setup_data() -> dict:
    common.manage("migrate", "--noinput")
    common.manage("load_demo_data", "--allow-production", "--no-admin")
    return setup_step(SETUP % {"accounts": ACCOUNTS, "quizzes": QUIZZES}, env=common.ENV)


def import_figures() -> None:
    """Print `h5p_import_1mb_ms` and `h5p_import_50mb_s` (validation plus extraction, bench/h5p_import.py)."""
    from h5p_import import import_figures as measure  # bench/ is on sys.path when run as a script

    for name, value in measure().items():
        print(f"{name}: {value}")


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    common.psql(f'CREATE DATABASE "{common.DB_NAME}"')
    server = None
    try:
        data = setup_data()
        common.settle(common.DB_NAME)
        server = start_server(gunicorn_command(PORT, threads=int(common.THREADS)), env=common.ENV, port=PORT)
        run_wrk({**data, "sessions": data["sessions"][:60]}, 3)  # warm-up on accounts the measured run skips
        figures = run_wrk({**data, "sessions": data["sessions"][60:]}, DURATION)
        print(f"xapi_statements_per_s: {figures['rps']:.0f}")
        print(f"xapi_p99_ms: {figures['p99']:.1f} ms")
        print(f"xapi_p50_ms: {figures['p50']:.1f} ms")
        print(f"xapi_errors: {figures['errors']} requests")
        import_figures()
    finally:
        stop_server(server)
        common.psql(f'DROP DATABASE IF EXISTS "{common.DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
