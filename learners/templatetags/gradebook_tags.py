"""The cells of the gradebook matrix, written in Python.

A 200 × 60 matrix has 12,000 cells. Rendered by Django's template engine (a ``{% for %}`` with a few ``{% if %}``
and a ``date`` filter per cell) the page took about 1 s on PostgreSQL; written here as one string per row it takes
a small fraction of that (``make bench-gradebook``). Every value is an int or a date except the translated labels,
which are escaped once.
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def gradebook_cells(row):
    """The ``<td>`` of one learner's lessons: ✓ done or … started, the score in %, completed attempts, and the
    day/month of the last activity. An empty cell is a lesson not started."""
    attempts = escape(pgettext("attempts, abbreviated", "att."))
    parts = []
    for cell in row.cells:
        if cell is None:
            parts.append("<td></td>")
            continue
        text = ['<td class="gb-cell--done">✓' if cell.done else '<td class="gb-cell--started">…']
        if cell.score is not None:
            text.append(f" {cell.score}&nbsp;%")
        if cell.attempts:
            text.append(f"<small>{cell.attempts} {attempts}</small>")
        if cell.last_activity is not None:
            text.append(f"<small>{cell.last_activity:%d/%m}</small>")
        text.append("</td>")
        parts.append("".join(text))
    return mark_safe("".join(parts))  # noqa: S308 (ints and dates, and a label escaped above)
