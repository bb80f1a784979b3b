"""Wagtail's own admin listings that offer "Download CSV / XLSX" (site history, aging and locked pages, workflows,
redirects), served at their usual addresses by subclasses that write through the platform's spreadsheet writer
(``courses.spreadsheets``: no formulas, Chilean local time, real date cells). A page title or a learner's name in
the site history is text someone else typed; Wagtail's own writer would hand it to Excel as a live formula.

``cms/urls.py`` puts these patterns in front of Wagtail's admin URLs, with the same decorators Wagtail gives its
own (admin access, the admin's 404 page, no caching). ``tests/test_spreadsheet_exports.py`` resolves every
exporting address of the project and fails when one is served by a class without the platform's writer, for
example a listing that a Wagtail upgrade adds.
"""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.urls import display_custom_404
from wagtail.admin.views.reports.aging_pages import AgingPagesView
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.admin.views.reports.locked_pages import LockedPagesView
from wagtail.admin.views.reports.workflows import WorkflowTasksView, WorkflowView
from wagtail.contrib.redirects.views import IndexView as RedirectIndexView
from wagtail.utils.urlpatterns import decorate_urlpatterns

from courses.viewset_utils import platform_view_class

WAGTAIL_EXPORTING_LISTINGS = [
    ("reports/locked/", LockedPagesView),
    ("reports/workflow/", WorkflowView),
    ("reports/workflow_tasks/", WorkflowTasksView),
    ("reports/site-history/", LogEntriesView),
    ("reports/aging-pages/", AgingPagesView),
    ("redirects/", RedirectIndexView),
]


def _patterns():
    patterns = []
    for route, view_class in WAGTAIL_EXPORTING_LISTINGS:
        safe = platform_view_class(view_class)
        patterns += [path(route, safe.as_view()), path(f"{route}results/", safe.as_view(results_only=True))]
    for decorator in (require_admin_access, display_custom_404, never_cache):
        patterns = decorate_urlpatterns(patterns, decorator)
    return patterns


urlpatterns = _patterns()
