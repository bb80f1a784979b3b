"""Wagtail's page serving with routing, the site and view restrictions from the shared page cache.

Wagtail's own ``serve`` finds the site (one query), walks the tree from the site's root (two queries per level: a
lesson sits five levels down, so eleven queries) and reads the view restrictions of the page and its ancestors (two
queries) on every request. Here the site for a host, the page a path leads to and the restrictions that apply to it
come from ``courses.page_cache`` (a new generation on every publish, move, unpublish or deletion), and so does the
page itself (its row as it was when the entry was made: every save of a page starts a new generation). The hooks
run as in Wagtail (``before_serve_page``, ``on_serve_page``) and Wagtail's restriction check still decides: it only
gets the cached list.
"""

from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from wagtail import hooks
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.models.sites import get_site_for_hostname

from courses import page_cache, page_shell


def cached_site(request) -> Site | None:
    """The Wagtail site for the request's host (Site.find_for_request, from the cache), kept on the request."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    hostname = split_domain_port(request.get_host())[0]  # only the ALLOWED_HOSTS make keys
    port = request.get_port()

    def build():
        try:
            return get_site_for_hostname(hostname, port)
        except Site.DoesNotExist:
            return None

    site = page_cache.get_or_build(("site", hostname, port), build, request=request)
    request._wagtail_site = site
    if not hasattr(request, "_wagtail_cached_site_root_paths"):
        # Wagtail reads these from the shared cache once per request for every page URL it writes; a generation of
        # the page cache starts with every change that clears them (a site, a page saved or moved), so this
        # process's copy serves without a round trip to Redis.
        request._wagtail_cached_site_root_paths = page_cache.get_or_build(
            ("site_root_paths",), Site.get_site_root_paths, request=request
        )
    return site


def _route(request, site: Site, path: str):
    """(page, args, kwargs) as Wagtail's ``Page.route_for_request`` finds them, or None."""
    components = [component for component in path.split("/") if component]
    try:
        return site.root_page.localized.specific.route(request, components)
    except Http404:
        return None


def cached_route(request, path: str):
    """The page a path leads to on the request's site: its (id, content type) from the cache when the plain tree
    walk found a live page without extra route arguments; otherwise Wagtail's walk as usual."""
    site = cached_site(request)
    if site is None:
        return None
    name = page_cache.key("route", site.pk, path, request=request)
    page = page_cache.read(name) if page_cache.enabled() else None
    if isinstance(page, Page):
        request._wagtail_route_for_request = (page, [], {})
        return page, [], {}
    result = _route(request, site, path)
    if result is not None:
        page, args, kwargs = result
        if not args and not kwargs and page.live and page_cache.enabled():
            # The page itself, as its row reads now (no attribute that routing or this request set): any save of a
            # page, a publish, an unpublish or a move starts a new generation, so it is never older than the row.
            clean = type(page).objects.filter(pk=page.pk, live=True).first()
            if clean is not None:
                page_cache.write(name, clean)
    request._wagtail_route_for_request = result
    return result


def cached_view_restrictions(request, page: Page) -> list[PageViewRestriction]:
    """The view restrictions of the page and its ancestors (Page.get_view_restrictions), from the cache."""
    return page_cache.get_or_build(
        ("restrictions", page.pk), lambda: list(Page.get_view_restrictions(page)), request=request
    )


def serve(request, path):
    """wagtail.views.serve with the cached site, route and view restrictions."""
    result = cached_route(request, path)
    if result is None:
        raise Http404
    page, args, kwargs = result
    restrictions = cached_view_restrictions(request, page)
    page.get_view_restrictions = lambda: restrictions  # what Wagtail's check_view_restrictions hook reads

    def serve_chain(page, request, args, kwargs):
        if page_shell.eligible(request, page, args, kwargs, restrictions):
            return page_shell.serve(request, page)  # the whole page from the cache, her own parts rendered now
        return page.serve(request, *args, **kwargs)

    chain = serve_chain
    for fn in reversed(hooks.get_hooks("on_serve_page")):
        chain = fn(chain)
    for fn in hooks.get_hooks("before_serve_page"):
        response = fn(page, request, args, kwargs)
        if isinstance(response, HttpResponse):
            return response
    return chain(page, request, args, kwargs)
