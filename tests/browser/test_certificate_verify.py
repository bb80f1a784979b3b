"""The public verify page in Chromium: a right code shows its facts as a styled card; a code with one character
mistyped says "Parece que hay un error de tipeo" instead of "not found"."""

import pytest
from django.core.cache import cache

from certificates.codes import format_code
from certificates.services import issuance
from courses.models.pages import ThematicArea
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def certificate(transactional_db):
    cache.clear()
    home = ensure_site_baseline()
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    course = build_course(
        catalogue=catalogue, modules=1, lessons=1, title="Liderazgo comunitario", thematic_area=ThematicArea.CIVIC
    )
    make_template(issuer=make_issuer(short_code="AMUCH", city="Santiago"), is_default=True)
    enrolment = completed_enrolment(course=course, run="12345678-5")
    return issuance.certificate_issue(enrolment=enrolment, render=False)


def _type_code(page, live_server, code):
    page.goto(live_server.url + "/certificados/verificar/")
    page.fill("#codigo-page", code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_a_right_code_shows_styled_facts(live_server, phone, certificate, artifacts):
    _type_code(phone, live_server, format_code(certificate.code).lower())
    assert phone.locator("[data-status=valid].certificate-status").is_visible()
    facts = phone.locator("dl.certificate-facts")
    assert "Liderazgo comunitario" in facts.inner_text()
    assert "12.XXX.678-5" in facts.inner_text()
    style = facts.evaluate(
        "el => { const s = getComputedStyle(el); const dt = getComputedStyle(el.querySelector('dt'));"
        " return {display: s.display, border: s.borderLeftWidth, dt: dt.textTransform}; }"
    )
    assert style == {"display": "grid", "border": "6px", "dt": "uppercase"}
    # The card fits the 360 px phone: nothing overflows sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=artifacts / "verificar-certificado-360.png", full_page=True)


def test_a_one_character_typo_says_so(live_server, phone, certificate, artifacts):
    code = certificate.code
    typo = code[:6] + ("K" if code[6] != "K" else "M") + code[7:]
    _type_code(phone, live_server, format_code(typo))
    notice = phone.locator("[data-status=typo]")
    assert notice.is_visible()
    assert "Parece que hay un error de tipeo" in notice.inner_text()
    assert phone.locator("[data-status=not_found]").count() == 0
    assert phone.locator("dl.certificate-facts").count() == 0
    assert phone.input_value("#codigo-page") == format_code(typo)  # back in the box, ready to correct
    phone.screenshot(path=artifacts / "verificar-error-de-tipeo-360.png", full_page=True)
