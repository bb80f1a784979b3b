"""Wagtail admin for the citizen school: cohorts and their sessions, enrolments and learner profiles.

``wagtail_hooks.py`` registers ``CitizenSchoolViewSetGroup`` as one "Escuela Ciudadana" menu. Access follows
Django's model permissions on the learners models (superusers have them all). Changes with rules attached
(enrolling, withdrawing, waitlists) go through ``learners.services``; bulk enrolment is in ``admin_views``.
"""

import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import BooleanFilter, ChoiceFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import HeaderButton
from wagtail.log_actions import log

from courses.models import Comuna, CourseInstructor, CoursePage, H5PActivity
from courses.viewset_utils import LimitedModelViewSet
from courses.viewset_utils import ScopedViewSetMixin as BaseScopedViewSetMixin
from learners import selectors, services
from learners.audit import audit_record
from learners.models import Cohort, Enrolment, H5PAttempt, H5PStatement, LearnerProfile, Session
from learners.run import InvalidRun, normalise_run

BULK_ENROL_PERMISSION = "learners.add_enrolment"


# Shared helpers ------------------------------------------------------------------------------------------------


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


def _profile(user):
    return getattr(user, "learner_profile", None)


def learner_name(enrolment: Enrolment) -> str:
    profile = _profile(enrolment.user)
    if profile is not None:
        return profile.full_name
    return enrolment.user.get_full_name() or enrolment.user.get_username()


def learner_document(enrolment: Enrolment) -> str:
    profile = _profile(enrolment.user)
    return profile.document_display if profile is not None else ""


def short_date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


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


class ReadableInspectView(generic.InspectView):
    """Inspect view with labels for computed values (``labels``) and a dash for empty ones. With ``audit_action``,
    each view of the object is recorded in the staff audit log."""

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
    """Viewset mixin: every view sees only the rows inside the user's staff scope (``selectors.staff_scope``)."""

    scope_lookups: selectors.ScopeLookups = selectors.ScopeLookups()

    def scope_queryset(self, queryset, user):
        return selectors.staff_scope_filter(user=user, queryset=queryset, lookups=self.scope_lookups)


COHORT_SCOPE = selectors.ScopeLookups(course="course_id", cohort="pk", municipality="municipality_id")


# Cohorts -------------------------------------------------------------------------------------------------------


def instructor_choices(cohort: Cohort | None):
    """People who may teach a cohort: staff accounts (superusers, staff, members of a group or holding any
    permission), people linked to an instructor row of a course, and whoever teaches this cohort already.
    Plain learners' accounts stay out of the list."""
    linked = CourseInstructor.objects.exclude(user=None).values("user_id")
    condition = (
        Q(is_superuser=True)
        | Q(is_staff=True)
        | Q(groups__isnull=False)
        | Q(user_permissions__isnull=False)
        | Q(pk__in=linked)
    )
    condition = Q(is_active=True) & condition
    if cohort is not None and cohort.pk:
        condition |= Q(pk__in=cohort.instructors.values("pk"))
    return get_user_model().objects.filter(condition).distinct().order_by("first_name", "last_name", "email")


class CohortForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "course" in self.fields:
            self.fields["course"].queryset = CoursePage.objects.order_by("title")
        if "municipality" in self.fields:
            self.fields["municipality"].queryset = Comuna.objects.order_by("name")
        if "instructors" in self.fields:
            field = self.fields["instructors"]
            field.queryset = instructor_choices(self.instance)
            field.label_from_instance = lambda user: (
                f"{user.get_full_name()} ({user.email})" if user.get_full_name() else user.get_username()
            )

    def clean(self):
        cleaned_data = super().clean()
        starts_on, ends_on = cleaned_data.get("starts_on"), cleaned_data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date cannot be earlier than the start date."))
        opens_at, closes_at = cleaned_data.get("enrolment_opens_at"), cleaned_data.get("enrolment_closes_at")
        if opens_at and closes_at and closes_at < opens_at:
            self.add_error("enrolment_closes_at", _("Enrolment cannot close before it opens."))
        return cleaned_data


class CohortFilterSet(WagtailFilterSet):
    course = ModelChoiceFilter(label=gettext_lazy("Course"), queryset=CoursePage.objects.order_by("title"))
    municipality = ModelChoiceFilter(
        label=gettext_lazy("Municipality"),
        queryset=Comuna.objects.filter(cohorts__isnull=False).distinct().order_by("name"),
    )

    class Meta:
        model = Cohort
        fields = ["course", "municipality"]


class BulkEnrolButtonMixin:
    """Index views that offer "Enrol from a CSV file" to people allowed to use it."""

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(BULK_ENROL_PERMISSION):
            buttons = [
                *buttons,
                HeaderButton(_("Enrol from a CSV file"), url=reverse("learners_bulk_enrol"), icon_name="upload"),
            ]
        return buttons


class CohortIndexView(BulkEnrolButtonMixin, generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("course", "municipality")
            .annotate(
                seats_taken=Count("enrolments", filter=Q(enrolments__status__in=selectors.SEAT_HOLDING), distinct=True),
                waitlist_count=Count(
                    "enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITLISTED), distinct=True
                ),
                session_count=Count("sessions", distinct=True),
            )
        )

    @cached_property
    def columns(self):
        return [
            self._get_title_column("name"),
            Column("course", label=_("Course"), accessor="course.title", sort_key="course__title"),
            Column(
                "municipality", label=_("Municipality"), accessor="municipality.name", sort_key="municipality__name"
            ),
            Column(
                "dates",
                label=_("Dates"),
                accessor=lambda cohort: f"{short_date(cohort.starts_on)} – {short_date(cohort.ends_on)}",
                sort_key="starts_on",
            ),
            Column("capacity", label=_("Seats"), sort_key="capacity"),
            Column("seats_taken", label=_("Seats taken"), sort_key="seats_taken"),
            Column("waitlist_count", label=_("Waitlist"), sort_key="waitlist_count"),
            LinkColumn(
                "session_count",
                label=_("Sessions"),
                get_url=lambda cohort: reverse("learners_session:index") + "?" + urlencode({"cohort": cohort.pk}),
            ),
        ]


class CohortEditView(generic.EditView):
    def save_instance(self):
        cohort = super().save_instance()
        if cohort.enrolments.filter(status=Enrolment.Status.WAITLISTED).exists():
            services.waitlist_promote(cohort=cohort)  # more seats let people in from the waitlist
        return cohort


class CohortViewSet(ScopedViewSetMixin, ModelViewSet):
    scope_lookups = COHORT_SCOPE
    model = Cohort
    name = "learners_cohort"
    url_prefix = "learners/cohorts"
    icon = "group"
    index_view_class = CohortIndexView
    edit_view_class = CohortEditView
    filterset_class = CohortFilterSet
    search_fields = ["name"]
    search_backend_name = None
    ordering = ["-starts_on", "name"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("course", widget=forms.Select),
            FieldPanel("name"),
            FieldPanel("municipality", widget=forms.Select),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")], heading=gettext_lazy("Dates")),
            FieldRowPanel(
                [FieldPanel("enrolment_opens_at"), FieldPanel("enrolment_closes_at")],
                heading=gettext_lazy("Enrolment window"),
            ),
            FieldPanel("capacity"),
            FieldPanel("instructors", widget=forms.CheckboxSelectMultiple),
        ],
        base_form_class=CohortForm,
    )


# Sessions ------------------------------------------------------------------------------------------------------


def cohort_label(cohort: Cohort) -> str:
    return f"{cohort.course.title} · {cohort.name}"


def visible_cohorts(request):
    """The cohorts a filter offers: those inside the staff scope of the person asking."""
    cohorts = Cohort.objects.select_related("course")
    if request is None:
        return cohorts.none()
    return selectors.staff_scope_filter(user=request.user, queryset=cohorts, lookups=COHORT_SCOPE)


class CohortFilter(ModelChoiceFilter):
    """Filter by cohort, each labelled with its course (cohort names repeat across courses)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=visible_cohorts, **kwargs)

    @property
    def field(self):
        field = super().field
        field.label_from_instance = cohort_label
        return field


class SessionForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "cohort" in self.fields:
            self.fields["cohort"].queryset = Cohort.objects.select_related("course")
            self.fields["cohort"].label_from_instance = cohort_label


class SessionFilterSet(WagtailFilterSet):
    cohort = CohortFilter(label=gettext_lazy("Cohort"))

    class Meta:
        model = Session
        fields = ["cohort"]


class SessionIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("cohort__course")

    @cached_property
    def columns(self):
        return [
            title_column(self, "date", label=_("Date"), accessor=lambda s: short_date(s.date), sort_key="date"),
            Column("start_time", label=_("Start time"), sort_key="start_time"),
            Column("cohort", label=_("Cohort"), accessor=lambda s: f"{s.cohort.course.title} · {s.cohort.name}"),
            Column("place", label=_("Place")),
            Column("duration_hours", label=_("Hours")),
            LinkColumn(
                "attendance",
                label=_("Attendance"),
                accessor=lambda s: _("Take attendance"),
                get_url=lambda s: reverse("learners_staff:attendance", args=[s.pk]),
            ),
        ]


class SessionCreateView(generic.CreateView):
    def get_initial_form_instance(self):
        instance = super().get_initial_form_instance() or self.model()
        cohort_id = self.request.GET.get("cohort", "")
        if cohort_id.isdigit() and Cohort.objects.filter(pk=cohort_id).exists():
            instance.cohort_id = int(cohort_id)
        return instance


class SessionViewSet(ScopedViewSetMixin, ModelViewSet):
    scope_lookups = selectors.ScopeLookups(
        course="cohort__course_id", cohort="cohort_id", municipality="cohort__municipality_id"
    )
    model = Session
    name = "learners_session"
    url_prefix = "learners/sessions"
    icon = "date"
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    filterset_class = SessionFilterSet
    ordering = ["-date", "-start_time"]
    copy_view_enabled = True
    edit_handler = ObjectList(
        [
            FieldPanel("cohort"),
            FieldRowPanel([FieldPanel("date"), FieldPanel("start_time")]),
            FieldPanel("place"),
            FieldPanel("duration_hours"),
        ],
        base_form_class=SessionForm,
    )


# Enrolments ----------------------------------------------------------------------------------------------------

STATUS_CHANGES = {
    Enrolment.Status.ACTIVE: [Enrolment.Status.ACTIVE, Enrolment.Status.WITHDRAWN],
    Enrolment.Status.WAITLISTED: [Enrolment.Status.WAITLISTED, Enrolment.Status.WITHDRAWN],
    Enrolment.Status.WITHDRAWN: [Enrolment.Status.WITHDRAWN, Enrolment.Status.ACTIVE],
    Enrolment.Status.COMPLETED: [Enrolment.Status.COMPLETED],
}


class EnrolmentStatusForm(WagtailAdminModelForm):
    """Only the changes the services know how to make: withdraw, or enrol again after withdrawing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial_status = self.instance.status
        allowed = STATUS_CHANGES.get(self.instance.status, [self.instance.status])
        self.fields["status"].choices = [
            (value, label) for value, label in Enrolment.Status.choices if value in allowed
        ]
        self.fields["status"].help_text = _(
            "Withdrawing frees the seat for the first person on the waitlist. Enrolling again may put the learner "
            "on the waitlist if the group is full. To let more people in, raise the cohort's seats."
        )


class EnrolmentFilterSet(WagtailFilterSet):
    course = ModelChoiceFilter(label=gettext_lazy("Course"), queryset=CoursePage.objects.order_by("title"))
    cohort = CohortFilter(label=gettext_lazy("Cohort"))
    status = ChoiceFilter(label=gettext_lazy("Status"), choices=Enrolment.Status.choices)

    class Meta:
        model = Enrolment
        fields = ["course", "cohort", "status"]


class EnrolmentIndexView(BulkEnrolButtonMixin, LearnerSearchMixin, generic.IndexView):
    profile_lookup = "user__learner_profile__"
    user_lookup = "user__"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user__learner_profile__comuna", "course", "cohort")

    @cached_property
    def columns(self):
        return [
            title_column(
                self,
                "learner",
                label=_("Learner"),
                accessor=learner_name,
                sort_key="user__learner_profile__family_names",
            ),
            Column("email", label=_("Email"), accessor="user.email", sort_key="user__email"),
            Column("run", label=_("RUN or document"), accessor=learner_document),
            Column("course", label=_("Course"), accessor="course.title", sort_key="course__title"),
            Column("cohort", label=_("Cohort"), accessor="cohort.name", sort_key="cohort__name"),
            Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
            Column(
                "enrolled_at",
                label=_("Enrolled on"),
                accessor=lambda enrolment: short_date(enrolment.enrolled_at),
                sort_key="enrolled_at",
            ),
        ]

    def to_row_dict(self, item):
        profile = _profile(item.user)
        values = {
            "learner": learner_name(item),
            "email": item.user.email,
            "run": learner_document(item),
            "comuna": profile.comuna.name if profile is not None else "",
            "course": item.course.title,
            "cohort": item.cohort.name if item.cohort_id else "",
            "status": item.get_status_display(),
            "enrolled_at": item.enrolled_at,
            "completed_at": item.completed_at,
            "final_grade": item.final_grade,
        }
        return {field: values[field] for field in self.list_export}


def enrolment_title(enrolment: Enrolment) -> str:
    return f"{learner_name(enrolment)} · {enrolment.course.title}"


class EnrolmentEditView(generic.EditView):
    """Saves a status change through the services, so seats and waitlists stay right."""

    def get_page_subtitle(self):
        return enrolment_title(self.object)

    def get_success_message(self):
        return _("Enrolment of %(learner)s updated: %(status)s.") % {
            "learner": learner_name(self.object),
            "status": self.object.get_status_display(),
        }

    def save_instance(self):
        enrolment, old, new = self.form.instance, self.form.initial_status, self.form.cleaned_data["status"]
        if new == old:
            enrolment.refresh_from_db()
            return enrolment
        if new == Enrolment.Status.WITHDRAWN:
            enrolment = services.enrolment_withdraw(enrolment=enrolment)
        else:
            enrolment.refresh_from_db()
            enrolment = services.enrolment_create(user=enrolment.user, course=enrolment.course, cohort=enrolment.cohort)
        log(instance=enrolment, action="wagtail.edit", user=self.request.user)
        return enrolment

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except services.EnrolmentError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)


class EnrolmentInspectView(ReadableInspectView):
    audit_action = "enrolment.viewed"
    labels = {
        "learner": gettext_lazy("Learner"),
        "email": gettext_lazy("Email"),
        "document": gettext_lazy("RUN or document"),
    }

    def get_page_subtitle(self):
        return enrolment_title(self.object)

    def get_learner_display_value(self):
        return learner_name(self.object)

    def get_email_display_value(self):
        return self.object.user.email

    def get_document_display_value(self):
        return learner_document(self.object)


class EnrolmentViewSet(ScopedViewSetMixin, LimitedModelViewSet):
    scope_lookups = selectors.ENROLMENT_SCOPE
    model = Enrolment
    name = "learners_enrolment"
    url_prefix = "learners/enrolments"
    icon = "user"
    index_view_class = EnrolmentIndexView
    edit_view_class = EnrolmentEditView
    inspect_view_class = EnrolmentInspectView
    disabled_views = frozenset({"add", "delete"})
    permission_actions = ("add", "change", "view")
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "learner",
        "email",
        "document",
        "course",
        "cohort",
        "status",
        "enrolled_at",
        "waitlisted_at",
        "completed_at",
        "withdrawn_at",
        "final_grade",
        "last_visited_at",
    ]
    filterset_class = EnrolmentFilterSet
    search_fields = ["user__email"]  # the search itself is EnrolmentIndexView.search_queryset
    search_backend_name = None
    ordering = ["-enrolled_at"]
    list_export = [
        "learner",
        "email",
        "run",
        "comuna",
        "course",
        "cohort",
        "status",
        "enrolled_at",
        "completed_at",
        "final_grade",
    ]
    export_headings = {
        "learner": gettext_lazy("Learner"),
        "email": gettext_lazy("Email"),
        "run": gettext_lazy("RUN or document"),
        "comuna": gettext_lazy("Comuna"),
        "course": gettext_lazy("Course"),
        "cohort": gettext_lazy("Cohort"),
        "status": gettext_lazy("Status"),
        "enrolled_at": gettext_lazy("Enrolled at"),
        "completed_at": gettext_lazy("Completed at"),
        "final_grade": gettext_lazy("Final grade"),
    }
    export_filename = "inscripciones"
    edit_handler = ObjectList(
        [
            FieldPanel("user", read_only=True, heading=gettext_lazy("Learner")),
            FieldPanel("course", read_only=True),
            FieldPanel("cohort", read_only=True),
            FieldPanel("status", widget=forms.RadioSelect),
        ],
        base_form_class=EnrolmentStatusForm,
    )


# Learner profiles ----------------------------------------------------------------------------------------------


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


# H5P attempts ----------------------------------------------------------------------------------------------------


class H5PAttemptFilterSet(WagtailFilterSet):
    course = ModelChoiceFilter(
        label=gettext_lazy("Course"), field_name="enrolment__course", queryset=CoursePage.objects.order_by("title")
    )
    activity = ModelChoiceFilter(label=gettext_lazy("Activity"), queryset=H5PActivity.objects.order_by("title"))
    score_disputed = BooleanFilter(label=gettext_lazy("Score disputed"))
    success = BooleanFilter(label=gettext_lazy("Passed"))

    class Meta:
        model = H5PAttempt
        fields = ["course", "activity", "score_disputed", "success"]


def attempt_learner(attempt: H5PAttempt) -> str:
    profile = _profile(attempt.user)
    if profile is not None:
        return profile.full_name
    return attempt.user.get_full_name() or attempt.user.get_username()


def attempt_score(attempt: H5PAttempt) -> str:
    if attempt.raw_score is None or not attempt.max_score:
        return ""
    return f"{attempt.raw_score:g} / {attempt.max_score:g} ({attempt.percent} %)"


class H5PAttemptIndexView(LearnerSearchMixin, generic.IndexView):
    profile_lookup = "user__learner_profile__"
    user_lookup = "user__"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("user__learner_profile", "enrolment__course", "activity", "lesson")
        )

    @cached_property
    def columns(self):
        return [
            title_column(
                self,
                "learner",
                label=_("Learner"),
                accessor=attempt_learner,
                sort_key="user__learner_profile__family_names",
            ),
            Column("course", label=_("Course"), accessor="enrolment.course.title"),
            Column("lesson", label=_("Lesson"), accessor="lesson.title"),
            Column("activity", label=_("Activity"), accessor="activity.title", sort_key="activity__title"),
            Column("number", label=_("Attempt"), accessor="number", sort_key="number"),
            Column("score", label=_("Score"), accessor=attempt_score, sort_key="scaled"),
            BooleanColumn("success", label=_("Passed")),
            BooleanColumn("score_disputed", label=_("Disputed")),
            Column(
                "started_at",
                label=_("Started"),
                accessor=lambda attempt: formats.date_format(
                    timezone.localtime(attempt.started_at), "SHORT_DATETIME_FORMAT"
                ),
                sort_key="started_at",
            ),
        ]


class H5PAttemptInspectView(ReadableInspectView):
    template_name = "learners/admin/h5p_attempt_inspect.html"
    labels = {"learner": gettext_lazy("Learner"), "course": gettext_lazy("Course"), "score": gettext_lazy("Score")}

    def get_page_subtitle(self):
        return f"{attempt_learner(self.object)} · {self.object.activity.title} · {self.object.number}"

    def get_learner_display_value(self):
        return attempt_learner(self.object)

    def get_course_display_value(self):
        return self.object.enrolment.course.title

    def get_score_display_value(self):
        return attempt_score(self.object) or "—"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statements"] = H5PStatement.objects.filter(attempt=self.object).order_by("received_at", "pk")
        return context


class H5PAttemptViewSet(ScopedViewSetMixin, LimitedModelViewSet):
    scope_lookups = selectors.ScopeLookups(
        course="enrolment__course_id",
        cohort="enrolment__cohort_id",
        municipality="enrolment__cohort__municipality_id",
        learner_comuna="user__learner_profile__comuna_id",
    )
    model = H5PAttempt
    name = "learners_h5pattempt"
    url_prefix = "learners/h5p-attempts"
    icon = "form"
    menu_label = gettext_lazy("H5P attempts")
    add_to_reference_index = False  # attempts reference nothing editors manage; it would cost 4 queries per save
    index_view_class = H5PAttemptIndexView
    inspect_view_class = H5PAttemptInspectView
    disabled_views = frozenset({"add", "edit", "delete"})
    permission_actions = ("view",)
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "learner",
        "course",
        "lesson",
        "activity",
        "number",
        "started_at",
        "completed_at",
        "score",
        "claimed_raw",
        "score_disputed",
        "success",
        "duration_seconds",
    ]
    filterset_class = H5PAttemptFilterSet
    search_fields = ["user__email"]  # the search itself is H5PAttemptIndexView.search_queryset
    search_backend_name = None
    ordering = ["-started_at"]


class CitizenSchoolViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Citizen school")
    menu_icon = "group"
    menu_order = 250
    submenu_hook = "register_citizen_school_menu_item"
    items = (CohortViewSet, SessionViewSet, EnrolmentViewSet, LearnerProfileViewSet, H5PAttemptViewSet)
