"""The ``<id:…>`` path converter and ``parse_id``: a database id as a visitor may type it.

Django's ``<id:…>`` takes any run of digits, so ``/cursos/99999999999999999999/`` reaches the view and SQLite
raises OverflowError (a 500). ``<id:…>`` only matches ASCII digits that fit a positive 64-bit signed integer (the
range of a BigAutoField); anything else is not a match, hence a 404. ``parse_id`` applies the same rule to ids
that come in a query string or a form (``?cohort=abc``, fullwidth ``１２``, superscript ``²``): None instead of an
exception.
"""

import re

from django.urls import register_converter

MAX_ID = 2**63 - 1
ID_PATTERN = re.compile(r"[0-9]{1,19}")


def parse_id(value) -> int | None:
    """The id written in ``value`` (a str from a request), or None when it is not one: not ASCII digits only,
    zero, or beyond a 64-bit signed integer."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # Django reads a ValueError as "this pattern does not match"
        return number

    def to_url(self, value) -> str:
        number = parse_id(str(value))
        if number is None:
            raise ValueError(value)  # reverse() then raises NoReverseMatch instead of writing a wrong URL
        return str(number)


# Registered when this module is first imported: by CoursesConfig.ready() (before any URLconf is read) and by
# courses.viewset_utils, whose viewsets name the converter while Wagtail registers them, which in a host site
# may happen before this app's ready().
register_converter(IdConverter, "id")
