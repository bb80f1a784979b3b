"""The gradebook in real Chromium at 360 px: an instructor opens "Mis grupos", scrolls the matrix sideways with the
names still visible and filters "sin empezar"; a learner opens "Mis notas" from the course page. Both pages pass
axe-core (WCAG 2 A/AA) and the page itself never scrolls sideways."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from courses.selectors import course_lessons
from learners.models import Enrolment, LessonProgress
from tests.browser.test_accessibility import axe_violations
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.learners import cohort, learner, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def group(transactional_db):
    home = ensure_site_baseline()
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    course = build_course(catalogue=catalogue, modules=3, lessons=4, title="Presupuesto participativo")
    teacher = make_user(email="rosa@example.cl", first_name="Rosa", last_name="Díaz")
    grupo = cohort(course=course, name="Grupo Peñalolén")
    grupo.instructors.set([teacher])
    lessons = list(course_lessons(course=course))
    people = {}
    for given, family, done in [("Ana", "Pérez", 3), ("Luis", "Vera", 0), ("Eva", "Soto", 0), ("Marta", "Lagos", 12)]:
        user = learner(email=f"{given.lower()}@example.cl", given_names=given, family_names=family)
        enrolment = Enrolment.objects.create(
            user=user, course=course, cohort=grupo, enrolled_at=timezone.now() - timedelta(days=3)
        )
        for lesson in lessons[:done]:
            LessonProgress.objects.create(
                enrolment=enrolment, lesson=lesson, course=course, completed_at=timezone.now(), score=Decimal("0.8")
            )
        people[given] = user
    return {"course": course, "cohort": grupo, "teacher": teacher, **people}


def sign_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_instructor_filters_not_started_on_a_phone(live_server, browser, group, artifacts):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-CL")
    sign_in(context, live_server, group["teacher"])
    phone = context.new_page()
    phone.goto(live_server.url + "/equipo/grupos/")
    phone.get_by_role("link", name="Grupo Peñalolén").click()
    phone.wait_for_url(f"**/equipo/grupos/{group['cohort'].pk}/")

    box = phone.locator(".gradebook-scroll")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the page does not scroll
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the matrix does, inside its box
    name = phone.locator("tbody th.gb-name").first
    left_before = name.bounding_box()["x"]
    box.evaluate("el => el.scrollLeft = el.scrollWidth")
    assert abs(name.bounding_box()["x"] - left_before) < 1  # the names column stays put
    assert name.is_visible()
    phone.screenshot(path=artifacts / "mis-grupos-360.png", full_page=True)

    phone.get_by_role("link", name="Sin empezar (2)").click()
    phone.wait_for_url("**?filtro=sin-empezar")
    names = phone.locator("tbody th.gb-name a").all_inner_texts()
    assert names == ["Eva Soto", "Luis Vera"]
    assert phone.locator(".chip[aria-current]").inner_text() == "Sin empezar (2)"
    assert axe_violations(phone, "matrix") == []

    phone.get_by_role("link", name="Luis Vera").click()
    phone.wait_for_url("**/participantes/**")
    assert "Le falta: completar las lecciones" in phone.locator(".missing").inner_text()
    context.close()


def test_learner_opens_my_grades_on_a_phone(live_server, browser, group, artifacts):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-CL")
    sign_in(context, live_server, group["Ana"])
    phone = context.new_page()
    phone.goto(live_server.url + group["course"].url)
    phone.locator(".enrol-panel").get_by_role("link", name="Mis notas y lo que me falta para aprobar").click()
    phone.wait_for_url(f"**/cursos/{group['course'].pk}/mis-notas/")
    assert phone.get_by_role("heading", level=1).inner_text() == "Mis notas"
    missing = phone.locator(".missing").inner_text()
    assert missing.startswith("Te falta: completar las lecciones 4, 5, 6")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(phone, "mis-notas") == []
    phone.screenshot(path=artifacts / "mis-notas-360.png", full_page=True)

    phone.goto(live_server.url + "/mis-cursos/")
    phone.locator(f"a[href='/cursos/{group['course'].pk}/mis-notas/']").click()
    phone.wait_for_url(f"**/cursos/{group['course'].pk}/mis-notas/")
    context.close()
