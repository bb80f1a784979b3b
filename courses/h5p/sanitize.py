"""Clean content.json parameters with the library's semantics.json, as H5P core's H5PContentValidator does.

`text` fields with a `tags` list keep exactly those tags (nh3); other `text` and `select` values are HTML-escaped;
media paths must point at a whitelisted file inside the package's content/ folder. Where no semantics are known,
every string that contains "<" is cleaned with a conservative tag list. Scripts, event handlers and javascript:
URLs never survive.
"""

import functools
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

import nh3
from django.utils.translation import gettext_lazy as _

from courses.h5p.errors import H5PPackageError
from courses.h5p.format import CONTENT_EXTENSIONS, LibraryRef, extension

SemanticsFor = Callable[[LibraryRef], list | None]

# Added to every tag list, as H5P core does; never allowed, whatever a library's semantics say.
BASE_TAGS = frozenset({"div", "span", "p", "br"})
FORBIDDEN_TAGS = frozenset(
    "script style iframe frame frameset object embed applet form input button textarea select option link meta "
    "base svg math template noscript title head html body".split()
)
DEFAULT_TAGS = frozenset(
    "p br div span strong b em i u s del sub sup ul ol li a blockquote code pre h1 h2 h3 h4 h5 h6 hr "
    "table thead tbody tfoot tr th td".split()
)
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_TARGETS = frozenset({"_blank", "_self", "_parent", "_top"})
MAX_DEPTH = 100

_STYLE_RULES = {
    "size": re.compile(r"font-size: *[0-9.]+(em|px|%) *", re.I),
    "family": re.compile(r"font-family: *[a-z0-9,\" ]+", re.I),
    "color": re.compile(r"color: *(#[0-9a-f]{3}([0-9a-f]{3})?|rgba?\([0-9., ]+\)) *", re.I),
    "background": re.compile(r"background-color: *(#[0-9a-f]{3}([0-9a-f]{3})?|rgba?\([0-9., ]+\)) *", re.I),
}
_LOOSE_AMPERSAND = re.compile(r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_SUB_CONTENT_ID = re.compile(r"\{?[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}\}?")
_EXTERNAL = re.compile(r"https?://", re.I)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def escape_text(value: str) -> str:
    """Plain text as H5P stores it: htmlspecialchars(ENT_QUOTES) without re-encoding existing entities."""
    value = _LOOSE_AMPERSAND.sub("&amp;", value)
    return value.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#039;")


def expand_tags(tags) -> frozenset[str]:
    """A semantics `tags` list plus the tags H5P core adds alongside (div/span/p/br, table parts, b/strong…)."""
    allowed = set(BASE_TAGS) | {tag.lower() for tag in tags if isinstance(tag, str)}
    if "table" in allowed:
        allowed |= {"tr", "td", "th", "colgroup", "thead", "tbody", "tfoot"}
    for present, implied in (("b", "strong"), ("i", "em"), ("ul", "li"), ("ol", "li"), ("del", "s"), ("strike", "s")):
        if present in allowed:
            allowed.add(implied)
    return frozenset(allowed - FORBIDDEN_TAGS)


def clean_html(value: str, tags: Collection[str], *, styles: Collection[str] = ()) -> str:
    """Keep only `tags` (minus FORBIDDEN_TAGS), href/target on links and, on spans, the `styles` H5P's font
    options allow ("size", "family", "color", "background")."""
    return _cleaner(frozenset(tags) - FORBIDDEN_TAGS, tuple(sorted(set(styles) & set(_STYLE_RULES)))).clean(value)


@functools.lru_cache(maxsize=128)
def _cleaner(tags: frozenset[str], styles: tuple[str, ...]) -> nh3.Cleaner:
    attributes: dict[str, set[str]] = {"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
    rules = [_STYLE_RULES[name] for name in styles]
    if rules:
        attributes["span"] = {"style"}

    def keep_allowed_styles(element: str, attribute: str, text: str) -> str | None:
        if attribute != "style":
            return text
        declarations = [part.strip() for part in text.split(";")]
        kept = [part for part in declarations if any(rule.fullmatch(part) for rule in rules)]
        return "; ".join(kept) or None

    return nh3.Cleaner(
        tags=set(tags),
        attributes=attributes,
        tag_attribute_values={"a": {"target": set(LINK_TARGETS)}},
        attribute_filter=keep_allowed_styles,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def sanitize_params(
    params,
    *,
    semantics: list | None,
    semantics_for: SemanticsFor,
    content_files: Collection[str] | None = None,
    allow_external_media: bool = False,
) -> dict:
    """Return a cleaned copy of `params` (the main library's content parameters).

    `semantics_for(ref)` gives a sub-content library's semantics (None if unknown). `content_files` holds the
    package's files relative to content/ ("images/x.png"); when given, every media path must be one of them.
    Raises H5PPackageError for a bad media path or content nested too deeply.
    """
    walker = _Walker(semantics_for, content_files, allow_external_media)
    if not isinstance(params, dict):
        raise H5PPackageError("invalid-content-json", _("content/content.json must hold a JSON object."))
    return walker.params(params, semantics, "", 0)


class _Walker:
    def __init__(self, semantics_for: SemanticsFor, content_files, allow_external_media: bool):
        self.semantics_for = semantics_for
        self.content_files = None if content_files is None else frozenset(content_files)
        self.allow_external_media = allow_external_media
        self.handlers = {
            "text": self.text,
            "select": self.select,
            "number": self.number,
            "boolean": self.boolean,
            "list": self.items,
            "group": self.group,
            "library": self.library,
            "image": self.file,
            "file": self.file,
            "video": self.media_list,
            "audio": self.media_list,
        }

    def params(self, value, semantics, where: str, depth: int):
        if not isinstance(semantics, list) or not isinstance(value, dict):
            return self.fallback(value, where, depth)
        return self.group(value, {"fields": semantics}, where, depth, flatten=False)

    def field(self, value, field, where: str, depth: int):
        if depth > MAX_DEPTH:
            raise _too_deep(where)
        handler = self.handlers.get(field.get("type")) if isinstance(field, dict) else None
        if handler is None:
            return self.fallback(value, where, depth)
        return handler(value, field, where, depth + 1)

    def text(self, value, field, where, depth):
        if not isinstance(value, str):
            return self.fallback(value, where, depth)
        tags = field.get("tags")
        if isinstance(tags, list):
            font = field.get("font") if isinstance(field.get("font"), dict) else {}
            return clean_html(value, expand_tags(tags), styles=[name for name, on in font.items() if on])
        return escape_text(value)

    def select(self, value, field, where, depth):
        if isinstance(value, str):
            return escape_text(value)
        if isinstance(value, list):
            return [escape_text(item) if isinstance(item, str) else self.fallback(item, where, depth) for item in value]
        return self.fallback(value, where, depth)

    def number(self, value, field, where, depth):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return self.fallback(value, where, depth)

    def boolean(self, value, field, where, depth):
        return value if isinstance(value, bool) else self.fallback(value, where, depth)

    def items(self, value, field, where, depth):
        item = field.get("field")
        if not isinstance(value, list) or not isinstance(item, dict):
            return self.fallback(value, where, depth)
        return [self.field(entry, item, f"{where}[{index}]", depth) for index, entry in enumerate(value)]

    def group(self, value, field, where, depth, flatten=True):
        fields = [child for child in field.get("fields") or [] if isinstance(child, dict) and "name" in child]
        if flatten and len(fields) == 1 and not (isinstance(value, dict) and set(value) == {fields[0]["name"]}):
            # H5P's editor stores a group of one field as that field's bare value.
            return self.field(value, fields[0], where, depth)
        if not isinstance(value, dict):
            return self.fallback(value, where, depth)
        by_name = {child["name"]: child for child in fields}
        cleaned = {}
        for key, child_value in value.items():
            path = _join(where, key)
            if key in by_name:
                cleaned[key] = self.field(child_value, by_name[key], path, depth)
            else:
                cleaned[key] = self.fallback(child_value, path, depth)
        return cleaned

    def library(self, value, field, where, depth):
        if not isinstance(value, dict):
            return self.fallback(value, where, depth)
        return self.sub_content(value, where, depth)

    def sub_content(self, value: dict, where: str, depth: int) -> dict:
        try:
            ref = LibraryRef.parse_content_string(value.get("library"))
        except ValueError:
            return {key: self.fallback(item, f"{where}.{key}", depth + 1) for key, item in value.items()}
        cleaned = {}
        for key, item in value.items():
            path = f"{where}.{key}"
            if key == "library":
                cleaned[key] = ref.content_string
            elif key == "params":
                cleaned[key] = self.params(item, self.semantics_for(ref), path, depth + 1)
            elif key == "subContentId":
                if isinstance(item, str) and _SUB_CONTENT_ID.fullmatch(item):
                    cleaned[key] = item
            else:
                cleaned[key] = self.fallback(item, path, depth + 1)
        return cleaned

    def file(self, value, field, where, depth):
        if not isinstance(value, dict) or "path" not in value:
            return self.fallback(value, where, depth)
        cleaned = {}
        for key, item in value.items():
            path = f"{where}.{key}"
            if key == "path":
                cleaned[key] = self.media_path(item, path)
            elif key == "mime" and isinstance(item, str):
                cleaned[key] = escape_text(item)
            else:
                cleaned[key] = self.fallback(item, path, depth + 1)
        return cleaned

    def media_list(self, value, field, where, depth):
        if not isinstance(value, list):
            return self.fallback(value, where, depth)
        return [self.file(item, field, f"{where}[{index}]", depth) for index, item in enumerate(value)]

    def media_path(self, value, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise H5PPackageError(
                "invalid-media-path", _("The media file at %(field)s has no valid path."), field=where
            )
        path = value.removesuffix("#tmp")
        if _EXTERNAL.match(path):
            if self.allow_external_media:
                return path
            raise H5PPackageError(
                "external-media-not-allowed",
                _("The media file at %(field)s points outside the package (%(path)s); upload the file instead."),
                field=where,
                path=value,
            )
        parts = path.split("/")
        if (
            _SCHEME.match(path)
            or any(char in path for char in "\\\x00?#")
            or any(part in ("", ".", "..") for part in parts)
        ):
            raise H5PPackageError(
                "invalid-media-path",
                _("The media path “%(path)s” at %(field)s is not a relative path inside content/."),
                field=where,
                path=value,
            )
        if extension(path) not in CONTENT_EXTENSIONS:
            raise H5PPackageError(
                "media-type-not-allowed",
                _("The media file “%(path)s” at %(field)s has a file type H5P content may not use."),
                field=where,
                path=value,
            )
        if self.content_files is not None and path not in self.content_files:
            raise H5PPackageError(
                "media-file-missing",
                _("The media file “content/%(path)s” used at %(field)s is not in the package."),
                field=where,
                path=path,
            )
        return path

    def fallback(self, value, where: str, depth: int):
        """No semantics for this value: clean HTML-looking strings, check media paths, follow sub-content."""
        if depth > MAX_DEPTH:
            raise _too_deep(where)
        if isinstance(value, str):
            return clean_html(value, DEFAULT_TAGS) if "<" in value else value
        if isinstance(value, list):
            return [self.fallback(item, f"{where}[{index}]", depth + 1) for index, item in enumerate(value)]
        if isinstance(value, dict):
            if isinstance(value.get("library"), str) and isinstance(value.get("params"), dict):
                return self.sub_content(value, where, depth)
            if isinstance(value.get("path"), str) and "mime" in value:
                return self.file(value, {}, where, depth)
            return {key: self.fallback(item, _join(where, key), depth + 1) for key, item in value.items()}
        return value


def _too_deep(where: str) -> H5PPackageError:
    return H5PPackageError(
        "invalid-content-json", _("content/content.json is nested too deeply (at %(field)s)."), field=where
    )


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def semantics_lookup(*sources: Mapping[LibraryRef, Any]) -> SemanticsFor:
    """semantics_for over several {LibraryRef: object with .semantics} mappings, first match wins."""

    def semantics_for(ref: LibraryRef) -> list | None:
        for source in sources:
            found = source.get(ref)
            if found is not None:
                return found.semantics
        return None

    return semantics_for
