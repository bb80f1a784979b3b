"""Admin wiring of the site: roles (course catalogues under the academy's review, course groups cleaned up after
a course is deleted), the attendance and staff-municipality menu items, and a last guard against page deletions
that the database would refuse."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.models import Page

from cms import roles
from cms.schools import isolation
from cms.schools.viewsets import SchoolViewSet
from cms.viewsets import StaffProfileViewSet
from courses.models import CourseIndexPage

ATTENDANCE_PERMISSIONS = ("learners.view_session", "learners.change_attendancerecord")


@hooks.register("after_create_page")
def put_catalogue_under_review(request, page):
    if isinstance(page, CourseIndexPage):
        roles.catalogue_workflow_assign(catalogue=page)


@hooks.register("after_delete_page")
def remove_deleted_course_groups(request, page):
    roles.course_groups_cleanup()


def _blocked_by_database(pages) -> bool:
    """Whether deleting these pages (and every page below them) would hit a protected reference."""
    paths = [page.path for page in pages]
    below = Page.objects.none()
    for path in paths:
        below = below | Page.objects.filter(path__startswith=path)
    try:
        Collector(using=DEFAULT_DB_ALIAS).collect(list(below))  # child page tables follow through the parent links
    except (ProtectedError, RestrictedError):
        return True
    return False


def _refuse(request, redirect_to):
    messages.error(
        request,
        gettext(
            "This page cannot be deleted: other records of the school (cohorts, certificates or template "
            "choices) still refer to it. Unpublish it instead, so it disappears from the site."
        ),
    )
    return redirect(redirect_to)


@hooks.register("before_delete_page", order=100)  # after the learners plugin's more precise refusal
def refuse_protected_delete(request, page):
    """Pages that other records still point to (a cohort of a course, a certificate…) are refused with an
    explanation rather than a server error. Runs on the confirmation and on the delete itself."""
    if _blocked_by_database([page]):
        return _refuse(request, reverse("wagtailadmin_pages:edit", args=[page.pk]))
    return None


@hooks.register("before_bulk_action", order=100)
def refuse_protected_bulk_delete(request, action_type, objects, action_class_instance):
    if action_type == "delete" and objects and isinstance(objects[0], Page) and _blocked_by_database(objects):
        parent = objects[0].get_parent()
        return _refuse(request, reverse("wagtailadmin_explore", args=[parent.pk]) if parent else "/admin/")
    return None


class PermissionMenuItem(MenuItem):
    """A menu item shown to people holding any of ``permissions``."""

    def __init__(self, *args, permissions: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.permissions = permissions

    def is_shown(self, request):
        return any(request.user.has_perm(permission) for permission in self.permissions)


@hooks.register("register_citizen_school_menu_item")
def register_attendance_menu_item():
    return PermissionMenuItem(
        gettext_lazy("Attendance"),
        reverse_lazy("learners_staff:sessions"),
        icon_name="tasks",
        order=150,
        permissions=ATTENDANCE_PERMISSIONS,
    )


@hooks.register("register_citizen_school_menu_item")
def register_reflections_menu_item():
    return PermissionMenuItem(
        gettext_lazy("Reflection answers"),
        reverse_lazy("learners_staff:reflections"),
        icon_name="comment",
        order=160,
        permissions=("learners.view_cohort",),
    )


@hooks.register("register_admin_viewset")
def register_staff_municipalities():
    return StaffProfileViewSet()


@hooks.register("register_admin_viewset")
def register_schools():
    return SchoolViewSet()


# A municipal school's staff never see another school's pages (cms.schools.isolation) --------------------------

hooks.register("construct_explorer_page_queryset", isolation.hide_other_schools_from_explorer)
hooks.register("construct_page_chooser_queryset", isolation.hide_other_schools_from_chooser)
hooks.register("construct_reports_menu", isolation.hide_national_reports)
hooks.register("filter_form_submissions_for_user", isolation.hide_other_schools_forms)
isolation.page_filters_limit()


# Accounts in the staff groups of several schools (issue 15, item 3) ---------------------------------------------


class SeveralSchoolsPanel(Component):
    """On the admin home of whoever edits users (the academy's administrators): the accounts in the groups of
    several schools, which the admin refuses until each is left in one school's groups."""

    name = "accounts_in_several_schools"
    order = 40

    def __init__(self, found):
        self.found = found

    def render_html(self, parent_context=None):
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a>: {}</li>',
            (
                (
                    reverse("wagtailusers_users:edit", args=[user.pk]),
                    user.email or user.get_username(),
                    "; ".join(school.name for school in schools),
                )
                for user, schools in self.found
            ),
        )
        text = gettext(
            "These accounts are in the staff groups of several schools. An account works for one school only, so "
            "the administration is closed to them until you leave each in the groups of one school:"
        )
        html = '<section class="w-mb-8 help-block help-critical"><p>{}</p><ul>{}</ul></section>'
        return format_html(html, text, items)


@hooks.register("construct_homepage_panels")
def add_several_schools_panel(request, panels):
    if not request.user.has_perm("auth.change_user"):
        return
    from courses.schools.selectors import accounts_in_several_schools

    found = accounts_in_several_schools()
    if found:
        panels.append(SeveralSchoolsPanel(found))


@hooks.register("before_bulk_action")
def refuse_a_second_schools_role(request, action_type, objects, action_class_instance):
    """Wagtail's "Asignar rol" on selected users: groups of two schools are refused with the Spanish message of
    ``courses.schools.guards`` (the relation's guard would otherwise stop it with an error page)."""
    if action_type != "assign_role" or getattr(action_class_instance, "model", None) is not get_user_model():
        return None
    role = action_class_instance.cleaned_form.cleaned_data.get("role")
    if role is None:
        return None
    from courses.schools.guards import school_groups_error

    for user in objects:
        error = school_groups_error(user=user, group_ids={*user.groups.values_list("pk", flat=True), role.pk})
        if error:
            messages.error(request, error)
            return redirect(action_class_instance.next_url)
    return None
