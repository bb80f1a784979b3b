"""Addresses without accents: ``ejemplo-practico``, not ``ejemplo-práctico`` (issue 13).

``WAGTAIL_ALLOW_UNICODE_SLUGS = False`` (settings) makes Wagtail derive ASCII slugs from titles, in the page
editor's script and on the server. ``AsciiSlugMixin`` covers a slug typed by hand or set by code: the page
models (and their editor form, ``AsciiSlugPageForm``) turn it into ASCII before Wagtail checks it against the
sibling pages, so a clash is reported on the slug field as usual.
"""

from django.utils.text import slugify
from wagtail.admin.forms import WagtailAdminPageForm


def ascii_slug(text: str) -> str:
    """``text`` as a slug of ASCII letters, digits and hyphens: "Ejemplo práctico ñandú" -> "ejemplo-practico-nandu"."""
    return slugify(text, allow_unicode=False)


class AsciiSlugPageForm(WagtailAdminPageForm):
    """The page editor's form: the slug is made ASCII before Wagtail looks for a sibling with the same one.

    In the browser, Wagtail's slug field cleans a slug typed by hand with ``slugify`` when it loses focus, which
    drops accented letters ("guía" -> "gua"); here it uses ``urlify``, the transliteration Wagtail applies to
    titles ("guía" -> "guia")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            attrs = self.fields["slug"].widget.attrs
            if "blur->w-slug#slugify" in attrs.get("data-action", ""):
                attrs["data-action"] = attrs["data-action"].replace("blur->w-slug#slugify", "blur->w-slug#urlify")

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        return ascii_slug(slug) if slug and not slug.isascii() else slug


class AsciiSlugMixin:
    """For Wagtail page models: a slug with accents or other non-ASCII letters is transliterated on validation."""

    base_form_class = AsciiSlugPageForm

    def full_clean(self, *args, **kwargs):
        if self.slug and not self.slug.isascii():
            self.slug = ascii_slug(self.slug)
        return super().full_clean(*args, **kwargs)
