from django.test import TestCase
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import HomePage, StandardPage
from courses.models import Audience, CourseIndexPage, CoursePage, LessonPage, ModulePage
from tests.factories.courses import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    site_root,
)


class PageTypeRuleTests(WagtailPageTestCase):
    def test_allowed_subpage_types(self):
        self.assertAllowedSubpageTypes(HomePage, {CourseIndexPage, StandardPage})
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage})
        self.assertAllowedSubpageTypes(CoursePage, {ModulePage})
        self.assertAllowedSubpageTypes(ModulePage, {LessonPage})
        self.assertAllowedSubpageTypes(LessonPage, set())

    def test_allowed_parent_page_types(self):
        self.assertAllowedParentPageTypes(CoursePage, {CourseIndexPage})
        self.assertAllowedParentPageTypes(ModulePage, {CoursePage})
        self.assertAllowedParentPageTypes(LessonPage, {ModulePage})
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_lessons_only_inside_modules(self):
        self.assertCanCreateAt(ModulePage, LessonPage)
        for parent in (HomePage, CourseIndexPage, CoursePage, LessonPage, StandardPage):
            self.assertCanNotCreateAt(parent, LessonPage)

    def test_modules_only_inside_courses_and_courses_only_in_catalogues(self):
        self.assertCanCreateAt(CoursePage, ModulePage)
        self.assertCanNotCreateAt(CourseIndexPage, ModulePage)
        self.assertCanNotCreateAt(HomePage, ModulePage)
        self.assertCanCreateAt(CourseIndexPage, CoursePage)
        self.assertCanNotCreateAt(HomePage, CoursePage)
        self.assertCanNotCreateAt(ModulePage, CoursePage)

    def test_home_pages_hang_from_the_root_one_per_site(self):
        """The academy's and each municipal school's home page (issue 15): only at the root of the tree."""
        self.assertIsNone(HomePage.max_count)
        self.assertEqual(HomePage.parent_page_types, ["wagtailcore.Page"])
        self.assertCanNotCreateAt(HomePage, HomePage)
        self.assertCanNotCreateAt(CourseIndexPage, HomePage)
        self.assertEqual(HomePage.objects.count(), 1)


class AdminCreationTests(WagtailPageTestCase):
    """An editor creates each page type through the Wagtail admin forms."""

    @classmethod
    def setUpTestData(cls):
        cls.home = site_root()
        cls.catalogue = CourseIndexPageFactory(parent=cls.home)
        cls.course = CoursePageFactory(parent=cls.catalogue)
        cls.module = ModulePageFactory(parent=cls.course)

    def setUp(self):
        self.login()

    def test_create_course(self):
        audience = Audience.objects.get(code=Audience.Code.SOCIAL_LEADERS)
        data = nested_form_data(
            {
                "title": "Liderazgo comunitario",
                "slug": "liderazgo-comunitario",
                "summary": "Para dirigentes.",
                "thematic_area": "leadership",
                "modality": "b_learning",
                "duration_hours": "12",
                "pass_grade": "4.0",
                "min_attendance_percent": "75",
                "learning_objectives": rich_text("<ul><li>Conducir una asamblea.</li></ul>"),
                "requirements": rich_text(""),
                "instructors": inline_formset([{"name": "María Soto", "role": "Dirigenta", "user": ""}]),
            }
        )
        data["audiences"] = [audience.pk]
        self.assertCanCreate(self.catalogue, CoursePage, data)
        course = CoursePage.objects.get(slug="liderazgo-comunitario")
        self.assertEqual(list(course.audiences.values_list("code", flat=True)), ["social_leaders"])
        self.assertEqual([i.name for i in course.instructors.all()], ["María Soto"])
        self.assertEqual((course.is_open, course.grade_required, course.min_attendance_percent), (False, False, 75))

    def test_create_module_and_lesson(self):
        self.assertCanCreate(
            self.course,
            ModulePage,
            nested_form_data(
                {"title": "Módulo nuevo", "slug": "modulo-nuevo", "introduction": rich_text("<p>Hola</p>")}
            ),
        )
        body = streamfield(
            [
                ("heading", {"text": "¿Qué es el COSOC?", "level": "h2"}),
                ("paragraph", rich_text("<p>Es un consejo consultivo.</p>")),
                ("key_idea", {"title": "Idea clave", "text": rich_text("<p>Su opinión no es vinculante.</p>")}),
                (
                    "glossary_term",
                    {"term": "COSOC", "definition": "Consejo Comunal de Organizaciones de la Sociedad Civil"},
                ),
                ("reflection", {"prompt": "¿Quién integra el COSOC de tu comuna?", "hint": ""}),
            ]
        )
        self.assertCanCreate(
            self.module,
            LessonPage,
            nested_form_data({"title": "El COSOC", "slug": "el-cosoc", "estimated_minutes": "15", "body": body}),
        )
        lesson = LessonPage.objects.get(slug="el-cosoc")
        self.assertEqual(
            [block.block_type for block in lesson.body],
            ["heading", "paragraph", "key_idea", "glossary_term", "reflection"],
        )


class RenderTests(WagtailPageTestCase):
    """Every page type renders, live and in preview."""

    @classmethod
    def setUpTestData(cls):
        cls.home = site_root()
        cls.standard = StandardPage(title="Acerca", slug="acerca", body="<p>Somos una escuela.</p>")
        cls.home.add_child(instance=cls.standard)
        cls.catalogue = CourseIndexPageFactory(parent=cls.home)
        cls.course = CoursePageFactory(parent=cls.catalogue)
        cls.module = ModulePageFactory(parent=cls.course)
        cls.lesson = LessonPageFactory(parent=cls.module)

    def test_pages_render(self):
        for page in (self.home, self.standard, self.catalogue, self.course, self.module, self.lesson):
            with self.subTest(page=page.specific_class.__name__):
                self.assertPageIsRenderable(page)

    def test_pages_preview(self):
        self.login()
        for page in (self.home, self.standard, self.catalogue, self.course, self.module):
            with self.subTest(page=page.specific_class.__name__):
                self.assertPageIsPreviewable(page.specific)
        lesson_data = nested_form_data(
            {
                "title": self.lesson.title,
                "slug": self.lesson.slug,
                "estimated_minutes": "10",
                "body": streamfield([("paragraph", rich_text("<p>Borrador.</p>"))]),
            }
        )
        self.assertPageIsPreviewable(self.lesson, post_data=lesson_data)


class InstructorAccountChoiceTests(TestCase):
    def test_only_staff_accounts_can_be_named(self):
        from django.contrib.auth.models import Group

        from courses.models import CourseInstructor
        from tests.factories.learners import make_user

        learner = make_user(email="vecina@example.cl")
        instructor = make_user(email="profe@example.cl")
        instructor.groups.add(Group.objects.get_or_create(name="Instructor")[0])
        staff = make_user(email="staff@example.cl", is_staff=True)
        from django.forms.models import apply_limit_choices_to_to_formfield

        field = CourseInstructor._meta.get_field("user").formfield()
        apply_limit_choices_to_to_formfield(field)  # as the page editor's form does
        self.assertEqual(set(field.queryset), {instructor, staff})
        self.assertNotIn(learner, field.queryset)
