"""A shared cache for what the public pages show every visitor alike: routing, view restrictions, course outlines,
rendered lesson blocks, a site's settings and menu.

Every key carries a *generation*: a token stored under one key of Django's cache (Redis in production, shared by
every app server). Publishing, unpublishing, moving or deleting a page, changing a view restriction, a site or a
school's settings replaces the token — one write — and from then on every server reads new keys (the old entries
expire on their own). The learner's own state (enrolment, progress, answers) is never cached here.

Never cache here anything that carries a per-response CSP nonce or CSRF token, nor anything a preview shows
(``cacheable(request)`` says no for previews).
"""

import hashlib
import logging
import pickle
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
MISSING = object()


def timeout() -> int:
    """How long an entry lives (seconds) even when nothing changes: PAGE_CACHE_SECONDS, default one day."""
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 24 * 60 * 60))


def enabled() -> bool:
    return bool(getattr(settings, "PAGE_CACHE_ENABLED", True))


# Within one request (between Django's request_started and request_finished, in the thread serving it) the token
# is read from the shared cache once, whoever asks (a selector has no request at hand); outside requests, every time.
_current = threading.local()


def _request_started(**kwargs) -> None:
    _current.in_request = True
    _current.token = None


def _request_finished(**kwargs) -> None:
    _current.in_request = False
    _current.token = None


def generation(request=None) -> str:
    """The current generation token (read once per request)."""
    if request is not None:
        token = getattr(request, "_page_cache_generation", None)
        if token is not None:
            return token
    in_request = getattr(_current, "in_request", False)
    token = _current.token if in_request else None
    if token is None:
        token = cache.get(GENERATION_KEY)
        if token is None:
            cache.add(GENERATION_KEY, secrets.token_hex(6), timeout=None)
            token = cache.get(GENERATION_KEY) or "0"
        if in_request:
            _current.token = token
    if request is not None:
        request._page_cache_generation = token
    return token


def _bump() -> None:
    cache.set(GENERATION_KEY, secrets.token_hex(6), timeout=None)
    _current.token = None


def invalidate() -> None:
    """Start a new generation: now, and again when the surrounding transaction commits (a request that read the
    database between the two would otherwise keep what it saw before the commit under the new generation)."""
    _bump()
    transaction.on_commit(_bump)


MAX_PART = 64  # longer parts (a path can be 600 characters) go into the key as their hash


def _part(part: Any) -> str:
    text = str(part)
    if len(text) <= MAX_PART:
        return text
    return "sha256=" + hashlib.sha256(text.encode()).hexdigest()


def key(*parts: Any, request=None) -> str:
    """``pages:<generation>:<part>:…``, never longer than Redis and memcached take well (Django warns beyond 250
    characters): a part longer than MAX_PART characters is replaced by its SHA-256."""
    return ":".join(["pages", generation(request), *(_part(part) for part in parts)])


def cacheable(request) -> bool:
    """Whether this request may read and fill the shared cache: never for previews of drafts."""
    return enabled() and not getattr(request, "is_preview", False)


# Each process keeps the entries it read last, pickled, by their full key: a key names one generation, and what a
# generation holds never changes, so a copy here is as good as the shared one (until it expires like the shared one)
# and saves a round trip to Redis. Only the generation token itself is read from Redis on every request. Pickled, so
# that every request gets its own objects (templates set attributes on them).
_local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
_local_lock = threading.Lock()


def local_entries() -> int:
    """How many entries a process keeps (PAGE_CACHE_LOCAL_ENTRIES, default 2000; 0: none)."""
    return int(getattr(settings, "PAGE_CACHE_LOCAL_ENTRIES", 2000))


def _remember(name: str, value: Any) -> None:
    if local_entries() <= 0:
        return
    entry = (time.monotonic() + timeout(), pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    with _local_lock:
        _local[name] = entry
        _local.move_to_end(name)
        while len(_local) > local_entries():
            _local.popitem(last=False)


def read(name: str, default: Any = None) -> Any:
    """The value under a full key (``key(…)``): from this process's copies, else from the shared cache."""
    with _local_lock:
        entry = _local.get(name)
    if entry is not None and entry[0] > time.monotonic():
        return pickle.loads(entry[1])  # noqa: S301 (written by this process from its own cache entries)
    value = cache.get(name, MISSING)
    if value is MISSING:
        return default
    _remember(name, value)
    return value


def write(name: str, value: Any) -> None:
    cache.set(name, value, timeout())
    _remember(name, value)


def get_or_build(parts: tuple, build: Callable[[], Any], *, request=None) -> Any:
    """The cached value under ``parts`` for the current generation, or ``build()`` stored there."""
    if not enabled():
        return build()
    name = key(*parts, request=request)
    value = read(name, MISSING)
    if value is MISSING:
        value = build()
        write(name, value)
    return value


def invalidate_on_signal(sender=None, **kwargs) -> None:
    """A receiver for any model signal whose instance shows on public pages."""
    invalidate()


# What shows on public pages: a change to any of these starts a new generation. Other apps add their own models
# (cms adds the school settings) with ``watch(Model)``.
_watched: list[type] = []
_watched_after_creation: list[type] = []


def watch(*models: type, on_create: bool = True) -> None:
    """Start a new generation when one of these is saved or deleted; with ``on_create=False``, not when a row is
    created (settings rows that Wagtail creates with their defaults the first time a page reads them: nothing was
    cached from a row that did not exist)."""
    (_watched if on_create else _watched_after_creation).extend(models)


def _on_save_or_delete(sender, instance=None, created=False, **kwargs) -> None:
    if isinstance(instance, tuple(_watched)) or (not created and isinstance(instance, tuple(_watched_after_creation))):
        invalidate()


def _on_m2m(sender, instance=None, **kwargs) -> None:
    if kwargs.get("action", "").startswith("post_") and isinstance(instance, tuple(_watched + _watched_after_creation)):
        invalidate()


def connect() -> None:
    """Connect the receivers (CoursesConfig.ready)."""
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.images import get_image_model
    from wagtail.models import Page, PageViewRestriction, Site
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    from courses.models import CourseInstructor, H5PActivity, H5PLibrary, NationalCourseOffer, School

    watch(Page, PageViewRestriction, Site, CourseInstructor, H5PActivity, H5PLibrary, NationalCourseOffer, School)
    watch(get_image_model())
    request_started.connect(_request_started, dispatch_uid="page_cache_request_started")
    request_finished.connect(_request_finished, dispatch_uid="page_cache_request_finished")
    post_save.connect(_on_save_or_delete, dispatch_uid="page_cache_save")
    post_delete.connect(_on_save_or_delete, dispatch_uid="page_cache_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="page_cache_m2m")
    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(invalidate_on_signal, dispatch_uid=f"page_cache_{id(signal)}")
