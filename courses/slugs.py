"""Addresses without accents: ``ejemplo-practico``, not ``ejemplo-práctico`` (issue 13).

``WAGTAIL_ALLOW_UNICODE_SLUGS = False`` (settings) makes Wagtail derive ASCII slugs from titles, in the page
editor's script and on the server. ``AsciiSlugMixin`` covers a slug typed by hand or set by code: the page
models (and their editor form, ``AsciiSlugPageForm``) turn it into ASCII before Wagtail checks it against the
sibling pages, so a clash is reported on the slug field as usual.

A clash is also explained at the top of the form (issue 13, item 9), because the slug sits on a tab the editor is
not looking at: autosave keeps a new page as a draft as soon as it has a title, so creating "the same" page again
clashes with that hidden draft. The form names the page that holds the address (``slug_clash``), and the page
create and edit templates link to it and, for a never-published draft, to discarding it.
"""

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
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

    slug_clash = None  # the sibling page that already has the slug, when there is one

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        self._slug = ascii_slug(slug) if slug and not slug.isascii() else slug
        return self._slug

    def clean(self):
        cleaned_data = super().clean()
        slug = getattr(self, "_slug", "")
        if slug and "slug" in self.errors and self.parent_page is not None:
            siblings = self.parent_page.get_children().filter(slug=slug)
            if self.instance.pk:
                siblings = siblings.exclude(pk=self.instance.pk)
            self.slug_clash = siblings.first()
        if self.slug_clash is not None:
            self.add_error(None, ValidationError(self._clash_message(self.slug_clash, slug), code="slug_clash"))
        return cleaned_data

    @staticmethod
    def _clash_message(page, slug: str) -> str:
        title = page.get_admin_display_title()
        if not page.live and page.first_published_at is None:
            saved = page.latest_revision_created_at
            when = formats.date_format(timezone.localtime(saved), "SHORT_DATETIME_FORMAT") if saved else "—"
            return _(
                "An unpublished draft already uses the address “%(slug)s” here: “%(title)s” (last saved %(when)s). "
                "The editor saves a new page as a draft as soon as it has a title. Continue that draft, or discard "
                "it and create this page again."
            ) % {"slug": slug, "title": title, "when": when}
        return _(
            "The page “%(title)s” already uses the address “%(slug)s” in this section. Change the address (slug) in "
            "the “Promotion” tab."
        ) % {"slug": slug, "title": title}


class AsciiSlugMixin:
    """For Wagtail page models: a slug with accents or other non-ASCII letters is transliterated on validation."""

    base_form_class = AsciiSlugPageForm

    def full_clean(self, *args, **kwargs):
        if self.slug and not self.slug.isascii():
            self.slug = ascii_slug(self.slug)
        return super().full_clean(*args, **kwargs)
