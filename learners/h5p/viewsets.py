"""Wagtail admin for H5P attempts: a read-only list limited to the staff member's scope, and each attempt with the
statements it was built from (in the "Citizen school" menu)."""

from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import BooleanFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic

from courses.selectors import h5p_activities_to_choose
from courses.viewset_utils import LimitedModelViewSet
from learners.admin_helpers import LearnerSearchMixin, ReadableInspectView, ScopedViewSetMixin, title_column
from learners.h5p.models import H5PAttempt, H5PStatement
from learners.h5p.selectors import attempts_with_answers
from learners.staff import selectors


class H5PAttemptFilterSet(WagtailFilterSet):
    course = ModelChoiceFilter(
        label=gettext_lazy("Course"),
        field_name="enrolment__course",
        queryset=lambda request: selectors.staff_courses(user=request.user),
    )
    activity = ModelChoiceFilter(
        label=gettext_lazy("Activity"),
        queryset=lambda request: h5p_activities_to_choose(user=request.user).order_by("title"),
    )
    score_disputed = BooleanFilter(label=gettext_lazy("Score disputed"))
    success = BooleanFilter(label=gettext_lazy("Passed"))

    class Meta:
        model = H5PAttempt
        fields = ["course", "activity", "score_disputed", "success"]


def attempt_learner(attempt: H5PAttempt) -> str:
    profile = getattr(attempt.user, "learner_profile", None)
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
        # An attempt without answers (the player shown, nothing answered) is not listed.
        return attempts_with_answers(
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
