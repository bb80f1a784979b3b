"""Builders for course pages. Usage: ``CoursePageFactory(parent=catalogue, audiences=["citizens"])``."""

import factory
import wagtail_factories
from wagtail.models import Page

from courses.models import Audience, CourseIndexPage, CourseInstructor, CoursePage, LessonPage, ModulePage
from courses.models.pages import Modality, ThematicArea


class CourseIndexPageFactory(wagtail_factories.PageFactory):
    title = "Cursos"
    slug = factory.Sequence(lambda n: f"cursos-{n}")
    intro = "<p>Todos los cursos.</p>"

    class Meta:
        model = CourseIndexPage


class CoursePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Curso {n}")
    slug = factory.Sequence(lambda n: f"curso-{n}")
    summary = "Un curso de prueba."
    thematic_area = ThematicArea.CIVIC
    modality = Modality.E_LEARNING
    duration_hours = 8
    learning_objectives = "<ul><li>Aprender.</li></ul>"

    class Meta:
        model = CoursePage
        skip_postgeneration_save = True

    @factory.post_generation
    def audiences(self, create, extracted, **kwargs):
        codes = extracted if extracted is not None else [Audience.Code.CITIZENS]
        self.audiences.set(Audience.objects.filter(code__in=codes))
        if create:
            self.save()

    @factory.post_generation
    def instructors(self, create, extracted, **kwargs):
        names = extracted if extracted is not None else ["Ana Pérez Soto"]
        self.instructors = [CourseInstructor(name=name, role="Instructora") for name in names]
        if create:
            self.save()


class ModulePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Módulo {n}")
    slug = factory.Sequence(lambda n: f"modulo-{n}")
    introduction = "<p>Introducción.</p>"

    class Meta:
        model = ModulePage


class LessonPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Lección {n}")
    slug = factory.Sequence(lambda n: f"leccion-{n}")
    estimated_minutes = 10

    class Meta:
        model = LessonPage

    @factory.lazy_attribute
    def body(self):
        from wagtail.rich_text import RichText

        return [("paragraph", RichText("<p>Contenido de la lección.</p>"))]


def site_root() -> Page:
    """The home page the cms migration creates: the default site's (the academy's; schools have their own)."""
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True).root_page.specific


def build_course(*, catalogue, modules: int = 2, lessons: int = 2, **fields) -> CoursePage:
    course = CoursePageFactory(parent=catalogue, **fields)
    for _ in range(modules):
        module = ModulePageFactory(parent=course)
        for _ in range(lessons):
            LessonPageFactory(parent=module)
    return course


def ensure_site_baseline() -> Page:
    """Recreate what migrations create (locale, root page and collection, home page, site, audiences) after a
    transactional flush."""
    from django.conf import settings
    from wagtail.models import Collection, Locale, Site

    from cms.models import HomePage

    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    for code in Audience.Code.values:
        Audience.objects.get_or_create(code=code)
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(title="Escuela Ciudadana", slug="inicio", hero_title="Aprende a participar en tu comuna")
        root.add_child(instance=home)
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": home.title}
    )
    return home
