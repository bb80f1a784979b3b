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


@register()
def check_claveunica(app_configs=None, **kwargs):
    """ClaveÚnica clients (README "Ingresar con ClaveÚnica"): complete entries, the secret in the environment, the
    redirect URI on its site's host, and HTTPS addresses of the provider outside development."""
    from django.conf import settings

    from learners.accounts.claveunica import config

    errors = [
        Error(f"CLAVEUNICA_CLIENTS: {problem}.", id="learners.E002") for problem in config.configuration_problems()
    ]
    if getattr(settings, "CLAVEUNICA_CLIENTS", {}) and not settings.DEBUG:
        provider = config.provider()
        for name in ("authorize_url", "token_url", "userinfo_url", "jwks_url", "logout_url"):
            if not getattr(provider, name).startswith("https://"):
                errors.append(Error(f"CLAVEUNICA_PROVIDER {name} must use HTTPS.", id="learners.E003"))
        for host, entry in getattr(settings, "CLAVEUNICA_CLIENTS", {}).items():
            if str((entry or {}).get("redirect_uri", "")).startswith("http://"):
                errors.append(Error(f"CLAVEUNICA_CLIENTS: {host}: redirect_uri must use HTTPS.", id="learners.E003"))
    return errors
