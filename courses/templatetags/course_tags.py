from decimal import Decimal

from django import template
from django.utils import translation
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext
from wagtail.models import Site

from courses import page_cache, page_shell

register = template.Library()


@register.filter
def hours(value):
    """'1 hora', '12 horas', '1,5 horas' (a fractional amount is plural in Spanish)."""
    if value in (None, ""):
        return ""
    amount = Decimal(value)
    whole = amount == amount.to_integral_value()
    text = number_format(amount, 0 if whole else 1)
    count = int(amount) if whole else 2
    return ngettext("%(hours)s hour", "%(hours)s hours", count) % {"hours": text}


@register.filter
def minutes(value):
    """'1 minuto', '45 minutos', '1 h 30 min' for long durations."""
    value = int(value or 0)
    if value >= 60:
        hours_part, minutes_part = divmod(value, 60)
        if minutes_part:
            return f"{hours_part} h {minutes_part} min"
        return ngettext("%(hours)s hour", "%(hours)s hours", hours_part) % {"hours": hours_part}
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", value) % {"minutes": value}


@register.filter
def querystring_for(catalogue, page_number):
    """The catalogue's current filters with another page number."""
    return catalogue.querystring(pagina=str(page_number))


# Lesson bodies -------------------------------------------------------------------------------------------------

# Blocks whose output depends on who is reading (her H5P attempts, her reflection answers): rendered on every
# request. Every other block renders the same for every reader and is kept rendered in the shared page cache.
PER_READER_BLOCKS = frozenset({"h5p", "reflection"})


def render_block(block, context) -> str:
    return block.render_as_block(context=context.flatten())  # as {% include_block %} does


# Per-reader block types that another app renders straight from the block's stored value (``raw``: its JSON with
# "type", "value" and "id"), without StreamField reading the block's objects again: ``renderer(page, raw, context)``
# returns the HTML, or None to let the block render as usual. learners registers the H5P block's (LearnersConfig).
READER_BLOCK_RENDERERS: dict = {}


def register_reader_block(block_type: str, renderer) -> None:
    READER_BLOCK_RENDERERS[block_type] = renderer


def render_reader_block(page, index: int, context) -> str:
    """Block ``index`` of a lesson body for this reader: with its registered renderer if it has one."""
    raw = page.body.raw_data[index]
    renderer = READER_BLOCK_RENDERERS.get(raw.get("type")) if isinstance(raw, dict) else None
    html = renderer(page, raw, context) if renderer is not None else None
    return html if html is not None else render_block(page.body[index], context)


@register.simple_tag(takes_context=True)
def lesson_body(context, page):
    """The blocks of a lesson body: those the same for every reader from the shared page cache (rendered once per
    lesson, site and language, until the next publish), the others rendered for this request. Previews render
    everything (courses.page_cache.cacheable)."""
    request = context.get("request")
    body = page.body
    if request is None or not getattr(page, "pk", None) or not page_cache.cacheable(request):
        return mark_safe("".join(render_block(block, context) for block in body))  # noqa: S308 (block templates escape)

    def build() -> list:
        segments: list = []
        for index, raw in enumerate(body.raw_data):
            if raw.get("type") in PER_READER_BLOCKS:
                segments.append(index)
            elif segments and isinstance(segments[-1], str):
                segments[-1] += render_block(body[index], context)
            else:
                segments.append(str(render_block(body[index], context)))
        return segments

    site = Site.find_for_request(request)
    parts = ("body", page.pk, getattr(site, "pk", None), translation.get_language())
    segments = page_cache.get_or_build(parts, build, request=request)
    markers = page_shell.shell_mode(request)
    if markers is not None:  # a whole-page shell: the per-reader blocks are rendered for each request
        html = [part if isinstance(part, str) else markers.add("block", part) for part in segments]
    else:
        html = [part if isinstance(part, str) else render_reader_block(page, part, context) for part in segments]
    return mark_safe("".join(html))  # noqa: S308 (rendered by the blocks' templates, which escape)


# Whole-page shells (courses.page_shell) -------------------------------------------------------------------------


class PerCallNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        markers = page_shell.shell_mode(context.get("request"))
        if markers is not None:
            return markers.add("nodes", self.name)
        return self.nodelist.render(context)


@register.tag
def percall(parser, token):
    """``{% percall %}…{% endpercall %}``: a part of a page that differs from one request or reader to another
    (messages, her progress, the user bar). Rendered in place as usual; in a page kept whole in the page cache
    (courses.page_shell) it is rendered again for every request, with ``request``, ``page`` and the context
    processors' values only."""
    nodelist = parser.parse(("endpercall",))
    parser.delete_first_token()
    count = parser.__dict__.setdefault("_percall_count", 0) + 1
    parser._percall_count = count
    name = f"{getattr(parser.origin, 'template_name', None)}:{token.lineno}:{count}"
    page_shell.PERCALL_NODES[name] = nodelist
    return PerCallNode(nodelist, name)
