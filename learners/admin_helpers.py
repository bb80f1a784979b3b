"""Building blocks shared by the learners packages' admin viewsets (and the certificates' and reports' admin):
learner search by RUN, name or email, link and title columns, inspect views that label computed values and
record each view in the audit log, and viewsets limited to the staff member's scope."""

import datetime
import unicodedata

from django.db.models import Q
from django.utils import formats, timezone
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic

from courses.viewset_utils import LocalTimeInspectMixin
from courses.viewset_utils import ScopedViewSetMixin as BaseScopedViewSetMixin
from learners.accounts.run import InvalidRun, normalise_run
from learners.privacy.audit import audit_record
from learners.staff import selectors


def learner_search_q(query: str, *, profile: str, user: str) -> Q:
    """A RUN typed in any format finds exactly that learner; other text must match every word somewhere
    in the names, email or document number (a run of digits also matches the start of a RUN).

    ``profile`` and ``user`` are the lookup prefixes from the searched model to LearnerProfile and to the user.
    """
    try:
        return Q(**{f"{profile}run": normalise_run(query)})
    except InvalidRun:
        pass
    condition = Q()
    for word in query.split():
        match = Q()
        for lookup in (
            f"{profile}given_names",
            f"{profile}family_names",
            f"{profile}document_number",
            f"{user}email",
            f"{user}first_name",
            f"{user}last_name",
        ):
            match |= Q(**{f"{lookup}__icontains": word})
        body = unicodedata.normalize("NFKC", word).replace(".", "").split("-")[0]
        if body.isascii() and body.isdigit():
            match |= Q(**{f"{profile}run__startswith": body})
        condition &= match
    return condition


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def short_date(value) -> str:
    """22/03/2026, for a date or a datetime (taken in the viewer's time zone: a certificate issued on 6 December at
    23:30 in Santiago is from the 6th, although it is already the 7th in UTC)."""
    return formats.date_format(_local(value), "SHORT_DATE_FORMAT") if value else ""


def short_datetime(value) -> str:
    """22/03/2026 16:03 in the viewer's time zone (Chile: the admin's only time zone)."""
    return formats.date_format(_local(value), "SHORT_DATETIME_FORMAT") if value else ""


def title_column(view, name, **kwargs):
    """The listing's first column: links to the edit view, or to the inspect view when editing is off."""
    column_class = view._get_title_column_class(TitleColumn)
    return column_class(name, get_url=lambda obj: view.get_edit_url(obj) or view.get_inspect_url(obj), **kwargs)


class LinkColumn(Column):
    """A plain cell whose value links somewhere (``get_url(instance)``; no link when it returns None)."""

    cell_template_name = "learners/admin/link_cell.html"

    def __init__(self, name, get_url, **kwargs):
        super().__init__(name, **kwargs)
        self._get_url = get_url

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["link_url"] = self._get_url(instance)
        return context


class LearnerSearchMixin:
    """Index view mixin: search learners by RUN (any format), name, email or document number."""

    profile_lookup = ""
    user_lookup = "user__"

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.filter(learner_search_q(self.search_query, profile=self.profile_lookup, user=self.user_lookup))


class ReadableInspectView(LocalTimeInspectMixin, generic.InspectView):
    """Inspect view with labels for computed values (``labels``), a dash for empty ones and times in local time.
    With ``audit_action``, each view of the object is recorded in the staff audit log."""

    labels: dict = {}
    audit_action = ""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.audit_action:
            audit_record(actor=request.user, action=self.audit_action, subject=self.object)
        return response

    def get_field_label(self, field_name, field):
        if field_name in self.labels:
            return self.labels[field_name]
        return super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value


class ScopedViewSetMixin(BaseScopedViewSetMixin):
    """Viewset mixin: every view sees only the rows inside the user's staff scope
    (``learners.staff.selectors.staff_scope``)."""

    scope_lookups: selectors.ScopeLookups = selectors.ScopeLookups()

    def scope_queryset(self, queryset, user):
        return selectors.staff_scope_filter(user=user, queryset=queryset, lookups=self.scope_lookups)
