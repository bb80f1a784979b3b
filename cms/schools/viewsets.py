"""The academy's admin for municipal schools (Ajustes → Escuelas municipales): a listing, one form that adds a
school (``services.school_create``) and a delete view that refuses while the school has enrolments or certificates
(``services.school_delete``). Its edit view holds only what the academy decides for the school: the national
courses its catalogue offers (``NationalCourseOffer``). A school's name, branding and contacts are edited in its
site settings, its host name in Sites."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic

from cms.schools import services
from courses.models import Comuna, School
from courses.models.territory import comuna_key
from courses.viewset_utils import NATIONAL, LimitedModelViewSet
from learners.admin_helpers import title_column


class ComunaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class SchoolCreateForm(WagtailAdminModelForm):
    """Name and comuna (model fields) plus what ``school_create`` needs besides: host name, first administrator,
    RUT. Validation is the service's own (``school_errors``), so the form and the command refuse the same input."""

    host = forms.CharField(
        label=gettext_lazy("Host name"),
        max_length=260,
        help_text=gettext_lazy(
            "For example penalolen.escuelaciudadana.cl. In development: penalolen.localhost (a port may follow, "
            "penalolen.localhost:8000)."
        ),
    )
    admin_email = forms.EmailField(
        label=gettext_lazy("First administrator's email"),
        help_text=gettext_lazy(
            "An existing account joins the school's administration; otherwise one is created without a password, "
            "and she sets it with “Forgot your password?” on the log-in page."
        ),
    )
    rut = forms.CharField(
        label=gettext_lazy("Municipality's RUT"),
        max_length=12,
        required=False,
        help_text=gettext_lazy("Printed on the school's certificates; it can also be added later, in its issuer."),
    )

    class Meta:
        model = School
        fields = ["name", "comuna"]
        field_classes = {"comuna": ComunaChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        comunas = Comuna.objects.filter(school__isnull=True)
        self.fields["comuna"].queryset = comunas
        self.fields["comuna"].choices = [("", "---------")] + [
            (comuna.code, f"{comuna.name} ({comuna.code})") for comuna in sorted(comunas, key=comuna_key)
        ]
        self.fields["comuna"].label = _("Comuna")

    def _post_clean(self):
        """The service checks everything (unique name, comuna, host); the model's own checks would only repeat
        them in other words."""

    def clean(self):
        data = super().clean()
        comuna = data.get("comuna")
        errors = services.school_errors(
            name=data.get("name", ""),
            comuna_code=comuna.code if comuna else "",
            host=data.get("host", ""),
            admin_email=data.get("admin_email", ""),
            created_by=self.for_user,
        )
        for field, message in errors.items():
            if field == "comuna" and "comuna" in self.errors:
                continue
            if field in ("host", "admin_email", "name") and field in self.errors:
                continue
            self.add_error(None if field == "__all__" else field, message)
        return data


class SchoolCreateView(generic.CreateView):
    def get_success_buttons(self):
        return []

    def get_success_url(self):
        return reverse(self.index_url_name)

    def save_instance(self):
        data = self.form.cleaned_data
        created = services.school_create(
            name=data["name"],
            comuna_code=data["comuna"].code,
            host=data["host"],
            admin_email=data["admin_email"],
            rut=data.get("rut", ""),
            created_by=self.request.user,
        )
        if created.account_created:
            messages.info(
                self.request,
                _("The account %(email)s was created without a password: she sets it with “Forgot your password?”.")
                % {"email": created.administrator.email},
            )
        return created.school

    def get_success_message(self, instance):
        return _("School “%(name)s” created at %(url)s.") % {"name": instance.name, "url": instance.site.root_url}


class SchoolDeleteView(generic.DeleteView):
    """Removal through ``school_delete``, which decides what blocks it (enrolments, certificates) and removes the
    school's issuer with it; Wagtail's own check would refuse any school, since its issuer points at it."""

    def form_valid(self, form):
        try:
            services.school_delete(school=self.object, deleted_by=self.request.user)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return redirect(self.get_success_url())
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_protected"] = False
        return context

    def get_success_message(self):
        return _("School “%(name)s” removed.") % {"name": self.object.name}


class SchoolIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("comuna", "site")

    @cached_property
    def columns(self):
        return [
            title_column(self, "name", label=_("Name"), accessor="name"),
            Column("comuna", label=_("Comuna"), accessor=lambda school: f"{school.comuna.name} ({school.comuna_id})"),
            Column("site", label=_("Address"), accessor=lambda school: school.site.root_url),
        ]


class SchoolViewSet(LimitedModelViewSet):
    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)
    model = School
    name = "cms_schools"
    url_prefix = "schools"
    icon = "site"
    menu_label = gettext_lazy("Municipal schools")
    add_to_settings_menu = True
    menu_order = 150
    index_view_class = SchoolIndexView
    add_view_class = SchoolCreateView
    delete_view_class = SchoolDeleteView
    inspect_view_enabled = True
    copy_view_enabled = False
    search_fields = ["name", "comuna__name"]
    search_backend_name = None
    ordering = ["name"]
    inspect_view_fields = ["name", "comuna", "site", "created_at"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("comuna", widget=forms.Select),
            FieldPanel("host"),
            FieldPanel("admin_email"),
            FieldPanel("rut"),
        ],
        base_form_class=SchoolCreateForm,
    )

    @cached_property
    def offers_panel(self):
        """The edit view's form: the national courses the school offers, in order."""
        return ObjectList(
            [
                InlinePanel(
                    "national_courses",
                    heading=gettext_lazy("National courses offered"),
                    label=gettext_lazy("National course"),
                    help_text=gettext_lazy(
                        "Courses of the academy's catalogue that this school's catalogue lists beside its own. They "
                        "are not copied: the card links to the course on the academy's site."
                    ),
                )
            ]
        ).bind_to_model(School)

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(
            **{"panel": self.offers_panel, "form_class": self.offers_panel.get_form_class(), **kwargs}
        )
