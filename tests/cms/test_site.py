import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import TestCase
from django.utils import formats, translation
from wagtail.rich_text import RichText

from tests.factories.courses import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    site_root,
)

APPS = ["cms", "courses", "learners", "certificates"]
PAGE_WEIGHT_LIMIT = 100 * 1024
DJANGO_ADMIN = str(Path(sys.executable).parent / "django-admin")


class AssetCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets = []
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "link" and attrs.get("rel") in ("stylesheet", "icon"):
            self.assets.append(attrs["href"])
        elif tag in ("script", "img", "iframe", "source") and attrs.get("src"):
            self.assets.append(attrs["src"])


def parse(response):
    collector = AssetCollector()
    collector.feed(response.content.decode())
    return collector


class SitePagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos", show_in_menus=True)
        cls.course = CoursePageFactory(parent=cls.catalogue, title="Participación ciudadana local")
        module = ModulePageFactory(parent=cls.course)
        long_text = "<p>" + "La junta de vecinos representa a quienes viven en la unidad vecinal. " * 60 + "</p>"
        cls.lesson = LessonPageFactory(
            parent=module,
            body=[
                ("heading", {"text": "¿Qué es una junta de vecinos?", "level": "h2"}),
                ("paragraph", RichText(long_text)),
                ("key_idea", {"title": "Idea clave", "text": RichText("<p>Desde los 14 años.</p>")}),
                ("glossary_term", {"term": "Unidad vecinal", "definition": "Territorio en que se divide la comuna."}),
                ("reflection", {"prompt": "¿Conoces tu junta de vecinos?", "hint": ""}),
            ],
        )

    def pages(self):
        return [
            "/",
            "/cursos/",
            self.course.url,
            self.lesson.get_parent().url,
            self.lesson.url,
            "/certificados/verificar/",
        ]

    def test_spanish_by_default(self):
        response = self.client.get("/")
        self.assertContains(response, '<html lang="es-cl">')
        self.assertContains(response, "Saltar al contenido")
        self.assertContains(response, "Verificar un certificado")

    def test_browser_language_does_not_override_spanish(self):
        response = self.client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        self.assertContains(response, '<html lang="es-cl">')
        self.assertEqual(response["Content-Language"], "es-cl")

    def test_english_through_the_language_switch(self):
        response = self.client.post("/i18n/setlang/", {"language": "en", "next": "/cursos/"})
        self.assertRedirects(response, "/cursos/", fetch_redirect_response=False)
        response = self.client.get("/cursos/")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Search courses and lessons")
        self.assertContains(response, "Citizen participation mechanisms")

    def test_chilean_formats(self):
        with translation.override("es-cl"):
            self.assertEqual(formats.date_format(date(2026, 3, 22), "SHORT_DATE_FORMAT"), "22/03/2026")
            self.assertEqual(formats.date_format(date(2026, 3, 7)), "7 de marzo de 2026")
            self.assertEqual(formats.number_format(1234.5, 1, force_grouping=True), "1.234,5")

    def test_skip_link_and_landmarks(self):
        for url in self.pages():
            with self.subTest(url=url):
                response = self.client.get(url)
                html = response.content.decode()
                self.assertIn('class="skip-link" href="#contenido"', html)
                self.assertIn("contenido", parse(response).ids)
                self.assertEqual(html.count("<h1"), 1)
                self.assertIn('<meta name="viewport"', html)
                self.assertIn("<header", html)
                self.assertIn("<footer", html)

    def test_no_third_party_assets(self):
        for url in self.pages():
            with self.subTest(url=url):
                for asset in parse(self.client.get(url)).assets:
                    self.assertFalse(re.match(r"^(https?:)?//", asset), f"{url} loads {asset} from another site")

    def test_lesson_page_weight_without_media(self):
        response = self.client.get(self.lesson.url)
        total = len(response.content)
        for asset in parse(response).assets:
            self.assertTrue(asset.startswith(settings.STATIC_URL), asset)
            path = finders.find(asset.removeprefix(settings.STATIC_URL))
            self.assertIsNotNone(path, asset)
            total += Path(path).stat().st_size
        self.assertLess(total, PAGE_WEIGHT_LIMIT, f"lesson page weighs {total} bytes")

    def test_not_found_page_is_spanish(self):
        response = self.client.get("/no-existe/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "No encontramos esta página", status_code=404)

    def test_robots_keeps_crawlers_out_of_admin(self):
        response = self.client.get("/robots.txt")
        self.assertContains(response, "Disallow: /admin/")


class TranslationCatalogueTests(TestCase):
    """The Spanish catalogues are complete: nothing user-facing falls back to English."""

    def read_po(self, path):
        entries = {}
        text = path.read_text(encoding="utf-8")
        for block in text.split("\n\n"):
            if "#, fuzzy" in block and 'msgid ""\nmsgstr ""' not in block:
                self.fail(f"fuzzy entry in {path}: {block[:120]}")
            msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
            if not msgid:
                continue
            key = "".join(re.findall(r'"(.*)"', msgid.group(1)))
            if not key:
                continue
            strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
            entries[key] = ["".join(re.findall(r'"(.*)"', item)) for item in strings]
        return entries

    def test_every_message_is_translated(self):
        for app in APPS:
            path = Path(settings.BASE_DIR) / app / "locale" / "es" / "LC_MESSAGES" / "django.po"
            for msgid, translations in self.read_po(path).items():
                self.assertTrue(translations and all(translations), f"{app}: untranslated {msgid!r}")

    def test_catalogues_are_up_to_date_with_the_code(self):
        for app in APPS:
            with self.subTest(app=app), tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / app
                shutil.copytree(
                    Path(settings.BASE_DIR) / app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
                )
                subprocess.run(
                    # django-admin, not "python -m django": the app folder holds selectors.py, a stdlib name
                    [
                        sys.executable,
                        DJANGO_ADMIN,
                        "makemessages",
                        "-l",
                        "es",
                        "--no-obsolete",
                        "--settings=cms.settings.test",
                    ],
                    cwd=copy,
                    env={"PYTHONPATH": str(settings.BASE_DIR), "PATH": "/usr/bin:/bin"},
                    check=True,
                    capture_output=True,
                )
                committed = set(self.read_po(Path(settings.BASE_DIR) / app / "locale/es/LC_MESSAGES/django.po"))
                current = set(self.read_po(copy / "locale/es/LC_MESSAGES/django.po"))
                self.assertEqual(current - committed, set(), f"run makemessages for {app} and translate")
