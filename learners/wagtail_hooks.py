from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext, gettext_lazy
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.models import Page

from courses.models import CoursePage, LessonPage, ModulePage
from courses.selectors import course_for
from learners.accounts.viewsets import LearnerProfileViewSet
from learners.enrolment.access import can_read_lesson
from learners.enrolment.models import Enrolment
from learners.enrolment.selectors import PROGRESSING, enrolment_for
from learners.enrolment.viewsets import CohortViewSet, EnrolmentViewSet, SessionViewSet
from learners.gradebook.selectors import gradebook_access
from learners.h5p.models import H5PAttempt
from learners.h5p.viewsets import H5PAttemptViewSet
from learners.imports import admin_views
from learners.notifications.viewsets import OutboxMessageViewSet
from learners.progress.models import LessonProgress
from learners.progress.services import lesson_visit


@hooks.register("before_serve_page")
def gate_lessons(page, request, serve_args, serve_kwargs):
    """Lesson bodies are for enrolled learners (unless the course is open); remember the last lesson visited (a write
    only when it changes: another lesson, or the first visit of the day)."""
    if not isinstance(page, LessonPage) or getattr(request, "is_preview", False):
        return None
    course = course_for(page=page, cached=True)  # from the shared page cache (courses.page_cache)
    if course is None:
        return None
    enrolment = enrolment_for(user=request.user, course=course, lesson=page)  # and whether she completed it
    if not can_read_lesson(user=request.user, lesson=page, course=course, enrolment=enrolment):
        context = {"page": page, "course": course, "enrolment": enrolment}
        return render(
            request, "learners/lesson_locked.html", context, status=403 if request.user.is_authenticated else 200
        )
    if enrolment is not None and enrolment.status in PROGRESSING:
        lesson_visit(enrolment=enrolment, lesson=page)
    request.learner_enrolment = enrolment
    request.learner_course = course
    return None


# Deleting course pages that learners use ---------------------------------------------------------------------


def _learner_records_below(pages) -> bool:
    """Whether any of these pages, or a page below them, has enrolments, lesson progress or H5P attempts."""
    paths = Q()
    for page in pages:
        paths |= Q(path__startswith=page.path)
    page_ids = Page.objects.filter(paths).values("pk")
    return (
        Enrolment.objects.filter(course_id__in=page_ids).exists()
        or LessonProgress.objects.filter(lesson_id__in=page_ids).exists()
        or H5PAttempt.objects.filter(lesson_id__in=page_ids).exists()
    )


def _refuse_delete(request, redirect_to):
    messages.error(
        request,
        gettext(
            "This page cannot be deleted: learners are enrolled in its course or have progress in its lessons. "
            "Unpublish it instead, so it disappears from the site and their records stay intact."
        ),
    )
    return redirect(redirect_to)


@hooks.register("before_delete_page")
def protect_pages_with_learners(request, page):
    """Refuse to delete a course, module or lesson that learners use (instead of a database error)."""
    if isinstance(page, CoursePage | ModulePage | LessonPage) and _learner_records_below([page]):
        return _refuse_delete(request, reverse("wagtailadmin_pages:edit", args=[page.pk]))
    return None


@hooks.register("before_bulk_action")
def protect_pages_with_learners_in_bulk(request, action_type, objects, action_class_instance):
    if action_type == "delete" and objects and isinstance(objects[0], Page) and _learner_records_below(objects):
        parent_id = objects[0].get_parent().pk if objects[0].get_parent() else None
        return _refuse_delete(request, reverse("wagtailadmin_explore", args=[parent_id]) if parent_id else "/admin/")
    return None


# Admin: the "Escuela Ciudadana" menu and bulk enrolment --------------------------------------------------------


class CitizenSchoolViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Citizen school")
    menu_icon = "group"
    menu_order = 250
    submenu_hook = "register_citizen_school_menu_item"
    items = (
        CohortViewSet,
        SessionViewSet,
        EnrolmentViewSet,
        LearnerProfileViewSet,
        H5PAttemptViewSet,
        OutboxMessageViewSet,
    )


@hooks.register("register_admin_viewset")
def register_citizen_school_viewsets():
    return CitizenSchoolViewSetGroup()


@hooks.register("register_admin_urls")
def register_bulk_enrol_urls():
    return [
        path("learners/bulk-enrol/", admin_views.bulk_enrol_upload, name="learners_bulk_enrol"),
        path("learners/bulk-enrol/confirm/", admin_views.bulk_enrol_confirm, name="learners_bulk_enrol_confirm"),
        path("learners/bulk-enrol/<id:pk>/", admin_views.bulk_enrol_result, name="learners_bulk_enrol_result"),
        path("learners/invitations/", admin_views.invitations, name="learners_invitations"),
    ]


@hooks.register("register_citizen_school_menu_item")
def register_bulk_enrol_menu_item():
    return admin_views.BulkEnrolMenuItem(
        gettext_lazy("Enrol from a CSV file"), reverse_lazy("learners_bulk_enrol"), icon_name="upload", order=900
    )


@hooks.register("register_citizen_school_menu_item")
def register_invitations_menu_item():
    return admin_views.BulkEnrolMenuItem(
        gettext_lazy("Invitations not activated yet"), reverse_lazy("learners_invitations"), icon_name="mail", order=910
    )


# Personal data: privacy notice versions, data requests and the staff audit log ------------------------------------


@hooks.register("register_admin_viewset")
def register_privacy_viewsets():
    from learners.privacy.viewsets import AuditEventViewSet, DataRequestViewSet, PrivacyNoticeViewSet

    return [PrivacyNoticeViewSet(), DataRequestViewSet(), AuditEventViewSet()]


@hooks.register("register_admin_urls")
def register_data_request_answer_url():
    from learners.privacy.admin_views import answer

    return [path("learners/data-requests/<id:pk>/answer/", answer, name="learners_data_request_answer")]


# Log-in locks: see and lift them -------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_login_locks_url():
    from learners.accounts.admin_views import login_locks

    return [path("learners/login-locks/", login_locks, name="learners_login_locks")]


@hooks.register("register_citizen_school_menu_item")
def register_login_locks_menu_item():
    from learners.accounts.admin_views import TITLE, LoginLocksMenuItem

    return LoginLocksMenuItem(TITLE, reverse_lazy("learners_login_locks"), icon_name="lock", order=940)


# "Mis grupos" on the admin home ----------------------------------------------------------------------------------

MY_GROUPS_ON_HOME = 8


class MyGroupsPanel(Component):
    """The cohorts a staff account teaches or oversees, linked to their gradebook (the newest first)."""

    name = "my_groups"
    order = 60
    template_name = "learners/gradebook/home_panel.html"

    def __init__(self, cohorts, more: bool):
        self.cohorts = cohorts
        self.more = more

    def get_context_data(self, parent_context=None):
        return {"cohorts": self.cohorts, "more": self.more}


@hooks.register("construct_homepage_panels")
def add_my_groups_panel(request, panels):
    access = gradebook_access(user=request.user)
    cohorts = list(access.cohorts.order_by("-starts_on", "name", "pk")[: MY_GROUPS_ON_HOME + 1])
    if cohorts:
        panels.append(MyGroupsPanel(cohorts[:MY_GROUPS_ON_HOME], more=len(cohorts) > MY_GROUPS_ON_HOME))
