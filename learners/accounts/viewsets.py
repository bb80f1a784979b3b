"""Wagtail admin for learner profiles: a read-only, searchable list limited to the staff member's scope."""

from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import ChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic

from courses.viewset_utils import LimitedModelViewSet
from learners.accounts.models import LearnerProfile
from learners.admin_helpers import LearnerSearchMixin, ReadableInspectView, ScopedViewSetMixin, title_column
from learners.staff import selectors


class LearnerProfileFilterSet(WagtailFilterSet):
    learner_type = ChoiceFilter(label=gettext_lazy("Takes part as"), choices=LearnerProfile.LearnerType.choices)
    document_type = ChoiceFilter(label=gettext_lazy("Document"), choices=LearnerProfile.DocumentType.choices)

    class Meta:
        model = LearnerProfile
        fields = ["learner_type", "document_type"]


class LearnerProfileIndexView(LearnerSearchMixin, generic.IndexView):
    profile_lookup = ""
    user_lookup = "user__"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "comuna")

    @cached_property
    def columns(self):
        return [
            title_column(self, "full_name", label=_("Name"), accessor="full_name", sort_key="family_names"),
            Column("document", label=_("RUN or document"), accessor="document_display", sort_key="run"),
            Column("email", label=_("Email"), accessor="user.email", sort_key="user__email"),
            Column("comuna", label=_("Comuna"), accessor="comuna.name", sort_key="comuna__name"),
            Column("learner_type", label=_("Takes part as"), accessor="get_learner_type_display"),
            BooleanColumn("is_minor", label=_("Minor")),
        ]


class LearnerProfileInspectView(ReadableInspectView):
    audit_action = "learner.viewed"
    labels = {
        "document_display": gettext_lazy("RUN or document"),
        "email": gettext_lazy("Email"),
        "is_minor": gettext_lazy("Minor (under 18)"),
    }

    def get_email_display_value(self):
        return self.object.user.email

    def get_is_minor_display_value(self):
        return _("Yes") if self.object.is_minor else _("No")


class LearnerProfileViewSet(ScopedViewSetMixin, LimitedModelViewSet):
    scope_lookups = selectors.ScopeLookups(learner_comuna="comuna_id", learner="user_id")
    model = LearnerProfile
    name = "learners_profile"
    url_prefix = "learners/profiles"
    icon = "id-card"
    index_view_class = LearnerProfileIndexView
    inspect_view_class = LearnerProfileInspectView
    disabled_views = frozenset({"add", "edit", "delete"})
    permission_actions = ("view",)
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "given_names",
        "family_names",
        "document_display",
        "run_verified_at",
        "email",
        "comuna",
        "learner_type",
        "municipality",
        "organisation_name",
        "organisation_type",
        "birth_year",
        "is_minor",
        "phone",
        "privacy_notice_version",
        "privacy_accepted_at",
        "blocked_at",
        "created_at",
    ]
    filterset_class = LearnerProfileFilterSet
    search_fields = ["user__email"]  # the search itself is LearnerProfileIndexView.search_queryset
    search_backend_name = None
    ordering = ["family_names", "given_names"]
