"""The fixed cost of a signed-in request: the CPU that every page pays before and after its view (issue 18).

`python bench/middleware_floor.py` creates a throwaway PostgreSQL database with the launch data of
bench/launch.py (the production settings on Redis), then, in one process, calls the site's WSGI application
directly (``cms.wsgi.application``, what gunicorn calls, with a signed-in learner's session and CSRF cookies) and
prints the CPU time per request (``time.process_time``, the median of several rounds) of:

    floor_tiny_cpu_ms        a view that only reads ``request.user`` (the stack and the user, nothing else)
    floor_alive_cpu_ms       /salud/ (no user lookup)
    floor_lesson_cpu_ms      a cached lesson page
    floor_mw_<n>_<name>_us   what each middleware adds to the tiny view: the stack cut after it minus the stack
                             cut before it (the user lookup shows under AuthenticationMiddleware's successors,
                             where ``request.user`` is first read)

``python bench/middleware_floor.py measure <launch.json>`` runs the measuring step against the database in
``DATABASE_URL`` (set up by hand), which lets two checkouts be compared alternately on the same data. Not an
idle-machine benchmark: CPU time, not wall time, and the medians of alternating rounds.
"""

import json
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway_db import ROOT, run_step  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_FLOOR_ROUNDS", "7"))
REQUESTS = int(os.environ.get("BENCH_FLOOR_REQUESTS", "200"))
STACKS = os.environ.get("BENCH_FLOOR_STACKS", "1") == "1"  # 0: leave out the per-middleware breakdown


def _floor_urls():
    """The site's URLs plus ``/_suelo/``: a view that reads the signed-in user and answers two bytes."""
    from django.http import HttpResponse
    from django.urls import include, path

    def tiny(request):
        user = getattr(request, "user", None)
        return HttpResponse(b"ok" if user is not None and user.is_authenticated else b"no")

    def untouched(request):
        return HttpResponse(b"ok")

    module = types.ModuleType("floor_urls")
    module.urlpatterns = [
        path("_suelo/", tiny),
        path("_suelo/sin-cuenta/", untouched),  # the same stack, the session and the user never read
        path("", include("cms.urls")),
    ]
    sys.modules["floor_urls"] = module
    return "floor_urls"


def _setup(data_file: str, *, request_log: bool = True):
    """Django with the bench's settings, the request log lines (production's, when ``request_log``) thrown away,
    and the launch data: (data, the graduate learner)."""
    sys.path.insert(0, str(ROOT))
    if request_log:
        os.environ["DJANGO_REQUEST_LOG_LEVEL"] = "INFO"  # production's: one JSON line per request (to /dev/null)
    import logging

    import django

    django.setup()
    from django.contrib.auth import get_user_model

    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the request log lines
    for handler in logging.getLogger("cms.requests").handlers:
        handler.setStream(sys.stderr)
    data = json.loads(Path(data_file).read_text(encoding="utf-8"))
    return data, get_user_model().objects.get(username=next(iter(data["certificates"])))


def measure(data_file: str) -> None:
    data, learner = _setup(data_file)
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(learner)
    client.get("/mis-cursos/")  # the CSRF cookie, as a browser has it
    cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    settings.ROOT_URLCONF = _floor_urls()
    lesson = data["lessons"][0]["url"]

    def environ(path: str) -> dict:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookies,
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Mobile",
            "HTTP_ACCEPT": "text/html",
            "HTTP_ACCEPT_LANGUAGE": "es-CL,es;q=0.9",
            "wsgi.input": _Empty(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
        }

    def start_response(status, headers, exc_info=None):
        start_response.status = status

    def handler_with(middleware: list[str]) -> WSGIHandler:
        saved = settings.MIDDLEWARE
        settings.MIDDLEWARE = middleware
        try:
            return WSGIHandler()
        finally:
            settings.MIDDLEWARE = saved

    def cpu_ms(application, path: str, count: int = REQUESTS) -> float:
        begin = time.process_time()
        for _ in range(count):
            body = application(environ(path), start_response)
            b"".join(body)
            body.close()
        return (time.process_time() - begin) / count * 1000

    full = WSGIHandler()
    for path in ("/_suelo/", "/salud/", lesson):
        cpu_ms(full, path, 20)
        if not start_response.status.startswith("200"):
            raise SystemExit(f"{path}: {start_response.status}")
    names = list(settings.MIDDLEWARE)
    stacks = [handler_with(names[:cut]) for cut in range(len(names) + 1)] if STACKS else []
    for stack in stacks:
        cpu_ms(stack, "/_suelo/", 20)
    results = {"tiny": [], "alive": [], "lesson": []}
    cuts = [[] for _ in stacks]
    for _round in range(ROUNDS):
        results["tiny"].append(cpu_ms(full, "/_suelo/"))
        results["alive"].append(cpu_ms(full, "/salud/"))
        results["lesson"].append(cpu_ms(full, lesson, REQUESTS // 2))
        for index, stack in enumerate(stacks):
            cuts[index].append(cpu_ms(stack, "/_suelo/", REQUESTS // 2))
    for name, values in results.items():
        print(f"floor_{name}_cpu_ms: {statistics.median(values):.3f} ms")
    if not STACKS:
        return
    medians = [statistics.median(values) for values in cuts]
    print(f"floor_mw_00_none_us: {medians[0] * 1000:.0f} us (the handler, URL resolution and the view alone)")
    for index, name in enumerate(names, start=1):
        short = name.rsplit(".", 1)[-1]
        print(f"floor_mw_{index:02d}_{short}_us: {(medians[index] - medians[index - 1]) * 1000:.0f} us")


def ab(data_file: str) -> None:
    """``measure_ab``: this checkout's user lookup and CSP header against Django's and django-csp's own, in one
    process, alternating rounds (the fairest comparison on a shared machine)."""
    data, learner = _setup(data_file, request_log=False)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client

    from learners.accounts.backends import MODEL_BACKEND

    ours = list(settings.MIDDLEWARE)
    django_backend = "django.contrib.auth.backends.ModelBackend"
    replaced = {
        "learners.accounts.backends.AuthenticationMiddleware": "django.contrib.auth.middleware."
        "AuthenticationMiddleware",
        "cms.middleware.ContentSecurityPolicyMiddleware": "middleware_floor.DjangoCspWay",
    }
    theirs = [replaced.get(name, name) for name in ours]
    cookies = {}
    for name, backend in (("ours", settings.AUTHENTICATION_BACKENDS[0]), ("theirs", django_backend)):
        client = Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        client.force_login(learner)
        client.get("/mis-cursos/")  # the CSRF cookie (a session of Django's path would be carried over here)
        session = client.session
        session[BACKEND_SESSION_KEY] = backend
        session.save()
        cookies[name] = "; ".join(f"{key}={morsel.value}" for key, morsel in client.cookies.items())
    settings.ROOT_URLCONF = _floor_urls()
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, django_backend]
    handlers = {}
    for name, middleware in (("ours", ours), ("theirs", theirs)):
        settings.MIDDLEWARE = middleware
        handlers[name] = WSGIHandler()
    settings.MIDDLEWARE = ours
    lesson = data["lessons"][0]["url"]

    def start_response(status, headers, exc_info=None):
        start_response.status = status

    def cpu_ms(name, path, count):
        environ = {**_environ(path), "HTTP_COOKIE": cookies[name]}
        application = handlers[name]
        begin = time.process_time()
        for _ in range(count):
            body = application(dict(environ, **{"wsgi.input": _Empty()}), start_response)
            b"".join(body)
            body.close()
        return (time.process_time() - begin) / count * 1000

    for name in handlers:
        for path in ("/_suelo/", lesson):
            cpu_ms(name, path, 20)
            if not start_response.status.startswith("200"):
                raise SystemExit(f"{name} {path}: {start_response.status}")
    for name, backend in (("ours", MODEL_BACKEND), ("theirs", django_backend)):  # neither was carried over
        key = cookies[name].split(f"{settings.SESSION_COOKIE_NAME}=")[1].split(";")[0]
        if SessionStore(key).load().get(BACKEND_SESSION_KEY) != backend:
            raise SystemExit(f"{name}: the session's backend is not {backend}")
    results = {}
    for _round in range(ROUNDS):
        for name in ("theirs", "ours"):
            results.setdefault((name, "tiny"), []).append(cpu_ms(name, "/_suelo/", REQUESTS))
            results.setdefault((name, "lesson"), []).append(cpu_ms(name, lesson, REQUESTS // 2))
    for (name, page), values in results.items():
        print(f"floor_ab_{page}_{name}_cpu_ms: {statistics.median(values):.3f} ms")


_timings: list = []


class _Timer:
    """Put between two middleware by ``breakdown``: records the CPU time of everything inside it."""

    index = 0

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        begin = time.process_time()
        response = self.get_response(request)
        _timings.append((self.index, time.process_time() - begin))
        return response


for _index in range(40):
    globals()[f"Timer{_index:02d}"] = type(f"Timer{_index:02d}", (_Timer,), {"index": _index})


def breakdown(data_file: str) -> None:
    """``breakdown``: the CPU of each middleware itself (its own work before and after the ones inside it), from
    timers put between every two of them; the session and the user read show as their own line (the view that
    reads ``request.user`` against one that does not)."""
    data, learner = _setup(data_file)
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(learner)
    client.get("/mis-cursos/")
    cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    settings.ROOT_URLCONF = _floor_urls()
    names = list(settings.MIDDLEWARE)
    timed = []
    for index, name in enumerate(names):
        timed += [f"middleware_floor.Timer{index:02d}", name]
    timed.append(f"middleware_floor.Timer{len(names):02d}")
    settings.MIDDLEWARE = timed
    application = WSGIHandler()
    settings.MIDDLEWARE = names
    import middleware_floor

    timings = middleware_floor._timings

    def start_response(status, headers, exc_info=None):
        pass

    def run(path: str, count: int) -> tuple[float, list[float]]:
        environ = {**_environ(path), "HTTP_COOKIE": cookies}
        timings.clear()
        begin = time.process_time()
        for _ in range(count):
            body = application(dict(environ, **{"wsgi.input": _Empty()}), start_response)
            b"".join(body)
            body.close()
        total = (time.process_time() - begin) / count
        inside = [0.0] * (len(names) + 1)
        for index, seconds in timings:
            inside[index] += seconds / count
        return total, inside

    run("/_suelo/", 50)
    run("/_suelo/sin-cuenta/", 50)
    rounds = {"/_suelo/": [], "/_suelo/sin-cuenta/": []}
    for _round in range(ROUNDS):
        for path in rounds:
            rounds[path].append(run(path, REQUESTS))

    def median_of(path, pick):
        return statistics.median(pick(result) for result in rounds[path])

    total = median_of("/_suelo/", lambda result: result[0])
    untouched = median_of("/_suelo/sin-cuenta/", lambda result: result[0])
    inside = [median_of("/_suelo/sin-cuenta/", lambda result, i=i: result[1][i]) for i in range(len(names) + 1)]
    print(f"floor_breakdown_total_us: {total * 1e6:.0f} us (a view that reads request.user)")
    print(f"floor_breakdown_session_and_user_us: {(total - untouched) * 1e6:.0f} us (its session and user read)")
    print(f"floor_breakdown_outside_us: {(untouched - inside[0]) * 1e6:.0f} us (WSGI handler, request signals)")
    for index, name in enumerate(names):
        own = inside[index] - inside[index + 1]
        print(f"floor_breakdown_{index + 1:02d}_{name.rsplit('.', 1)[-1]}_us: {own * 1e6:.0f} us")
    print(f"floor_breakdown_view_us: {inside[-1] * 1e6:.0f} us (URL resolution, process_view hooks, the view)")


def _environ(path: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Mobile",
        "HTTP_ACCEPT": "text/html",
        "HTTP_ACCEPT_LANGUAGE": "es-CL,es;q=0.9",
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
    }


try:
    from csp.middleware import CSPMiddleware as _Theirs

    from cms.middleware import ContentSecurityPolicyMiddleware as _Ours

    class DjangoCspWay(_Ours):
        """The site's CSP middleware with django-csp's own process_response (the policy rebuilt per response)."""

        process_response = _Theirs.process_response
except Exception:  # imported before Django is set up (the script itself): the class is needed only once it is
    pass


class _Empty:
    def read(self, *args):
        return b""

    def readline(self, *args):
        return b""


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from launch import prepared

    for env, data_file in prepared(Path(tempfile.mkdtemp(prefix="escuela-bench-floor-"))):
        print(run_step(env, __file__, "measure", str(data_file)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        measure(sys.argv[2])
    elif sys.argv[1:2] == ["measure_ab"]:
        ab(sys.argv[2])
    elif sys.argv[1:2] == ["breakdown"]:
        breakdown(sys.argv[2])
    else:
        main()
