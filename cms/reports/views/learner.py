"""Reports on single learners, with personal data: the learner list and one learner's detail (both audited, no
publication variant)."""

from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn

from cms.reports import selectors
from cms.reports.views.base import SchoolReportView, column_value, format_date, format_percent
from learners.accounts.run import format_run
from learners.models import LearnerProfile
from learners.privacy.audit import audit_record


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
        Column("enrolled_at", label=_("Enrolled on"), accessor=column_value("enrolled_at", format_date)),
        Column("completed_at", label=_("Completed on"), accessor=column_value("completed_at", format_date)),
        Column("last_visited_at", label=_("Last visit"), accessor=column_value("last_visited_at", format_date)),
        Column("lessons_done", label=_("Lessons completed")),
        Column("final_grade", label=_("Final grade"), accessor=column_value("final_grade")),
        Column("attendance", label=_("Attendance"), accessor=column_value("attendance", format_percent)),
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

    def get_sheet_name(self) -> str:
        return str(_("Courses"))  # the page's title is the learner's name, typed by her

    def get_index_url(self):
        return reverse("cms_reports_learner", args=[self.profile.pk])

    def audit_subject(self):
        return self.profile

    def get_rows(self, filters, for_publication):
        return selectors.learner_enrolment_rows(profile=self.profile, municipality=self.municipality)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.is_export:
            audit_record(actor=request.user, action="learner.viewed", subject=self.profile)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["profile"] = self.profile
        context["attempts"] = selectors.learner_attempts(profile=self.profile, municipality=self.municipality)
        context["certificates"] = selectors.learner_certificates(profile=self.profile, municipality=self.municipality)
        return context
