"""Admin building blocks shared by the plugins' viewsets."""

import datetime
from collections.abc import Iterable
from itertools import chain

from django.contrib import messages
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import DeleteView, IndexView, InspectView
from wagtail.admin.views.mixins import SpreadsheetExportMixin, list_to_str
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.snippets.views.chooser import SnippetChooserViewSet, SnippetCreateView
from wagtail.snippets.views.snippets import SnippetViewSet

from courses import (
    converters,  # noqa: F401  (registers <id:…> before Wagtail checks pk_path_converter)
    spreadsheets,
)

# How an admin viewset keeps one municipal school's rows from another school's staff (issue 15, item 8); every
# registered viewset declares one (``school_isolation``), and tests/cms/test_school_isolation.py fails for a
# viewset that does not:
SCOPED = "scoped"  # its views filter rows by the user's staff scope (ScopedViewSetMixin, ScopedChooserViewSetMixin)
NATIONAL = "national"  # national data: no permission of a school's groups opens it (the test checks the refusal)


class SafeSpreadsheetExportMixin(SpreadsheetExportMixin):
    """Wagtail's listing export ("Download CSV / XLSX"), written through ``courses.spreadsheets``: no cell can run
    as a formula, times are Chilean local time, XLSX has real date cells. Override ``export_values`` for rows that
    do not come from ``to_row_dict`` (the school's reports).

    Three downloads: XLSX, "CSV para Excel" (``?export=csv``: BOM, ``;``, decimal comma) and "CSV para programas"
    (``?export=csv-programas``: comma-separated, decimal point). Both CSVs get the same cell values (the ``csv``
    converters of ``custom_field_preprocess``); only the dialect differs."""

    FORMAT_CSV_PROGRAMS = spreadsheets.CSV_FOR_PROGRAMS
    FORMATS = (SpreadsheetExportMixin.FORMAT_XLSX, SpreadsheetExportMixin.FORMAT_CSV, FORMAT_CSV_PROGRAMS)

    # Datetimes go to the writer as they are (Wagtail's default turns them into naive UTC for XLSX).
    custom_value_preprocess = {list: {"csv": list_to_str, "xlsx": list_to_str}}

    def export_values(self, queryset, export_format: str) -> Iterable[list]:
        """One list of cell values per exported row, in ``list_export`` order."""
        for item in queryset:
            yield [
                self.preprocess_field_value(field, value, export_format)
                for field, value in self.to_row_dict(item).items()
            ]

    def get_export_headings(self, queryset) -> list[str]:
        return [self.get_heading(queryset, field) for field in self.list_export]

    def get_sheet_name(self) -> str:
        """The worksheet's name: the listing's title in Spanish ("Inscripciones", "Historial del sitio")."""
        title = getattr(self, "page_title", "")
        if not title and getattr(self, "model", None) is not None:
            title = self.model._meta.verbose_name_plural
        return capfirst(str(title)) if title else self.get_filename()

    def stream_csv(self, queryset, dialect: spreadsheets.CsvDialect = spreadsheets.EXCEL_CHILE):
        rows = chain([self.get_export_headings(queryset)], self.export_values(queryset, self.FORMAT_CSV))
        return spreadsheets.csv_lines(rows, dialect=dialect)

    def write_csv_response(self, queryset, kind: str = SpreadsheetExportMixin.FORMAT_CSV):
        stream = self.stream_csv(queryset, spreadsheets.csv_dialect_for(kind))
        response = StreamingHttpResponse(stream, content_type=spreadsheets.CSV_CONTENT_TYPE)
        filename = self.get_filename() + spreadsheets.filename_ending(kind)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if spreadsheet_format == self.FORMAT_CSV_PROGRAMS:
            return self.write_csv_response(queryset, self.FORMAT_CSV_PROGRAMS)
        return super().as_spreadsheet(queryset, spreadsheet_format)

    @property
    def csv_programs_export_url(self):
        return self.get_export_url(self.FORMAT_CSV_PROGRAMS)

    @cached_property
    def header_more_buttons(self):
        """Wagtail's "Download CSV" button named for what it is, "CSV para Excel", and "CSV para programas" after it."""
        buttons = []
        for button in super().header_more_buttons:
            if getattr(button, "url", None) != self.csv_export_url:
                buttons.append(button)
                continue
            buttons.append(
                Button(_("Download CSV for Excel"), url=self.csv_export_url, icon_name="download", priority=100)
            )
            buttons.append(
                Button(
                    _("Download CSV for programs (comma-separated)"),
                    url=self.csv_programs_export_url,
                    icon_name="download",
                    priority=105,
                )
            )
        return buttons

    def write_xlsx(self, queryset, output):
        spreadsheets.write_xlsx(
            output,
            headings=self.get_export_headings(queryset),
            rows=self.export_values(queryset, self.FORMAT_XLSX),
            sheet_name=self.get_sheet_name(),
        )


class LocalTimeInspectMixin:
    """Inspect view mixin: datetimes in the viewer's time zone (Chile). Wagtail's inspect template formats values
    with ``|localize``, which, unlike ``|date``, shows an aware datetime in UTC."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return timezone.localtime(value)
        return value


class YesNoColumn(Column):
    """A listing column that shows a boolean as "Sí" / "No" (Wagtail's prints "True" / "False")."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return spreadsheets.yes_no(value) if isinstance(value, bool) else value


class YesNoIndexMixin:
    """Listing view mixin: the columns built from ``list_display`` names show booleans as "Sí" / "No"."""

    def _get_custom_column(self, field_name, column_class=Column, **kwargs):
        if column_class is Column:
            column_class = YesNoColumn
        return super()._get_custom_column(field_name, column_class, **kwargs)


class YesNoInspectMixin:
    """Inspect view mixin: booleans read "Sí" / "No"."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return spreadsheets.yes_no(value) if isinstance(value, bool) else value


class ProtectedDeleteMixin:
    """A delete view that refuses, with a message, to delete a row that protected foreign keys still point at
    (a certificate template with issued certificates, a cohort with enrolments): Django raises ProtectedError
    there, which Wagtail's delete views let through as a 500."""

    def post(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().post(request, *args, **kwargs)
        except (ProtectedError, RestrictedError):
            messages.error(request, _("This cannot be deleted because other records still use it."))
            return redirect(self.get_success_url())


def platform_view_class(view_class):
    """``view_class`` with the platform's rules for admin views: exports through ``SafeSpreadsheetExportMixin``,
    inspect views in local time (``LocalTimeInspectMixin``), booleans as "Sí" / "No" in listings and inspect views
    (``YesNoIndexMixin``, ``YesNoInspectMixin``). Classes that already follow them come back as they are."""
    mixins = []
    if issubclass(view_class, SpreadsheetExportMixin) and not issubclass(view_class, SafeSpreadsheetExportMixin):
        mixins.append(SafeSpreadsheetExportMixin)
    if issubclass(view_class, IndexView) and not issubclass(view_class, YesNoIndexMixin):
        mixins.append(YesNoIndexMixin)
    if issubclass(view_class, InspectView) and not issubclass(view_class, LocalTimeInspectMixin):
        mixins.append(LocalTimeInspectMixin)
    if issubclass(view_class, InspectView) and not issubclass(view_class, YesNoInspectMixin):
        mixins.append(YesNoInspectMixin)
    if issubclass(view_class, DeleteView) and not issubclass(view_class, ProtectedDeleteMixin):
        mixins.append(ProtectedDeleteMixin)
    if not mixins:
        return view_class
    return type(view_class.__name__, (*mixins, view_class), {"__module__": view_class.__module__})


class PlatformViewSetMixin:
    """Viewset mixin for every admin viewset of the project (``tests/test_spreadsheet_exports.py`` checks that
    each one has it): every view it builds goes through ``platform_view_class``, so a new listing cannot export
    unsafe cells or UTC times."""

    def construct_view(self, view_class, **kwargs):
        return super().construct_view(platform_view_class(view_class), **kwargs)

    @cached_property
    def pk_path_converter(self):
        """``<id:pk>`` (courses.converters) where Wagtail would use ``<id:pk>``: an id beyond 64 bits is a 404, not
        an OverflowError."""
        converter = super().pk_path_converter
        return "id" if converter == "int" else converter


class GuardedSnippetCreateView(SnippetCreateView):
    """The snippet chooser's "create" step; a model whose chooser has no creation form answered a POST with
    AttributeError ('NoneType' object has no attribute 'is_valid'): now a 404, as if the URL did not exist."""

    def dispatch(self, request, *args, **kwargs):
        if self.get_creation_form_class() is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class PlatformSnippetChooserViewSet(PlatformViewSetMixin, SnippetChooserViewSet):
    create_view_class = GuardedSnippetCreateView


class ScopedChooserViewSetMixin:
    """Chooser viewset mixin: the modal lists, searches and returns ("chosen") only the rows ``scope_queryset``
    keeps for the user; another row's id is a 404."""

    school_isolation = SCOPED

    def scope_queryset(self, queryset, user):
        """Override this to narrow ``queryset`` to what ``user`` may choose."""
        return queryset

    def construct_view(self, view_class, **kwargs):
        viewset = self
        attributes = {}
        if hasattr(view_class, "get_object_list"):

            def get_object_list(view):
                return viewset.scope_queryset(super(scoped, view).get_object_list(), view.request.user)

            attributes["get_object_list"] = get_object_list
        if hasattr(view_class, "get_object"):

            def get_object(view, pk):
                return viewset.scope_queryset(view.model_class.objects.all(), view.request.user).get(pk=pk)

            attributes["get_object"] = get_object
        scoped = type(f"Scoped{view_class.__name__}", (view_class,), attributes)
        return super().construct_view(scoped, **kwargs)


class PlatformModelViewSet(PlatformViewSetMixin, ModelViewSet):
    """Wagtail's ModelViewSet with the platform's rules (``PlatformViewSetMixin``)."""


class PlatformSnippetViewSet(PlatformViewSetMixin, SnippetViewSet):
    """Wagtail's SnippetViewSet with the platform's rules (``PlatformViewSetMixin``)."""

    chooser_viewset_class = PlatformSnippetChooserViewSet


class LimitedModelViewSet(PlatformModelViewSet):
    """A ModelViewSet without the views named in ``disabled_views`` (no URL, no button, no permission)."""

    disabled_views: frozenset[str] = frozenset()
    permission_actions: tuple[str, ...] = ("add", "change", "delete", "view")

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in self.disabled_views:
            view_kwargs[f"{name}_url_name"] = None
        return view_kwargs

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        routes = [
            ("", "index_view", "index"),
            ("results/", "index_results_view", "index_results"),
            ("new/", "add_view", "add"),
            (f"edit/<{conv}:pk>/", "edit_view", "edit"),
            (f"delete/<{conv}:pk>/", "delete_view", "delete"),
            (f"history/<{conv}:pk>/", "history_view", "history"),
            (f"history-results/<{conv}:pk>/", "history_results_view", "history_results"),
            (f"usage/<{conv}:pk>/", "usage_view", "usage"),
        ]
        if self.inspect_view_enabled:
            routes.append((f"inspect/<{conv}:pk>/", "inspect_view", "inspect"))
        if self.copy_view_enabled:
            routes.append((f"copy/<{conv}:pk>/", "copy_view", "copy"))
        return [
            path(route, getattr(self, attribute), name=name)
            for route, attribute, name in routes
            if name not in self.disabled_views
        ]

    @property
    def url_finder_class(self):
        view = "inspect" if "edit" in self.disabled_views else "edit"
        return type("_ModelAdminURLFinder", (ModelAdminURLFinder,), {"edit_url_name": self.get_url_name(view)})

    def get_permissions_to_register(self):
        codenames = [f"{action}_{self.model_name}" for action in self.permission_actions]
        return super().get_permissions_to_register().filter(codename__in=codenames)


ANY_ACTION = {"add", "change", "delete", "view"}


class ScopedViewSetMixin:
    """Viewset mixin: every view sees only the rows ``scope_queryset`` keeps for the user. Listings and exports
    are filtered, and opening an object outside the scope by URL is a 404 (people without any permission on the
    model are refused by the view's own permission check, as before)."""

    school_isolation = SCOPED

    def scope_queryset(self, queryset, user):
        """Override this to narrow ``queryset`` to what ``user`` may see."""
        return queryset

    def construct_view(self, view_class, **kwargs):
        viewset = self
        attributes = {}
        if hasattr(view_class, "get_base_queryset"):

            def get_base_queryset(view):
                queryset = super(scoped, view).get_base_queryset()
                if queryset.model is not viewset.model:
                    # The history view lists log entries, not the model's rows (scoping them raised FieldError
                    # for an instructor); its object is scoped by get_object below.
                    return queryset
                return viewset.scope_queryset(queryset, view.request.user)

            attributes["get_base_queryset"] = get_base_queryset
        if hasattr(view_class, "get_object"):

            def get_object(view, *args, **kwargs):
                instance = super(scoped, view).get_object(*args, **kwargs)
                if instance is None:  # a create view
                    return instance
                policy = getattr(view, "permission_policy", None)
                if policy is not None and not policy.user_has_any_permission(view.request.user, ANY_ACTION):
                    return instance
                own = viewset.scope_queryset(view.model._default_manager.filter(pk=instance.pk), view.request.user)
                if not own.exists():
                    raise Http404
                return instance

            attributes["get_object"] = get_object
        scoped = type(f"Scoped{view_class.__name__}", (view_class,), attributes)
        return super().construct_view(scoped, **kwargs)
