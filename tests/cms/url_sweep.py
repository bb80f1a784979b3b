"""The pieces of the hostile-input sweep (tests/cms/test_hostile_sweep.py) that know nothing about the school.

- ``url_patterns()`` walks the project's resolver tree and returns every URL pattern it registers (public pages,
  learner and staff URLs, every Wagtail admin view and viewset), each as a ``SweptPattern`` whose parameters can be
  filled with any value: route converters (``<int:pk>``) and regular-expression groups alike.
- ``recorded_parameter_names()`` records the query and form parameter names a view reads while it answers a
  request (every ``request.GET.get(...)``, every bound form field, every filter), so that the sweep sends hostile
  values exactly where a view looks, including in views added after this file was written.
- ``HOSTILE_VALUES`` and ``hostile_bodies()``: what the sweep sends.
"""

import json
import re
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.datastructures import MultiValueDict

ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")

# Values a hostile visitor puts in a path segment, a query parameter or a form field.
HOSTILE_VALUES = [
    "\x00",
    "1\x00",
    "99999999999999999999",  # 20 digits: overflows a 64-bit integer (SQLite raises OverflowError)
    "-99999999999999999999",
    "-1",
    "0",
    "abc",
    "１２",  # fullwidth digits: str.isdigit() says yes, int() accepts them
    "١٢",  # Arabic-Indic digits
    "²",  # superscript two: str.isdigit() says yes, int() refuses it
    "1.5",
    "x" * 10_000,
    "../../../etc/passwd",
    "<script>alert(1)</script>",
    "%",
    '"',  # an unterminated string in SQLite's full-text search syntax
    "",
]

NESTED_JSON = ("[" * 20_000 + "]" * 20_000).encode()  # under 64 KB, far deeper than Python's recursion limit
OVERSIZED_JSON = json.dumps({"data": "x" * (3 * 1024 * 1024)}).encode()  # over DATA_UPLOAD_MAX_MEMORY_SIZE


def hostile_bodies() -> list[tuple[str, bytes, str]]:
    """(label, body, content type) of the raw POST bodies: hostile JSON, and the wrong content types."""
    return [
        ("JSON nested 20.000 levels", NESTED_JSON, "application/json"),
        ("JSON of 3 MB", OVERSIZED_JSON, "application/json"),
        ("JSON sent as form data", b'{"verb": {"id": "x"}}', "application/x-www-form-urlencoded"),
        ("form data sent as JSON", b"cohort=abc&q=%00", "application/json"),
        ("broken multipart", b"--x\r\nContent-Disposition: form-data; name=\x00\r\n\r\n", "multipart/form-data"),
        ("multipart without boundary", b"cohort=1", "multipart/form-data"),
        ("XML", b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><a>&e;</a>", "text/xml"),
        ("invalid UTF-8", b"q=\xff\xfe\x00&cohort=\xc3", "application/x-www-form-urlencoded; charset=utf-8"),
    ]


def pick(items: list, *key_parts) -> object:
    """A deterministic choice from ``items`` for this key: each pattern, role and slot gets its own value, so the
    values spread over the patterns without the cost of sending every value everywhere."""
    return items[zlib.crc32("|".join(map(str, key_parts)).encode()) % len(items)]


@dataclass(frozen=True)
class Parameter:
    name: str
    converter: str  # "int", "str", "slug", "uuid", "path", or "regex:<the group's expression>"


@dataclass
class SweptPattern:
    """One registered URL pattern: the route pieces from the root, with their parameters."""

    pieces: list  # (kind, text) where kind is "text" or "parameter"; a parameter piece's text is its index
    parameters: list[Parameter] = field(default_factory=list)
    callback: object = None
    name: str = ""
    description: str = ""

    def url(self, values: dict[int, str]) -> str:
        """The URL with parameter number i filled with ``values[i]`` (percent-encoded)."""
        out = []
        for kind, text in self.pieces:
            if kind == "text":
                out.append(text)
            else:
                value = values[int(text)]
                converter = self.parameters[int(text)].converter
                safe = "/" if converter == "path" or converter.startswith("regex:") else ""
                out.append(quote(value, safe=safe))
        return "/" + "".join(out)

    @property
    def view_name(self) -> str:
        view = getattr(self.callback, "view_class", self.callback)
        return f"{getattr(view, '__module__', '?')}.{getattr(view, '__qualname__', repr(view))}"

    @property
    def model(self):
        """The model a Wagtail/Django class-based view works on, when it says so."""
        initkwargs = getattr(self.callback, "view_initkwargs", {}) or {}
        view_class = getattr(self.callback, "view_class", None)
        model = initkwargs.get("model") or getattr(view_class, "model", None)
        return model if isinstance(model, type) and issubclass(model, Model) else None


def _route_pieces(route: str, pattern: SweptPattern) -> None:
    position = 0
    for match in ROUTE_PARAMETER.finditer(route):
        pattern.pieces.append(("text", route[position : match.start()]))
        pattern.pieces.append(("parameter", str(len(pattern.parameters))))
        pattern.parameters.append(Parameter(match["parameter"], match["converter"] or "str"))
        position = match.end()
    pattern.pieces.append(("text", route[position:]))


GROUP_NAME = re.compile(r"^\?P<(?P<name>\w+)>")


def _regex_pieces(regex: str, pattern: SweptPattern) -> None:
    """Split a URL regex into literal text and top-level groups (each group becomes a parameter)."""
    regex = regex.removeprefix("^").removeprefix(r"\A")
    regex = regex.removesuffix("$").removesuffix(r"\Z")
    text, depth, start, i = [], 0, 0, 0
    while i < len(regex):
        char = regex[i]
        if char == "\\" and i + 1 < len(regex):
            if depth == 0:
                text.append(regex[i + 1])
            i += 2
            continue
        if char == "(":
            if depth == 0:
                start = i
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                inner = regex[start + 1 : i]
                named = GROUP_NAME.match(inner)
                name = named["name"] if named else f"group{len(pattern.parameters)}"
                expression = inner[named.end() :] if named else inner.removeprefix("?:")
                pattern.pieces.append(("text", "".join(text)))
                text = []
                pattern.pieces.append(("parameter", str(len(pattern.parameters))))
                pattern.parameters.append(Parameter(name, f"regex:{expression}"))
                if i + 1 < len(regex) and regex[i + 1] in "?*+":
                    i += 1
        elif depth == 0 and char not in "?*+":
            text.append(char)
        i += 1
    pattern.pieces.append(("text", "".join(text)))


def _walk(resolver: URLResolver, prefix: list, found: list[SweptPattern]) -> None:
    for entry in resolver.url_patterns:
        chain = [*prefix, entry.pattern]
        if isinstance(entry, URLResolver):
            _walk(entry, chain, found)
            continue
        assert isinstance(entry, URLPattern)
        swept = SweptPattern(pieces=[], callback=entry.callback, name=entry.name or "")
        for piece in chain:
            if isinstance(piece, RoutePattern):
                _route_pieces(str(piece._route), swept)
            elif isinstance(piece, RegexPattern):
                _regex_pieces(str(piece._regex), swept)
            else:  # LocalePrefixPattern and the like: no parameters
                swept.pieces.append(("text", str(piece)))
        swept.description = "".join(str(piece) for piece in chain)
        found.append(swept)


def url_patterns() -> list[SweptPattern]:
    """Every URL pattern of the project, in resolver order."""
    found: list[SweptPattern] = []
    _walk(get_resolver(), [], found)
    return found


# Names that Django and the test client read on every request: sending hostile values there tests nothing new.
IGNORED_NAMES = {"csrfmiddlewaretoken"}


@contextmanager
def recorded_parameter_names():
    """Record the keys looked up in any QueryDict/MultiValueDict (request.GET, request.POST, request.FILES) while
    the block runs, found or not: the names of the query and form parameters the view reads."""
    names: set[str] = set()
    patched = {}

    def wrap(method):
        def recording(self, key, *args, **kwargs):
            if isinstance(key, str) and key not in IGNORED_NAMES:
                names.add(key)
            return method(self, key, *args, **kwargs)

        return recording

    for attribute in ("__getitem__", "get", "getlist", "__contains__", "pop"):
        patched[attribute] = MultiValueDict.__dict__.get(attribute)
        setattr(MultiValueDict, attribute, wrap(getattr(MultiValueDict, attribute)))
    try:
        yield names
    finally:
        for attribute, original in patched.items():
            if original is None:
                delattr(MultiValueDict, attribute)
            else:
                setattr(MultiValueDict, attribute, original)


def describe(value) -> str:
    """A short, readable form of a hostile value for a failure message."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}…' ({len(value)} chars)"


def shorten(url: str) -> str:
    return url if len(url) <= 120 else f"{url[:100]}…({len(url)} chars)"
