"""No Content-Security-Policy violation in real Chromium: the public pages, a learner's pages (the H5P player
included) and the main Wagtail admin screens, used the way people use them (videos opened, rich text typed, an
image chosen, the preview panel open). Every document, frames included, reports `securitypolicyviolation`
events to the test; Chromium's "Refused to …" console messages and script errors are collected too."""

import re
import shutil
import tempfile
from pathlib import Path

import pytest
import wagtail_factories
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.rich_text import RichText

from certificates.services import issuance
from courses import services as course_services
from courses.models import LessonPage
from learners.enrolment import services
from tests.factories.certificates import completed_enrolment, make_template
from tests.factories.courses import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    ensure_site_baseline,
)
from tests.factories.h5p import test_question_package
from tests.factories.learners import make_cohort, make_learner, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30_000
VIDEO_URL = "https://www.youtube.com/watch?v=csp-prueba"
# Every document (frames too) sends its violations to the test through a binding Playwright exposes to it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    document: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  });
}, true);
"""


@pytest.fixture
def site(transactional_db):
    home = ensure_site_baseline()
    call_command("load_reference_data", verbosity=0)
    image = wagtail_factories.ImageFactory(title="Sede vecinal", file__width=320, file__height=200)
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos", show_in_menus=True)
    course = CoursePageFactory(parent=catalogue, title="Liderazgo comunitario", is_open=True)
    home.featured_courses.create(course=course, sort_order=0)
    module = ModulePageFactory(parent=course, title="Asambleas")
    Embed.objects.create(  # stored, so that nothing asks the video host
        hash=get_embed_hash(VIDEO_URL),
        url=VIDEO_URL,
        max_width=None,
        type="video",
        html='<iframe width="480" height="270" src="https://www.youtube.com/embed/csp-prueba" title="Video"></iframe>',
        width=480,
        height=270,
        provider_name="YouTube",
    )
    lesson = LessonPageFactory(
        parent=module,
        title="El acta",
        body=[
            ("heading", {"text": "Qué registra un acta", "level": "h2"}),
            ("paragraph", RichText("<p>Los <b>acuerdos</b> de la asamblea.</p>")),
            ("image", {"image": image, "caption": "La sede"}),
            ("video", {"video": VIDEO_URL, "title": "Cómo se redacta", "transcript": "Texto del video."}),
            ("key_idea", {"title": "Idea clave", "text": RichText("<p>El acta da fe.</p>")}),
            ("glossary_term", {"term": "Quórum", "definition": "Número mínimo de asistentes."}),
            ("reflection", {"prompt": "¿Quién firma?", "hint": "La directiva."}),
        ],
    )
    admin = make_user(email="admin@example.cl", is_superuser=True, is_staff=True)
    folder = Path(tempfile.mkdtemp(prefix="h5p-csp-"))
    try:
        imported = course_services.h5p_activity_import(path=test_question_package(folder, correct=1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for library in imported.new_libraries:
        course_services.h5p_library_review(library=library, approve=True, reviewed_by=admin)
    h5p_lesson = LessonPageFactory(
        parent=module,
        title="Actividad",
        body=[("h5p", {"activity": imported.activity, "required": True, "pass_percentage": 60})],
    )
    learner = make_learner(email="ana@example.cl", given_names="Ana", family_names="Pérez")
    services.enrolment_create(user=learner, course=course)
    cohort = make_cohort(course=course)
    graduate = completed_enrolment(course=course, email="luis@example.cl")
    make_template(is_default=True)
    certificate = issuance.certificate_issue(enrolment=graduate, render=False)
    return {
        "home": home,
        "catalogue": catalogue,
        "course": course,
        "module": module,
        "lesson": lesson,
        "h5p_lesson": LessonPage.objects.get(pk=h5p_lesson.pk),
        "admin": admin,
        "learner": learner,
        "cohort": cohort,
        "certificate": certificate,
        "image": image,
    }


def png() -> bytes:
    from wagtail.images.tests.utils import get_test_image_file

    return get_test_image_file(filename="plaza.png", size=(64, 48)).file.getvalue()


class Watch:
    """A browser context whose documents report CSP violations, CSP console messages and script errors."""

    def __init__(self, browser, live_server, user=None, **options):
        self.problems: list[str] = []
        self.context = browser.new_context(locale="es-CL", **options)
        self.context.set_default_timeout(TIMEOUT)
        self.context.expose_binding("__cspViolation", lambda source, report: self.problems.append(str(report)))
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.context.on("console", self._console)
        self.context.on("weberror", lambda error: self.problems.append(f"script error: {error.error}"))
        # Video players stay on this machine: the test answers for the video host.
        self.context.route(
            re.compile(r"https://(www\.youtube(-nocookie)?\.com|player\.vimeo\.com)/.*"),
            lambda route: route.fulfill(status=200, content_type="text/html", body="<p>video</p>"),
        )
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        self.page = self.context.new_page()
        self.base = live_server.url

    def _console(self, message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.problems.append(f"{message.page and message.page.url}: {message.text}")

    def goto(self, url: str):
        response = self.page.goto(self.base + url)
        assert response is not None and response.status < 400, f"{url}: {response and response.status}"
        assert "script-src" in response.headers.get("content-security-policy", ""), f"{url} has no policy"
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def watch(browser, live_server):
    opened = []

    def open_context(user=None, **options):
        opened.append(Watch(browser, live_server, user, **options))
        return opened[-1]

    yield open_context
    for context in opened:
        context.close()


def test_public_pages(site, watch):
    visitor = watch(viewport={"width": 360, "height": 740})
    for url in ["/", "/cursos/", "/cursos/?q=acta", site["course"].url, site["module"].url, "/cuenta/clave/"]:
        visitor.goto(url)
    page = visitor.goto(site["lesson"].url)
    page.locator("details.video-loader summary").click()  # the video player comes only when asked for
    page.locator("details.video-loader iframe").wait_for(state="attached")
    page = visitor.goto("/certificados/verificar/")
    page.locator("main input[name=codigo]").fill(site["certificate"].code)
    page.locator("main form[role=search] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert site["certificate"].code in page.url
    assert visitor.problems == []

    # The watch does see a violation: an image from another origin is refused (before any request) and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img alt=\"\" src=\"https://example.org/x.png\">')")
    for _ in range(50):
        if visitor.problems:
            break
        page.wait_for_timeout(100)
    assert any("img-src" in problem for problem in visitor.problems), visitor.problems


def test_learner_pages(site, watch):
    anonymous = watch(viewport={"width": 360, "height": 740})
    anonymous.goto("/cuenta/ingresar/")
    page = anonymous.goto("/cuenta/registro/")
    page.locator("#id_comuna_region").select_option(index=1)  # comuna.js narrows the comunas to the region
    learner = watch(site["learner"], viewport={"width": 360, "height": 740})
    for url in ["/mis-cursos/", site["course"].url, site["lesson"].url, "/cuenta/mis-datos/", "/cuenta/perfil/"]:
        learner.goto(url)
    page = learner.goto(site["h5p_lesson"].url)
    player = page.frame_locator("iframe.h5p-embed__frame").frame_locator("iframe")
    player.locator("button.ec-option[data-index='1']").click()
    player.locator("button.ec-check").click()
    page.locator(".h5p-embed__live", has_text=re.compile(r"\w")).wait_for()  # the server's verdict
    assert anonymous.problems + learner.problems == []


def test_admin_pages(site, watch):
    admin = watch(site["admin"], viewport={"width": 1280, "height": 900})
    page = admin.goto("/")  # the public site with Wagtail's user bar, whose menu runs the accessibility checker
    page.locator("#wagtail-userbar-trigger").click()
    page.locator("#wagtail-userbar-items").wait_for()
    for url in [
        "/admin/",
        f"/admin/pages/{site['module'].pk}/",
        "/admin/snippets/courses/h5pactivity/",
        "/admin/learners/enrolments/",
        f"/admin/learners/cohorts/edit/{site['cohort'].pk}/",
        "/admin/school-reports/courses/",
        "/admin/images/",
        f"/admin/images/{site['image'].pk}/",  # the focal-point tool (Jcrop)
        "/admin/documents/",
    ]:
        admin.goto(url)

    # Several images uploaded at once: previews, progress bars and the edit forms that come back.
    page = admin.goto("/admin/images/multiple/add/")
    page.set_input_files("#fileupload", files=[{"name": "plaza.png", "mimeType": "image/png", "buffer": png()}])
    page.locator("#upload-list li.upload-success").wait_for()

    # The page editor with a StreamField: type into Draftail, add a block, see the preview panel, save a draft.
    page = admin.goto(f"/admin/pages/{site['lesson'].pk}/edit/")
    page.locator(".Draftail-Editor [contenteditable=true]").first.click()
    page.keyboard.type(" Texto nuevo.")
    page.locator("button.c-sf-add-button").last.click()
    page.get_by_role("option", name="Idea clave").click()
    page.locator("[data-side-panel-toggle=preview]").click()
    page.frame_locator("#w-preview-iframe").locator("h1", has_text="El acta").wait_for()
    page.get_by_role("button", name="Guardar borrador").click()
    page.locator(".messages .success").wait_for()
    assert "Texto nuevo." in str(LessonPage.objects.get(pk=site["lesson"].pk).get_latest_revision_as_object().body)

    # The image chooser on the course page's cover image.
    page = admin.goto(f"/admin/pages/{site['course'].pk}/edit/")
    page.locator("#id_cover_image-chooser [data-chooser-action-choose]").click()
    page.locator(".modal a", has_text="Sede vecinal").first.click()
    page.locator(".modal").wait_for(state="hidden")
    assert page.locator("#id_cover_image").input_value() == str(site["image"].pk)
    assert admin.problems == []
