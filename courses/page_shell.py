"""Whole pages from the shared page cache, with the reader's own parts filled in on every request.

A lesson, a course or a catalogue page renders the same HTML for every reader of a site in a language, except for a few
parts: the CSP nonce, the CSRF token, the messages, Wagtail's user bar, the lesson's progress panel and the blocks
that show her own answers and attempts (H5P, "Para reflexionar"). The first request renders the page once with
*markers* in those places (a random token per entry, so that no content can forge one) and keeps the result in
``courses.page_cache`` — a list of HTML strings and markers — under the page, the site, the language, the path and
whether the reader is signed in. Every request then joins the strings and renders only the markers for itself:

- ``nonce`` and ``csrf``: the response's own CSP nonce and CSRF token;
- ``nodes``: what a template wrapped in ``{% percall %}…{% endpercall %}`` (courses.templatetags.course_tags), with a
  context holding only ``request``, ``page`` and the context processors' values;
- ``block``: a per-reader block of the lesson body (``course_tags.PER_READER_BLOCKS``);
- ``call``: a function registered with ``late_call`` (a lesson's state in a course outline), with plain arguments.

The context of those parts holds ``request``, ``page`` and the context processors' values, or what the page's
``shell_context(request)`` gives (a course page: its ``get_context``, whose outline and facts come from the cache).

Used only for a plain GET or HEAD of a live page (no query string, no preview, no view restriction, no extra route
arguments) whose class says ``page_shell = True``; everything else is rendered as before.
"""

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import RequestContext
from django.template.loader import get_template
from django.template.utils import get_app_template_dirs
from django.utils import translation

from courses import page_cache

logger = logging.getLogger(__name__)

# {% percall %} node lists by "template name:line:number", filled when a template is compiled (course_tags).
PERCALL_NODES: dict[str, object] = {}
# Functions that render a small per-reader part from the shell's context and a few plain arguments (a lesson's
# "completed" badge in a course outline): name → function(context, *args) -> str. Registered with ``late_call``.
LATE_CALLS: dict[str, Callable[..., str]] = {}


def late_call(name: str):
    """Register ``function(context, *args) -> str`` as a per-request part. In a normal render the template tag calls
    it directly; while a shell renders, ``markers.add("call", name, *args)`` stands in for it."""

    def register(function):
        LATE_CALLS[name] = function
        return function

    return register


def call_or_mark(name: str, context, *args) -> str:
    """The part for this request, or its marker while a page shell renders."""
    markers = shell_mode(context.get("request"))
    if markers is not None:
        return markers.add("call", name, *args)
    return LATE_CALLS[name](context, *args)


MARKER = "\x1f{token}:{index}\x1f"


def eligible(request, page, args, kwargs, restrictions) -> bool:
    return (
        getattr(settings, "COURSES_PAGE_SHELL", False)
        and getattr(type(page), "page_shell", False)
        and request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and not args
        and not kwargs
        and not restrictions
        and page.live
        and page_cache.cacheable(request)
    )


def shell_mode(request):
    """The marker factory of the render in progress on this request, or None (a normal render)."""
    return getattr(request, "_page_shell", None)


class _Markers:
    """Collects the per-request parts met while the shell renders."""

    def __init__(self):
        self.token = secrets.token_hex(8)
        self.parts: list[tuple] = []

    def add(self, *part) -> str:
        self.parts.append(part)
        return MARKER.format(token=self.token, index=len(self.parts) - 1)


def _fill(request, page) -> list:
    """Render the page with markers and split it into strings and per-request parts."""
    markers = _Markers()
    response = page.serve(request)
    response.context_data["csrf_token"] = markers.add("csrf")  # what {% csrf_token %} writes
    real_nonce = getattr(request, "csp_nonce", None)
    request.csp_nonce = markers.add("nonce")
    request._page_shell = markers
    try:
        html = response.render().content.decode(response.charset)
    finally:
        del request._page_shell
        if real_nonce is None:
            del request.csp_nonce
        else:
            request.csp_nonce = real_nonce
    segments: list = []
    pattern = re.compile("\x1f" + markers.token + r":(\d+)\x1f")
    position = 0
    for found in pattern.finditer(html):
        segments.append(html[position : found.start()])
        segments.append(markers.parts[int(found.group(1))])
        position = found.end()
    segments.append(html[position:])
    return [segment for segment in segments if segment != ""]


def _render_part(part, request, page, state: dict) -> str:
    kind = part[0]
    if kind == "nonce":
        return str(request.csp_nonce)
    if kind == "csrf":
        if "csrf" not in state:  # one masked token per response, as the context processor gives
            state["csrf"] = get_token(request)
        return state["csrf"]
    if "context" not in state:
        template = get_template(page.get_template(request))
        shell_context = getattr(page, "shell_context", None)
        values = shell_context(request) if shell_context else {"page": page, "self": page, "request": request}
        context = RequestContext(request, values)
        state["binding"] = context.bind_template(template.template)
        state["binding"].__enter__()
        state["context"] = context
    context = state["context"]
    if kind == "nodes":
        name = part[1]
        if name not in PERCALL_NODES:
            get_template(name.rsplit(":", 2)[0])  # compiling the template registers its {% percall %} parts
        return PERCALL_NODES[name].render(context)
    if kind == "call":
        return LATE_CALLS[part[1]](context, *part[2:])
    if kind == "block":
        from courses.templatetags.course_tags import render_reader_block

        return render_reader_block(page, part[1], context)
    raise ValueError(kind)


@lru_cache(maxsize=1)
def templates_version() -> str:
    """A digest of every template file's content, computed once per process: part of every shell's key, so that a
    deploy that changes a template never serves shells (nor {% percall %} positions) of the previous version."""
    digest = hashlib.sha256()
    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    folders += [Path(folder) for folder in get_app_template_dirs("templates")]
    for folder in folders:
        for file in sorted(folder.rglob("*.html")) if folder.is_dir() else []:
            digest.update(str(file.relative_to(folder)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def serve(request, page):
    """The page from its cached shell (rendered now if missing), with this request's own parts."""
    site = getattr(request, "_wagtail_site", None)
    path = hashlib.sha256(request.path.encode()).hexdigest()[:32]
    authenticated = int(request.user.is_authenticated)
    language = translation.get_language()
    parts = ("shell", templates_version(), page.pk, getattr(site, "pk", None), language, authenticated, path)
    segments = page_cache.get_or_build(parts, lambda: _fill(request, page), request=request)
    state: dict = {}
    try:
        html = "".join(
            segment if isinstance(segment, str) else _render_part(segment, request, page, state) for segment in segments
        )
    except (KeyError, IndexError):  # a shell that does not fit this code: render the page as usual
        logger.warning("Page shell of page %s does not fit this code; rendered in full", page.pk, exc_info=True)
        return page.serve(request)
    finally:
        if "binding" in state:
            state["binding"].__exit__(None, None, None)
    return HttpResponse(html)
