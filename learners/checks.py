"""System checks for the learners plugin."""

import sqlite3

from django.core.checks import Error, register
from django.db import connections

MIN_SQLITE = (3, 35, 0)  # INSERT … ON CONFLICT … RETURNING (learners.progress.services._progress_insert)


@register("database")
def check_sqlite_version(app_configs=None, databases=None, **kwargs):
    """Progress is written with INSERT … ON CONFLICT DO NOTHING RETURNING, which SQLite has since 3.35."""
    errors = []
    for alias in databases or []:
        if connections[alias].vendor == "sqlite" and sqlite3.sqlite_version_info < MIN_SQLITE:
            errors.append(
                Error(
                    f"SQLite {sqlite3.sqlite_version} is too old: learners needs {'.'.join(map(str, MIN_SQLITE))} or "
                    "newer. Use a newer Python build or PostgreSQL (DATABASE_URL).",
                    id="learners.E001",
                )
            )
    return errors
