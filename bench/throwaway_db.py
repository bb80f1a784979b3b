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


def psql(sql: str) -> None:
    """Run one statement on the server's ``postgres`` database."""
    parsed = urlparse(SERVER)
    command = ["psql", "-q", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    command += ["-U", parsed.username or "postgres", "-d", "postgres", "-c", sql]
    subprocess.run(command, check=True, env={**os.environ, "PGPASSWORD": parsed.password or ""})


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
