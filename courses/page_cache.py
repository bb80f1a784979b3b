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
import secrets
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


def generation(request=None) -> str:
    """The current generation token (read once per request when ``request`` is given)."""
    if request is not None:
        token = getattr(request, "_page_cache_generation", None)
        if token is not None:
            return token
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, secrets.token_hex(6), timeout=None)
        token = cache.get(GENERATION_KEY) or "0"
    if request is not None:
        request._page_cache_generation = token
    return token


def _bump() -> None:
    cache.set(GENERATION_KEY, secrets.token_hex(6), timeout=None)


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


def get_or_build(parts: tuple, build: Callable[[], Any], *, request=None) -> Any:
    """The cached value under ``parts`` for the current generation, or ``build()`` stored there."""
    if not enabled():
        return build()
    name = key(*parts, request=request)
    value = cache.get(name, MISSING)
    if value is MISSING:
        value = build()
        cache.set(name, value, timeout())
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
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.images import get_image_model
    from wagtail.models import Page, PageViewRestriction, Site
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    from courses.models import CourseInstructor, H5PActivity, H5PLibrary, NationalCourseOffer, School

    watch(Page, PageViewRestriction, Site, CourseInstructor, H5PActivity, H5PLibrary, NationalCourseOffer, School)
    watch(get_image_model())
    post_save.connect(_on_save_or_delete, dispatch_uid="page_cache_save")
    post_delete.connect(_on_save_or_delete, dispatch_uid="page_cache_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="page_cache_m2m")
    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(invalidate_on_signal, dispatch_uid=f"page_cache_{id(signal)}")
