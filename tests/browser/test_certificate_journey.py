"""Complete a course in real Chromium → the certificate appears in "Mis cursos" → its PDF downloads → the address
its QR code holds, opened in the browser, says it is valid, with the RUN masked (the site's public address is the
live server's, as ``make run`` makes it the address it serves on)."""

import pytest
from django.core import mail

from certificates.models import IssuedCertificate
from courses.models.pages import ThematicArea
from learners.enrolment import services as learner_services
from tests.certificates.test_qr import decode_page
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


def test_complete_a_course_get_the_certificate_and_verify_it(live_server, phone, enrolled, artifacts, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    phone.goto(live_server.url + "/cuenta/ingresar/")
    phone.fill("[name=username]", "rosa@example.cl")
    phone.fill("[name=password]", "clave-segura-123")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url("**/mis-cursos/")

    phone.goto(live_server.url + enrolled.url)
    phone.locator(".enrol-panel a.button").click()  # "Comenzar el curso"
    phone.locator(".progress-panel button[type=submit]").click()
    phone.locator(".progress-panel .next-step a").click()  # the lesson shows as completed, with the next step
    phone.locator(".progress-panel button[type=submit]").click()
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

    (scanned,) = decode_page(download.body())
    assert scanned == f"{live_server.url}/certificados/verificar/{certificate.code}/"
    # her enrolment, her completed course and her certificate: the certificate email carries the verify link
    (certificate_mail,) = [message for message in mail.outbox if scanned in message.body]
    assert "certificado" in certificate_mail.subject.lower()

    phone.goto(scanned)  # what a phone does with the QR code
    main = phone.inner_text("main")
    assert phone.locator("[data-status=valid].certificate-status").is_visible()
    assert "Rosa Huenchullán Soto" in main
    assert "12.XXX.678-5" in main
    assert "12.345.678-5" not in main
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=artifacts / "verificar-360.png", full_page=True)
