"""Wagtail report views of the citizen school, with Wagtail's CSV and XLSX exports.

Every view needs ``cms_reports.view_reports`` and shows only what a municipality-limited account may see. Every
export is written to the staff audit log (``report.exported``); aggregate reports also export "for publication"
(``?export=xlsx&publication=1``): minors left out and cells under five learners suppressed (``publication``).
"""

import csv
import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.mixins import Echo
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import Button

from cms.reports import publication, selectors
from cms.reports.filters import ReportFilterSet, report_filters
from cms.reports.models import VIEW_REPORTS_PERMISSION
from cms.reports.xlsx import write_xlsx
from learners.accounts.run import format_run
from learners.models import LearnerProfile
from learners.privacy.audit import audit_record
from learners.staff.selectors import staff_municipality, staff_scope


def _number(value):
    return "" if value is None else formats.number_format(value, force_grouping=True)


def _percent(value):
    return "" if value is None else f"{formats.number_format(value, 1)} %"


def _date(value):
    return "" if value is None else value.strftime("%d/%m/%Y")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _xlsx_value(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _csv_value(value):
    """Dates as 22/03/2026; text that a spreadsheet would run as a formula is quoted (CSV injection)."""
    value = _xlsx_value(value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _value(name, format_value=_number):
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
    return scope.everything or scope.municipality_id is not None


class SchoolReportView(ReportView):
    """Base of the school's reports. Override ``get_rows`` to return the rows (a list of dicts or a queryset);
    set ``publication_rule`` to offer the publication export."""

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
        return staff_municipality(user=self.request.user)

    @cached_property
    def is_publication(self) -> bool:
        return self.publication_rule is not None and self.request.GET.get("publication") == "1"

    @cached_property
    def report_filters(self) -> selectors.ReportFilters:
        return report_filters(self.filters)

    def get_rows(self, filters: selectors.ReportFilters, for_publication: bool):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        if self.is_export:  # straight to the file: the listing's context (pagination, table) is not needed
            return self.as_spreadsheet(self.get_filtered_queryset(), request.GET.get("export"))
        return super().get(request, *args, **kwargs)

    # Exports: Wagtail's CSV/XLSX responses, with a leaner row writer (one converter per column, plain values) so
    # that a national export of 100,000 rows stays within seconds.

    def export_converters(self, export_format: str) -> list[Callable]:
        base = _csv_value if export_format == self.FORMAT_CSV else _xlsx_value
        converters = []
        for name in self.list_export:
            custom = self.custom_field_preprocess.get(name, {}).get(export_format)
            converters.append((lambda value, f=custom, base=base: base(f(value))) if custom else base)
        return converters

    def export_values(self, queryset, export_format: str) -> Iterable[list]:
        converters = self.export_converters(export_format)
        fields = self.list_export
        for row in queryset:
            yield [convert(row[field]) for convert, field in zip(converters, fields, strict=True)]

    def stream_csv(self, queryset):
        writer = csv.writer(Echo())
        yield writer.writerow([self.get_heading(queryset, field) for field in self.list_export])
        for values in self.export_values(queryset, self.FORMAT_CSV):
            yield writer.writerow(values)

    def write_xlsx(self, queryset, output):
        write_xlsx(
            output,
            headings=[self.get_heading(queryset, field) for field in self.list_export],
            rows=self.export_values(queryset, self.FORMAT_XLSX),
            sheet_name=self.report_name,
        )

    def get_filtered_queryset(self):
        rows = self.get_rows(self.report_filters, self.is_export and self.is_publication)
        if self.is_export and self.is_publication:
            rows = self.suppress(rows)
        return rows

    def suppress(self, rows):
        return publication.suppress(rows, self.publication_rule)

    def get_filename(self):
        prefix = "publicacion-" if self.is_publication else ""
        return f"{prefix}{self.report_name}-{timezone.localdate():%Y-%m-%d}"

    def audit_subject(self):
        return None

    def export_rows(self, queryset) -> tuple[Iterable, int]:
        """The rows to write and how many they are. Override for querysets too large to hold in memory."""
        rows = list(queryset)
        return rows, len(rows)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        queryset, count = self.export_rows(queryset)
        audit_record(
            actor=self.request.user,
            action="report.exported",
            subject=self.audit_subject(),
            data={
                "report": self.report_name,
                "format": spreadsheet_format,
                "publication": self.is_publication,
                "filters": self.report_filters.as_audit(),
                "rows": count,
            },
        )
        return super().as_spreadsheet(queryset, spreadsheet_format)

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons.copy()
        if self.publication_rule is not None:
            for label, export_format in (
                (_("Download for publication (XLSX)"), self.FORMAT_XLSX),
                (_("Download for publication (CSV)"), self.FORMAT_CSV),
            ):
                params = self.request.GET.copy()
                params["export"], params["publication"] = export_format, "1"
                url = f"{self.request.path}?{params.urlencode()}"
                buttons.append(Button(label, url=url, icon_name="download", priority=95))
        return buttons


class CourseCohortReportView(SchoolReportView):
    report_name = "cursos-y-cohortes"
    page_title = _("Courses and cohorts")
    index_url_name = "cms_reports_courses"
    index_results_url_name = "cms_reports_courses_results"
    publication_rule = publication.COURSE_COHORT
    list_export = [
        "course",
        "cohort",
        "municipality",
        "enrolled",
        "active_30d",
        "completed",
        "completion_rate",
        "average_grade",
        "attendance",
    ]
    export_headings = {
        "course": _("Course"),
        "cohort": _("Cohort"),
        "municipality": _("Municipality"),
        "enrolled": _("Enrolled"),
        "active_30d": _("Active in the last 30 days"),
        "completed": _("Completed"),
        "completion_rate": _("Completion rate (%)"),
        "average_grade": _("Average final grade"),
        "attendance": _("Attendance (%)"),
    }
    columns = [
        Column("course", label=_("Course")),
        Column("cohort", label=_("Cohort")),
        Column("municipality", label=_("Municipality")),
        Column("enrolled", label=_("Enrolled"), accessor=_value("enrolled")),
        Column("active_30d", label=_("Active in the last 30 days"), accessor=_value("active_30d")),
        Column("completed", label=_("Completed"), accessor=_value("completed")),
        Column("completion_rate", label=_("Completion rate"), accessor=_value("completion_rate", _percent)),
        Column("average_grade", label=_("Average final grade"), accessor=_value("average_grade")),
        Column("attendance", label=_("Attendance"), accessor=_value("attendance", _percent)),
    ]

    def get_rows(self, filters, for_publication):
        return selectors.course_cohort_rows(
            filters=filters, municipality=self.municipality, publication=for_publication
        )


class BreakdownReportView(SchoolReportView):
    """Learners, enrolments, completions and certificates grouped by ``breakdown`` (see selectors.BREAKDOWNS)."""

    breakdown = ""
    publication_rule = publication.BREAKDOWN
    list_export = ["name", "learners", "enrolments", "completions", "certificates"]
    export_headings = {
        "name": _("Name"),
        "region": _("Region"),
        "learners": _("Learners"),
        "enrolments": _("Enrolments"),
        "completions": _("Completions"),
        "certificates": _("Certificates"),
    }
    name_label = _("Name")

    @cached_property
    def columns(self):
        return [
            Column("name", label=self.name_label),
            *([Column("region", label=_("Region"))] if "region" in self.list_export else []),
            Column("learners", label=_("Learners"), accessor=_value("learners")),
            Column("enrolments", label=_("Enrolments"), accessor=_value("enrolments")),
            Column("completions", label=_("Completions"), accessor=_value("completions")),
            Column("certificates", label=_("Certificates"), accessor=_value("certificates")),
        ]

    def get_rows(self, filters, for_publication):
        return selectors.breakdown_rows(
            by=self.breakdown, filters=filters, municipality=self.municipality, publication=for_publication
        )


class ComunaReportView(BreakdownReportView):
    report_name = "comunas"
    breakdown = "comuna"
    page_title = _("Learners per comuna")
    name_label = _("Comuna")
    index_url_name = "cms_reports_comunas"
    index_results_url_name = "cms_reports_comunas_results"
    publication_rule = publication.COMUNA_BREAKDOWN
    list_export = ["name", "region", "learners", "enrolments", "completions", "certificates"]
    export_headings = {**BreakdownReportView.export_headings, "name": _("Comuna")}


class RegionReportView(BreakdownReportView):
    report_name = "regiones"
    breakdown = "region"
    page_title = _("Learners per region")
    name_label = _("Region")
    index_url_name = "cms_reports_regions"
    index_results_url_name = "cms_reports_regions_results"
    export_headings = {**BreakdownReportView.export_headings, "name": _("Region")}


class LearnerTypeReportView(BreakdownReportView):
    report_name = "tipos-de-participante"
    breakdown = "learner_type"
    page_title = _("Learners per learner type")
    name_label = _("Learner type")
    index_url_name = "cms_reports_learner_types"
    index_results_url_name = "cms_reports_learner_types_results"
    export_headings = {**BreakdownReportView.export_headings, "name": _("Learner type")}


def _learner_type_label(value):
    return str(LearnerProfile.LearnerType(value).label) if value else ""


class LearnerReportView(SchoolReportView):
    """Learners in scope, to open one learner's detail. Its export holds personal data: it is audited like every
    export and has no publication variant."""

    report_name = "participantes"
    page_title = _("Learners")
    header_icon = "user"
    is_searchable = True
    index_url_name = "cms_reports_learners"
    index_results_url_name = "cms_reports_learners_results"
    list_export = [
        "family_names",
        "given_names",
        "run",
        "document_number",
        "comuna__name",
        "comuna__region__name",
        "learner_type",
        "birth_year",
        "enrolment_count",
        "completion_count",
        "certificate_count",
    ]
    export_headings = {
        "family_names": _("Family names"),
        "given_names": _("Given names"),
        "run": _("RUN"),
        "document_number": _("Other document"),
        "comuna__name": _("Comuna"),
        "comuna__region__name": _("Region"),
        "learner_type": _("Learner type"),
        "birth_year": _("Year of birth"),
        "enrolment_count": _("Enrolments"),
        "completion_count": _("Completions"),
        "certificate_count": _("Certificates"),
    }
    custom_field_preprocess = {
        "run": {"csv": lambda value: format_run(value) if value else "", "xlsx": lambda v: format_run(v) if v else ""},
        "learner_type": {"csv": _learner_type_label, "xlsx": _learner_type_label},
    }
    columns = [
        TitleColumn("full_name", label=_("Name"), url_name="cms_reports_learner"),
        Column("run_display", label=_("RUN")),
        Column("comuna", label=_("Comuna"), accessor="comuna.name"),
        Column("region", label=_("Region"), accessor="comuna.region.name"),
        Column("learner_type", label=_("Learner type"), accessor="get_learner_type_display"),
        Column("enrolment_count", label=_("Enrolments")),
        Column("completion_count", label=_("Completions")),
        Column("certificate_count", label=_("Certificates")),
    ]

    def get_rows(self, filters, for_publication):
        return selectors.learner_rows(filters=filters, municipality=self.municipality, search=self.search_query or "")

    def export_rows(self, queryset):
        return queryset.values(*self.list_export).iterator(chunk_size=5000), queryset.count()


class LearnerDetailView(SchoolReportView):
    """One learner: profile, enrolments (progress, grade, attendance, certificate), H5P attempts and certificates.
    Opening it is written to the audit log (``learner.viewed``); so is its export."""

    report_name = "participante"
    filterset_class = None
    header_icon = "user"
    template_name = "cms_reports/learner_detail.html"
    paginate_by = None
    list_export = [
        "course",
        "cohort",
        "status",
        "enrolled_at",
        "completed_at",
        "last_visited_at",
        "lessons_done",
        "final_grade",
        "attendance",
        "certificate",
    ]
    export_headings = {
        "course": _("Course"),
        "cohort": _("Cohort"),
        "status": _("Status"),
        "enrolled_at": _("Enrolled on"),
        "completed_at": _("Completed on"),
        "last_visited_at": _("Last visit"),
        "lessons_done": _("Lessons completed"),
        "final_grade": _("Final grade"),
        "attendance": _("Attendance (%)"),
        "certificate": _("Certificate folio"),
    }
    columns = [
        Column("course", label=_("Course")),
        Column("cohort", label=_("Cohort")),
        Column("status", label=_("Status")),
        Column("enrolled_at", label=_("Enrolled on"), accessor=_value("enrolled_at", _date)),
        Column("completed_at", label=_("Completed on"), accessor=_value("completed_at", _date)),
        Column("last_visited_at", label=_("Last visit"), accessor=_value("last_visited_at", _date)),
        Column("lessons_done", label=_("Lessons completed")),
        Column("final_grade", label=_("Final grade"), accessor=_value("final_grade")),
        Column("attendance", label=_("Attendance"), accessor=_value("attendance", _percent)),
        Column("certificate", label=_("Certificate folio")),
    ]

    @cached_property
    def profile(self):
        profile = selectors.learner_in_scope(profile_id=self.kwargs["pk"], municipality=self.municipality)
        if profile is None:
            raise Http404
        return profile

    @property
    def page_title(self):
        return self.profile.full_name

    def get_index_url(self):
        return reverse("cms_reports_learner", args=[self.profile.pk])

    def audit_subject(self):
        return self.profile

    def get_rows(self, filters, for_publication):
        return selectors.learner_enrolment_rows(profile=self.profile)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.is_export:
            audit_record(actor=request.user, action="learner.viewed", subject=self.profile)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["profile"] = self.profile
        context["attempts"] = selectors.learner_attempts(profile=self.profile)
        context["certificates"] = selectors.learner_certificates(profile=self.profile)
        return context
