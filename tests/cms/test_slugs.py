"""Addresses without accents (issue 13, item 2): page slugs from titles, slugs typed by hand, and file names."""

import json

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import SimpleTestCase, TestCase
from wagtail.documents.models import Document
from wagtail.models import Page
from wagtail.test.utils import WagtailTestUtils

from cms.models import StandardPage
from cms.storage import ascii_file_name
from courses.models import CourseIndexPage
from courses.slugs import ascii_slug
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import make_user


class AsciiSlugTests(SimpleTestCase):
    def test_ascii_slug_spells_accents_without_them(self):
        self.assertEqual(ascii_slug("Ejemplo práctico"), "ejemplo-practico")
        self.assertEqual(ascii_slug("Ñuñoa: participación ciudadana"), "nunoa-participacion-ciudadana")
        self.assertEqual(ascii_slug("¿Qué es la Ley 20.500?"), "que-es-la-ley-20500")

    def test_wagtail_makes_ascii_slugs(self):
        self.assertIs(settings.WAGTAIL_ALLOW_UNICODE_SLUGS, False)

    def test_file_names_lose_their_accents(self):
        self.assertEqual(ascii_file_name("Guía práctica ñandú.pdf"), "Guia practica nandu.pdf")
        self.assertEqual(ascii_file_name("文件.pdf"), "archivo.pdf")
        self.assertEqual(ascii_file_name("文件"), "archivo")


class PageSlugTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.catalogue = CourseIndexPageFactory(parent=site_root())

    def test_a_slug_from_the_title_has_no_accents(self):
        course = build_course(catalogue=self.catalogue, modules=0, title="Ejemplo práctico de participación", slug="")
        self.assertEqual(course.slug, "ejemplo-practico-de-participacion")

    def test_a_slug_typed_with_accents_is_saved_without_them(self):
        page = site_root().add_child(
            instance=StandardPage(title="Ayuda", slug="ayuda-práctica-ñuñoa", body="<p>Ayuda</p>")
        )
        self.assertEqual(Page.objects.get(pk=page.pk).slug, "ayuda-practica-nunoa")

    def test_every_page_model_of_the_platform_transliterates(self):
        from cms.models import HomePage
        from courses.models import CoursePage, LessonPage, ModulePage
        from courses.slugs import AsciiSlugMixin

        for model in (HomePage, StandardPage, CourseIndexPage, CoursePage, ModulePage, LessonPage):
            self.assertTrue(issubclass(model, AsciiSlugMixin), model)


class AdminPageSlugTests(WagtailTestUtils, TestCase):
    """The page editor, without its script: the server makes the slug ASCII, and a clash is a form error."""

    @classmethod
    def setUpTestData(cls):
        cls.admin = make_user(email="admin@example.cl", is_superuser=True)
        cls.home = site_root()

    def setUp(self):
        self.client.force_login(self.admin)

    def create(self, **data):
        url = f"/admin/pages/add/cms/standardpage/{self.home.pk}/"
        block = {
            "key": "a",
            "type": "unstyled",
            "text": "Hola",
            "depth": 0,
            "inlineStyleRanges": [],
            "entityRanges": [],
        }
        body = json.dumps({"blocks": [block], "entityMap": {}})
        return self.client.post(url, {"title": "Ejemplo práctico", "body": body, "action-publish": "1", **data})

    def test_the_editor_saves_an_accented_slug_without_accents(self):
        response = self.create(slug="ejemplo-práctico")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(StandardPage.objects.filter(slug="ejemplo-practico").exists())
        self.assertFalse(Page.objects.filter(slug__contains="á").exists())

    def test_the_editor_reports_a_clash_after_transliteration(self):
        self.home.add_child(instance=StandardPage(title="Ejemplo", slug="ejemplo-practico", body="<p>Hola</p>"))
        response = self.create(slug="ejemplo-práctico")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "El slug «ejemplo-practico» ya se usa dentro de la página superior.")
        self.assertEqual(StandardPage.objects.filter(slug="ejemplo-practico").count(), 1)


class DocumentFileNameTests(TestCase):
    def test_an_uploaded_document_address_has_no_accents(self):
        document = Document(title="Guía práctica")
        document.file.save("Guía práctica.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
        self.addCleanup(default_storage.delete, document.file.name)
        self.assertTrue(document.file.name.endswith(".pdf"))
        self.assertTrue(document.file.name.isascii(), document.file.name)
        self.assertIn("Guia_practica", document.url)
