"""``load_demo_data --update-content``: demo pages nobody touched take the new demo content; a page an editor
changed (published, saved as a draft, unpublished) is left alone. A small demo (one course, one module, two
lessons) keeps these tests fast; the full demo is checked in test_demo.py."""

import copy
import json
import shutil
import tempfile
from pathlib import Path

from django.test import TestCase, override_settings

from cms.demo import DEMO_DIR, EARLIER_VERSIONS_FILE, content_fingerprint, demo_fingerprints, load_demo
from cms.models import DemoPageRecord
from courses.models import CoursePage, LessonPage
from tests.factories.learners import ensure_comuna

COURSE = "participacion-ciudadana-local"
MODULE = f"{COURSE}/pide-reclama-y-propone"
HEARING = f"{MODULE}/audiencia-publica"
REQUESTS = f"{MODULE}/solicitudes-y-reclamos"


def small_demo() -> dict:
    data = json.loads((DEMO_DIR / "courses" / "01-participacion-ciudadana-local.json").read_text(encoding="utf-8"))
    data["modules"] = [module for module in data["modules"] if module["slug"] == "pide-reclama-y-propone"]
    return data


def lesson_data(data: dict, slug: str) -> dict:
    return next(lesson for lesson in data["modules"][0]["lessons"] if lesson["slug"] == slug)


def body_text(page) -> str:
    return json.dumps(page.body.get_prep_value(), ensure_ascii=False)


def live(key: str):
    return DemoPageRecord.objects.get(key=key).page.specific


def lesson(slug: str) -> LessonPage:
    return LessonPage.objects.descendant_of(CoursePage.objects.get(slug=COURSE)).get(slug=slug)


@override_settings(DEBUG=True)
class DemoUpdateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_comuna("13122", "Peñalolén")  # the demo learner's comuna
        cls.original = small_demo()
        cls.root = Path(tempfile.mkdtemp(prefix="demo-update-"))
        cls.addClassCleanup(shutil.rmtree, cls.root, ignore_errors=True)
        load_demo(directory=cls.write("cargada", cls.original), create_admin=False)

    @classmethod
    def write(cls, name: str, course: dict, earlier: dict | None = None) -> Path:
        directory = cls.root / name
        (directory / "courses").mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO_DIR / "site.json", directory / "site.json")
        (directory / "courses" / "01.json").write_text(json.dumps(course, ensure_ascii=False), encoding="utf-8")
        if earlier is not None:
            (directory / EARLIER_VERSIONS_FILE).write_text(json.dumps({"fingerprints": earlier}), encoding="utf-8")
        return directory

    def new_version(self, name: str = "nueva", earlier: dict | None = None) -> Path:
        """The demo with new text in the course summary and in both lessons."""
        data = copy.deepcopy(self.original)
        data["summary"] = "Resumen corregido del curso."
        for slug in ("audiencia-publica", "solicitudes-y-reclamos"):
            lesson_data(data, slug)["body"].insert(0, {"type": "paragraph", "value": f"<p>Texto nuevo de {slug}.</p>"})
        return self.write(name, data, earlier)

    def edit(self, key: str, text: str, *, publish: bool = True) -> None:
        """What an editor does in the page editor: a new revision of the lesson with her text."""
        page = live(key).get_latest_revision_as_object()
        page.body = json.dumps([{"type": "paragraph", "value": f"<p>{text}</p>"}])
        revision = page.save_revision()
        if publish:
            revision.publish()

    def test_an_untouched_page_is_updated_and_an_edited_one_is_left_alone(self):
        self.edit(REQUESTS, "Texto de la editora.")
        report = load_demo(directory=self.new_version(), create_admin=False, update=True)
        self.assertIn("Texto nuevo de audiencia-publica.", body_text(live(HEARING)))
        self.assertEqual(live(COURSE).summary, "Resumen corregido del curso.")
        requests = body_text(live(REQUESTS))
        self.assertIn("Texto de la editora.", requests)
        self.assertNotIn("Texto nuevo", requests)
        self.assertEqual(set(report.updated), {COURSE, HEARING})
        self.assertEqual(report.kept, [REQUESTS])
        self.assertFalse(live(HEARING).has_unpublished_changes)

    def test_a_second_update_changes_nothing(self):
        directory = self.new_version()
        load_demo(directory=directory, create_admin=False, update=True)
        pages_before = LessonPage.objects.count()
        report = load_demo(directory=directory, create_admin=False, update=True)
        self.assertEqual((report.updated, report.kept, report.created_pages), ([], [], 0))
        self.assertEqual(LessonPage.objects.count(), pages_before)

    def test_the_record_follows_the_updated_content(self):
        load_demo(directory=self.new_version(), create_admin=False, update=True)
        record = DemoPageRecord.objects.get(key=HEARING)
        self.assertEqual(record.fingerprint, content_fingerprint(record.page.specific))

    def test_a_saved_draft_counts_as_a_change(self):
        before = body_text(live(HEARING))
        self.edit(HEARING, "Borrador de la editora.", publish=False)
        report = load_demo(directory=self.new_version(), create_admin=False, update=True)
        self.assertIn(HEARING, report.kept)
        self.assertEqual(body_text(live(HEARING)), before)  # the live page as it was
        draft = live(HEARING).get_latest_revision_as_object()
        self.assertIn("Borrador de la editora.", body_text(draft))  # and her draft kept

    def test_an_unpublished_page_stays_unpublished(self):
        live(HEARING).unpublish()
        report = load_demo(directory=self.new_version(), create_admin=False, update=True)
        self.assertIn(HEARING, report.kept)
        self.assertFalse(live(HEARING).live)
        self.assertNotIn("Texto nuevo", body_text(live(HEARING)))

    def test_without_the_option_nothing_is_overwritten(self):
        report = load_demo(directory=self.new_version(), create_admin=False)
        self.assertNotIn("Texto nuevo", body_text(live(HEARING)))
        self.assertNotEqual(live(COURSE).summary, "Resumen corregido del curso.")
        self.assertEqual((report.updated, report.kept), ([], []))

    def test_pages_loaded_before_the_records_need_a_known_earlier_version(self):
        earlier = {key: [fingerprint] for key, fingerprint in demo_fingerprints().items()}
        DemoPageRecord.objects.all().delete()  # as on an installation loaded before this option existed
        report = load_demo(directory=self.new_version("sin-historial"), create_admin=False, update=True)
        self.assertEqual(report.updated, [])
        self.assertEqual(set(report.kept), {COURSE, HEARING, REQUESTS})  # unknown content: never overwritten
        self.assertNotIn("Texto nuevo", body_text(lesson("audiencia-publica")))

        report = load_demo(directory=self.new_version("con-historial", earlier), create_admin=False, update=True)
        self.assertEqual(set(report.updated), {COURSE, HEARING, REQUESTS})
        self.assertIn("Texto nuevo de audiencia-publica.", body_text(live(HEARING)))

    def test_an_earlier_version_does_not_cover_a_later_edit(self):
        earlier = {key: [fingerprint] for key, fingerprint in demo_fingerprints().items()}
        self.edit(REQUESTS, "Texto de la editora.")
        DemoPageRecord.objects.filter(key=REQUESTS).delete()  # loaded before records: only the earlier list
        report = load_demo(directory=self.new_version("con-historial", earlier), create_admin=False, update=True)
        self.assertIn(REQUESTS, report.kept)
        self.assertIn("Texto de la editora.", body_text(lesson("solicitudes-y-reclamos")))

    def test_the_fingerprint_ignores_block_ids_and_document_ids(self):
        page = live(HEARING)
        fingerprint = content_fingerprint(page)
        page.save_revision().publish()  # a new revision of the same content
        self.assertEqual(content_fingerprint(live(HEARING).get_latest_revision_as_object()), fingerprint)
        page.title = "Audiencias públicas"
        self.assertNotEqual(content_fingerprint(page), fingerprint)
