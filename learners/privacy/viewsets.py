"""Admin for personal data, in the "Citizen school" menu: privacy notice versions, learners' data requests (with
the legal deadline counting down) and the staff audit log (read-only, administrators only)."""

import django_filters
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic

from courses.viewset_utils import NATIONAL, LimitedModelViewSet
from learners.admin_helpers import LinkColumn, ReadableInspectView, short_datetime, title_column
from learners.privacy.models import AuditEvent, DataRequest, PrivacyNotice

MENU_HOOK = "register_citizen_school_menu_item"


# Privacy notice -------------------------------------------------------------------------------------------------


class NoticeCreateMixin:
    """After saving a version, show it (versions are never edited)."""

    def get_edit_url(self):
        return reverse("learners_privacy_notice:inspect", args=[self.object.pk])


class PrivacyNoticeCreateView(NoticeCreateMixin, generic.CreateView):
    pass


class PrivacyNoticeCopyView(NoticeCreateMixin, generic.CopyView):
    pass


class PrivacyNoticeViewSet(LimitedModelViewSet):
    """Versions are added (or copied from the previous one and changed), never edited or deleted once saved,
    so that each consent keeps pointing to the text it accepted."""

    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)

    model = PrivacyNotice
    name = "learners_privacy_notice"
    url_prefix = "learners/privacy-notices"
    icon = "doc-full"
    menu_label = gettext_lazy("Privacy notice")
    menu_hook = MENU_HOOK
    menu_order = 910
    add_view_class = PrivacyNoticeCreateView
    copy_view_class = PrivacyNoticeCopyView
    disabled_views = frozenset({"edit", "delete"})
    permission_actions = ("add", "view")
    copy_view_enabled = True
    inspect_view_enabled = True
    list_display = ["version", "published_at", "created_at"]
    ordering = ["-published_at"]
    inspect_view_fields = ["version", "published_at", *PrivacyNotice.SECTIONS, "text_sha256"]
    edit_handler = ObjectList(
        [
            FieldPanel("version"),
            FieldPanel("published_at"),
            *(FieldPanel(name) for name in PrivacyNotice.SECTIONS),
        ]
    )


# Data requests ----------------------------------------------------------------------------------------------------


def deadline_text(request: DataRequest) -> str:
    if request.status != DataRequest.Status.OPEN:
        return _("Answered")
    days = (request.due_on - timezone.localdate()).days
    if days < 0:
        return ngettext("Overdue by %(days)s day", "Overdue by %(days)s days", -days) % {"days": -days}
    if days == 0:
        return _("Due today")
    return ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}


class DeadlineColumn(Column):
    cell_template_name = "learners/admin/deadline_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["overdue"] = instance.is_overdue
        context["open"] = instance.status == DataRequest.Status.OPEN
        return context


def requester(request: DataRequest) -> str:
    if request.user_id is None:
        return _("Deleted learner")
    profile = getattr(request.user, "learner_profile", None)
    return profile.full_name if profile is not None else request.user.get_username()


class DataRequestFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=DataRequest.Status.choices)
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Request"), choices=DataRequest.Kind.choices)

    class Meta:
        model = DataRequest
        fields = ["status", "kind"]


class DataRequestIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user__learner_profile")

    @cached_property
    def columns(self):
        return [
            title_column(self, "kind", label=_("Request"), accessor=str, sort_key="kind"),
            Column("requester", label=_("Learner"), accessor=requester),
            DateColumn("created_at", label=_("Received"), sort_key="created_at"),
            DateColumn("due_on", label=_("Legal deadline"), sort_key="due_on"),
            DeadlineColumn("countdown", label=_("Time left"), accessor=deadline_text),
            Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
            LinkColumn(
                "answer",
                label="",
                accessor=lambda request: _("Answer") if request.status == DataRequest.Status.OPEN else "",
                get_url=lambda request: (
                    reverse("learners_data_request_answer", args=[request.pk])
                    if request.status == DataRequest.Status.OPEN
                    else None
                ),
            ),
        ]


class DataRequestInspectView(ReadableInspectView):
    template_name = "learners/admin/data_request_inspect.html"
    labels = {"requester": gettext_lazy("Learner"), "countdown": gettext_lazy("Time left")}

    def get_requester_display_value(self):
        return requester(self.object)

    def get_countdown_display_value(self):
        return deadline_text(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object.status == DataRequest.Status.OPEN:
            context["answer_url"] = reverse("learners_data_request_answer", args=[self.object.pk])
        return context


class DataRequestViewSet(LimitedModelViewSet):
    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)
    model = DataRequest
    add_to_reference_index = False
    name = "learners_data_request"
    url_prefix = "learners/data-requests"
    icon = "mail"
    menu_label = gettext_lazy("Data requests")
    menu_hook = MENU_HOOK
    menu_order = 920
    index_view_class = DataRequestIndexView
    inspect_view_class = DataRequestInspectView
    disabled_views = frozenset({"add", "edit", "delete"})
    permission_actions = ("change", "view")
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "kind",
        "requester",
        "details",
        "created_at",
        "due_on",
        "countdown",
        "status",
        "answered_by",
        "answered_at",
        "response",
    ]
    filterset_class = DataRequestFilterSet
    ordering = ["status", "due_on"]


# Staff audit log --------------------------------------------------------------------------------------------------


def _actors(request):
    return get_user_model().objects.filter(pk__in=AuditEvent.objects.values("actor_id")).order_by("email")


def _actions():
    return [(action, action) for action in AuditEvent.objects.values_list("action", flat=True).distinct()]


class AuditEventFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(label=gettext_lazy("Action"), choices=_actions)
    actor = django_filters.ModelChoiceFilter(label=gettext_lazy("Who"), queryset=_actors)
    at = django_filters.DateFromToRangeFilter(label=gettext_lazy("Date"), widget=DateRangePickerWidget)

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "at"]


class AuditEventIndexView(generic.IndexView):
    @cached_property
    def columns(self):
        return [
            title_column(self, "at", label=_("When"), accessor=lambda event: short_datetime(event.at)),
            Column("actor_label", label=_("Who"), sort_key="actor_label"),
            Column("action", label=_("Action"), sort_key="action"),
            Column("subject", label=_("Subject"), accessor=lambda event: event.subject_label or "—"),
        ]


class AuditEventViewSet(LimitedModelViewSet):
    """Read-only: no add, edit or delete view exists, and the listing and inspect views only answer GET."""

    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)

    model = AuditEvent
    add_to_reference_index = False  # an append-only log: indexing each entry's links would cost 6 queries a write
    name = "learners_audit"
    url_prefix = "learners/audit-log"
    icon = "history"
    menu_label = gettext_lazy("Audit log")
    menu_hook = MENU_HOOK
    menu_order = 930
    index_view_class = AuditEventIndexView
    inspect_view_class = ReadableInspectView
    disabled_views = frozenset({"add", "edit", "delete", "history", "history_results", "usage"})
    permission_actions = ("view",)
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = ["at", "actor_label", "action", "subject_type", "subject_id", "subject_label", "data"]
    filterset_class = AuditEventFilterSet
    ordering = ["-at", "-id"]
    list_export = ["at", "actor_label", "action", "subject_type", "subject_id", "subject_label"]
    export_filename = "registro-auditoria"
