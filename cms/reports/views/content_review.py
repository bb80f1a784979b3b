"""The courses whose content is due for review: never reviewed, or last reviewed 12 months ago or more. For the
academy (the permission to record a review), not for everyone who sees the school's reports: it is about content,
not learners, and has no export."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from cms.reports.views.base import format_date
from courses.models.pages import REVIEW_PERMISSION
from courses.selectors import courses_due_for_review


def may_see_review_report(user) -> bool:
    return user.is_active and user.has_perm(REVIEW_PERMISSION)


def _last_review(course) -> str:
    return format_date(course.last_reviewed_on) if course.last_reviewed_on else gettext("Never")


def _status(course) -> str:
    return gettext("Published") if course.live else gettext("Draft")


class CourseReviewReportView(ReportView):
    page_title = gettext_lazy("Courses to review")
    header_icon = "date"
    index_url_name = "cms_reports_course_review"
    index_results_url_name = "cms_reports_course_review_results"
    paginate_by = 50
    columns = [
        TitleColumn(
            "title",
            label=gettext_lazy("Course"),
            get_url=lambda course: reverse("wagtailadmin_pages:edit", args=[course.pk]),
        ),
        Column("last_reviewed_on", label=gettext_lazy("Last reviewed on"), accessor=_last_review),
        Column("last_reviewed_by", label=gettext_lazy("Reviewed by")),
        StatusTagColumn("live", label=gettext_lazy("Status"), accessor=_status, primary=lambda course: course.live),
    ]

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = False  # a short list for the screen: ?export= shows the page

    def dispatch(self, request, *args, **kwargs):
        if not may_see_review_report(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return courses_due_for_review(today=timezone.localdate())
