"""What every school report shares: the permission and the municipality (or school) scope, the filters, and how
cells show.

Every view needs ``cms_reports.view_reports`` and shows only what a municipality- or school-limited account may
see.
"""

from django.core.exceptions import PermissionDenied
from django.utils import formats
from django.utils.functional import cached_property
from wagtail.admin.views.reports import ReportView

from cms.reports import publication, selectors
from cms.reports.filters import ReportFilterSet, report_filters
from cms.reports.models import VIEW_REPORTS_PERMISSION
from cms.reports.views.exports import ReportExportMixin
from courses.models import School
from learners.staff.selectors import staff_scope


def format_number(value):
    return "" if value is None else formats.number_format(value, force_grouping=True)


def format_percent(value):
    return "" if value is None else f"{formats.number_format(value, 1)} %"


def format_date(value):
    return "" if value is None else value.strftime("%d/%m/%Y")


def column_value(name, format_value=format_number):
    """Accessor showing a row's value (or the publication mark ``<5`` as it is)."""

    def accessor(row):
        value = row[name] if isinstance(row, dict) else getattr(row, name)
        return value if value == publication.SUPPRESSED else format_value(value)

    return accessor


def may_see_reports(user) -> bool:
    """The report permission, and a scope: national (academy, administrators) or one municipality. A limited
    account without a municipality (a coordinator not yet assigned) sees no report rather than the whole country."""
    if not user.has_perm(VIEW_REPORTS_PERMISSION):
        return False
    scope = staff_scope(user=user)
    return scope.everything or scope.municipality_id is not None or scope.school_admin


class SchoolReportView(ReportExportMixin, ReportView):
    """Base of the school's reports. Override ``get_rows`` to return the rows (a list of dicts or a queryset);
    set ``publication_rule`` to offer the publication export (see ``exports``)."""

    report_name = ""
    filterset_class = ReportFilterSet
    publication_rule: publication.Suppression | None = None
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def municipality(self):
        """The account's scope: None (national), her Comuna (a coordinator) or her School (its administration)."""
        return selectors.report_scope(user=self.request.user)

    @cached_property
    def is_publication(self) -> bool:
        return self.publication_rule is not None and self.request.GET.get("publication") == "1"

    @cached_property
    def school(self):
        """The one municipal school this account's reports are limited to, or None (national, or limited by
        municipality). The staff scope decides it (``learners.staff``); every selector takes it through
        ``ReportFilters.school``."""
        scope = staff_scope(user=self.request.user)
        school = getattr(scope, "school", None)
        if school is None and getattr(scope, "school_id", None):
            school = School.objects.select_related("site__root_page").get(pk=scope.school_id)
        return school

    @cached_property
    def report_filters(self) -> selectors.ReportFilters:
        return report_filters(self.filters, school=self.school)

    def get_rows(self, filters: selectors.ReportFilters, for_publication: bool):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        if self.is_export:  # straight to the file: the listing's context (pagination, table) is not needed
            return self.as_spreadsheet(self.get_filtered_queryset(), request.GET.get("export"))
        return super().get(request, *args, **kwargs)

    def get_filtered_queryset(self):
        rows = self.get_rows(self.report_filters, self.is_export and self.is_publication)
        if self.is_export and self.is_publication:
            rows = self.suppress(rows)
        return rows
