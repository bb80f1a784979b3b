"""Wagtail admin for the outbox: a read-only list of the messages the platform sent or tried to send, with the
last error of each (staff see why a notice did not arrive), in the "Citizen school" menu."""

from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import ChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic

from courses.viewset_utils import NATIONAL, LimitedModelViewSet
from learners.admin_helpers import ReadableInspectView, title_column
from learners.notifications.kinds import KINDS
from learners.notifications.models import OutboxMessage


def kind_label(message: OutboxMessage) -> str:
    kind = KINDS.get(message.kind)
    return str(kind.label) if kind else message.kind


def recipient_label(message: OutboxMessage) -> str:
    user = message.recipient
    return user.get_full_name() or user.email or user.get_username()


def local_time(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


class OutboxFilterSet(WagtailFilterSet):
    status = ChoiceFilter(label=gettext_lazy("Status"), choices=OutboxMessage.Status.choices)
    kind = ChoiceFilter(
        label=gettext_lazy("Kind"), choices=lambda: [(code, kind.label) for code, kind in KINDS.items()]
    )

    class Meta:
        model = OutboxMessage
        fields = ["status", "kind"]


class OutboxIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("recipient")

    @cached_property
    def columns(self):
        return [
            title_column(self, "subject", label=_("Subject"), accessor="subject"),
            Column("kind", label=_("Kind"), accessor=kind_label),
            Column("recipient", label=_("Recipient"), accessor=recipient_label),
            Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
            Column("attempts", label=_("Attempts"), accessor="attempts", sort_key="attempts"),
            Column("last_error", label=_("Last error"), accessor="last_error"),
            Column(
                "created_at", label=_("Created"), accessor=lambda m: local_time(m.created_at), sort_key="created_at"
            ),
            Column("sent_at", label=_("Sent"), accessor=lambda m: local_time(m.sent_at), sort_key="sent_at"),
        ]


class OutboxInspectView(ReadableInspectView):
    labels = {"kind": gettext_lazy("Kind"), "recipient": gettext_lazy("Recipient")}

    def get_kind_display_value(self):
        return kind_label(self.object)

    def get_recipient_display_value(self):
        return recipient_label(self.object)

    def get_next_attempt_at_display_value(self):
        return local_time(self.object.next_attempt_at) if self.object.status == OutboxMessage.Status.PENDING else "—"


class OutboxMessageViewSet(LimitedModelViewSet):
    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)
    model = OutboxMessage
    name = "learners_outbox"
    url_prefix = "learners/outbox"
    icon = "mail"
    menu_label = gettext_lazy("Outgoing notices")
    add_to_reference_index = False
    index_view_class = OutboxIndexView
    inspect_view_class = OutboxInspectView
    disabled_views = frozenset({"add", "edit", "delete"})
    permission_actions = ("view",)
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "kind",
        "recipient",
        "subject",
        "status",
        "skip_reason",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
        "text",
    ]
    filterset_class = OutboxFilterSet
    search_fields = ["subject", "recipient__email", "dedup_key"]
    search_backend_name = None
    ordering = ["-created_at"]
