"""Certificates by cohort in real Chromium (issue 13, item 6): the academy chooses a cohort, sees who gets a
certificate and who does not and why, issues them, and reads the result in one sentence; the "Descargar todos en
un ZIP" button is readable (its text contrast reaches WCAG AA)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from certificates.models import IssuedCertificate
from courses.selectors import course_lessons
from learners.models import AttendanceRecord, Enrolment, LessonProgress
from tests.browser.test_gradebook import sign_in
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.learners import cohort, learner, make_user, session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTRAST = """el => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = c => { const [r, g, b] = rgb(c).map(channel); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let node = el, bg = 'rgba(0, 0, 0, 0)';
  while (node && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
    bg = getComputedStyle(node).backgroundColor;
    node = node.parentElement;
  }
  const a = lum(getComputedStyle(el).color), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture
def group(transactional_db):
    home = ensure_site_baseline()
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Liderazgo comunitario")
    type(course).objects.filter(pk=course.pk).update(
        grade_required=True, pass_grade=Decimal("4.0"), min_attendance_percent=75
    )
    course.refresh_from_db()
    make_template(issuer=make_issuer(short_code="AMUCH", city="Santiago"), is_default=True)
    grupo = cohort(course=course, name="Grupo Renca")
    meetings = [session(cohort=grupo, on=date(2026, 3, 3)), session(cohort=grupo, on=date(2026, 3, 10))]
    lesson = course_lessons(course=course)[0]
    for given in ("Berta", "Carmen", "Julia", "Marta"):
        completed_enrolment(course=course, cohort=grupo, user=learner(given_names=given, family_names="Soto"))
    for given, score, status in [("Dora", None, "present"), ("Fabiola", "0.9", "absent")]:
        enrolment = Enrolment.objects.create(
            user=learner(given_names=given, family_names="Lagos"), course=course, cohort=grupo
        )
        if score:
            LessonProgress.objects.create(
                enrolment=enrolment, lesson=lesson, course=course, completed_at=timezone.now(), score=Decimal(score)
            )
        for meeting in meetings:
            AttendanceRecord.objects.create(session=meeting, enrolment=enrolment, status=status)
    academy = make_user(email="academia@example.cl", is_superuser=True, is_staff=True)
    return {"cohort": grupo, "academy": academy}


def test_academy_previews_issues_and_reads_the_result(live_server, browser, group, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-CL")
    sign_in(context, live_server, group["academy"])
    page = context.new_page()
    page.goto(live_server.url + "/admin/certificates/batches/new/")
    page.select_option("select[name=cohort]", str(group["cohort"].pk))
    page.get_by_role("button", name="Ver quién recibe certificado").click()

    table = page.locator("table.certificate-batch-preview")
    table.wait_for()
    rows = {
        r.locator("td").first.inner_text(): r.locator("td").all_inner_texts() for r in table.locator("tbody tr").all()
    }
    assert rows["Berta Soto"][1] == "Recibirá certificado"
    assert rows["Dora Lagos"][1:] == [
        "No recibirá certificado",
        "no completado: 0 de 1 lecciones obligatorias; sin nota todavía",
    ]
    assert rows["Fabiola Lagos"][1:] == ["No recibirá certificado", "asistencia 0 % bajo el mínimo"]
    page.screenshot(path=artifacts / "lote-certificados-vista-previa.png", full_page=True)

    page.get_by_role("button", name="Emitir 4 certificados").click()
    page.wait_for_url("**/admin/certificates/batches/inspect/**")
    result = page.locator("[data-batch-result]")
    result.wait_for()
    assert result.inner_text() == (
        "6 inscritas: 4 certificados emitidos, 2 sin requisitos: Dora Lagos (no completado: 0 de 1 lecciones "
        "obligatorias; sin nota todavía), Fabiola Lagos (asistencia 0 % bajo el mínimo)."
    )
    assert "0 de 0" not in page.locator("main").inner_text()
    assert IssuedCertificate.objects.filter(cohort=group["cohort"]).count() == 4

    zip_button = page.get_by_role("link", name="Descargar todos en un ZIP")
    assert zip_button.is_visible()
    assert zip_button.evaluate(CONTRAST) >= 4.5
    # the icon keeps its size and the label fits on the button (before: a giant icon hid the text)
    assert zip_button.evaluate("el => el.querySelector('svg').getBoundingClientRect().height") <= 24
    assert zip_button.evaluate("el => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().height <= 48")
    page.screenshot(path=artifacts / "lote-certificados-resultado.png", full_page=True)
    context.close()
