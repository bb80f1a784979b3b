import threading
import time
from collections import OrderedDict

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar
from wagtail.models import Site

from cms.branding import HEX_COLOUR, darker
from courses import page_cache
from courses.serving import cached_site

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context):
    """Live pages under the site root that editors marked "show in menus", in tree order (one query)."""
    request = context.get("request")
    site = (
        (cached_site(request) if page_cache.cacheable(request) else Site.find_for_request(request)) if request else None
    )
    if site is None:
        return []
    if page_cache.cacheable(request):  # the same for everyone on the site, until the next publish
        items = page_cache.get_or_build(("menu", site.pk), lambda: _menu_pages(site), request=request)
    else:
        items = _menu_pages(site)
    current = context.get("page")
    current_path = getattr(current, "path", "") or ""
    for item in items:
        item.is_active = current_path.startswith(item.path)
    return items


def _menu_pages(site) -> list:
    return list(site.root_page.get_children().live().public().in_menu().only("title", "path", "depth", "url_path"))


ADMIN_ACCESS_SECONDS = 300
ADMIN_ACCESS_ENTRIES = 20_000
# Kept in each process, not in Redis: one round trip less on every page (Redis answers slower than this dictionary
# when the machine is busy), and a stale answer for at most five minutes only shows or hides a shortcut.
_admin_access: OrderedDict = OrderedDict()
_admin_access_lock = threading.Lock()


@register.simple_tag(takes_context=True)
def site_userbar(context, position="bottom-right"):
    """Wagtail's user bar for people who may use the admin; nothing for everyone else. Whether she may is kept in each
    process for five minutes per account (two permission queries otherwise on every page): the bar is only a
    shortcut, and the admin checks her permissions itself."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    # under the page cache's generation too: emptying the cache (tests reuse ids) forgets these as well
    key = (page_cache.generation(request), user.pk, user.is_active, user.is_superuser)
    now = time.monotonic()
    with _admin_access_lock:
        remembered = _admin_access.get(key)
    if remembered is None or remembered[0] <= now:
        remembered = (now + ADMIN_ACCESS_SECONDS, user.has_perm("wagtailadmin.access_admin"))
        with _admin_access_lock:
            _admin_access[key] = remembered
            _admin_access.move_to_end(key)
            while len(_admin_access) > ADMIN_ACCESS_ENTRIES:
                _admin_access.popitem(last=False)
    return wagtailuserbar(context, position) if remembered[1] else ""


@register.simple_tag
def school_logo(school_settings) -> str:
    """The school's logo in the header (its rendition, from the page cache: no query), or ""."""
    if not getattr(school_settings, "logo_id", None):
        return ""

    def build() -> str:
        image = school_settings.logo
        logo = image.get_rendition("height-72")
        return format_html('<img src="{}" alt="" height="36" width="{}">', logo.url, round(logo.width / 2))

    return mark_safe(page_cache.get_or_build(("logo", school_settings.pk, school_settings.logo_id), build))  # noqa: S308


DEFAULT_COLOURS = {"primary_colour": "#0b3a66", "link_colour": "#0a4f96", "background_colour": "#ffffff"}


@register.simple_tag
def school_style(school_settings) -> str:
    """The school's colours as CSS custom properties for ``:root`` (no query: the settings are already loaded).
    Only ``#rrggbb`` values reach the page; anything else falls back to the Escuela Ciudadana colours."""
    colours = {
        name: value if HEX_COLOUR.match(value := str(getattr(school_settings, name, "") or "")) else default
        for name, default in DEFAULT_COLOURS.items()
    }
    return mark_safe(  # noqa: S308 - only validated hex values
        f":root{{--brand:{colours['primary_colour']};--brand-dark:{darker(colours['primary_colour'])};"
        f"--link:{colours['link_colour']};--paper:{colours['background_colour']};}}"
    )
