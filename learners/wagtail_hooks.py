from django.shortcuts import render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy
from wagtail import hooks

from courses.models import CoursePage, LessonPage
from learners import admin_views, selectors, services
from learners.access import can_read_lesson
from learners.viewsets import CitizenSchoolViewSetGroup


@hooks.register("before_serve_page")
def gate_lessons(page, request, serve_args, serve_kwargs):
    """Lesson bodies are for enrolled learners (unless the course is open); remember the last lesson visited."""
    if not isinstance(page, LessonPage) or getattr(request, "is_preview", False):
        return None
    course = CoursePage.objects.ancestor_of(page).first()
    if course is None:
        return None
    enrolment = selectors.enrolment_for(user=request.user, course=course)
    if not can_read_lesson(user=request.user, lesson=page, course=course, enrolment=enrolment):
        context = {"page": page, "course": course, "enrolment": enrolment}
        return render(
            request, "learners/lesson_locked.html", context, status=403 if request.user.is_authenticated else 200
        )
    if enrolment is not None and enrolment.status in selectors.PROGRESSING:
        services.lesson_visit(enrolment=enrolment, lesson=page)
    request.learner_enrolment = enrolment
    request.learner_course = course
    return None


# Admin: the "Escuela Ciudadana" menu and bulk enrolment --------------------------------------------------------


@hooks.register("register_admin_viewset")
def register_citizen_school_viewsets():
    return CitizenSchoolViewSetGroup()


@hooks.register("register_admin_urls")
def register_bulk_enrol_urls():
    return [
        path("learners/bulk-enrol/", admin_views.bulk_enrol_upload, name="learners_bulk_enrol"),
        path("learners/bulk-enrol/confirm/", admin_views.bulk_enrol_confirm, name="learners_bulk_enrol_confirm"),
    ]


@hooks.register("register_citizen_school_menu_item")
def register_bulk_enrol_menu_item():
    return admin_views.BulkEnrolMenuItem(
        gettext_lazy("Enrol from a CSV file"), reverse_lazy("learners_bulk_enrol"), icon_name="upload", order=900
    )
