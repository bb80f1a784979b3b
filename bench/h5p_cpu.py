"""CPU per xAPI statement, measured in one process (no server, no load generator): reliable on a busy machine.

Builds the lesson of bench/h5p.py (5 QuestionSet quizzes) in a throwaway PostgreSQL database, with Redis as the
cache, and posts the real statement sequence (tests/h5p_content/xapi/questionset-2-multichoice.json) through
Django's full request stack (middleware, session, CSRF, the view and the reducer) with the test client, one fresh
learner per quiz run. Prints the process CPU time per statement (what the app server spends, the database's own
work excluded), the queries per statement and, with ``--profile``, the top functions by cumulative time.

Run with `python bench/h5p_cpu.py [--profile] [--ab-cache]` (``--ab-cache``: Django's Redis cache client against
cms.cache's, alternating in the same process).
"""

import contextlib
import io
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway_db import ROOT, manage, run_step, throwaway_database  # noqa: E402

ACCOUNTS = 70  # each posts the whole sequence of the 5 quizzes once (50 statements)
WARM_UP = 10  # accounts whose statements are not counted (imports, caches, connections)
ROUNDS = 3  # the rest measured in rounds; the lowest CPU per statement is the least disturbed by other processes


def compare_cache_clients(run, accounts) -> None:
    """Django's RedisCacheClient (a new redis.Redis per call) against cms.cache's (one per pool), in alternating
    blocks of the same process, so that other processes' load falls on both alike. Each account plays again."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCacheClient

    from cms.cache import ReusingRedisCacheClient

    variants = {"django": RedisCacheClient, "reusing": ReusingRedisCacheClient}
    figures = {name: [] for name in variants}
    block = max(1, len(accounts) // 8)
    for number in range(8):
        name = list(variants)[number % 2]
        cache._cache = variants[name](cache._servers, **cache._options)
        begin = time.process_time()
        done = run(accounts[number * block : (number + 1) * block])
        figures[name].append((time.process_time() - begin) / done * 1000)
    for name, values in figures.items():
        print(f"xapi_cpu_ms_per_statement_{name}_client: min {min(values):.2f} mean {sum(values) / len(values):.2f} ms")


def measure(profile: bool, ab_cache: bool = False) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from h5p import CAPTURE, CAPTURE_IRI, QUIZZES, SETUP

    from courses.public_address import public_host
    from learners.h5p.xapi import activity_iri

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(SETUP % {"accounts": ACCOUNTS, "quizzes": QUIZZES}, {})  # noqa: S102 (the bench's own setup code)
    data = json.loads(output.getvalue().strip().splitlines()[-1])
    capture = CAPTURE.read_text(encoding="utf-8")
    requests = []  # (account index, path, body template)
    for activity in data["activities"]:
        iri = activity_iri(host=public_host(), activity_uuid=activity)
        for statement in json.loads(capture.replace(CAPTURE_IRI, iri)):
            statement["id"] = "__ID__"
            path = f"/aprender/h5p/{data['lesson']}/{activity}/xapi/"
            requests.append((path, json.dumps(statement, separators=(",", ":"))))

    clients = []
    for key in data["sessions"]:
        client = Client(enforce_csrf_checks=True, SERVER_NAME="127.0.0.1")
        client.cookies["sessionid"] = key
        client.cookies["csrftoken"] = "a" * 32
        clients.append(client)

    def run(accounts) -> int:
        count = 0
        for client in accounts:
            for path, body in requests:
                response = client.post(
                    path,
                    body.replace("__ID__", str(uuid.uuid4())),
                    content_type="application/json",
                    headers={"X-CSRFToken": "a" * 32},
                )
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code} {response.content[:300]}")
                count += 1
        return count

    run(clients[:WARM_UP])
    queries = []

    def count_query(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    profiler = cProfile.Profile(time.process_time) if profile else None
    measured = clients[WARM_UP:]
    size = len(measured) // ROUNDS
    cpu_rounds, wall, count = [], 0.0, 0
    with connection.execute_wrapper(count_query):
        for number in range(ROUNDS):
            begin_cpu, begin_wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            done = run(measured[number * size : (number + 1) * size])
            if profiler:
                profiler.disable()
            cpu_rounds.append((time.process_time() - begin_cpu) / done)
            wall += time.perf_counter() - begin_wall
            count += done
    cpu = min(cpu_rounds) * count
    if profile:
        print(f"xapi_cpu_ms_per_statement: {cpu / count * 1000:.2f} ms", file=sys.stderr)
    print(f"xapi_cpu_ms_per_statement: {cpu / count * 1000:.2f} ms")
    print(f"xapi_cpu_ms_per_statement_rounds: {' '.join(f'{value * 1000:.2f}' for value in cpu_rounds)} ms")
    print(f"xapi_wall_ms_per_statement: {wall / count * 1000:.2f} ms")
    print(f"xapi_queries_per_statement: {len(queries) / count:.2f}")
    if ab_cache:
        compare_cache_clients(run, clients[WARM_UP:])
    if profiler:
        from collections import Counter

        for sql, number in Counter(sql[:150] for sql in queries).most_common(25):
            print(f"{number / count:6.2f}  {sql}", file=sys.stderr)
        stats = io.StringIO()
        pstats.Stats(profiler, stream=stats).sort_stats("cumulative").print_stats(45)
        print(stats.getvalue(), file=sys.stderr)
        stats = io.StringIO()
        pstats.Stats(profiler, stream=stats).sort_stats("tottime").print_stats(30)
        print(stats.getvalue(), file=sys.stderr)


def main() -> None:
    profile = "--profile" in sys.argv
    extra = ["--ab-cache"] if "--ab-cache" in sys.argv else []
    with throwaway_database("escuela_bench_h5pcpu") as (_, env):
        # The production settings, as gunicorn runs them in bench/h5p.py (tasks to the database queue, Redis).
        env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,.localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_BEHIND_PROXY": "0",
            "DJANGO_STATIC_ROOT": tempfile.mkdtemp(prefix="escuela-bench-static-"),
            "DATABASE_CONN_MAX_AGE": "60",
            "DJANGO_LOG_LEVEL": "ERROR",
            "PUBLIC_BASE_URL": "https://localhost",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        }
        manage(env, "load_demo_data", "--allow-production", "--no-admin", stdout=subprocess.DEVNULL)
        run_step_args = ["measure", *extra] + (["--profile"] if profile else [])
        if profile:
            subprocess.run(
                [sys.executable, __file__, *run_step_args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
            )
        else:
            for line in run_step(env, __file__, *run_step_args).splitlines():
                if line.startswith("xapi_"):
                    print(line)


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        measure("--profile" in sys.argv, "--ab-cache" in sys.argv)
    else:
        main()
