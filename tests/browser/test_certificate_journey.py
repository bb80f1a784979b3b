"""Complete a course in real Chromium → the certificate appears in "Mis cursos" → its PDF downloads → its verify
URL (the QR's target) says it is valid, with the RUN masked."""

import pytest
from django.core import mail

from certificates.models import IssuedCertificate
from courses.models.pages import ThematicArea
from learners.enrolment import services as learner_services
from tests.factories.certificates import make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.learners import learner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def enrolled(transactional_db):
    home = ensure_site_baseline()
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    course = build_course(
        catalogue=catalogue, modules=1, lessons=2, title="Presupuestos participativos", thematic_area=ThematicArea.CIVIC
    )
    make_template(issuer=make_issuer(short_code="AMUCH", city="Santiago"), is_default=True)
    user = learner(email="rosa@example.cl", given_names="Rosa", family_names="Huenchullán Soto", run="12345678-5")
    learner_services.enrolment_create(user=user, course=course)
    return course


def test_complete_a_course_get_the_certificate_and_verify_it(live_server, phone, enrolled, artifacts):
    phone.goto(live_server.url + "/cuenta/ingresar/")
    phone.fill("[name=username]", "rosa@example.cl")
    phone.fill("[name=password]", "clave-segura-123")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url("**/mis-cursos/")

    phone.goto(live_server.url + enrolled.url)
    phone.locator(".enrol-panel a.button").click()  # "Comenzar el curso"
    for _ in range(2):
        phone.locator(".progress-panel button[type=submit]").click()
        phone.wait_for_load_state()
    phone.wait_for_url("**/mis-cursos/")

    line = phone.locator("#completados + .course-rows .certificate-line")
    line.wait_for()
    certificate = IssuedCertificate.objects.get(user__email="rosa@example.cl")
    assert certificate.render_state == IssuedCertificate.RenderState.DONE
    assert line.get_attribute("data-certificate") == certificate.folio
    phone.screenshot(path=artifacts / "mis-cursos-certificado-360.png", full_page=True)

    download = phone.request.get(live_server.url + f"/certificados/{certificate.pk}/descargar/")
    assert download.status == 200
    assert download.body().startswith(b"%PDF-")

    assert (
        len(mail.outbox) == 1 and certificate.snapshot["verify_url"].split("/certificados/")[1] in mail.outbox[0].body
    )

    phone.locator(".certificate-line a[href*='/certificados/verificar/']").click()
    phone.wait_for_url(f"**/certificados/verificar/{certificate.code}/")
    main = phone.inner_text("main")
    assert phone.locator("[data-status=valid]").is_visible()
    assert "Rosa Huenchullán Soto" in main
    assert "12.XXX.678-5" in main
    assert "12.345.678-5" not in main
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=artifacts / "verificar-360.png", full_page=True)
