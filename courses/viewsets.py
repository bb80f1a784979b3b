"""Wagtail admin for H5P: activities (snippets uploaded as .h5p packages) and the shared library store.

Uploading runs the whole validation before anything is written (``services.h5p_package_check``), then
``services.h5p_activity_import``. Library versions new to the store wait in "H5P libraries" until someone with
``courses.approve_h5plibrary`` approves them.
"""

import os
import tempfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods
from django_filters import ChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets import ListingButton
from wagtail.log_actions import log
from wagtail.snippets.views import snippets as snippet_views

from courses import h5p_files, selectors, services
from courses.h5p.errors import H5PPackageError
from courses.models import H5PActivity, H5PLibrary
from courses.viewset_utils import (
    NATIONAL,
    LimitedModelViewSet,
    PlatformSnippetChooserViewSet,
    PlatformSnippetViewSet,
    ScopedChooserViewSetMixin,
    ScopedViewSetMixin,
)

APPROVE_PERMISSION = "courses.approve_h5plibrary"


# Activities ----------------------------------------------------------------------------------------------------


class H5PActivityCreateForm(WagtailAdminModelForm):
    """Upload a package. ``clean`` validates it completely; ``save`` imports it (extraction + rows)."""

    package = forms.FileField(
        label=gettext_lazy("H5P package"),
        help_text=gettext_lazy(
            "An .h5p file exported from an H5P editor (for example Lumi or h5p.org), up to %(size)s MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".h5p"}),
    )

    class Meta:
        model = H5PActivity
        fields = ["title", "grading_method", "package"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package"].help_text %= {"size": h5p_files.max_upload_bytes() // (1024 * 1024)}
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave it empty to use the title written in the package.")
        self.validated_package = None
        self._upload_path = None

    def clean_package(self):
        upload = self.cleaned_data["package"]
        if not upload.name.lower().endswith(".h5p"):
            raise forms.ValidationError(_("Choose a file with the .h5p extension."))
        if upload.size > h5p_files.max_upload_bytes():
            raise forms.ValidationError(
                _("The file is too large: the limit is %(size)s MB.")
                % {"size": h5p_files.max_upload_bytes() // (1024 * 1024)}
            )
        path = self._local_copy(upload)
        try:
            self.validated_package = services.h5p_package_check(path=path)
        except H5PPackageError as error:
            self.discard_upload()
            raise forms.ValidationError(str(error)) from error
        return upload

    def _local_copy(self, upload):
        """A path on disk for the upload (Django already spooled large files to a temporary file)."""
        if hasattr(upload, "temporary_file_path"):
            return upload.temporary_file_path()
        handle, name = tempfile.mkstemp(suffix=".h5p", dir=h5p_files.scratch_dir())
        with os.fdopen(handle, "wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)
        self._upload_path = name
        return name

    def discard_upload(self):
        if self._upload_path:
            os.unlink(self._upload_path)
            self._upload_path = None

    def save(self, commit=True):
        upload = self.cleaned_data["package"]
        path = self._upload_path or upload.temporary_file_path()
        try:
            result = services.h5p_activity_import(
                path=path,
                package=self.validated_package,
                title=self.cleaned_data.get("title") or "",
                grading_method=self.cleaned_data["grading_method"],
                uploaded_by=self.for_user,
            )
        finally:
            self.discard_upload()
        self.instance = result.activity
        self.import_result = result
        return result.activity


class H5PActivityEditForm(WagtailAdminModelForm):
    class Meta:
        model = H5PActivity
        fields = ["title", "grading_method"]


class H5PActivityCreateView(snippet_views.CreateView):
    def get_success_message(self, instance):
        waiting = self.form.import_result.waiting_for_approval
        if waiting:
            return ngettext(
                "“%(title)s” was uploaded. It needs %(count)s new library that an administrator must approve "
                "before learners can play it.",
                "“%(title)s” was uploaded. It needs %(count)s new libraries that an administrator must approve "
                "before learners can play it.",
                len(waiting),
            ) % {"title": instance.title, "count": len(waiting)}
        return _("“%(title)s” was uploaded and is ready to use in lessons.") % {"title": instance.title}


class PlayableColumn(StatusTagColumn):
    """Ready, or waiting for libraries to be approved (one query per row, kept on the row for the tag's colour)."""

    @staticmethod
    def is_ready(instance) -> bool:
        if not hasattr(instance, "_h5p_ready"):
            instance._h5p_ready = not selectors.missing_libraries(activity=instance)
        return instance._h5p_ready

    def get_value(self, instance):
        return _("Ready") if self.is_ready(instance) else _("Waiting for libraries")

    def get_primary(self, instance):
        return self.is_ready(instance)


class H5PActivityChooserViewSet(ScopedChooserViewSetMixin, PlatformSnippetChooserViewSet):
    """The lesson editor's chooser: a school's staff choose among the academy's activities and their school's."""

    def scope_queryset(self, queryset, user):
        return selectors.h5p_activities_to_choose(user=user, queryset=queryset)


class H5PActivityViewSet(ScopedViewSetMixin, PlatformSnippetViewSet):
    """Instructors manage the activities they uploaded or that their courses use (``selectors``); a school's
    staff never see another school's (``H5PActivity.school``)."""

    chooser_viewset_class = H5PActivityChooserViewSet

    model = H5PActivity
    icon = "form"
    menu_label = gettext_lazy("H5P activities")
    add_to_admin_menu = False
    add_view_class = H5PActivityCreateView
    search_fields = ["title"]
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "title",
        "main_library",
        "expected_max_score",
        "grading_method",
        "required_libraries",
        "package_sha256",
        "package_size",
        "uploaded_by",
        "created_at",
    ]

    panels = [FieldPanel("package"), FieldPanel("title"), FieldPanel("grading_method")]

    @property
    def list_display(self):
        return [
            "title",
            Column("main_library", label=_("Content type")),
            Column("expected_max_score", label=_("Maximum score")),
            PlayableColumn("status", label=_("Status")),
            Column("created_at", label=_("Uploaded at")),
        ]

    def get_form_class(self, for_update=False):
        return H5PActivityEditForm if for_update else H5PActivityCreateForm

    def scope_queryset(self, queryset, user):
        return selectors.h5p_activities_for_editor(user=user, queryset=queryset)


# Libraries -----------------------------------------------------------------------------------------------------


class H5PLibraryFilterSet(WagtailFilterSet):
    status = ChoiceFilter(label=gettext_lazy("Status"), choices=H5PLibrary.Status.choices)

    class Meta:
        model = H5PLibrary
        fields = ["status"]


class H5PLibraryIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if instance.status != H5PLibrary.Status.APPROVED and self.request.user.has_perm(APPROVE_PERMISSION):
            buttons.insert(
                0,
                ListingButton(_("Review"), reverse("courses_h5p_library_review", args=[instance.pk]), icon_name="tick"),
            )
        return buttons

    @property
    def header_buttons(self):
        return []


class H5PLibraryViewSet(LimitedModelViewSet):
    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)
    model = H5PLibrary
    name = "courses_h5p_libraries"
    url_prefix = "courses/h5p-libraries"
    icon = "code"
    menu_label = gettext_lazy("H5P libraries")
    add_to_admin_menu = False
    index_view_class = H5PLibraryIndexView
    disabled_views = frozenset({"add", "edit", "delete"})
    permission_actions = ("view",)
    copy_view_enabled = False
    inspect_view_enabled = True
    filterset_class = H5PLibraryFilterSet
    search_fields = ["machine_name", "title"]
    search_backend_name = None
    list_display = ["__str__", "title", "status", "created_at"]
    inspect_view_fields = [
        "machine_name",
        "version",
        "title",
        "runnable",
        "status",
        "tree_sha256",
        "uploaded_by",
        "created_at",
        "reviewed_by",
        "reviewed_at",
    ]


@require_http_methods(["GET", "POST"])
def h5p_library_review(request, pk):
    """Approve or reject a library version; shows which activities are waiting for it."""
    if not request.user.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied
    library = get_object_or_404(H5PLibrary, pk=pk)
    waiting = [
        activity
        for activity in H5PActivity.objects.filter(required_libraries__icontains=library.machine_name)
        if library.content_string in activity.required_libraries
    ]
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        services.h5p_library_review(library=library, approve=approve, reviewed_by=request.user)
        log(library, "courses.h5p_library_approved" if approve else "courses.h5p_library_rejected", user=request.user)
        if approve:
            messages.success(request, _("%(library)s is approved.") % {"library": library})
        else:
            messages.warning(request, _("%(library)s is rejected.") % {"library": library})
        return redirect("courses_h5p_libraries:index")
    return TemplateResponse(
        request,
        "courses/admin/h5p_library_review.html",
        {"library": library, "waiting": waiting, "header_title": _("Review an H5P library")},
    )


def review_urls():
    return [path("courses/h5p-libraries/review/<id:pk>/", h5p_library_review, name="courses_h5p_library_review")]
