"""The search box on a course page, on a 360 px phone: "lider" typed without the accent finds the lesson about
"Líderes" of this course only, and the results fit the screen."""

import pytest
from wagtail.rich_text import RichText

from tests.factories.courses import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    ensure_site_baseline,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def course(transactional_db):
    catalogue = CourseIndexPageFactory(parent=ensure_site_baseline(), slug="cursos", title="Cursos")
    course = CoursePageFactory(parent=catalogue, title="Organizaciones comunitarias")
    module = ModulePageFactory(parent=course, title="La directiva")
    LessonPageFactory(
        parent=module, title="Líderes y dirigentas", body=[("paragraph", RichText("<p>Quién conduce.</p>"))]
    )
    LessonPageFactory(parent=module, title="La asamblea", body=[("paragraph", RichText("<p>Ley 19.418.</p>"))])
    other = CoursePageFactory(parent=catalogue, title="Otro curso")
    LessonPageFactory(parent=ModulePageFactory(parent=other), title="Liderazgo en otro curso")
    return course


def test_search_inside_a_course(live_server, phone, course, artifacts):
    phone.goto(live_server.url + course.url)
    phone.fill("#q-curso", "lider")
    phone.locator("#buscar button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.locator(".course-search__hits li").all_inner_texts() == ["Líderes y dirigentas"]
    assert phone.locator("#q-curso").input_value() == "lider"
    phone.fill("#q-curso", "19418")
    phone.locator("#buscar button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.locator(".course-search__hits li").all_inner_texts() == ["La asamblea"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=artifacts / "buscar-en-el-curso-360.png", full_page=True)
