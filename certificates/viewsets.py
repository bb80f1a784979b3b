"""Wagtail admin for certificates: issuers and templates (snippets), template choices, issued certificates,
batches and failed automatic issues.

Every viewset sets ``menu_hook`` to the "Escuela Ciudadana" group's submenu hook (built in learners/wagtail_hooks.py),
so the items join that menu without the learners plugin knowing about certificates. Actions with rules attached
(issue, revoke, reissue, retry, bulk) and the template preview are in ``certificates.admin_views``, which calls
``certificates.services``.
"""

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import ChoiceFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.widgets import HeaderButton

from certificates.admin_views import TemplatePreviewOnCreateView, TemplatePreviewOnEditView
from certificates.codes import normalise_code
from certificates.models import (
    CertificateBatch,
    CertificateTemplate,
    IssuanceFailure,
    IssuedCertificate,
    Issuer,
    TemplateAssignment,
)
from certificates.scope import BATCH_SCOPE, CERTIFICATE_SCOPE, FAILURE_SCOPE, scoped_cohorts, scoped_issuers
from courses.converters import parse_id
from courses.models import CoursePage
from courses.viewset_utils import (
    NATIONAL,
    LimitedModelViewSet,
    PlatformModelViewSet,
    PlatformSnippetChooserViewSet,
    PlatformSnippetViewSet,
    ScopedChooserViewSetMixin,
)
from learners.admin_helpers import (
    LinkColumn,
    ReadableInspectView,
    ScopedViewSetMixin,
    learner_search_q,
    short_date,
    title_column,
)
from learners.enrolment.viewsets import cohort_label
from learners.models import Cohort

MENU_HOOK = "register_citizen_school_menu_item"


class IssuerChooserViewSet(ScopedChooserViewSetMixin, PlatformSnippetChooserViewSet):
    """A school's staff choose among the academy's issuers and their school's (never another school's)."""

    def scope_queryset(self, queryset, user):
        return queryset.filter(pk__in=scoped_issuers(user).values("pk"))


class CertificateTemplateChooserViewSet(ScopedChooserViewSetMixin, PlatformSnippetChooserViewSet):
    """A school's staff choose among the templates of the academy's issuers and their school's."""

    def scope_queryset(self, queryset, user):
        return queryset.filter(issuer__in=scoped_issuers(user).values("pk"))


class IssuerViewSet(PlatformSnippetViewSet):
    chooser_viewset_class = IssuerChooserViewSet
    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)
    model = Issuer
    icon = "site"
    menu_label = gettext_lazy("Certificate issuers")
    menu_hook = MENU_HOOK
    menu_order = 600
    list_display = ["name", "short_code", "rut", "city"]
    search_fields = ["name", "short_code", "rut"]
    copy_view_enabled = False


class CertificateTemplateViewSet(PlatformSnippetViewSet):
    chooser_viewset_class = CertificateTemplateChooserViewSet
    """Templates; the editor's preview panel shows a sample PDF built from the unsaved form."""

    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)

    model = CertificateTemplate
    preview_on_add_view_class = TemplatePreviewOnCreateView
    preview_on_edit_view_class = TemplatePreviewOnEditView
    icon = "doc-full"
    menu_label = gettext_lazy("Certificate templates")
    menu_hook = MENU_HOOK
    menu_order = 601
    list_display = ["name", "issuer", "kind", "is_default", "version"]
    list_filter = ["issuer", "kind"]
    search_fields = ["name", "title"]


class TemplateAssignmentForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "course" in self.fields:
            self.fields["course"].queryset = CoursePage.objects.order_by("title")
        if "cohort" in self.fields:
            self.fields["cohort"].queryset = Cohort.objects.select_related("course")
            self.fields["cohort"].label_from_instance = cohort_label


class TemplateAssignmentIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("template", "course", "cohort__course")

    @cached_property
    def columns(self):
        return [
            title_column(
                self,
                "target",
                label=_("Course or cohort"),
                accessor=lambda row: cohort_label(row.cohort) if row.cohort_id else row.course.title,
            ),
            Column("template", label=_("Template"), accessor="template.name"),
        ]


class TemplateAssignmentViewSet(PlatformModelViewSet):
    school_isolation = NATIONAL  # never granted to a school's staff (issue 15, item 8)
    model = TemplateAssignment
    name = "certificates_assignment"
    url_prefix = "certificates/template-choices"
    icon = "link"
    menu_label = gettext_lazy("Certificate template choices")
    menu_hook = MENU_HOOK
    menu_order = 602
    index_view_class = TemplateAssignmentIndexView
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("template", widget=forms.Select),
            FieldPanel("course", widget=forms.Select),
            FieldPanel("cohort", widget=forms.Select),
        ],
        base_form_class=TemplateAssignmentForm,
    )


# Issued certificates ----------------------------------------------------------------------------------------


class IssuedCertificateFilterSet(WagtailFilterSet):
    status = ChoiceFilter(label=gettext_lazy("Status"), choices=IssuedCertificate.Status.choices)
    render_state = ChoiceFilter(label=gettext_lazy("PDF"), choices=IssuedCertificate.RenderState.choices)
    issuer = ModelChoiceFilter(label=gettext_lazy("Issuer"), queryset=lambda request: scoped_issuers(request.user))
    cohort = ModelChoiceFilter(label=gettext_lazy("Cohort"), queryset=lambda request: scoped_cohorts(request.user))

    class Meta:
        model = IssuedCertificate
        fields = ["status", "render_state", "issuer", "cohort"]


def certificate_search_q(query: str) -> Q:
    """Folio (or its number), verification code in any format, or the learner's name, RUN, email or document."""
    condition = Q(folio__icontains=query.strip())
    code = normalise_code(query)
    if code:
        condition |= Q(code=code)
    return condition | learner_search_q(query, profile="user__learner_profile__", user="user__")


class IssuedCertificateIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("course", "cohort", "issuer")

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.filter(certificate_search_q(self.search_query))

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        user = self.request.user
        if user.has_perm("certificates.add_issuedcertificate"):
            buttons.append(
                HeaderButton(_("Issue for one learner"), url=reverse("certificates_issue_one"), icon_name="plus")
            )
        if user.has_perm("certificates.add_certificatebatch"):
            buttons.append(
                HeaderButton(_("Issue for a cohort"), url=reverse("certificates_batch:add"), icon_name="group")
            )
        cohort = parse_id(self.request.GET.get("cohort", ""))
        if cohort is not None:
            buttons.append(
                HeaderButton(
                    _("Download all as a ZIP"),
                    url=reverse("certificates_cohort_zip", args=[cohort]),
                    icon_name="download",
                )
            )
        return buttons

    @cached_property
    def columns(self):
        return [
            title_column(self, "folio", label=_("Folio"), sort_key="folio"),
            Column("learner", label=_("Learner"), accessor="learner_name"),
            Column("course", label=_("Course"), accessor="course_title", sort_key="course__title"),
            Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
            Column("render_state", label=_("PDF"), accessor="get_render_state_display", sort_key="render_state"),
            Column("issued_at", label=_("Issued"), accessor=lambda c: short_date(c.issued_at), sort_key="issued_at"),
        ]


class IssuedCertificateInspectView(ReadableInspectView):
    template_name = "certificates/admin/certificate_inspect.html"
    labels = {
        "learner_name": gettext_lazy("Learner"),
        "run": gettext_lazy("RUN or document"),
        "course_title": gettext_lazy("Course"),
        "code_display": gettext_lazy("Verification code"),
        "verify_link": gettext_lazy("Verification page"),
    }

    def get_run_display_value(self):
        return self.object.snapshot.get("learner_run", "")

    def get_verify_link_display_value(self):
        return self.object.verify_url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        certificate = self.object
        context.update(
            certificate=certificate,
            can_change=user.has_perm("certificates.change_issuedcertificate"),
            download_url=reverse("certificates:download", args=[certificate.pk]) if certificate.pdf else "",
            newer=getattr(certificate, "replaced_by", None),
        )
        return context


class IssuedCertificateViewSet(ScopedViewSetMixin, LimitedModelViewSet):
    scope_lookups = CERTIFICATE_SCOPE
    model = IssuedCertificate
    name = "certificates_issued"
    url_prefix = "certificates/issued"
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("Issued certificates")
    menu_hook = MENU_HOOK
    menu_order = 603
    index_view_class = IssuedCertificateIndexView
    inspect_view_class = IssuedCertificateInspectView
    disabled_views = frozenset({"add", "edit", "delete"})
    permission_actions = ("add", "change", "view")
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "folio",
        "status",
        "learner_name",
        "run",
        "course_title",
        "cohort",
        "issuer",
        "template",
        "template_version",
        "code_display",
        "verify_link",
        "render_state",
        "render_error",
        "issued_at",
        "issued_by",
        "notified_at",
        "revoked_at",
        "revoked_by",
        "revoked_reason",
        "replaces",
        "batch",
        "pdf_sha256",
    ]
    filterset_class = IssuedCertificateFilterSet
    search_fields = ["folio"]  # the search itself is IssuedCertificateIndexView.search_queryset
    search_backend_name = None
    ordering = ["-issued_at", "-pk"]


# Batches ------------------------------------------------------------------------------------------------------


class CertificateBatchForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "cohort" in self.fields:
            self.fields["cohort"].queryset = Cohort.objects.select_related("course")
            self.fields["cohort"].label_from_instance = cohort_label


class CertificateBatchCreateView(generic.CreateView):
    """Choose a cohort, see who will get a certificate and who will not and why, then confirm."""

    preview_template_name = "certificates/admin/batch_preview.html"
    submit_button_label = gettext_lazy("See who gets a certificate")

    def form_valid(self, form):
        if self.request.POST.get("confirm") != "1":
            return self.render_preview(form)
        return super().form_valid(form)

    def render_preview(self, form):
        cohort = form.cleaned_data["cohort"]
        from django.template.response import TemplateResponse

        from certificates import selectors

        rows = selectors.cohort_certificate_preview(cohort=cohort)
        to_issue = [row for row in rows if row.outcome == row.ISSUE]
        return TemplateResponse(
            self.request,
            self.preview_template_name,
            {
                **self.get_context_data(form=form),
                "cohort": cohort,
                "cohort_title": cohort_label(cohort),
                "rows": rows,
                "to_issue": len(to_issue),
                "has_template": selectors.templates_for_cohort(cohort=cohort) is not None,
                "action_url": self.request.path,
                "back_url": reverse("certificates_batch:add"),
            },
        )

    def save_instance(self):
        from certificates.services import batches

        cohort = self.form.cleaned_data["cohort"]
        return batches.certificate_batch_create(cohort=cohort, requested_by=self.request.user)

    def get_success_url(self):
        return reverse("certificates_batch:inspect", args=[self.object.pk])

    def get_edit_url(self):
        return None

    def get_success_buttons(self):
        return []

    def get_success_message(self, instance):
        return _("Issuing the certificates of %(cohort)s in the background.") % {"cohort": instance.cohort}


class CertificateBatchIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("cohort__course", "requested_by")

    @cached_property
    def columns(self):
        return [
            title_column(self, "cohort", label=_("Cohort"), accessor=lambda b: cohort_label(b.cohort)),
            Column("state", label=_("State"), accessor="get_state_display", sort_key="state"),
            Column("progress", label=_("Progress"), accessor=lambda b: f"{b.percent}%"),
            Column("counts", label=_("Issued / to issue"), accessor=lambda b: f"{b.rendered} / {b.total}"),
            Column("failed", label=_("Failed"), sort_key="failed"),
            Column("created_at", label=_("Requested"), sort_key="created_at"),
        ]


class CertificateBatchInspectView(ReadableInspectView):
    template_name = "certificates/admin/batch_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["batch"] = self.object
        context["progress_url"] = reverse("certificates_batch_progress", args=[self.object.pk])
        context["certificates_url"] = reverse("certificates_issued:index") + f"?cohort={self.object.cohort_id}"
        context["zip_url"] = reverse("certificates_cohort_zip", args=[self.object.cohort_id])
        if self.object.is_finished:
            from certificates import selectors

            rows = selectors.cohort_certificate_preview(cohort=self.object.cohort)
            context["result_text"] = selectors.batch_result_text(batch=self.object, rows=rows)
        context["retry_url"] = (
            reverse("certificates_batch_retry", args=[self.object.pk])
            if self.object.failed and self.request.user.has_perm("certificates.change_issuedcertificate")
            else ""
        )
        return context


class CertificateBatchViewSet(ScopedViewSetMixin, LimitedModelViewSet):
    scope_lookups = BATCH_SCOPE
    model = CertificateBatch
    name = "certificates_batch"
    url_prefix = "certificates/batches"
    icon = "group"
    menu_label = gettext_lazy("Certificate batches")
    menu_hook = MENU_HOOK
    menu_order = 604
    add_view_class = CertificateBatchCreateView
    index_view_class = CertificateBatchIndexView
    inspect_view_class = CertificateBatchInspectView
    disabled_views = frozenset({"edit", "delete"})
    permission_actions = ("add", "view")
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = ["cohort", "state", "total", "rendered", "failed", "skipped", "last_error", "requested_by"]
    ordering = ["-created_at"]
    edit_handler = ObjectList([FieldPanel("cohort", widget=forms.Select)], base_form_class=CertificateBatchForm)


# Failed automatic issues ----------------------------------------------------------------------------------------


class IssuanceFailureIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enrolment__user__learner_profile", "enrolment__course")

    @cached_property
    def columns(self):
        return [
            Column(
                "learner",
                label=_("Learner"),
                accessor=lambda f: str(getattr(f.enrolment.user, "learner_profile", f.enrolment.user)),
            ),
            Column("course", label=_("Course"), accessor="enrolment.course.title"),
            Column("error", label=_("Error")),
            Column("attempts", label=_("Attempts")),
            Column("last_attempt_at", label=_("Last attempt"), sort_key="last_attempt_at"),
            LinkColumn(
                "retry",
                label=_("Retry"),
                accessor=lambda f: _("Retry"),
                get_url=lambda f: reverse("certificates_failure_retry", args=[f.pk]),
            ),
        ]


class IssuanceFailureViewSet(ScopedViewSetMixin, LimitedModelViewSet):
    scope_lookups = FAILURE_SCOPE
    model = IssuanceFailure
    name = "certificates_failure"
    url_prefix = "certificates/failures"
    icon = "warning"
    menu_label = gettext_lazy("Certificates not issued")
    menu_hook = MENU_HOOK
    menu_order = 605
    index_view_class = IssuanceFailureIndexView
    disabled_views = frozenset({"add", "edit", "delete"})
    permission_actions = ("view",)
    copy_view_enabled = False
    ordering = ["-last_attempt_at"]
