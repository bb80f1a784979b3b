from django import template
from django.utils.safestring import mark_safe
from wagtail.models import Site

from cms.branding import HEX_COLOUR, darker

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context):
    """Live pages under the site root that editors marked "show in menus", in tree order (one query)."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    items = list(site.root_page.get_children().live().public().in_menu().only("title", "path", "depth", "url_path"))
    current = context.get("page")
    current_path = getattr(current, "path", "") or ""
    for item in items:
        item.is_active = current_path.startswith(item.path)
    return items


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
