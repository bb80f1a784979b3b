"""Exports of the school's reports: Wagtail's CSV and XLSX responses with a leaner row writer (the cells written by
``courses.spreadsheets``: no formulas, local times, real numbers and dates), an entry in the staff audit log for
every export (``report.exported``), and the "for publication" variant of aggregate reports
(``?export=xlsx&publication=1``: minors left out, cells under five learners suppressed).
"""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import Button

from cms.reports import publication
from courses.viewset_utils import SafeSpreadsheetExportMixin
from learners.privacy.audit import audit_record


class ReportExportMixin(SafeSpreadsheetExportMixin):
    """Export behaviour of ``SchoolReportView``, in front of Wagtail's ``SpreadsheetExportMixin``: plain values
    and a converter only for the columns that have one, so that a national export of 100,000 rows stays within
    seconds. Override ``audit_subject`` to name what an export is about and ``export_rows`` for querysets too large
    for memory."""

    def export_values(self, queryset, export_format: str) -> Iterable[list]:
        fields = self.list_export
        converters = [
            (position, convert)
            for position, name in enumerate(fields)
            if (convert := self.custom_field_preprocess.get(name, {}).get(export_format))
        ]
        for row in queryset:
            values = [row[field] for field in fields]
            for position, convert in converters:
                values[position] = convert(values[position])
            yield values

    def get_sheet_name(self) -> str:
        """The report's title in Spanish ("Participantes por comuna"), cut to Excel's 31 characters."""
        return str(self.page_title)

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
                (_("Download for publication (CSV for programs)"), self.FORMAT_CSV_PROGRAMS),
            ):
                params = self.request.GET.copy()
                params["export"], params["publication"] = export_format, "1"
                url = f"{self.request.path}?{params.urlencode()}"
                buttons.append(Button(label, url=url, icon_name="download", priority=95))
        return buttons
