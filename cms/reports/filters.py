"""The reports' filter form (django-filter, rendered by Wagtail's listing filters). The reports read its cleaned
values into a ``ReportFilters``; the database work is in ``selectors``."""

from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, DateFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.widgets import AdminDateInput

from cms.reports.selectors import ReportFilters, cohorts_in_scope, report_scope
from courses.models import Comuna, CoursePage, Region, School
from courses.schools.selectors import other_schools_pages_q
from learners.models import Enrolment, LearnerProfile
from learners.staff.selectors import staff_scope


def _courses(request):
    """Every course for national staff; a school's staff never see another school's courses."""
    courses = CoursePage.objects.order_by("title")
    scope = staff_scope(user=request.user)
    if scope.school_id is not None:
        courses = courses.exclude(other_schools_pages_q(school_id=scope.school_id))
    return courses


def _cohorts(request):
    return cohorts_in_scope(municipality=report_scope(user=request.user))


def _schools(request):
    schools = School.objects.select_related("site__root_page").order_by("name")
    school_id = staff_scope(user=request.user).school_id
    return schools if school_id is None else schools.filter(pk=school_id)


class ReportFilterSet(WagtailFilterSet):
    school = ModelChoiceFilter(label=_("School"), queryset=_schools)
    course = ModelChoiceFilter(label=_("Course"), queryset=_courses)
    cohort = ModelChoiceFilter(label=_("Cohort"), queryset=_cohorts)
    region = ModelChoiceFilter(label=_("Region"), queryset=Region.objects.all())  # north to south
    comuna = ModelChoiceFilter(label=_("Comuna"), queryset=Comuna.objects.order_by("name"))
    learner_type = ChoiceFilter(label=_("Learner type"), choices=LearnerProfile.LearnerType.choices)
    date_from = DateFilter(label=_("Enrolled from"), widget=AdminDateInput)
    date_to = DateFilter(label=_("Enrolled until"), widget=AdminDateInput)

    class Meta:
        model = Enrolment
        fields = []


def report_filters(filterset: ReportFilterSet | None, *, school: School | None = None) -> ReportFilters:
    """The valid filter values (an invalid form filters nothing). ``school``: the one school the account may see
    (the staff scope's); it overrides the form's school filter."""
    if filterset is None or not filterset.is_valid():
        return ReportFilters(school=school)
    data = filterset.form.cleaned_data
    return ReportFilters(
        school=school or data.get("school"),
        course_id=data["course"].pk if data.get("course") else None,
        cohort_id=data["cohort"].pk if data.get("cohort") else None,
        region_id=data["region"].pk if data.get("region") else None,
        comuna_id=data["comuna"].pk if data.get("comuna") else None,
        learner_type=data.get("learner_type") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
