"""H5P end to end in real Chromium: an administrator uploads our own test package through the admin form and
approves its library, an instructor puts the activity in a lesson with the page editor, and a learner answers it
on her phone. The attempt and the lesson completion are in the database, and no frame logs a CSP violation."""

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from wagtail.models import GroupPagePermission

from courses.models import H5PActivity, H5PLibrary, LessonPage
from learners.enrolment import services
from learners.models import H5PAttempt, LessonProgress
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.h5p import test_question_package
from tests.factories.learners import make_learner, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30_000


@pytest.fixture
def package():
    folder = Path(tempfile.mkdtemp(prefix="h5p-e2e-"))
    yield test_question_package(folder, correct=1, name="pregunta-concejo.h5p")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def setting(transactional_db):
    home = ensure_site_baseline()
    call_command("load_reference_data", verbosity=0)
    catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos")
    course = build_course(catalogue=catalogue, modules=1, lessons=1, title="El concejo municipal")
    lesson = LessonPage.objects.descendant_of(course).get()
    admin = make_user(email="admin@example.cl", is_superuser=True, is_staff=True)
    instructor = make_user(email="profe@example.cl", first_name="Rosa", last_name="Díaz")
    instructor.groups.add(instructor_group(course))
    learner = make_learner(run="12.345.678-5", email="ana@example.cl", given_names="Ana", family_names="Pérez")
    enrolment = services.enrolment_create(user=learner, course=course)
    return {"course": course, "lesson": lesson, "admin": admin, "instructor": instructor, "enrolment": enrolment}


def instructor_group(course):
    """Edit and publish the course's pages and use H5P activities (the roles of issue 6 will replace this)."""
    group = Group.objects.create(name="Instructores del concejo")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "view_h5pactivity"], content_type__app_label__in=["wagtailadmin", "courses"]
        )
    )
    for permission in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=course, permission=Permission.objects.get(codename=permission)
        )
    return group


def logged_in(browser, live_server, user, **context_options):
    """A browser context with a session for `user` (the log-in form itself is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="es-CL", **context_options)
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


def collect_console(page, messages):
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))


def test_upload_place_and_answer_an_h5p_activity(live_server, browser, setting, package, artifacts):
    console: list[str] = []

    # 1. The administrator uploads the package and approves the new library.
    admin = logged_in(browser, live_server, setting["admin"], viewport={"width": 1280, "height": 900})
    page = admin.new_page()
    collect_console(page, console)
    page.goto(live_server.url + "/admin/snippets/courses/h5pactivity/add/")
    page.set_input_files("input[name=package]", str(package))
    page.fill("input[name=title]", "¿Quién aprueba el presupuesto?")
    page.locator("footer button[type=submit]").first.click()
    page.wait_for_url("**/admin/snippets/courses/h5pactivity/")
    assert "biblioteca" in page.locator(".messages").inner_text().lower()
    activity = H5PActivity.objects.get()
    library = H5PLibrary.objects.get()
    page.goto(live_server.url + f"/admin/courses/h5p-libraries/review/{library.pk}/")
    page.get_by_role("button", name="Aprobar").click()
    page.wait_for_url("**/admin/courses/h5p-libraries/")
    library.refresh_from_db()
    assert library.status == H5PLibrary.Status.APPROVED
    admin.close()

    # 2. The instructor adds the activity to the lesson in the page editor and publishes it.
    lesson = setting["lesson"]
    editor = logged_in(browser, live_server, setting["instructor"], viewport={"width": 1280, "height": 900})
    page = editor.new_page()
    collect_console(page, console)
    page.goto(live_server.url + f"/admin/pages/{lesson.pk}/edit/")
    page.locator("button.c-sf-add-button").last.click()
    page.get_by_role("option", name="Actividad H5P").click()
    page.locator("[data-chooser-action-choose]").last.click()
    page.locator(".modal a", has_text="¿Quién aprueba el presupuesto?").click()
    page.locator(".modal").wait_for(state="hidden")
    page.screenshot(path=artifacts / "h5p-editor.png", full_page=True)
    page.get_by_role("button", name="Más acciones").click()
    page.get_by_role("button", name="Publicar").click()
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/$"))
    editor.close()
    lesson.refresh_from_db()
    assert [block.block_type for block in lesson.body][-1] == "h5p"

    # 3. The learner answers it on her phone.
    phone = logged_in(
        browser, live_server, setting["enrolment"].user, viewport={"width": 360, "height": 740}, device_scale_factor=1
    ).new_page()
    collect_console(phone, console)
    phone.goto(live_server.url + lesson.url)
    frame = phone.frame_locator("iframe.h5p-embed__frame").frame_locator("iframe")
    frame.locator("button.ec-option[data-index='1']").click()
    frame.locator("button.ec-check").click()
    # The player reports the server's verdict to the lesson page, which shows it in a live region.
    phone.locator(".h5p-embed__live", has_text=re.compile(r"\w")).wait_for()
    verdict = phone.locator(".h5p-embed__live").inner_text()
    phone.locator("[data-h5p-lesson-done]").wait_for(state="visible")  # the progress panel follows, no reload
    assert phone.locator("[data-h5p-requirements]").is_hidden()
    phone.screenshot(path=artifacts / "h5p-lesson-360.png", full_page=True)

    attempt = H5PAttempt.objects.get()
    assert "aprob" in verdict.lower(), verdict
    assert (attempt.activity_id, attempt.raw_score, attempt.max_score, attempt.success) == (activity.pk, 1, 1, True)
    progress = LessonProgress.objects.get(enrolment=setting["enrolment"], lesson=lesson)
    assert progress.completed_at is not None
    violations = [line for line in console if "Content Security Policy" in line or "Refused to" in line]
    assert violations == [], violations
    assert not [line for line in console if line.startswith("pageerror")], console
