"""WCAG 2 A/AA checks with axe-core (npm, devDependency) on every public page type, at 360 px and on a desktop."""

from pathlib import Path

import pytest
from wagtail.rich_text import RichText

from courses.models.pages import ThematicArea
from tests.factories.courses import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    ensure_site_baseline,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def pages(transactional_db):
    home = ensure_site_baseline()
    home.intro = "<p>Cursos gratuitos para tu comuna.</p>"
    home.save()
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    course = CoursePageFactory(parent=catalogue, title="Liderazgo comunitario", thematic_area=ThematicArea.LEADERSHIP)
    home.featured_courses.create(course=course, sort_order=0)
    module = ModulePageFactory(parent=course, title="Asambleas")
    lesson = LessonPageFactory(
        parent=module,
        title="El acta",
        body=[
            ("heading", {"text": "Qué registra un acta", "level": "h2"}),
            ("paragraph", RichText('<p>Los acuerdos. <a href="https://www.bcn.cl/leychile">Ley 19.418</a></p>')),
            ("key_idea", {"title": "Idea clave", "text": RichText("<p>El acta da fe.</p>")}),
            ("glossary_term", {"term": "Quórum", "definition": "Número mínimo de asistentes."}),
            ("reflection", {"prompt": "¿Quién firma?", "hint": "La directiva."}),
        ],
    )
    LessonPageFactory(parent=module, title="La asamblea")
    return [
        "/",
        "/cursos/",
        "/cursos/?q=acta",
        course.url,
        course.url + "?q=acta",  # the search inside one course
        module.url,
        lesson.url,
        "/certificados/verificar/ABCD/",
        "/certificados/verificar/ABCDEFGHJKLMNPQR7/",  # a typo: the check character is 6
    ]


def axe_violations(page, url: str) -> list[str]:
    """Run axe-core on the loaded page for WCAG 2.0/2.1 A and AA; one line per violation."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag: the page's CSP would refuse it
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{url}: {violation['id']} ({violation['impact']}) {[node['target'] for node in violation['nodes']][:3]}"
        for violation in result["violations"]
    ]


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_have_no_wcag_aa_violations(live_server, browser, pages, width):
    assert AXE.exists(), "run `npm ci` (make test does) to install axe-core"
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    problems = []
    for url in pages:
        page.goto(live_server.url + url)
        problems.extend(axe_violations(page, url))
    context.close()
    assert problems == []


def test_learner_pages_have_no_wcag_aa_violations(live_server, browser, pages):
    """Sign-up, log-in, "Mis cursos", an enrolled learner's course and lesson pages, at 360 px."""
    from django.core.management import call_command
    from django.test import Client

    from courses import selectors
    from courses.models import CoursePage
    from learners.enrolment.services import enrolment_create
    from learners.progress.services import lesson_mark_complete
    from tests.factories.learners import learner

    call_command("load_reference_data", verbosity=0)
    anonymous = ["/cuenta/registro/", "/cuenta/ingresar/", "/cuenta/clave/", "/cuenta/privacidad/"]
    user = learner()
    course = CoursePage.objects.get(title="Liderazgo comunitario")
    enrolment = enrolment_create(user=user, course=course)
    lesson = selectors.course_lessons(course=course).first()
    lesson_mark_complete(enrolment=enrolment, lesson=lesson)
    client = Client()
    client.force_login(user)
    signed_in = [
        "/mis-cursos/",
        course.url,
        lesson.url,
        "/cuenta/perfil/",
        "/cuenta/perfil/cambiar-contrasena/",
        "/cuenta/mis-datos/",
        "/cuenta/privacidad/retirar/",
    ]

    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    problems = []
    for url in anonymous + ["__login__"] + signed_in:
        if url == "__login__":
            context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
            )
            continue
        page.goto(live_server.url + url)
        assert page.url == live_server.url + url, f"{url} redirected to {page.url}"
        problems.extend(axe_violations(page, url))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
    assert problems == []
