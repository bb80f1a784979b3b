"""Admin wiring for the courses plugin: the H5P activity snippets, the library store and its review."""

from django.urls import path, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet

from courses.drafts import views as drafts_views
from courses.models import H5PLibrary
from courses.viewsets import APPROVE_PERMISSION, H5PActivityViewSet, H5PLibraryViewSet, review_urls

h5p_activity_viewset = H5PActivityViewSet()
h5p_library_viewset = H5PLibraryViewSet()
register_snippet(h5p_activity_viewset)


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_viewset")
def register_h5p_library_viewset():
    return h5p_library_viewset


@hooks.register("register_admin_urls")
def register_h5p_review_urls():
    return review_urls()


@hooks.register("register_citizen_school_menu_item")
def register_h5p_activities_menu_item():
    return PermissionMenuItem(
        _("H5P activities"),
        reverse_lazy(h5p_activity_viewset.get_url_name("list")),
        icon_name="form",
        order=500,
        permission="courses.view_h5pactivity",
    )


@hooks.register("register_citizen_school_menu_item")
def register_h5p_libraries_menu_item():
    return PermissionMenuItem(
        _("H5P libraries"),
        reverse_lazy("courses_h5p_libraries:index"),
        icon_name="code",
        order=510,
        permission="courses.view_h5plibrary",
    )


@hooks.register("register_log_actions")
def register_h5p_log_actions(actions):
    actions.register_action("courses.h5p_library_approved", _("Approve H5P library"), _("H5P library approved"))
    actions.register_action("courses.h5p_library_rejected", _("Reject H5P library"), _("H5P library rejected"))


class PendingLibrariesPanel(Component):
    """On the admin home, for people who approve libraries: how many versions wait, with a link."""

    name = "h5p_pending_libraries"
    order = 90

    def __init__(self, count: int):
        self.count = count

    def render_html(self, parent_context=None):
        url = reverse_lazy("courses_h5p_libraries:index")
        text = ngettext(
            "%(count)s H5P library version is waiting for your approval.",
            "%(count)s H5P library versions are waiting for your approval.",
            self.count,
        ) % {"count": self.count}
        return format_html(
            '<section class="w-mb-8 help-block help-warning"><p>{} <a href="{}?status=pending">{}</a></p></section>',
            text,
            url,
            _("Review them"),
        )


@hooks.register("construct_homepage_panels")
def add_pending_libraries_panel(request, panels):
    if not request.user.has_perm(APPROVE_PERMISSION):
        return
    count = H5PLibrary.objects.filter(status=H5PLibrary.Status.PENDING).count()
    if count:
        panels.append(PendingLibrariesPanel(count))


# Abandoned new-page drafts (issue 13, item 9) ------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_draft_urls():
    return [
        path("drafts/", drafts_views.draft_list, name="courses_drafts"),
        path("drafts/<id:page_id>/discard/", drafts_views.draft_discard, name="courses_draft_discard"),
    ]


@hooks.register("register_admin_menu_item")
def register_drafts_menu_item():
    return drafts_views.DraftsMenuItem(
        _("Unpublished drafts"), reverse_lazy("courses_drafts"), icon_name="doc-empty", order=250
    )
