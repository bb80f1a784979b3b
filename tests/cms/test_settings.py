"""The settings split: a production-safe base, DATABASE_URL, and loud failures when secrets are missing."""

import json
import os
import subprocess
import sys

from django.conf import settings

ROOT = str(settings.BASE_DIR)


def load(module: str, **env: str) -> subprocess.CompletedProcess:
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "db = settings.DATABASES['default'];"
        "print(json.dumps({'debug': settings.DEBUG, 'engine': db['ENGINE'], 'name': str(db['NAME']),"
        " 'hosts': settings.ALLOWED_HOSTS, 'secure_cookie': getattr(settings, 'SESSION_COOKIE_SECURE', False),"
        " 'search': settings.WAGTAILSEARCH_BACKENDS['default'].get('SEARCH_CONFIG')}))"
    )
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
    )


def test_base_refuses_to_start_without_a_secret_key():
    result = load("cms.settings.base")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_base_is_production_safe_and_defaults_to_sqlite_in_the_project():
    result = load("cms.settings.base", DJANGO_SECRET_KEY="x" * 50)
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["hosts"] == []
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == os.path.join(ROOT, "db.sqlite3")


def test_database_url_chooses_postgresql_with_spanish_search():
    result = load(
        "cms.settings.base", DJANGO_SECRET_KEY="x" * 50, DATABASE_URL="postgres://escuela@db.example:5432/escuela"
    )
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "escuela"
    assert values["search"] == "escuela_spanish"


def test_production_requires_hosts_and_hardens_cookies():
    assert load("cms.settings.production", DJANGO_SECRET_KEY="x" * 50).returncode != 0
    result = load("cms.settings.production", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="escuela.example.cl")
    values = json.loads(result.stdout)
    assert values["hosts"] == ["escuela.example.cl"]
    assert values["secure_cookie"] is True
    assert values["debug"] is False


def test_dev_runs_without_any_environment():
    values = json.loads(load("cms.settings.dev").stdout)
    assert values["debug"] is True
