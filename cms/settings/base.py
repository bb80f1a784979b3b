"""Settings shared by every environment.

This module is production-safe on its own: DEBUG is off and every secret or host comes from the
environment. ``dev``, ``test`` and ``production`` only loosen or harden it.
"""

import json
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from cms.storage_settings import public_media_origin
from cms.storage_settings import s3_storages as cms_storage_s3

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("Define DJANGO_SECRET_KEY (a long random string) in the environment.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cms",
    "cms.reports",
    "certificates",
    "learners",
    "courses",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "cms.apps.UsersAppConfig",  # wagtail.users, whose user forms refuse the groups of two schools
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",  # the database task backend and its `db_worker` (production, see README)
    "csp",  # django-csp: its checks flag settings of the old 3.x format
]

MIDDLEWARE = [
    # First: times the whole request, logs it as one JSON line and counts it for /metricas/ (cms/ops/request_log.py)
    "cms.ops.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above XFrameOptions: frame-ancestors follows the X-Frame-Options of the response (cms/middleware.py).
    "cms.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cms.middleware.ChosenLanguageMiddleware",
    # A NUL byte anywhere → 400; OverflowError and the like from bad input → 400/404, not 500 (cms/middleware.py)
    "cms.middleware.BadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, carrying sessions of Django's ModelBackend path over to learners.accounts.backends.ModelBackend
    "learners.accounts.backends.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A municipal school's staff: not on another school's host, never another school's pages (issue 15, item 8)
    "cms.schools.isolation.SchoolStaffIsolationMiddleware",
    "cms.wagtail_spanish.AdminSearchButtonMiddleware",  # Wagtail's untranslated "Search" button
    "learners.privacy.middleware.PrivacyNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cms.middleware.SameOriginFramingMiddleware",  # SAMEORIGIN for the H5P player and Wagtail's preview
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# Django's ModelBackend, reading the request's user with SQL compiled once (no cache: the row on every request).
AUTHENTICATION_BACKENDS = ["learners.accounts.backends.ModelBackend"]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: DATABASE_URL chooses it (postgres://user@host:5432/name); unset, an SQLite file in the project.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords: Argon2id with OWASP's minimum configuration (learners/accounts/hashers.py, README "Producción"). The
# PBKDF2 hashers stay after it so that passwords stored before verify, and are stored again with Argon2id at that
# log-in. The test settings use MD5 for speed.
PASSWORD_HASHERS = [
    "learners.accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and locale: Spanish (Chile) first, English second. Django has no es_CL catalogue, so
# translations come from the "es" catalogues and formats from cms/formats/es_CL.
LANGUAGE_CODE = "es-cl"
LANGUAGES = [("es-cl", "Español"), ("en", "English")]
FORMAT_MODULE_PATH = ["cms.formats"]
# Wagtail's "es" catalogues leave hundreds of admin strings in English and give a model's name a masculine article
# ("El Actividad H5P…"): cms/locale_wagtail completes and corrects them. LOCALE_PATHS wins over every app's catalogue.
LOCALE_PATHS = [PROJECT_DIR / "locale_wagtail"]
# Times are stored in UTC and every time a person reads (pages, admin, PDFs, emails, exports) is Chilean local time,
# summer time included. The admin offers no other zone, so the account settings hide Wagtail's time zone choice.
TIME_ZONE = "America/Santiago"
USE_I18N = True
USE_TZ = True
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("es", "Español"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = [("es-cl", "Español")]
# Addresses without accents (ejemplo-practico): Wagtail derives ASCII slugs from titles, in the editor and on the
# server; the page models transliterate a slug typed by hand (courses.slugs.AsciiSlugMixin).
WAGTAIL_ALLOW_UNICODE_SLUGS = False

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [
    PROJECT_DIR / "static",
    # The H5P player comes from npm (package.json), never from the repository.
    ("h5p-standalone", BASE_DIR / "node_modules" / "h5p-standalone" / "dist"),
]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# H5P packages, content and the shared library store: private files, served only through courses.views.
H5P_ROOT = Path(env("H5P_ROOT", str(BASE_DIR / "var" / "h5p")))
H5P_MAX_UPLOAD_BYTES = int(env("H5P_MAX_UPLOAD_BYTES", str(100 * 1024 * 1024)))
H5P_CONTENT_TOKEN_MAX_AGE = 12 * 60 * 60  # seconds a player page's file addresses stay valid

STORAGES = {
    "default": {"BACKEND": "cms.storage.AsciiFileSystemStorage"},  # file names (and addresses) without accents
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Files in an S3-compatible object store (README, "Producción con varios servidores"): DJANGO_STORAGE=s3 puts every
# kind of file in one bucket, under media/ (images and documents, public: the bucket policy lets anyone read
# media/*), private/certificates/ (certificate PDFs) and private/h5p/ (H5P packages, content and libraries), the
# private ones streamed by the site after its permission check. Without it: local folders (MEDIA_ROOT,
# CERTIFICATES_PRIVATE_ROOT, H5P_ROOT), as in development and with one server.
FILE_STORAGE = env("DJANGO_STORAGE", "local")
if FILE_STORAGE == "s3":
    STORAGES.update(
        cms_storage_s3(
            bucket=env("DJANGO_S3_BUCKET", ""),
            endpoint_url=env("DJANGO_S3_ENDPOINT_URL", ""),
            region=env("DJANGO_S3_REGION", "us-east-1"),
            access_key=env("DJANGO_S3_ACCESS_KEY_ID", ""),
            secret_key=env("DJANGO_S3_SECRET_ACCESS_KEY", ""),
            public_domain=env("DJANGO_S3_PUBLIC_DOMAIN", ""),
            addressing_style=env("DJANGO_S3_ADDRESSING_STYLE", "path"),
        )
    )
elif FILE_STORAGE != "local":
    raise ImproperlyConfigured("DJANGO_STORAGE debe ser «local» o «s3».")

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Accounts: the learner signs in with her email; failed log-ins are throttled through the cache.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "learners:dashboard"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
LEARNERS_PRIVACY_NOTICE_VERSION = env("LEARNERS_PRIVACY_NOTICE_VERSION", "2026-11")
# Failed log-ins (learners.accounts.throttle, README "Intentos de ingreso"): from the 5th failure of one account from
# one IP within the window, that pair waits 1 minute, doubling up to the lockout; an IP failing on 30 different
# accounts in the window is refused for the lockout, whatever the account.
LEARNERS_LOGIN_FAILURE_LIMIT = 5
LEARNERS_LOGIN_FIRST_DELAY_SECONDS = 60
LEARNERS_LOGIN_IP_ACCOUNT_LIMIT = 30
LEARNERS_LOGIN_WINDOW_SECONDS = 60 * 60
# Retention of activity logs, in days (0 keeps them forever): `manage.py purge_expired_data` deletes older rows.
LEARNERS_RETENTION_STATEMENTS_DAYS = int(env("LEARNERS_RETENTION_STATEMENTS_DAYS", "365"))  # raw xAPI statements
LEARNERS_RETENTION_SAVED_STATE_DAYS = int(env("LEARNERS_RETENTION_SAVED_STATE_DAYS", "730"))  # H5P saved state
LEARNERS_RETENTION_AUDIT_DAYS = int(env("LEARNERS_RETENTION_AUDIT_DAYS", "0"))  # staff audit log
LEARNERS_LOGIN_LOCKOUT_SECONDS = 15 * 60
# The load balancers or reverse proxies in front of the app servers (README, "Producción con varios servidores"):
# from them, the client's address is read from X-Forwarded-For (learners.accounts.throttle.client_ip).
TRUSTED_PROXY_IPS = env_list("DJANGO_TRUSTED_PROXY_IPS")
# Sign-up: at most this many submissions per IP and per email, RUN or document in the window (accounts.throttle)
LEARNERS_SIGNUP_IP_LIMIT = 50
LEARNERS_SIGNUP_TARGET_LIMIT = 5
LEARNERS_SIGNUP_WINDOW_SECONDS = 60 * 60
WAGTAILADMIN_USER_LOGIN_FORM = "learners.accounts.forms.AdminLoginForm"  # same limits on the admin's log-in

# ClaveÚnica (README "Ingresar con ClaveÚnica"): one client per site host, as JSON in the environment, e.g.
# {"penalolen.escuelaciudadana.cl": {"client_id": "…", "secret_env": "CLAVEUNICA_SECRET_PENALOLEN",
#  "redirect_uri": "https://penalolen.escuelaciudadana.cl/cuenta/claveunica/vuelta/"}}. Secrets only in the
# variables that secret_env names. The provider's addresses are those of accounts.claveunica.gob.cl.
CLAVEUNICA_CLIENTS = json.loads(env("CLAVEUNICA_CLIENTS", "") or "{}")
CLAVEUNICA_ACCEPT_SANDBOX_RUNS = False  # the sandbox's synthetic RUNs (44.444.444-4…): development only
CLAVEUNICA_LOGOUT_ORIGIN = "https://accounts.claveunica.gob.cl"  # log-out is a form POST redirected there

# Sessions are read from the cache first and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Cache: Redis when REDIS_URL is set (needed for throttling across several server processes); Django's RedisCache
# with one client per connection pool (cms/cache.py).
if env("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "cms.cache.ReusingRedisCache", "LOCATION": env("REDIS_URL")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Several installations may share one Redis: each names its keys with its own prefix.
CACHES["default"]["KEY_PREFIX"] = env("DJANGO_CACHE_KEY_PREFIX", "")
# The page cache (courses/page_cache.py): routing, outlines, rendered lesson blocks, site settings and menus, the
# same for every learner; a publish starts a new generation. Entries live at most this long (seconds).
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", str(24 * 60 * 60)))
# Each server process keeps a copy of the page-cache entries it read last (a key names one generation, whose
# entries never change): only the generation token is read from Redis on every request. 0 turns the copies off.
PAGE_CACHE_LOCAL_ENTRIES = int(env("PAGE_CACHE_LOCAL_ENTRIES", "2000"))
# Lessons and catalogues kept whole in the page cache, the reader's own parts rendered per request
# (courses/page_shell.py): only with a base.html whose per-reader parts are marked {% percall %}, as cms's is.
COURSES_PAGE_SHELL = env_bool("COURSES_PAGE_SHELL", True)

# Email: SMTP configured from the environment (dev uses the console).
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "Escuela Ciudadana <no-responder@localhost>")

# Background work (django-tasks, which Wagtail 8 depends on). Production: DJANGO_TASKS_BACKEND=
# django_tasks_db.DatabaseBackend and `manage.py db_worker` running (README, "Background worker").
TASKS = {"default": {"BACKEND": env("DJANGO_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")}}

# Security defaults that hold everywhere.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No page may be framed, except by the site itself where needed: Wagtail's preview panel and the H5P player,
# whose own policy says frame-ancestors 'self' (cms.middleware.SameOriginFramingMiddleware).
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy for every response (django-csp through cms.middleware.ContentSecurityPolicyMiddleware;
# README, "Cabeceras de seguridad"). Scripts and styles come from the site itself or carry the page's nonce;
# nothing loads from another origin except the video players that a lesson embeds after the learner asks.
VIDEO_FRAME_ORIGINS = ["https://www.youtube.com", "https://www.youtube-nocookie.com", "https://player.vimeo.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "frame-src": [SELF, *VIDEO_FRAME_ORIGINS],
        "object-src": [NONE],
        "base-uri": [SELF],
        # log-out after a ClaveÚnica log-in is a form POST redirected to ClaveÚnica's log-out (only when configured)
        "form-action": [SELF, *([CLAVEUNICA_LOGOUT_ORIGIN] if CLAVEUNICA_CLIENTS else [])],
        "frame-ancestors": [NONE],  # 'self' where the view allowed same-origin framing (see X_FRAME_OPTIONS)
    }
}
# The Wagtail admin (under /admin/): the same policy and only the allowances that Wagtail 8.0's own code needs,
# found by driving the admin in Chromium (tests/browser/test_content_security_policy.py):
# - <script> elements without a nonce: Wagtail's widgets write their initialisers inline (date and time pickers,
#   choosers, inline panels) and jQuery re-runs them when a dialog moves; none takes a nonce (wagtail#7053).
#   A nonce in the list would switch 'unsafe-inline' off, so the admin gets none.
# - <style> elements without a nonce: Draftail writes its placeholder and list-counter rules in a <style> element.
# - blob: images: the multiple image upload shows each chosen file as a preview before it is sent.
# - Inline event handlers and style attributes stay refused: Wagtail sets styles through the DOM, not attributes.
#   The one handler allowed is the no-op "return;" that Jcrop (the image focal-point tool) sets to detect touch.
ADMIN_ALLOWED_HANDLER_HASHES = ["'sha256-i+qr4lq34KgNHiW62lWi9aInEBwiEOrfCzaNPCvkqD8='"]  # "return;"
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, UNSAFE_INLINE],
        "script-src-attr": [UNSAFE_HASHES, *ADMIN_ALLOWED_HANDLER_HASHES],
        "style-src": [SELF, UNSAFE_INLINE],
        "form-action": [SELF],  # the admin's log-out is Wagtail's own, never through ClaveÚnica
        "style-src-attr": [NONE],
        "img-src": [SELF, "blob:"],
    }
}

# Images and documents come from the object store's public address when files live there (DJANGO_STORAGE=s3).
if FILE_STORAGE == "s3":
    for _policy in (CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_ADMIN):
        for _directive in ("img-src", "media-src"):
            _sources = _policy["DIRECTIVES"].get(_directive, [SELF])
            _policy["DIRECTIVES"][_directive] = [*_sources, public_media_origin(STORAGES)]

# One JSON line per request on stderr (logger cms.requests, cms.ops.request_log.JsonFormatter; README, "Registros").
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "cms.ops.request_log.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "json": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        "cms.requests": {"handlers": ["json"], "level": env("DJANGO_REQUEST_LOG_LEVEL", "INFO"), "propagate": False},
    },
}

# Operations (README, "Producción"): /salud/listo/ answers 503 when more tasks than this wait in the queue;
# /metricas/ answers only to "Authorization: Bearer <OPS_METRICS_TOKEN>" or to a listed address (neither set: 404).
OPS_QUEUE_DEPTH_LIMIT = int(env("OPS_QUEUE_DEPTH_LIMIT", "1000"))
OPS_METRICS_TOKEN = env("OPS_METRICS_TOKEN", "")
OPS_METRICS_ALLOWED_IPS = env_list("OPS_METRICS_ALLOWED_IPS")

# The site's public address, an origin such as https://escuela.example.cl (no path). Every absolute link the
# platform makes (certificate QR codes and printed links, emails, the learner's data download, H5P xAPI identifiers)
# comes from it through courses.public_address.public_url, and so do Wagtail's emails. Required: the system check
# courses.E001 stops every command and the WSGI/ASGI server without it (README, "Dirección pública del sitio").
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "")

# Wagtail
WAGTAIL_SITE_NAME = "Escuela Ciudadana"
WAGTAILADMIN_BASE_URL = PUBLIC_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Spanish stemming without accents, created by courses/migrations/0003.
    WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] = "escuela_spanish"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no avatar requests to a third party
WAGTAILADMIN_NOTIFICATION_USE_HTML = True
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# The school's own options (read through getattr with defaults in the plugins).
COURSES_CATALOGUE_PAGE_SIZE = 12
LEARNERS_SCHOOL_SETTINGS = "cms.SchoolSettings"  # who runs the school and its contact email (privacy notice, profile)

# Certificates: DejaVu fonts (npm package dejavu-fonts-ttf, or Debian's fonts-dejavu-core) and the optional
# PAdES signing key + certificate (PEM paths; none = unsigned PDFs). See certificates/fonts and signing.py.
CERTIFICATES_FONT_DIRS = [
    *env_list("CERTIFICATES_FONT_DIRS"),
    str(BASE_DIR / "node_modules" / "dejavu-fonts-ttf" / "ttf"),
    "/usr/share/fonts/truetype/dejavu",
]
CERTIFICATES_SIGNING_KEY = env("CERTIFICATES_SIGNING_KEY") or None
CERTIFICATES_SIGNING_CERT = env("CERTIFICATES_SIGNING_CERT") or None
CERTIFICATES_SIGNING_PASSPHRASE = env("CERTIFICATES_SIGNING_PASSPHRASE") or None

# Open Badges 3.0 credentials (README, "Credenciales Open Badges 3.0"): one Ed25519 key per issuer, <SHORT_CODE>.pem
# in this directory (none: certificates get no credential); the academy's issuer is did:web:<host>, the others
# did:web:<host>:emisores:<SHORT_CODE>.
CERTIFICATES_CREDENTIAL_KEY_DIR = env("CERTIFICATES_CREDENTIAL_KEY_DIR") or None
CERTIFICATES_ACADEMY_ISSUER = env("CERTIFICATES_ACADEMY_ISSUER", "")

# Certificates: PDFs live outside MEDIA_ROOT (served only to their owner and staff); verify lookups per client IP.
CERTIFICATES_PRIVATE_ROOT = Path(env("CERTIFICATES_PRIVATE_ROOT", str(BASE_DIR / "var" / "private")))
CERTIFICATES_VERIFY_RATE = (30, 60)  # at most 30 lookups a minute from one IP address
