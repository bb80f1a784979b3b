"""Issue 13, item 9, reproduced with Wagtail 8's autosave: an instructor types the title of a new lesson, the
editor saves it as a draft by itself, she leaves; creating the page again clashed with that hidden draft on the
"Promoción" tab. Now the clash is explained in Spanish at the top of the form, with a link to the draft and a way
to discard it, after which the page can be created again."""

import re

import pytest
from django.conf import settings
from django.test import Client

from courses.models import LessonPage, ModulePage
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.learners import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30_000
TITLE = "Cómo funciona el COSOC"


@pytest.fixture
def admin_page(live_server, browser):
    home = ensure_site_baseline()
    catalogue = CourseIndexPageFactory(parent=home, title="Cursos")
    build_course(catalogue=catalogue, modules=1, lessons=0, title="Presupuestos participativos")
    module = ModulePage.objects.get()
    client = Client()
    client.force_login(make_user(email="admin@example.cl", is_superuser=True))
    context = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
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
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "leave this page?" when she walks away
    page.add_url = f"{live_server.url}/admin/pages/add/courses/lessonpage/{module.pk}/"
    yield page
    context.close()


def open_new_page_and_type_the_title(page):
    page.goto(page.add_url)
    page.wait_for_timeout(2500)  # Wagtail reads the form's first state 2 s after it loads; a person takes longer
    page.locator("#id_title").press_sequentially(TITLE, delay=20)  # keystrokes: the slug follows the title


def wait_for_autosave(page):
    """Autosave created the page: the editor swaps the address for the new page's edit view (no reload)."""
    page.wait_for_function("() => /\\/admin\\/pages\\/\\d+\\/edit\\//.test(location.pathname)")


def save_draft_after_autosave_refused(page):
    """Type the title again; autosave tries and is refused (the slug is taken), so she clicks "Guardar borrador"."""
    with page.expect_response(lambda r: r.request.method == "POST" and "/admin/pages/add/" in r.url) as attempt:
        open_new_page_and_type_the_title(page)
    assert attempt.value.status == 400
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar borrador").first.click()


def type_title_and_wait_for_autosave(page):
    open_new_page_and_type_the_title(page)
    wait_for_autosave(page)


def test_the_clash_with_an_autosaved_draft_is_shown_in_spanish_where_she_is(admin_page):
    page = admin_page
    type_title_and_wait_for_autosave(page)
    draft = LessonPage.objects.get(title=TITLE)
    assert not draft.live and draft.first_published_at is None  # the hidden draft

    # She comes back later and creates the page again
    save_draft_after_autosave_refused(page)

    clash = page.locator("[data-slug-clash]")
    clash.wait_for()
    assert clash.is_visible()
    text = clash.inner_text()
    assert "Un borrador sin publicar ya usa la dirección «como-funciona-el-cosoc»" in text
    assert TITLE in text
    assert clash.bounding_box()["y"] < 300  # at the top, where she is
    # the tab that holds the slug shows its error count
    promote = page.get_by_role("tab", name=re.compile("Promoci", re.IGNORECASE))
    assert re.search(r"\d", promote.inner_text()), promote.inner_text()
    assert LessonPage.objects.filter(title=TITLE).count() == 1

    # The link leads to the draft
    page.get_by_role("link", name="Continuar el borrador").click()
    page.wait_for_url(re.compile(rf"/admin/pages/{draft.pk}/edit/"))
    assert page.locator("#id_title").input_value() == TITLE

    # Back to the clash; discard the draft (with a confirmation), then the page can be created again
    save_draft_after_autosave_refused(page)
    page.get_by_role("link", name="Descartar el borrador").click()
    page.get_by_text("¿Descartar el borrador «Cómo funciona el COSOC»?").wait_for()
    page.get_by_role("button", name="Sí, descartarlo").click()
    page.wait_for_url(re.compile(r"/admin/pages/add/courses/lessonpage/"))
    assert not LessonPage.objects.filter(pk=draft.pk).exists()

    page.wait_for_timeout(2500)
    page.locator("#id_title").press_sequentially(TITLE, delay=20)
    wait_for_autosave(page)
    assert LessonPage.objects.filter(title=TITLE).count() == 1
    assert LessonPage.objects.get(title=TITLE).pk != draft.pk
