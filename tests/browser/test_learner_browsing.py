"""A person on a 360 px phone finds a course, reads a lesson and moves through the course."""

import pytest
from wagtail.rich_text import RichText

from courses.models.pages import Modality, ThematicArea
from tests.factories.courses import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    ensure_site_baseline,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def school(transactional_db):
    home = ensure_site_baseline()  # a transactional test's flush removed what migrations created
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    course = CoursePageFactory(
        parent=catalogue,
        title="Participación ciudadana local",
        summary="Conoce el COSOC, las audiencias públicas y los presupuestos participativos.",
        thematic_area=ThematicArea.PARTICIPATION,
        modality=Modality.E_LEARNING,
        is_open=True,
    )
    CoursePageFactory(parent=catalogue, title="Liderazgo comunitario", thematic_area=ThematicArea.LEADERSHIP)
    module = ModulePageFactory(parent=course, title="Mecanismos de participación")
    first = LessonPageFactory(
        parent=module,
        title="¿Qué es el COSOC?",
        body=[
            ("paragraph", RichText("<p>El Consejo Comunal de Organizaciones de la Sociedad Civil es consultivo.</p>")),
            (
                "glossary_term",
                {"term": "Consejo comunal de organizaciones de la sociedad civil", "definition": "Órgano asesor."},
            ),
            (
                "reflection",
                {"prompt": "¿Quién representa a tu organización?", "hint": "Pregunta en la secretaría municipal."},
            ),
        ],
    )
    second_module = ModulePageFactory(parent=course, title="Audiencias")
    second = LessonPageFactory(parent=second_module, title="Pide una audiencia pública")
    return {"course": course, "first": first, "second": second}


def test_find_a_course_and_read_it_on_a_phone(live_server, phone, school, artifacts):
    phone.goto(live_server.url + "/cursos/")
    assert phone.locator("html").get_attribute("lang") == "es-cl"
    assert no_horizontal_scroll(phone)

    phone.select_option("#area", "participation")
    phone.get_by_role("button", name="Buscar").click()
    phone.wait_for_url("**/cursos/?*area=participation*")
    cards = phone.locator(".card__title")
    assert cards.all_inner_texts() == ["Participación ciudadana local"]
    phone.screenshot(path=artifacts / "catalogo-360.png", full_page=True)

    cards.first.locator("a").click()
    phone.get_by_role("heading", level=1, name="Participación ciudadana local").wait_for()
    assert no_horizontal_scroll(phone)
    phone.get_by_role("link", name="Comenzar el curso").click()

    phone.get_by_role("heading", level=1, name="¿Qué es el COSOC?").wait_for()
    assert no_horizontal_scroll(phone)
    phone.get_by_text("Una pista").click()
    assert phone.get_by_text("Pregunta en la secretaría municipal.").is_visible()
    phone.screenshot(path=artifacts / "leccion-360.png", full_page=True)

    phone.get_by_role("link", name="Lección siguiente").click()
    phone.get_by_role("heading", level=1, name="Pide una audiencia pública").wait_for()
    assert "Lección 2 de 2" in phone.inner_text("main")
    phone.get_by_role("link", name="Volver al curso").click()
    phone.get_by_role("heading", level=1, name="Participación ciudadana local").wait_for()


def test_skip_link_and_keyboard_focus(live_server, phone, school):
    phone.goto(live_server.url + school["first"].url)
    phone.keyboard.press("Tab")
    skip = phone.get_by_role("link", name="Saltar al contenido")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box and box["y"] >= 0, "the skip link becomes visible when focused"
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none", "focus is visible"
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "contenido"


def test_search_from_the_catalogue(live_server, phone, school):
    phone.goto(live_server.url + "/cursos/")
    phone.fill("#q", "audiencia")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**q=audiencia*")
    assert "Pide una audiencia pública" in phone.inner_text("main")


def test_language_switch_to_english(live_server, phone, school):
    phone.goto(live_server.url + "/cursos/")
    phone.get_by_role("button", name="English").click()
    phone.get_by_role("button", name="Search").wait_for()
    assert phone.locator("html").get_attribute("lang") == "en"
    phone.get_by_role("button", name="Español").click()
    phone.get_by_role("button", name="Buscar").wait_for()


def test_verify_box_on_home(live_server, phone, school):
    phone.goto(live_server.url + "/")
    assert no_horizontal_scroll(phone)
    phone.get_by_label("Código de verificación").fill("abcd-efgh-jkmn")
    phone.get_by_role("button", name="Verificar").click()
    phone.wait_for_url("**/certificados/verificar/ABCDEFGHJKMN/")
    assert "No encontramos un certificado" in phone.inner_text("main")
