from django.test import TestCase
from wagtail.rich_text import RichText

from courses.models.pages import Modality, ThematicArea
from tests.factories.courses import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    site_root,
)


def titles(response):
    return [course.title for course in response.context["catalogue"].courses]


class CatalogueFilterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        home = site_root()
        cls.catalogue = CourseIndexPageFactory(parent=home, slug="cursos")
        cls.cosoc = CoursePageFactory(
            parent=cls.catalogue,
            title="El COSOC de tu comuna",
            summary="Cómo funciona el consejo comunal de organizaciones de la sociedad civil.",
            thematic_area=ThematicArea.PARTICIPATION,
            modality=Modality.E_LEARNING,
            audiences=["citizens", "social_leaders"],
        )
        cls.leadership = CoursePageFactory(
            parent=cls.catalogue,
            title="Liderazgo comunitario",
            summary="Conducir una organización vecinal.",
            thematic_area=ThematicArea.LEADERSHIP,
            modality=Modality.B_LEARNING,
            audiences=["social_leaders"],
        )
        cls.staff = CoursePageFactory(
            parent=cls.catalogue,
            title="Gestión de proyectos municipales",
            summary="Para equipos municipales.",
            thematic_area=ThematicArea.LOCAL_PROJECTS,
            modality=Modality.IN_PERSON,
            audiences=["municipal_staff"],
        )
        cls.draft = CoursePageFactory(parent=cls.catalogue, title="Curso en borrador", live=False)
        module = ModulePageFactory(parent=cls.leadership, title="Asambleas")
        cls.lesson = LessonPageFactory(
            parent=module,
            title="Cómo levantar un acta",
            body=[
                ("paragraph", RichText("<p>El acta registra los acuerdos de la asamblea y la firma el secretario.</p>"))
            ],
        )

    def get(self, **params):
        return self.client.get("/cursos/", params)

    def test_lists_live_courses_in_order(self):
        response = self.get()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            titles(response), ["El COSOC de tu comuna", "Liderazgo comunitario", "Gestión de proyectos municipales"]
        )
        self.assertNotContains(response, "Curso en borrador")
        self.assertContains(response, "3 cursos")

    def test_filter_by_area(self):
        self.assertEqual(titles(self.get(area="leadership")), ["Liderazgo comunitario"])
        self.assertEqual(titles(self.get(area="participation")), ["El COSOC de tu comuna"])

    def test_filter_by_audience(self):
        self.assertEqual(titles(self.get(publico="social_leaders")), ["El COSOC de tu comuna", "Liderazgo comunitario"])
        self.assertEqual(titles(self.get(publico="municipal_staff")), ["Gestión de proyectos municipales"])

    def test_filter_by_modality(self):
        self.assertEqual(titles(self.get(modalidad="presencial")), ["Gestión de proyectos municipales"])
        self.assertEqual(titles(self.get(modalidad="b_learning")), ["Liderazgo comunitario"])

    def test_filters_combine(self):
        self.assertEqual(titles(self.get(publico="social_leaders", modalidad="e_learning")), ["El COSOC de tu comuna"])
        response = self.get(area="leadership", publico="municipal_staff")
        self.assertEqual(titles(response), [])
        self.assertContains(response, "Ningún curso coincide con estos filtros.")

    def test_unknown_filter_values_are_ignored(self):
        response = self.get(area="<script>", publico="nadie", modalidad="x", pagina="abc")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(titles(response)), 3)
        self.assertNotContains(response, "<script>")

    def test_selected_filters_stay_selected(self):
        response = self.get(area="leadership")
        self.assertContains(response, '<option value="leadership" selected>', html=False)

    def test_search_finds_courses(self):
        response = self.get(q="consejo comunal")
        self.assertEqual(titles(response), ["El COSOC de tu comuna"])

    def test_search_ignores_accents(self):
        self.assertEqual(titles(self.get(q="gestion de proyectos")), ["Gestión de proyectos municipales"])
        self.assertEqual(
            self.get(q="como levantar").context["catalogue"].lessons[0].lesson.title, "Cómo levantar un acta"
        )

    def test_search_finds_lessons_with_their_course(self):
        response = self.get(q="acta")
        hits = response.context["catalogue"].lessons
        self.assertEqual(
            [(hit.lesson.title, hit.course.title) for hit in hits], [("Cómo levantar un acta", "Liderazgo comunitario")]
        )
        self.assertContains(response, "Cómo levantar un acta")

    def test_search_respects_filters(self):
        response = self.get(q="acta", area="participation")
        self.assertEqual(response.context["catalogue"].lessons, [])

    def test_search_without_results(self):
        response = self.get(q="astronomía")
        self.assertEqual(titles(response), [])
        self.assertContains(response, "Ninguna lección menciona tu búsqueda.")

    def test_draft_lessons_are_not_found(self):
        LessonPageFactory(
            parent=self.lesson.get_parent(),
            title="Borrador de tesorería",
            live=False,
            body=[("paragraph", RichText("<p>tesorería</p>"))],
        )
        self.assertEqual(self.get(q="tesorería").context["catalogue"].lessons, [])


class CataloguePaginationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        for number in range(14):
            CoursePageFactory(parent=cls.catalogue, title=f"Curso {number:02d}", thematic_area=ThematicArea.CIVIC)

    def test_pages_of_twelve_keep_filters(self):
        first = self.client.get("/cursos/", {"area": "civic"})
        self.assertEqual(len(titles(first)), 12)
        self.assertContains(first, "?area=civic&amp;pagina=2")
        second = self.client.get("/cursos/", {"area": "civic", "pagina": 2})
        self.assertEqual(titles(second), ["Curso 12", "Curso 13"])
