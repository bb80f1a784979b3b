"""Aggregate reports: courses and cohorts, and learners per comuna, region and learner type. Each one offers the
publication export (small cells suppressed, minors left out)."""

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from cms.reports import publication, selectors
from cms.reports.views.base import SchoolReportView, column_value, format_percent


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
        Column("enrolled", label=_("Enrolled"), accessor=column_value("enrolled")),
        Column("active_30d", label=_("Active in the last 30 days"), accessor=column_value("active_30d")),
        Column("completed", label=_("Completed"), accessor=column_value("completed")),
        Column("completion_rate", label=_("Completion rate"), accessor=column_value("completion_rate", format_percent)),
        Column("average_grade", label=_("Average final grade"), accessor=column_value("average_grade")),
        Column("attendance", label=_("Attendance"), accessor=column_value("attendance", format_percent)),
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
            Column("learners", label=_("Learners"), accessor=column_value("learners")),
            Column("enrolments", label=_("Enrolments"), accessor=column_value("enrolments")),
            Column("completions", label=_("Completions"), accessor=column_value("completions")),
            Column("certificates", label=_("Certificates"), accessor=column_value("certificates")),
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


class SchoolBreakdownReportView(BreakdownReportView):
    """The academy's national report by school: each municipal school's enrolments (its own courses and the
    national courses studied in its comuna's cohorts), and the academy's own last."""

    report_name = "escuelas"
    breakdown = "school"
    page_title = _("Learners per school")
    name_label = _("School")
    index_url_name = "cms_reports_schools"
    index_results_url_name = "cms_reports_schools_results"
    list_export = ["name", "region", "learners", "enrolments", "completions", "certificates"]
    export_headings = {**BreakdownReportView.export_headings, "name": _("School")}
