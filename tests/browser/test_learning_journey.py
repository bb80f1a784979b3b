"""The whole learning loop in real Chromium at 360 px: sign up from a course → confirm the email and land back on
that course (issue 13 item 10) → enrol → complete every lesson, each one showing that it is completed and the next
step before moving on (item 11) → "Mis cursos" shows 100 % and the course as completed."""

import re

import pytest
from django.core import mail
from django.core.management import call_command

from courses.models.pages import ThematicArea
from learners.models import Enrolment
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def course(transactional_db):
    home = ensure_site_baseline()
    call_command("load_reference_data", verbosity=0)
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    return build_course(
        catalogue=catalogue, modules=2, lessons=2, title="Liderazgo comunitario", thematic_area=ThematicArea.LEADERSHIP
    )


def test_sign_up_enrol_and_complete_a_course(live_server, phone, course, artifacts):
    phone.goto(live_server.url + course.url)
    assert phone.locator("main").get_by_text("Liderazgo comunitario").first.is_visible()
    phone.locator(".enrol-panel a[href*='/cuenta/registro/']").click()

    phone.fill("[name=given_names]", "Rosa")
    phone.fill("[name=family_names]", "Huenchullán Soto")
    phone.fill("[name=email]", "rosa@example.cl")
    phone.fill("[name=password1]", "mi-clave-segura-2026")
    phone.fill("[name=password2]", "mi-clave-segura-2026")
    phone.fill("[name=run]", "12.345.678-5")
    phone.select_option("[name=comuna]", "13122")
    phone.check("[name=learner_type][value=social_leader]")
    phone.fill("[name=birth_year]", "1962")
    phone.check("[name=accept_privacy]")
    phone.screenshot(path=artifacts / "registro-360.png", full_page=True)
    phone.get_by_role("button", name="Crear mi cuenta").click()
    phone.wait_for_url("**/cuenta/registro/revisa-tu-correo/**")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/cuenta/confirmar/\S+", mail.outbox[0].body).group(0)
    phone.goto(live_server.url + link[link.index("/cuenta/") :])
    phone.wait_for_url(live_server.url + course.url)  # where she was going, not an empty "Mis cursos"
    assert "Tu correo está confirmado" in phone.locator(".messages").inner_text()

    phone.get_by_role("button", name=re.compile("Inscrib|Enrol")).click()
    phone.wait_for_url(live_server.url + course.url)
    phone.locator(".enrol-panel a.button").click()  # "Comenzar el curso"

    for number in range(1, 4):
        lesson_url = phone.url
        phone.get_by_role("button", name="Marcar como completada").click()
        phone.wait_for_load_state()
        assert phone.url == lesson_url  # she stays on the lesson and sees that it worked
        assert "Marcaste la lección como completada." in phone.locator(".messages").inner_text()
        assert phone.locator(".progress-panel .done-badge").is_visible()
        next_link = phone.locator(".progress-panel .next-step a")
        assert next_link.inner_text().startswith("Siguiente lección: ")
        if number == 1:
            phone.screenshot(path=artifacts / "leccion-completada-360.png", full_page=True)
        next_href = next_link.get_attribute("href")
        next_link.click()
        phone.wait_for_url(live_server.url + next_href)
    phone.get_by_role("button", name="Marcar como completada").click()
    phone.wait_for_url("**/mis-cursos/")
    assert "completaste el curso" in phone.locator(".messages").inner_text().lower()
    completed = phone.locator("#completados + .course-rows")
    assert "Liderazgo comunitario" in completed.inner_text()
    assert phone.locator(".course-row--done progress.progressbar").get_attribute("value") == "100"
    phone.screenshot(path=artifacts / "mis-cursos-360.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    enrolment = Enrolment.objects.get(user__email="rosa@example.cl")
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert enrolment.user.learner_profile.run == "12345678-5"
