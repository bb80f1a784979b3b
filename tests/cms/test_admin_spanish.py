"""The admin speaks Spanish: every Wagtail and Django string has a Spanish text, and no page a staff role can open
shows English (issue 13, item 1).

The crawl opens, for each role, every admin address that takes no argument, then one address of each shape linked
from those pages (``/admin/pages/<n>/edit/``, ``/admin/snippets/…/edit/<n>/``…): every listing, create, edit,
inspect and delete-confirmation view the role reaches with the school of ``RolesTestCase``.
"""

import re
from urllib.parse import urlsplit

from django.test import SimpleTestCase
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from tests.cms import admin_spanish
from tests.cms.roles_setup import RolesTestCase

STAFF_PREFIXES = ("/admin/", "/equipo/")
# Not pages to read: logging out, files, previews of the public site, and Wagtail's deliberate error page.
NOT_OPENED = re.compile(
    r"/logout/|/jsi18n/|/preview/|/download|/export|\.(csv|xlsx|zip|pdf)$|/admin/sprite|/favicon|/failwhale/"
)
HREF = re.compile(r"""href=["'](/(?:admin|equipo)/[^"'#?]*)""")


def _argumentless_paths() -> list[str]:
    """Every staff address (admin and /equipo/) whose pattern takes no argument."""
    found = set()

    def walk(patterns, prefix):
        for entry in patterns:
            route = str(entry.pattern)
            if route.startswith("^"):
                route = route[1:].removesuffix("$").replace("\\Z", "").replace("\\", "")
                if re.search(r"[()\[\]?*+|]", route):
                    continue
            elif "<" in route:
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                found.add("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(path for path in found if path.startswith(STAFF_PREFIXES) and not NOT_OPENED.search(path))


def _shape(path: str) -> str:
    return re.sub(r"/\d+(?=/)", "/<n>", path)


class AdminSpeaksSpanishTests(RolesTestCase):
    def crawl(self, user) -> dict[str, list[str]]:
        """English found on each page ``user`` opens: {path: ["word: text", …]}; also fails on a 500."""
        self.client.force_login(user)
        english: dict[str, list[str]] = {}
        opened: set[str] = set()
        shapes: set[str] = set()
        queue = list(_argumentless_paths())
        while queue:
            path = queue.pop(0)
            if path in opened or NOT_OPENED.search(path):
                continue
            opened.add(path)
            shapes.add(_shape(path))
            response = self.client.get(path, HTTP_ACCEPT_LANGUAGE="es-cl")
            self.assertLess(response.status_code, 500, path)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            page = response.content.decode()
            if found := admin_spanish.english_in(page):
                english[path] = found
            for link in HREF.findall(page):
                link = urlsplit(link).path
                if link not in opened and _shape(link) not in shapes:
                    shapes.add(_shape(link))
                    queue.append(link)
        self.assertGreater(len(opened), 5, "the crawl opened almost nothing: did the log-in fail?")
        return english

    def assertAllSpanish(self, user):
        english = self.crawl(user)
        self.assertEqual(english, {}, "English in the admin:\n" + "\n".join(f"{p}: {w}" for p, w in english.items()))

    def test_academy_reads_spanish_everywhere(self):
        self.assertAllSpanish(self.academy)

    def test_instructor_reads_spanish_everywhere(self):
        self.assertAllSpanish(self.instructor)

    def test_coordinator_reads_spanish_everywhere(self):
        self.assertAllSpanish(self.coordinator)

    def test_administrator_reads_spanish_everywhere(self):
        self.assertAllSpanish(self.administrator)


class SpanishCataloguesTests(SimpleTestCase):
    def test_every_wagtail_and_django_string_has_spanish(self):
        missing = admin_spanish.untranslated(admin_spanish.english_msgids(), admin_spanish.spanish_catalogue())
        self.assertEqual(missing, [], "add these to cms/locale_wagtail/es/LC_MESSAGES/django.po")

    def test_every_wagtail_script_string_has_spanish(self):
        missing = admin_spanish.untranslated(
            admin_spanish.english_script_msgids(), admin_spanish.spanish_script_catalogue()
        )
        self.assertEqual(missing, [], "add these to cms/locale_wagtail/es/LC_MESSAGES/djangojs.po")

    def test_the_extraction_finds_strings_missing_from_wagtails_english_catalogue(self):
        """Wagtail's shipped English catalogue is older than its code: the strings come from the source."""
        msgids = admin_spanish.english_msgids()
        self.assertIn("Search all pages…", msgids)
        self.assertIn("There are no %(model_name)s to display.", msgids)
        self.assertIn("This field is required.", msgids)

    def test_model_names_take_no_masculine_article(self):
        with translation.override("es-cl"):
            message = translation.gettext("The %(model_name)s could not be created due to errors.") % {
                "model_name": "Actividad H5P"
            }
            created = translation.gettext("%(model_name)s '%(object)s' created.") % {
                "model_name": "Actividad H5P",
                "object": "Quiz",
            }
        self.assertEqual(message, "No se pudo crear: Actividad H5P. Revisa los errores del formulario.")
        self.assertEqual(created, "Se creó «Quiz» (Actividad H5P).")

    def test_listing_strings_read_in_spanish(self):
        with translation.override("es-cl"):
            self.assertEqual(
                translation.gettext("There are no %(model_name)s to display.") % {"model_name": "grupos"},
                "No hay grupos para mostrar.",
            )
            self.assertEqual(translation.gettext("Search all pages…"), "Buscar en todas las páginas…")
            self.assertEqual(translation.gettext("Go to the first error"), "Ir al primer error")


class DetectorTests(SimpleTestCase):
    """The detector the crawl relies on finds the English the first walk-through saw, and passes Spanish."""

    def test_finds_untranslated_strings_and_raw_booleans(self):
        page = (
            "<main><p>There are no grupos to display.</p><p>1-4 of 4 páginas</p><span>3 items</span>"
            "<td>False</td><input placeholder='Search...'><button aria-label='Privacy and access'></button>"
            '<script type="application/json">{"label": "Page types usage", "url": "/admin/reports/"}</script></main>'
        )
        found = " ".join(admin_spanish.english_in(page))
        for english in ("There", "of", "items", "False", "Search", "Privacy", "Page"):
            self.assertIn(f"{english}:", found)

    def test_passes_spanish_names_and_addresses(self):
        page = (
            "<main><h1>Explorando</h1><p>1-4 de 4 páginas · No hay grupos para mostrar.</p><td>Sí</td>"
            "<p>instructora@example.cl · https://example.cl/cursos/ · /admin/pages/3/edit/</p>"
            "<script>var text = 'Search all pages';</script><p>Wagtail, H5P, RUN 12.345.678-5</p></main>"
        )
        self.assertEqual(admin_spanish.english_in(page), [])
