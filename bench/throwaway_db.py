"""A throwaway PostgreSQL database for a benchmark: created on the server in ``BENCH_DATABASE_URL`` (default the
local one), migrated, used, and dropped whatever happens. Shared by the benchmarks that need their own data."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def manage(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """``manage.py *args`` with ``env`` (a bench's own database and settings); fails on a non-zero exit."""
    return subprocess.run([*MANAGE, *args], env=env, check=True, cwd=ROOT, **kwargs)


def run_step(env: dict, script: str, *args: str) -> str:
    """Run ``script *args`` (a bench file's own step, in its own process) and return what it printed."""
    completed = subprocess.run([sys.executable, script, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if completed.returncode:
        raise RuntimeError(f"bench step {args[0]} failed:\n{completed.stderr[-3000:]}")
    return completed.stdout.strip()


def start_db_workers(env: dict, count: int, log) -> list[subprocess.Popen]:
    """``count`` django-tasks ``db_worker`` processes polling every 50 ms, writing to ``log``."""
    return [
        subprocess.Popen(
            [*MANAGE, "db_worker", "--interval", "0.05", "--no-startup-delay"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        for _worker in range(count)
    ]


def psql(sql: str, database: str = "postgres") -> None:
    """Run one statement on a database of the server (its ``postgres`` database unless told)."""
    parsed = urlparse(SERVER)
    command = ["psql", "-q", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    command += ["-U", parsed.username or "postgres", "-d", database, "-c", sql]
    subprocess.run(command, check=True, env={**os.environ, "PGPASSWORD": parsed.password or ""})


def settle(database: str) -> None:
    """After loading a bench's data: statistics for the planner, and no autovacuum or checkpoint of that load left to
    run during the first measured figure (it did, and made whichever figure came first the slowest)."""
    psql("VACUUM ANALYZE", database)
    psql("CHECKPOINT", database)


@contextmanager
def throwaway_database(prefix: str, *, migrate: bool = True) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield (database name, environment pointing Django at it); the database is dropped on the way out."""
    database = f"{prefix}_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": f"{SERVER.rstrip('/')}/{database}",
    }
    psql(f'CREATE DATABASE "{database}"')
    try:
        if migrate:
            subprocess.run([*MANAGE, "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
        yield database, env
    finally:
        psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def measure_in_throwaway_database(prefix: str, script: str, *, prepare: Callable[[dict], None] | None = None) -> None:
    """Migrate a throwaway database, run ``prepare(env)`` if given, then ``script measure`` against it."""
    with throwaway_database(prefix) as (_, env):
        if prepare is not None:
            prepare(env)
        subprocess.run([sys.executable, script, "measure"], env=env, check=True, cwd=ROOT)
