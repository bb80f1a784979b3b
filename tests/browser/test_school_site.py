"""A municipal school's own site in Chromium: penalolen.localhost (which Chromium sends to this machine) on the live
server's port shows the school's name and colours on a 360 px phone; the academy's host keeps its own."""

from urllib.parse import urlsplit

import pytest

from cms.models import SchoolSettings
from cms.schools.services import school_create
from tests.factories.courses import ensure_site_baseline
from tests.factories.learners import ensure_comuna

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def penalolen(transactional_db):
    ensure_site_baseline()  # a transactional test's flush removed what migrations created
    ensure_comuna("13122", "Peñalolén")
    school = school_create(
        name="Escuela Ciudadana de Peñalolén",
        comuna_code="13122",
        host="penalolen.localhost",
        admin_email="daniela@penalolen.cl",
    ).school
    school_settings = SchoolSettings.for_site(school.site)
    school_settings.primary_colour = "#005a3c"
    school_settings.save()
    return school


def test_the_school_home_on_its_own_host_at_360_px(live_server, phone, penalolen, artifacts):
    port = urlsplit(live_server.url).port
    phone.goto(f"http://penalolen.localhost:{port}/")
    brand = phone.locator(".site-header .brand")
    assert brand.inner_text().strip() == "Escuela Ciudadana de Peñalolén"
    assert phone.locator("h1").inner_text().strip() == "Escuela Ciudadana de Peñalolén"
    header_colour = phone.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header_colour == "rgb(0, 90, 60)"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("link", name="Acerca de").click()
    phone.wait_for_url(f"http://penalolen.localhost:{port}/acerca-de/")
    assert "Municipalidad de Peñalolén" in phone.locator("main").inner_text()
    phone.screenshot(path=str(artifacts / "school-site-penalolen-360.png"), full_page=True)

    phone.goto(f"http://localhost:{port}/")
    assert phone.locator(".site-header .brand").inner_text().strip() == "Escuela Ciudadana"
    assert phone.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") == (
        "rgb(11, 58, 102)"
    )
