"""The admin home's dashboard panel: this week's figures and three SVG charts, scoped like the reports."""

from django.core.cache import cache
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component

from cms.reports import charts, selectors

CACHE_SECONDS = 300


def dashboard_data_cached(*, municipality) -> selectors.DashboardData:
    """The dashboard's figures, computed at most every five minutes per municipality scope."""
    kind = type(municipality).__name__.lower()  # comuna or school: their ids may coincide
    key = f"cms_reports:dashboard:{f'{kind}-{municipality.pk}' if municipality else 'all'}"
    return cache.get_or_set(key, lambda: selectors.dashboard_data(municipality=municipality), CACHE_SECONDS)


class DashboardPanel(Component):
    name = "cms_reports_dashboard"
    order = 50
    template_name = "cms_reports/dashboard_panel.html"

    def __init__(self, *, municipality):
        self.municipality = municipality

    def get_context_data(self, parent_context):
        data = dashboard_data_cached(municipality=self.municipality)
        months = [(f"{date_format(month, 'M')} {month:%y}", count) for month, count in data.completions_by_month]
        return {
            "data": data,
            "municipality": self.municipality,
            "charts": {
                "completions": charts.columns(title=_("Completions per month (last 12 months)"), items=months),
                "regions": charts.horizontal_bars(title=_("Learners per region"), items=data.learners_by_region),
                "courses": charts.horizontal_bars(
                    title=_("Valid certificates per course"), items=data.certificates_by_course
                ),
            },
        }
