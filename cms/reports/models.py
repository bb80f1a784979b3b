"""The reports' permission. Reports have no table of their own: ``ReportAccess`` only carries the permission."""

from django.db import models
from django.utils.translation import gettext_lazy as _

VIEW_REPORTS_PERMISSION = "cms_reports.view_reports"


class ReportAccess(models.Model):
    """Holder of ``cms_reports.view_reports``: see the reports and dashboard, and export them (every export is
    audited). Users limited to a municipality (StaffProfile) only ever see that municipality's data."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", _("Can view and export the school's reports"))]
        verbose_name = _("report access")
