"""Which certificates, batches and failures a staff account sees (``learners.staff.selectors.staff_scope``): the
academy all of them, a municipal school's administration those of her school's courses and cohorts."""

from django.db.models import Q

from certificates.models import Issuer
from learners.models import Cohort
from learners.staff.selectors import ScopeLookups, staff_scope, staff_scope_filter

CERTIFICATE_SCOPE = ScopeLookups(course="course_id", cohort="cohort_id", municipality="cohort__municipality_id")
BATCH_SCOPE = ScopeLookups(course="cohort__course_id", cohort="cohort_id", municipality="cohort__municipality_id")
FAILURE_SCOPE = ScopeLookups(
    course="enrolment__course_id", cohort="enrolment__cohort_id", municipality="enrolment__cohort__municipality_id"
)
COHORT_SCOPE = ScopeLookups(course="course_id", cohort="pk", municipality="municipality_id")


def scoped_certificates(user, queryset):
    return staff_scope_filter(user=user, queryset=queryset, lookups=CERTIFICATE_SCOPE)


def scoped_batches(user, queryset):
    return staff_scope_filter(user=user, queryset=queryset, lookups=BATCH_SCOPE)


def scoped_failures(user, queryset):
    return staff_scope_filter(user=user, queryset=queryset, lookups=FAILURE_SCOPE)


def scoped_cohorts(user):
    return staff_scope_filter(user=user, queryset=Cohort.objects.select_related("course"), lookups=COHORT_SCOPE)


def scoped_issuers(user):
    """Every issuer for national staff; the academy's and her own school's for a school's staff."""
    scope = staff_scope(user=user)
    issuers = Issuer.objects.all()
    if scope.school_id is None:
        return issuers
    return issuers.filter(Q(school__isnull=True) | Q(school_id=scope.school_id))
