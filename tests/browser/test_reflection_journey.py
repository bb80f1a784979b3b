"""Reflection answers in real Chromium at 360 px: the learner answers a prompt (autosaved, and kept through a lost
connection), the instructor replies from /equipo/reflexiones/, the learner sees the reply in the lesson."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from cms.roles import roles_sync
from learners.reflections.models import ReflectionAnswer
from tests.browser.test_accessibility import axe_violations
from tests.factories.courses import ensure_site_baseline
from tests.learners.reflections_setup import REQUIRED_PROMPT, build_reflection_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TIMEOUT = 15_000


@pytest.fixture
def school(transactional_db):
    home = ensure_site_baseline()
    roles_sync()
    return build_reflection_school(home)


def phone_for(browser, live_server, user):
    """A 360 px phone with a session for ``user`` (the log-in form is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-CL", device_scale_factor=1)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    context.set_default_timeout(TIMEOUT)
    return context


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_learner_answers_instructor_replies_learner_reads_the_reply(live_server, browser, school, artifacts):
    errors: list[str] = []
    lesson_url = live_server.url + school["lesson"].url

    learner_context = phone_for(browser, live_server, school["ana"])
    learner = learner_context.new_page()
    learner.on("pageerror", lambda error: errors.append(str(error)))
    learner.goto(lesson_url)
    box = learner.locator(f"#respuesta-{REQUIRED_PROMPT}")
    status = learner.locator(f"#estado-{REQUIRED_PROMPT}")
    box.fill("Las veredas rotas de mi pasaje.")
    expect(status).to_contain_text("Guardada el", timeout=TIMEOUT)
    assert ReflectionAnswer.objects.get().text == "Las veredas rotas de mi pasaje."

    learner_context.set_offline(True)
    box.press_sequentially(" Y la luz de la plaza.")
    expect(status).to_contain_text("Sin conexión", timeout=TIMEOUT)
    stored = learner.evaluate("Object.keys(localStorage).filter(k => k.startsWith('escuela-reflexion:'))")
    assert len(stored) == 1
    assert ReflectionAnswer.objects.get().text == "Las veredas rotas de mi pasaje."
    learner_context.set_offline(False)
    expect(status).to_contain_text("Guardada el", timeout=TIMEOUT)
    assert ReflectionAnswer.objects.get().text == "Las veredas rotas de mi pasaje. Y la luz de la plaza."
    assert learner.evaluate("Object.keys(localStorage).filter(k => k.startsWith('escuela-reflexion:')).length") == 0
    assert fits_the_screen(learner)
    learner.screenshot(path=artifacts / "reflexion-respuesta-360.png", full_page=True)
    problems = axe_violations(learner, "lección con respuesta")

    teacher_context = phone_for(browser, live_server, school["teacher"])
    teacher = teacher_context.new_page()
    teacher.on("pageerror", lambda error: errors.append(str(error)))
    teacher.goto(live_server.url + "/equipo/reflexiones/")
    problems += axe_violations(teacher, "/equipo/reflexiones/")
    teacher.get_by_role("link", name="Grupo Santiago").click()
    problems += axe_violations(teacher, "grupo")
    teacher.get_by_role("link", name="¿Qué problema de tu barrio llevarías a la junta?").click()
    assert "Las veredas rotas de mi pasaje. Y la luz de la plaza." in teacher.locator("main").inner_text()
    problems += axe_violations(teacher, "pregunta")
    teacher.get_by_label("Tu comentario").fill("Buen punto: llévalo a la próxima asamblea.")
    teacher.get_by_role("button", name="Enviar comentario").click()
    teacher.get_by_text("Tu comentario quedó enviado.").wait_for()
    assert fits_the_screen(teacher)
    teacher.screenshot(path=artifacts / "reflexion-comentario-360.png", full_page=True)

    learner.goto(lesson_url)
    feedback = learner.locator(".reflection-feedback")
    assert "Buen punto: llévalo a la próxima asamblea." in feedback.inner_text()
    assert learner.locator(f"#respuesta-{REQUIRED_PROMPT}").count() == 0
    assert fits_the_screen(learner)
    problems += axe_violations(learner, "lección con comentario")
    assert problems == []
    assert errors == []
    learner_context.close()
    teacher_context.close()
