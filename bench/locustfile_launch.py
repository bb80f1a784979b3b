"""The learner mix of `make bench-launch` (bench/launch.py writes BENCH_LAUNCH_DATA and reads BENCH_LAUNCH_RESULTS).

Each user logs in once with her own account, then repeats the mix below with think times of 5–15 s. The load
steps through BENCH_LAUNCH_SIZES: ramp-up at BENCH_LAUNCH_SPAWN_RATE log-ins per second, settling, then a measured
window whose figures go to the results file, with the CPU time that the server (BENCH_LAUNCH_SERVER_PID and its
workers), this load generator (its own process and any ``--processes`` workers) and PostgreSQL (the processes
serving BENCH_LAUNCH_DATABASE) spent in it, from /proc.
The generator plays production's TLS proxy: it sends ``X-Forwarded-Proto: https`` and the ``Secure`` cookies by hand.
"""

import itertools
import json
import os
import random
import re
import sys
import time
import uuid
from pathlib import Path

from locust import FastHttpUser, LoadTestShape, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import cpu_seconds, database_backends, descendants  # noqa: E402

DATA = json.loads(Path(os.environ["BENCH_LAUNCH_DATA"]).read_text(encoding="utf-8"))
RESULTS = Path(os.environ["BENCH_LAUNCH_RESULTS"])
SIZES = [int(size) for size in os.environ.get("BENCH_LAUNCH_SIZES", "30,100,1000").split(",")]
WINDOW = float(os.environ.get("BENCH_LAUNCH_WINDOW", "120"))
SETTLE = float(os.environ.get("BENCH_LAUNCH_SETTLE", "20"))
SPAWN_RATE = float(os.environ["BENCH_LAUNCH_SPAWN_RATE"])  # log-ins per second while ramping up (bench/launch.py)
SERVER_PID = int(os.environ.get("BENCH_LAUNCH_SERVER_PID", "0"))
DATABASE = os.environ.get("BENCH_LAUNCH_DATABASE", "")  # the throwaway database: its PostgreSQL processes' CPU
PROCESSES = max(1, int(os.environ.get("BENCH_LAUNCH_PROCESSES", "1")))  # locust's --processes, 1 without
ACCOUNTS = itertools.count()  # per process: with --processes, worker i takes accounts i, i + PROCESSES, …
CAPTURE = Path(__file__).resolve().parents[1] / "tests" / "h5p_content" / "xapi" / "questionset-2-multichoice.json"
CAPTURE_IRI = "http://127.0.0.1:18765/lms/h5p/activity/multichoice"
# The player sends the quiz's statements in three bursts, one per click: opening it, answering the first
# question (and moving on), answering the second (and finishing).
BURSTS = ((0, 2), (2, 6), (6, 10))
STATEMENTS = json.loads(CAPTURE.read_text(encoding="utf-8").replace(CAPTURE_IRI, DATA["quiz"]["iri"]))
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Learner(FastHttpUser):
    wait_time = between(5, 15)

    def on_start(self):
        number = next(ACCOUNTS) * PROCESSES + getattr(self.environment.runner, "worker_index", 0)
        self.account = DATA["accounts"][number % len(DATA["accounts"])]
        self.cookies: dict[str, str] = {}
        page = self.get("/cuenta/ingresar/", name="login form")
        token = CSRF_INPUT.search(page.text or "")
        form = {
            "username": self.account,
            "password": DATA["password"],
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
        self.post("/cuenta/ingresar/", form, name="login", expect=(302,))

    # -- HTTP with production's proxy headers and cookies ------------------------------------------------------

    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")

    def headers(self, extra=None) -> dict:
        headers = {"X-Forwarded-Proto": "https", "Origin": self.host.replace("http://", "https://")}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if token := self.csrf_token():
            headers["X-CSRFToken"] = token
        return {**headers, **(extra or {})}

    def keep_cookies(self) -> None:
        """The cookies the server set, kept here and sent by hand: the client's jar does not send ``Secure`` ones
        over the plain connection to gunicorn (the proxy's side of production)."""
        for cookie in self.client.cookiejar:
            self.cookies[cookie.name] = cookie.value
        self.client.cookiejar.clear()

    def send(self, method, path, *, name, expect=(200,), **kwargs):
        with self.client.request(
            method,
            path,
            name=name,
            headers=self.headers(kwargs.pop("headers", None)),
            catch_response=True,
            allow_redirects=False,
            **kwargs,
        ) as response:
            self.keep_cookies()
            if response.status_code not in expect:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(f"HTTP {response.status_code} {where} {response.error or ''}"[:200])
            else:
                response.success()
            return response

    def get(self, path, *, name, expect=(200,)):
        return self.send("GET", path, name=name, expect=expect)

    def post(self, path, form, *, name, expect=(200,)):
        return self.send("POST", path, name=name, expect=expect, data=form)

    # -- The mix ------------------------------------------------------------------------------------------------

    @task(2)
    def catalogue(self):
        self.get(DATA["catalogue"], name="catalogue")

    @task(2)
    def course(self):
        self.get(DATA["course"], name="course page")

    @task(5)
    def read_lesson(self):
        lesson = random.choice(DATA["lessons"])
        self.get(lesson["url"], name="lesson page")

    @task(2)
    def mark_complete(self):
        lesson = random.choice(DATA["lessons"])
        self.get(lesson["url"], name="lesson page")
        self.wait()
        self.send(
            "POST",
            f"/lecciones/{lesson['id']}/completar/",
            name="mark complete",
            expect=(302,),
            data={"next": "/mis-cursos/", "csrfmiddlewaretoken": self.csrf_token()},
        )

    @task(2)
    def h5p_quiz(self):
        quiz = DATA["quiz"]
        self.get(quiz["url"], name="lesson page (H5P)")
        self.get(f"/aprender/h5p/{quiz['lesson']}/{quiz['activity']}/", name="h5p player")
        path = f"/aprender/h5p/{quiz['lesson']}/{quiz['activity']}/xapi/"
        for start, end in BURSTS:
            self.wait()
            for statement in STATEMENTS[start:end]:
                body = json.dumps({**statement, "id": str(uuid.uuid4())})
                self.send("POST", path, name="xapi statement", data=body, headers={"Content-Type": "application/json"})

    @task(2)
    def dashboard(self):
        self.get("/mis-cursos/", name="mis cursos")

    @task(1)
    def certificate(self):
        certificate = DATA["certificates"].get(self.account)
        if certificate is None:  # only one learner in ten finished an earlier course
            return self.dashboard()
        self.get(f"/certificados/{certificate}/descargar/", name="certificate download")


class Stages(LoadTestShape):
    """Ramp to each size, settle, measure a window; the figures of each window go to RESULTS."""

    def __init__(self):
        super().__init__()
        self.plan = []  # (size, ramp end, measure start, measure end), times from the start
        clock, previous = 0.0, 0
        for size in SIZES:
            ramp = (size - previous) / SPAWN_RATE
            self.plan.append((size, clock + ramp, clock + ramp + SETTLE, clock + ramp + SETTLE + WINDOW))
            clock += ramp + SETTLE + WINDOW
            previous = size
        self.results = {}
        self.measuring = None
        self.cpu_at_start = (0.0, 0.0)
        self.database = DatabaseCPU()

    def tick(self):
        now = self.get_run_time()
        for size, _ramp_end, start, end in self.plan:
            if now < start:
                return size, SPAWN_RATE
            if now < end:
                if self.measuring != size:
                    self.runner.stats.reset_all()
                    self.measuring, self.started = size, time.time()
                    self.cpu_at_start = cpu_now()
                    self.database = DatabaseCPU()
                self.database.sample()
                return size, SPAWN_RATE
            if size not in self.results:
                seconds = time.time() - self.started
                server, generator = (now - before for now, before in zip(cpu_now(), self.cpu_at_start, strict=True))
                self.results[size] = {
                    **snapshot(self.runner.stats, seconds),
                    "server_cpu_s": server,
                    "generator_cpu_s": generator,
                    "database_cpu_s": self.database.sample(),
                }
                RESULTS.write_text(json.dumps(self.results), encoding="utf-8")
        return None


def cpu_now() -> tuple[float, float]:
    """CPU seconds so far of the server's processes and of the load generator's."""
    server = cpu_seconds(descendants(SERVER_PID)) if SERVER_PID else 0.0
    return server, cpu_seconds(descendants(os.getpid()))


class DatabaseCPU:
    """CPU seconds of the PostgreSQL processes serving DATABASE since this was made, sampled at every tick (about
    a second): connections are closed after DATABASE_CONN_MAX_AGE and new ones opened, so each process's share is
    added as it goes (what one spends in its last second before it closes is not counted)."""

    def __init__(self):
        self.seen: dict[int, float] = {pid: cpu_seconds([pid]) for pid in self.processes()}
        self.total = 0.0

    @staticmethod
    def processes() -> list[int]:
        return database_backends(DATABASE) if DATABASE else []

    def sample(self) -> float:
        for pid in self.processes():
            now = cpu_seconds([pid])
            self.total += max(0.0, now - self.seen.get(pid, 0.0))
            self.seen[pid] = now
        return self.total


def snapshot(stats, seconds: float) -> dict:
    total = stats.total
    return {
        "rps": total.num_requests / seconds,
        "p95": total.get_response_time_percentile(0.95) or 0,
        "p50": total.get_response_time_percentile(0.5) or 0,
        "errors": total.num_failures,
        "requests": total.num_requests,
        "seconds": seconds,
        "load": os.getloadavg()[0],
        "by_name": {
            name: {
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50": entry.get_response_time_percentile(0.5) or 0,
                "p95": entry.get_response_time_percentile(0.95) or 0,
                "mean": entry.avg_response_time,
            }
            for (name, _method), entry in stats.entries.items()
        },
    }


@events.quitting.add_listener
def _exit_code(environment, **kwargs):
    environment.process_exit_code = 0  # failures are figures of the bench, not a crash of it
