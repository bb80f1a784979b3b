"""Wagtail admin for H5P: activities (snippets, uploaded as .h5p packages) and the shared library store."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.models import H5PActivity


class H5PActivityViewSet(SnippetViewSet):
    model = H5PActivity
    icon = "form"
    menu_label = _("H5P activities")
    add_to_admin_menu = False
    list_display = ["title", "main_library", "expected_max_score", "created_at"]
    search_fields = ["title"]
    form_fields = ["title", "grading_method"]
    copy_view_enabled = False
