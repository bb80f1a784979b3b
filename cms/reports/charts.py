"""Bar charts drawn by the server as inline SVG: no JavaScript, readable by screen readers (role="img" with a
title and a description that lists every value), every bar labelled with its value in text.

Pure functions: data in, markup out (no ORM).
"""

import itertools

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

_ids = itertools.count(1)
BAR_COLOUR = "#00676a"  # dark teal on white: contrast 6.7:1
TEXT_COLOUR = "#262626"


def _description(items: list[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {number_format(value, force_grouping=True)}" for label, value in items)


def _frame(*, title: str, description: str, width: int, height: int, body: SafeString) -> SafeString:
    uid = next(_ids)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="cms-reports-chart" role="img" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="chart-{uid}-title chart-{uid}-desc">'
        '<title id="chart-{uid}-title">{title}</title><desc id="chart-{uid}-desc">{desc}</desc>{body}</svg>',
        w=width,
        h=height,
        uid=uid,
        title=title,
        desc=description or "—",
        body=body,
    )


def horizontal_bars(*, title: str, items: list[tuple[str, int]], width: int = 640) -> SafeString:
    """One bar per item, its label on the left and its value at the end of the bar."""
    label_width, row, value_room = 230, 22, 70
    height = max(row * len(items), row) + 8
    top = max((value for _label, value in items), default=0) or 1
    scale = (width - label_width - value_room) / top
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
        (
            (
                label_width - 6,
                index * row + 15,
                TEXT_COLOUR,
                label if len(label) <= 34 else label[:33] + "…",
                label_width,
                index * row + 4,
                round(value * scale, 1),
                row - 8,
                BAR_COLOUR,
                label_width + round(value * scale, 1) + 4,
                index * row + 15,
                TEXT_COLOUR,
                number_format(value, force_grouping=True),
            )
            for index, (label, value) in enumerate(items)
        ),
    )
    return _frame(title=title, description=_description(items), width=width, height=height, body=body)


def columns(*, title: str, items: list[tuple[str, int]], width: int = 640, height: int = 220) -> SafeString:
    """Vertical bars (for series in time): the label under each bar and the value above it."""
    bottom, top_room = 24, 18
    slot = width / max(len(items), 1)
    top = max((value for _label, value in items), default=0) or 1
    scale = (height - bottom - top_room) / top
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
        (
            (
                round(index * slot + slot * 0.15, 1),
                round(height - bottom - value * scale, 1),
                round(slot * 0.7, 1),
                round(value * scale, 1),
                BAR_COLOUR,
                round(index * slot + slot / 2, 1),
                round(height - bottom - value * scale - 4, 1),
                TEXT_COLOUR,
                number_format(value, force_grouping=True),
                round(index * slot + slot / 2, 1),
                height - 8,
                TEXT_COLOUR,
                label,
            )
            for index, (label, value) in enumerate(items)
        ),
    )
    return _frame(title=title, description=_description(items), width=width, height=height, body=body)
