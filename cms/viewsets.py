"""Admin for the staff's municipalities: an administrator says which municipality a coordinator works for.

A StaffProfile with a municipality limits that account's learner lists and reports to it (learners.staff.selectors).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic

from courses.models import Comuna
from courses.viewset_utils import NATIONAL, PlatformModelViewSet
from learners.admin_helpers import title_column
from learners.models import StaffProfile

MENU_HOOK = "register_citizen_school_menu_item"


def staff_label(user) -> str:
    name = user.get_full_name()
    return f"{name} ({user.email})" if name else user.get_username()


class StaffProfileForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            staff = Q(is_active=True) & (Q(is_staff=True) | Q(is_superuser=True) | Q(groups__isnull=False))
            taken = StaffProfile.objects.exclude(pk=self.instance.pk).values("user_id")
            self.fields["user"].queryset = (
                get_user_model().objects.filter(staff).exclude(pk__in=taken).distinct().order_by("first_name", "email")
            )
            self.fields["user"].label_from_instance = staff_label
            self.fields["user"].label = _("Staff account")
        if "municipality" in self.fields:
            self.fields["municipality"].queryset = Comuna.objects.order_by("name")


class StaffProfileIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "municipality")

    @cached_property
    def columns(self):
        return [
            title_column(self, "user", label=_("Staff account"), accessor=lambda p: staff_label(p.user)),
            Column("groups", label=_("Roles"), accessor=lambda p: ", ".join(g.name for g in p.user.groups.all())),
            Column("municipality", label=_("Municipality"), accessor=lambda p: p.municipality or "—"),
        ]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("user__groups")


class StaffProfileViewSet(PlatformModelViewSet):
    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)
    model = StaffProfile
    name = "cms_staff_municipality"
    url_prefix = "staff-municipalities"
    icon = "site"
    menu_label = gettext_lazy("Staff municipalities")
    menu_hook = MENU_HOOK
    menu_order = 950
    index_view_class = StaffProfileIndexView
    copy_view_enabled = False
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    search_backend_name = None
    ordering = ["user__first_name", "user__email"]
    edit_handler = ObjectList(
        [FieldPanel("user", widget=forms.Select), FieldPanel("municipality", widget=forms.Select)],
        base_form_class=StaffProfileForm,
    )
