from django import template
from wagtail.models import Site

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
