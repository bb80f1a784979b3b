"""Mi calendario in Chromium at 360 px with JavaScript turned off: the learner reads her next sessions, opens
the folded past ones and "cómo llegar", creates her subscription address and downloads a session's .ics; the page
never scrolls sideways and passes axe-core (run with JavaScript on, since axe is a script)."""

from datetime import time, timedelta

import icalendar
import pytest
from django.utils import timezone

from learners.enrolment import services
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_gradebook import sign_in
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.learners import cohort, learner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def calendar_learner(transactional_db):
    home = ensure_site_baseline()
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Presupuesto participativo en tu comuna")
    grupo = cohort(course=course, name="Grupo Peñalolén")
    today = timezone.localdate()
    sessions = [
        services.session_create(
            cohort=grupo,
            date=today + timedelta(days=days),
            start_time=time(18, 30),
            end_time=time(20, 30),
            place="Sede Junta de Vecinos Villa Los Aromos, Peñalolén",
            address="Los Aromos 1450, Peñalolén",
            directions="A dos cuadras del paradero 14 de Av. Grecia (micros D07 y 513). Entrada por el portón verde.",
        )
        for days in (-7, 2, 9)
    ]
    services.session_suspend(session=sessions[2])
    user = learner(email="rosa@example.cl", given_names="Rosa", family_names="Huenchullán")
    services.enrolment_create(user=user, course=course, cohort=grupo)
    return {"user": user, "sessions": sessions}


def test_my_calendar_at_360_px_without_javascript(live_server, browser, calendar_learner, artifacts):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="es-CL", java_script_enabled=False, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    sign_in(context, live_server, calendar_learner["user"])
    phone = context.new_page()
    phone.goto(live_server.url + "/mi-calendario/")

    assert phone.locator("h1").inner_text() == "Mi calendario"
    upcoming = phone.locator("section[aria-labelledby=proximas] > .cal-list > .cal-session")
    assert upcoming.count() == 2
    assert "Los Aromos 1450, Peñalolén" in upcoming.first.inner_text()
    suspended = upcoming.nth(1)
    assert "Suspendida" in suspended.inner_text()
    assert suspended.locator("s").count() >= 1
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    past = phone.locator("details.cal-past")
    assert not past.locator(".cal-session").first.is_visible()
    past.locator(":scope > summary").click()  # <details> opens without JavaScript
    assert past.locator(".cal-session").first.is_visible()
    directions = upcoming.first.locator("details")
    directions.locator(":scope > summary").click()
    assert directions.locator("p").is_visible()

    phone.get_by_role("button", name="Crear mi dirección de calendario").click()  # a plain form POST
    phone.wait_for_url("**/mi-calendario/")
    address = phone.locator("#feed-learner").input_value()
    assert "/calendario/" in address and address.endswith(".ics")
    assert phone.get_by_role("link", name="Suscribirme en este equipo").get_attribute("href").startswith("webcal://")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=artifacts / "mi-calendario-360.png", full_page=True)

    with phone.expect_download() as download:
        upcoming.first.get_by_role("link", name="Agregar a mi calendario (.ics)").click()
    calendar = icalendar.Calendar.from_ical(download.value.path().read_bytes())
    assert str(calendar.events[0]["UID"]).startswith(f"session-{calendar_learner['sessions'][1].pk}@")
    context.close()

    # axe-core needs scripts: the same page, with JavaScript on this time
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-CL")
    sign_in(context, live_server, calendar_learner["user"])
    phone = context.new_page()
    phone.goto(live_server.url + "/mi-calendario/")
    assert axe_violations(phone, "/mi-calendario/") == []
    context.close()
