from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cms.reports.panels import DashboardPanel
from cms.reports.selectors import report_scope
from cms.reports.views import aggregate, content_review, learner
from cms.reports.views.base import may_see_reports

REPORTS = [
    ("courses/", "cms_reports_courses", aggregate.CourseCohortReportView, _("Courses and cohorts"), "table"),
    ("schools/", "cms_reports_schools", aggregate.SchoolBreakdownReportView, _("Learners per school"), "home"),
    ("comunas/", "cms_reports_comunas", aggregate.ComunaReportView, _("Learners per comuna"), "site"),
    ("regions/", "cms_reports_regions", aggregate.RegionReportView, _("Learners per region"), "site"),
    ("learner-types/", "cms_reports_learner_types", aggregate.LearnerTypeReportView, _("Learners per type"), "group"),
    ("learners/", "cms_reports_learners", learner.LearnerReportView, _("Learners"), "user"),
]


class SchoolReportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_reports(request.user)


@hooks.register("register_admin_urls")
def register_report_urls():
    urls = [
        path(
            "school-reports/learners/<id:pk>/",
            learner.LearnerDetailView.as_view(),
            name="cms_reports_learner",
        )
    ]
    for prefix, name, view, _label, _icon in REPORTS:
        urls += [
            path(f"school-reports/{prefix}", view.as_view(), name=name),
            path(f"school-reports/{prefix}results/", view.as_view(results_only=True), name=f"{name}_results"),
        ]
    return urls


def _menu_item(position: int, name: str, label, icon: str):
    @hooks.register("register_reports_menu_item")
    def register():
        return SchoolReportMenuItem(
            label, reverse(name), name=name.replace("_", "-"), icon_name=icon, order=100 + 10 * position
        )

    return register


for _position, (_prefix, _name, _view, _label, _icon) in enumerate(REPORTS):
    _menu_item(_position, _name, _label, _icon)


class CourseReviewMenuItem(MenuItem):
    def is_shown(self, request):
        return content_review.may_see_review_report(request.user)


@hooks.register("register_admin_urls")
def register_course_review_urls():
    view = content_review.CourseReviewReportView
    return [
        path("school-reports/course-review/", view.as_view(), name="cms_reports_course_review"),
        path(
            "school-reports/course-review/results/",
            view.as_view(results_only=True),
            name="cms_reports_course_review_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_course_review_menu_item():
    return CourseReviewMenuItem(
        _("Courses to review"),
        reverse("cms_reports_course_review"),
        name="cms-reports-course-review",
        icon_name="date",
        order=100 + 10 * len(REPORTS),
    )


@hooks.register("construct_homepage_panels")
def add_dashboard_panel(request, panels):
    if may_see_reports(request.user):
        panels.append(DashboardPanel(municipality=report_scope(user=request.user)))
