"""Wagtail admin for enrolment: cohorts, their sessions and enrolments (in the "Citizen school" menu, which
``learners/wagtail_hooks.py`` assembles). Access follows Django's model permissions; changes with rules attached
(enrolling, withdrawing, waitlists) go through ``learners.enrolment.services``. Bulk enrolment from a CSV file is in
``learners.imports.admin_views``."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import ChoiceFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.widgets import HeaderButton
from wagtail.log_actions import log

from courses.converters import parse_id
from courses.models import Comuna, CourseInstructor, CoursePage
from courses.viewset_utils import LimitedModelViewSet, PlatformModelViewSet
from learners.admin_helpers import (
    LearnerSearchMixin,
    LinkColumn,
    ReadableInspectView,
    ScopedViewSetMixin,
    short_date,
    title_column,
)
from learners.enrolment import services
from learners.enrolment.models import Cohort, Enrolment, Session
from learners.enrolment.selectors import SEAT_HOLDING
from learners.staff.selectors import (
    ENROLMENT_SCOPE,
    ScopeLookups,
    staff_accounts_for,
    staff_cohorts,
    staff_courses,
    staff_scope_filter,
)

BULK_ENROL_PERMISSION = "learners.add_enrolment"


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


COHORT_SCOPE = ScopeLookups(course="course_id", cohort="pk", municipality="municipality_id")


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
        user = self.for_user
        if "course" in self.fields:
            self.fields["course"].queryset = staff_courses(user=user, queryset=CoursePage.objects.order_by("title"))
        if "municipality" in self.fields:
            self.fields["municipality"].queryset = Comuna.objects.order_by("name")
        if "instructors" in self.fields:
            field = self.fields["instructors"]
            field.queryset = staff_accounts_for(user=user, queryset=instructor_choices(self.instance))
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
    course = ModelChoiceFilter(label=gettext_lazy("Course"), queryset=lambda request: staff_courses(user=request.user))
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
                seats_taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_HOLDING), distinct=True),
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


class CohortViewSet(ScopedViewSetMixin, PlatformModelViewSet):
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
    return staff_scope_filter(user=request.user, queryset=cohorts, lookups=COHORT_SCOPE)


class CohortFilter(ModelChoiceFilter):
    """Filter by cohort, each labelled with its course (cohort names repeat across courses)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=visible_cohorts, **kwargs)

    @property
    def field(self):
        field = super().field
        field.label_from_instance = cohort_label
        return field


def _person_label(user) -> str:
    return f"{user.get_full_name()} ({user.email})" if user.get_full_name() else user.get_username()


class SessionForm(WagtailAdminModelForm):
    """Staff pick the state the session is in; "cambiada" is set by ``services.session_change`` when the date, time
    or place change, so it is offered only to keep it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "cohort" in self.fields:
            self.fields["cohort"].queryset = staff_cohorts(
                user=self.for_user, queryset=Cohort.objects.select_related("course")
            )
            self.fields["cohort"].label_from_instance = cohort_label
        if "instructor" in self.fields:
            field = self.fields["instructor"]
            field.queryset = staff_accounts_for(
                user=self.for_user,
                queryset=get_user_model()
                .objects.filter(
                    Q(pk__in=instructor_choices(None).values("pk"))
                    | Q(pk__in=Cohort.instructors.through.objects.values("user_id"))
                    | Q(pk=self.instance.instructor_id or 0)
                )
                .order_by("first_name", "last_name", "email"),
            )
            field.label_from_instance = _person_label
            field.help_text = _("Optional. Leave empty when the cohort's instructors share it.")
        if "status" in self.fields:
            current = self.instance.status if self.instance.pk else Session.Status.SCHEDULED
            first = Session.Status.CHANGED if current == Session.Status.CHANGED else Session.Status.SCHEDULED
            offered = [first, Session.Status.SUSPENDED, Session.Status.HELD]
            self.fields["status"].choices = [
                (value, label) for value, label in Session.Status.choices if value in offered
            ]
            self.fields["status"].help_text = _(
                "Changing the date, time or place of a session marks it as changed. A suspended session stays "
                "listed, struck through, and calendars show it as cancelled."
            )

    def clean(self):
        cleaned_data = super().clean()
        start_time, end_time = cleaned_data.get("start_time"), cleaned_data.get("end_time")
        if start_time and end_time and end_time <= start_time:
            self.add_error("end_time", _("The session must end after it starts."))
        return cleaned_data

    def _post_clean(self):
        start_time, end_time = self.cleaned_data.get("start_time"), self.cleaned_data.get("end_time")
        if start_time and end_time and end_time > start_time:
            self.instance.duration_hours = services.session_duration(start_time=start_time, end_time=end_time)
        super()._post_clean()


SESSION_FORM_FIELDS = ["date", "start_time", "end_time", "place", "address", "directions", "instructor", "status"]


def _session_values(form) -> dict:
    return {name: form.cleaned_data[name] for name in SESSION_FORM_FIELDS if name in form.cleaned_data}


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
        from learners.attendance.selectors import attendance_takeable

        takeable = attendance_takeable(user=self.request.user)
        return [
            title_column(self, "date", label=_("Date"), accessor=lambda s: short_date(s.date), sort_key="date"),
            Column("start_time", label=_("Start time"), sort_key="start_time"),
            Column("cohort", label=_("Cohort"), accessor=lambda s: f"{s.cohort.course.title} · {s.cohort.name}"),
            Column("place", label=_("Place")),
            Column("duration_hours", label=_("Hours")),
            Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
            LinkColumn(
                "attendance",
                label=_("Attendance"),
                # only where she may take it: a read-only coordinator gets no link that ends in a 404
                accessor=lambda s: _("Take attendance") if takeable(s) else "—",
                get_url=lambda s: reverse("learners_staff:attendance", args=[s.pk]) if takeable(s) else None,
            ),
        ]


class SessionCreateView(generic.CreateView):
    def get_initial_form_instance(self):
        instance = super().get_initial_form_instance() or self.model()
        cohort_id = parse_id(self.request.GET.get("cohort", ""))
        if cohort_id is not None and Cohort.objects.filter(pk=cohort_id).exists():
            instance.cohort_id = cohort_id
        return instance

    def save_instance(self):
        session = services.session_create(cohort=self.form.cleaned_data["cohort"], **_session_values(self.form))
        log(instance=session, action="wagtail.create", user=self.request.user)
        return session


class SessionCopyView(generic.CopyView):
    def save_instance(self):
        session = services.session_create(cohort=self.form.cleaned_data["cohort"], **_session_values(self.form))
        log(instance=session, action="wagtail.create", user=self.request.user)
        return session


class SessionEditView(generic.EditView):
    """Saves through ``services.session_change``: the state and the calendar revision follow what changed."""

    def save_instance(self):
        values = {"cohort": self.form.cleaned_data["cohort"], **_session_values(self.form)}
        change = services.session_change(session=self.object, **values)
        if change.changed:
            log(instance=change.session, action="wagtail.edit", user=self.request.user)
        return change.session


class SessionViewSet(ScopedViewSetMixin, PlatformModelViewSet):
    scope_lookups = ScopeLookups(course="cohort__course_id", cohort="cohort_id", municipality="cohort__municipality_id")
    model = Session
    name = "learners_session"
    url_prefix = "learners/sessions"
    icon = "date"
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    edit_view_class = SessionEditView
    copy_view_class = SessionCopyView
    filterset_class = SessionFilterSet
    ordering = ["-date", "-start_time"]
    copy_view_enabled = True
    edit_handler = ObjectList(
        [
            FieldPanel("cohort"),
            FieldRowPanel([FieldPanel("date"), FieldPanel("start_time"), FieldPanel("end_time")]),
            FieldPanel("place"),
            FieldPanel("address"),
            FieldPanel("directions"),
            FieldPanel("instructor", widget=forms.Select),
            FieldPanel("status", widget=forms.RadioSelect),
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
    course = ModelChoiceFilter(label=gettext_lazy("Course"), queryset=lambda request: staff_courses(user=request.user))
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
    scope_lookups = ENROLMENT_SCOPE
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
