"""Finding English in what the staff reads: the English strings Wagtail and Django can show, and a detector for them.

``english_msgids()`` extracts every translatable string of the installed Wagtail apps from their source (templates and
Python, the way ``makemessages`` does: Wagtail's shipped English catalogues are older than its code) and reads
Django's from its English catalogues. ``EnglishDetector`` keeps the words of those strings that no Spanish
translation uses ("items", "of", "display", "False"…): visible text holding one of them shows an untranslated string,
or an English one that never went through gettext.
"""

import functools
import gettext
import html.parser
import json
import re
import subprocess
import tempfile
from pathlib import Path

import django
from django.apps import apps
from django.utils.translation import templatize, trans_real
from django.views.i18n import JavaScriptCatalog

XGETTEXT = [
    "xgettext", "--language=Python", "--from-code=UTF-8", "--output=-", "--keyword=gettext_noop",
    "--keyword=gettext_lazy", "--keyword=ngettext_lazy:1,2", "--keyword=pgettext:1c,2", "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2", "--keyword=npgettext_lazy:1c,2,3",
]  # fmt: skip
SKIPPED_FOLDERS = {"locale", "static", "tests", "test", "migrations"}
DJANGO_UNUSED = {"gis", "admindocs", "flatpages", "redirects", "sitemaps", "sites", "postgres", "admin"}

PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w*\}")
TAG = re.compile(r"<[^>]+>")
ADDRESS = re.compile(r"\S+@\S+|https?://\S+|(?<!\w)/[\w/.?=&%-]*|\w*\d\w*")  # and codes: sha256, 548aaf0c…
WORD = re.compile(r"[^\W\d_]+")
# Names, codes and loanwords that read the same in a Spanish page.
NEUTRAL = {
    "wagtail", "django", "api", "url", "urls", "id", "html", "pdf", "csv", "xlsx", "zip", "xapi", "run", "email",
    "ok", "web", "h5p", "svg", "png", "jpg", "jpeg", "gif", "webp", "avif", "ico", "slug", "token", "tokens",
    "hook", "iframe", "utc", "am", "pm", "ip", "www", "cl", "js", "json", "mb", "kb", "gb", "bytes", "px", "min",
    "amuch", "online", "software", "markdown", "unicode", "embed", "iso", "snippet", "snippets", "logo", "chat",
    "blog", "emoji", "cookie", "cookies", "copyright", "hashtag", "internet", "rut", "moodle", "excel", "xls",
    "ics", "lti", "sso", "smtp", "oembed", "youtube", "vimeo", "twitter", "facebook", "instagram", "github",
    "ctrl", "alt", "shift", "cmd", "esc", "enter", "tab",  # keys, as printed on the keyboard
    "english",  # the language switcher names each language in its own language
}  # fmt: skip
SPANISH_TOO = {"me", "once", "come", "popular", "info", "tablet"}  # English words that are also Spanish ones


def _catalogue(po_text: bytes) -> dict:
    """msgid -> English text of a .po (plurals keyed (msgid, n)), read with msgen + msgfmt + gettext."""
    english = subprocess.run(["msgen", "-"], input=po_text, check=True, capture_output=True).stdout
    compiled = subprocess.run(["msgfmt", "-o", "-", "-"], input=english, check=True, capture_output=True).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(compiled)
        handle.seek(0)
        return {key: value for key, value in gettext.GNUTranslations(handle)._catalog.items() if key != ""}


def _wagtail_sources() -> list[Path]:
    """Python files and templates (templatized as makemessages does) of every installed Wagtail app."""
    roots = sorted({Path(app.path) for app in apps.get_app_configs() if app.name.split(".")[0] == "wagtail"})
    files = set()
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and not SKIPPED_FOLDERS & set(path.relative_to(root).parts):
                files.add(path)
    return sorted(files)


@functools.cache
def english_msgids() -> dict:
    """Every string the installed Wagtail apps (from source) and Django (from its catalogues) can translate."""
    strings = {}
    with tempfile.TemporaryDirectory() as folder:
        inputs = []
        for number, path in enumerate(_wagtail_sources()):
            if path.suffix == ".py":
                inputs.append(str(path))
                continue
            target = Path(folder) / f"{number}.py"
            target.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
            inputs.append(str(target))
        listing = Path(folder) / "files.txt"
        listing.write_text("\n".join(inputs), encoding="utf-8")
        po = subprocess.run([*XGETTEXT, f"--files-from={listing}"], check=True, capture_output=True).stdout
    header = po.replace(b"charset=CHARSET", b"charset=UTF-8")
    strings.update(_catalogue(header.replace(b"nplurals=INTEGER; plural=EXPRESSION", b"nplurals=2; plural=(n != 1)")))
    for po_path in Path(django.__file__).parent.glob("**/locale/en/LC_MESSAGES/django.po"):
        if po_path.parts[-5] not in DJANGO_UNUSED:
            strings.update(_catalogue(po_path.read_bytes()))
    return strings


@functools.cache
def english_script_msgids() -> dict:
    """The strings of Wagtail's admin scripts (their source is not shipped; its English catalogue is)."""
    import wagtail.admin

    po = Path(wagtail.admin.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "djangojs.po"
    return _catalogue(po.read_bytes())


def spanish_catalogue() -> dict:
    return trans_real.translation("es-cl")._catalog


def spanish_script_catalogue() -> dict:
    paths = JavaScriptCatalog().get_paths(["wagtail.admin"])
    return trans_real.DjangoTranslation("es-cl", domain="djangojs", localedirs=paths)._catalog


def untranslated(english: dict, spanish) -> list[str]:
    """The msgids of ``english`` that have no Spanish text in ``spanish``."""
    missing = set()
    for key in english:
        if not spanish.get(key):
            missing.add(key[0] if isinstance(key, tuple) else key)
    return sorted(missing)


CODE = re.compile(r"\S*\w[_.(/@]\w\S*")  # allow_future, content/content.json, get_absolute_url()


def words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(CODE.sub(" ", TAG.sub(" ", PLACEHOLDER.sub(" ", text))))}


@functools.cache
def english_only_words() -> frozenset[str]:
    """Words of the English msgids that appear in no Spanish translation, nor in the project's own strings."""
    english = set()
    for key, text in english_msgids().items():
        english |= words(key[0] if isinstance(key, tuple) else key) | words(text)
    spanish = set()
    for catalogue in (spanish_catalogue(), spanish_script_catalogue()):
        for key, _shadowed in catalogue.items():  # items() also yields the texts an earlier catalogue overrides
            if key != "":  # the header: "Last-Translator", "Content-Type"…
                spanish |= words(catalogue[key])
    english -= spanish | NEUTRAL | SPANISH_TOO | {"st", "nd", "rd", "th", "re"}
    return frozenset({word for word in english if word.isascii() and len(word) > 1} | {"true", "false", "none"})


class _VisibleText(html.parser.HTMLParser):
    """What a person reads (or hears) on a page: text, labels in attributes, and the labels of Wagtail's JSON
    props (the sidebar menu is drawn from them)."""

    HIDDEN = {"script", "style", "noscript"}
    READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "aria-description", "data-w-tooltip-content-value"}
    JSON_LABELS = {"label", "title", "help_text", "helpText", "text", "placeholder", "heading", "description"}

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._json = False
        self._unshown: list[str] = []  # the open element with a ``hidden`` attribute, and its nested namesakes

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._unshown and tag == self._unshown[0]:
            self._unshown.append(tag)
        elif not self._unshown and "hidden" in attributes and tag not in self.VOID:
            self._unshown.append(tag)
        if self._unshown:
            return
        if tag in self.HIDDEN:
            self._hidden += 1
            self._json = tag == "script" and (attributes.get("type") or "").endswith("json")
        for name, value in attrs:
            if value and name in self.READ_ATTRIBUTES:
                self.parts.append(value)
        if tag == "input" and attributes.get("type") in {"submit", "button"} and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if self._unshown:
            if tag == self._unshown[0]:
                self._unshown.pop()
            return
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
            self._json = False

    def handle_data(self, data):
        if self._unshown:
            return
        if not self._hidden:
            self.parts.append(data)
        elif self._json:
            try:
                self._labels(json.loads(data))
            except ValueError:
                pass

    def _labels(self, value, key=None):
        if isinstance(value, dict):
            for name, item in value.items():
                self._labels(item, name)
        elif isinstance(value, list):
            for item in value:
                self._labels(item, key)
        elif isinstance(value, str) and key in self.JSON_LABELS:
            self.parts.append(value)


def visible_text(page: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(page)
    return [" ".join(part.split()) for part in parser.parts if part.strip()]


def english_in(page: str) -> list[str]:
    """The pieces of visible text of ``page`` holding an English-only word, with the word: ["items: 3 items", …]."""
    vocabulary = english_only_words()
    found = []
    for part in visible_text(page):
        for word in WORD.findall(CODE.sub(" ", ADDRESS.sub(" ", part))):
            if word.lower() in vocabulary:
                found.append(f"{word}: {part[:120]}")
                break
    return found
