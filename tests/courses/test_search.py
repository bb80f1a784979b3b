"""Search finds what people type (issue 13, item 13), on SQLite and on PostgreSQL alike: a beginning of a word
("lider" → "Liderazgo"), numbers without thousands dots ("ley 20500" → "Ley 20.500"), no accents
("participacion" → "participación"), and a search inside one course that lists only that course's lessons."""

from django.test import SimpleTestCase, TestCase
from wagtail.rich_text import RichText

from courses.search_text import fold
from tests.factories.courses import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    site_root,
)


def paragraph(text):
    return [("paragraph", RichText(f"<p>{text}</p>"))]


class FoldTests(SimpleTestCase):
    def test_accents_and_thousands_dots_go(self):
        self.assertEqual(fold("Participación en la Ley 20.500"), "Participacion en la Ley 20500")
        self.assertEqual(fold("1.234.567 vecinos"), "1234567 vecinos")

    def test_other_dots_and_decimals_stay(self):
        self.assertEqual(fold("Nota 6.5. Fin."), "Nota 6.5. Fin.")
        self.assertEqual(fold("art. 12.3456"), "art. 12.3456")
        self.assertEqual(fold(""), "")


class SearchTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.leadership = CoursePageFactory(
            parent=catalogue, title="Liderazgo comunitario", summary="Conducir una organización vecinal."
        )
        cls.law = CoursePageFactory(
            parent=catalogue,
            title="La Ley 20.500 en tu comuna",
            summary="Asociaciones y participación ciudadana en la gestión pública.",
        )
        cls.other = CoursePageFactory(parent=catalogue, title="Presupuestos municipales", summary="Cuentas públicas.")
        module = ModulePageFactory(parent=cls.leadership, title="Asambleas")
        cls.minutes = LessonPageFactory(
            parent=module, title="Cómo levantar un acta", body=paragraph("El acta registra los acuerdos.")
        )
        cls.quorum = LessonPageFactory(
            parent=module, title="El quórum", body=paragraph("Con 1.500 socios, la participación exige quórum.")
        )
        LessonPageFactory(parent=module, title="Borrador de actas", live=False, body=paragraph("acta en borrador"))
        other_module = ModulePageFactory(parent=cls.other, title="Cuentas")
        cls.foreign = LessonPageFactory(
            parent=other_module, title="El acta de la cuenta pública", body=paragraph("Acta y participación.")
        )


class CatalogueSearchTests(SearchTestCase):
    def courses(self, query):
        response = self.client.get("/cursos/", {"q": query})
        self.assertEqual(response.status_code, 200)
        return [course.title for course in response.context["catalogue"].courses]

    def lessons(self, query):
        return [hit.lesson.title for hit in self.client.get("/cursos/", {"q": query}).context["catalogue"].lessons]

    def test_lider_finds_liderazgo(self):
        self.assertEqual(self.courses("lider"), ["Liderazgo comunitario"])
        self.assertEqual(self.courses("Líder"), ["Liderazgo comunitario"])

    def test_ley_20500_finds_ley_20_500(self):
        self.assertEqual(self.courses("ley 20500"), ["La Ley 20.500 en tu comuna"])
        self.assertEqual(self.courses("ley 20.500"), ["La Ley 20.500 en tu comuna"])
        self.assertEqual(self.lessons("1500 socios"), ["El quórum"])

    def test_participacion_finds_participacion_with_accent(self):
        self.assertEqual(self.courses("participacion ciudadana"), ["La Ley 20.500 en tu comuna"])
        self.assertEqual(sorted(self.lessons("participacion")), ["El acta de la cuenta pública", "El quórum"])

    def test_a_word_prefix_finds_lessons(self):
        self.assertEqual(self.lessons("quor"), ["El quórum"])

    def test_nothing_found_is_still_nothing(self):
        self.assertEqual(self.courses("astronomía"), [])
        self.assertEqual(self.lessons("astronomía"), [])

    def test_hostile_input_is_not_a_500(self):
        for query in ('"lider', "*", "lider:*", "20.500.", "a" * 5000, "& | !", "lider\u200b"):
            self.assertEqual(self.client.get("/cursos/", {"q": query}).status_code, 200, query)
        self.assertEqual(self.client.get("/cursos/", {"q": "\x00lider"}).status_code, 400)  # refused, as before


class CourseLessonSearchTests(SearchTestCase):
    def search(self, course, query):
        response = self.client.get(course.url, {"q": query})
        self.assertEqual(response.status_code, 200)
        return response

    def test_the_course_page_has_a_search_box(self):
        response = self.client.get(self.leadership.url)
        self.assertContains(response, 'id="q-curso"')
        self.assertEqual(response.context["lesson_search"].lessons, [])

    def test_finds_only_this_courses_live_lessons(self):
        response = self.search(self.leadership, "acta")
        self.assertEqual(
            [lesson.title for lesson in response.context["lesson_search"].lessons], ["Cómo levantar un acta"]
        )
        self.assertContains(response, "1 lección de este curso menciona “acta”")
        other = self.search(self.other, "acta")
        self.assertEqual(
            [lesson.title for lesson in other.context["lesson_search"].lessons], ["El acta de la cuenta pública"]
        )

    def test_prefixes_accents_and_numbers_inside_a_course(self):
        for query in ("quor", "participacion", "1500", "1.500"):
            response = self.search(self.leadership, query)
            self.assertEqual(
                [lesson.title for lesson in response.context["lesson_search"].lessons], ["El quórum"], query
            )

    def test_lessons_come_in_course_order(self):
        response = self.search(self.leadership, "el")
        titles = [lesson.title for lesson in response.context["lesson_search"].lessons]
        self.assertEqual(titles, sorted(titles, key=["Cómo levantar un acta", "El quórum"].index))

    def test_no_match_says_so(self):
        response = self.search(self.leadership, "astronomía")
        self.assertContains(response, "Ninguna lección de este curso menciona “astronomía”.")

    def test_hostile_input_is_not_a_500(self):
        for query in ('"acta', "a" * 5000, "acta:* & !", "", "ácta\u200b"):
            self.search(self.leadership, query)
        self.assertEqual(self.client.get(self.leadership.url, {"q": "\x00"}).status_code, 400)
