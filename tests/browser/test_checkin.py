"""QR check-in in real Chromium (issue 14, item 3): the instructor's page shows the code and renews it by itself;
the test reads the code from a screenshot (zxing-cpp), as a phone camera would, and opens it in a second browser
as an enrolled learner who is logged out → log-in → back → present. An expired code, a code from another
session and a learner who is not enrolled are refused with their Spanish messages."""

import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from learners.attendance import checkin
from learners.enrolment.services import enrolment_create
from learners.models import AttendanceRecord
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_gradebook import sign_in
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.learners import cohort, learner, make_session, make_user
from tests.learners.test_checkin import running_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room(transactional_db):
    home = ensure_site_baseline()
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Juntas de vecinos")
    other_course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Presupuesto participativo")
    teacher = make_user(email="rosa@example.cl", first_name="Rosa", last_name="Díaz")
    group = cohort(course=course, name="Grupo Ñuñoa")
    group.instructors.set([teacher])
    other_group = cohort(course=other_course, name="Grupo Maipú")
    ana = learner(email="ana@example.cl", given_names="Ana", family_names="Pérez")
    carla = learner(email="carla@example.cl", given_names="Carla", family_names="Rojas")
    enrolment = enrolment_create(user=ana, course=course, cohort=group)
    enrolment_create(user=carla, course=other_course, cohort=other_group)
    return {
        "teacher": teacher,
        "session": running_session(group),
        "later": make_session(cohort=group, date=timezone.localdate() + timedelta(days=7)),
        "other_session": running_session(other_group),
        "ana": ana,
        "carla": carla,
        "enrolment": enrolment,
    }


def decode(page) -> str:
    shot = page.locator("[data-checkin-picture]").screenshot()
    (found,) = [
        result.text
        for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]
    return found


def log_in(page, email):
    page.fill("[name=username]", email)
    page.fill("[name=password]", "clave-segura-123")
    page.locator("main form button[type=submit]").click()


def refusal(page) -> str:
    return page.locator("[data-checkin-result] .notice").inner_text()


def test_scan_the_instructors_code_and_be_marked_present(live_server, browser, room, settings, artifacts):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.LEARNERS_CHECKIN_STEP_SECONDS = 5  # so that the test sees the code change within seconds
    session = room["session"]

    projector = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-CL")
    sign_in(projector, live_server, room["teacher"])
    instructor = projector.new_page()
    instructor.goto(f"{live_server.url}/equipo/sesiones/{session.pk}/asistencia/")
    instructor.get_by_role("link", name="Mostrar el código QR para registrar asistencia").click()
    instructor.wait_for_url(f"**/equipo/sesiones/{session.pk}/asistencia/qr/")
    first = decode(instructor)
    assert first.startswith(f"{live_server.url}/asistencia/{session.pk}.")
    assert "ana" not in first.lower() and "rosa" not in first.lower()
    instructor.screenshot(path=artifacts / "asistencia-qr-360.png", full_page=True)
    assert axe_violations(instructor, "qr") == []
    # the script fetches a new signed code when the step changes, without reloading the page
    instructor.evaluate("window.__samePage = true")
    before = instructor.locator("[data-checkin-picture]").inner_html()
    instructor.wait_for_function(
        "before => document.querySelector('[data-checkin-picture]').innerHTML !== before", arg=before, timeout=15000
    )
    assert instructor.evaluate("window.__samePage === true")
    scanned = decode(instructor)
    assert scanned != first and scanned.startswith(f"{live_server.url}/asistencia/{session.pk}.")

    # Ana's own phone, logged out: the camera opens the address → log-in → back to the check-in → present
    phone_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-CL")
    phone = phone_context.new_page()
    phone.goto(scanned)
    phone.wait_for_url(re.compile(r"/cuenta/ingresar/\?next=/asistencia/"))
    log_in(phone, "ana@example.cl")
    phone.wait_for_url(scanned)
    assert "¡Listo! Quedaste presente" in phone.locator("h1").inner_text()
    assert phone.locator("[data-checkin-result=present]").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=artifacts / "asistencia-registrada-360.png", full_page=True)
    assert axe_violations(phone, "registrada") == []
    record = AttendanceRecord.objects.get(session=session, enrolment=room["enrolment"])
    assert (record.status, record.method, record.recorded_by) == ("present", "qr", room["ana"])

    # the instructor's attendance page says how the mark was made
    instructor.goto(f"{live_server.url}/equipo/sesiones/{session.pk}/asistencia/")
    assert "Registró su asistencia con el código QR" in instructor.inner_text("main")

    # an expired code (a photo forwarded a minute later)
    expired = checkin.token_make(session_id=session.pk, step=checkin.current_step() - 12)
    phone.goto(f"{live_server.url}/asistencia/{expired}/")
    assert "Este código ya venció" in refusal(phone)

    # a code from another session: another group's, and a later session of her own group
    other = checkin.token_make(session_id=room["other_session"].pk, step=checkin.current_step())
    phone.goto(f"{live_server.url}/asistencia/{other}/")
    assert "no tienes una inscripción vigente" in refusal(phone)
    later = checkin.token_make(session_id=room["later"].pk, step=checkin.current_step())
    phone.goto(f"{live_server.url}/asistencia/{later}/")
    assert "Esta sesión todavía no empieza" in refusal(phone)
    # a token edited to name another session
    _, step, signature = scanned.rstrip("/").rsplit("/", 1)[1].split(".")
    phone.goto(f"{live_server.url}/asistencia/{room['other_session'].pk}.{step}.{signature}/")
    assert "Este código no es válido" in refusal(phone)

    # Carla, enrolled in another group, scans a fresh code of this session
    carla_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-CL")
    carla = carla_context.new_page()
    instructor.goto(f"{live_server.url}/equipo/sesiones/{session.pk}/asistencia/qr/")
    fresh = decode(instructor)
    carla.goto(fresh)
    log_in(carla, "carla@example.cl")
    carla.wait_for_url(fresh)
    assert "no tienes una inscripción vigente" in refusal(carla)
    assert axe_violations(carla, "rechazada") == []
    assert AttendanceRecord.objects.count() == 1
    for context in (projector, phone_context, carla_context):
        context.close()


def test_without_javascript_the_page_reloads_with_the_next_code(live_server, browser, room, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.LEARNERS_CHECKIN_STEP_SECONDS = 5
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-CL", java_script_enabled=False)
    sign_in(context, live_server, room["teacher"])
    page = context.new_page()
    page.goto(f"{live_server.url}/equipo/sesiones/{room['session'].pk}/asistencia/qr/")
    first = decode(page)
    with page.expect_navigation(timeout=15000):
        pass  # the meta refresh reloads the page when the code changes
    page.wait_for_load_state()
    second = decode(page)
    assert first != second
    assert second.startswith(f"{live_server.url}/asistencia/{room['session'].pk}.")
    context.close()
