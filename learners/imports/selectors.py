"""Reads for the imports: who was invited and has not activated her account yet, the imports and invitations a
staff account may see (those of her part of the school, ``learners.staff.selectors.staff_scope``), and the
school an import belongs to (its invitations are sent from that school's address)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from courses.models import CoursePage, School
from courses.schools.selectors import school_for_course
from learners.accounts.states import unconfirmed_q
from learners.enrolment.models import Cohort
from learners.imports.models import EnrolmentImport, ImportInvitation
from learners.staff.selectors import ScopeLookups, staff_scope_filter

# Where an import keeps what the staff scope filters on: the rule of the enrolments it makes (a school's
# administration sees the imports into her school's courses and into the cohorts opened for her comuna).
IMPORT_SCOPE = ScopeLookups(course="course_id", cohort="cohort_id", municipality="cohort__municipality_id")
INVITATION_SCOPE = ScopeLookups(
    course="enrolment_import__course_id",
    cohort="enrolment_import__cohort_id",
    municipality="enrolment_import__cohort__municipality_id",
)


def visible_imports(*, user: AbstractBaseUser, queryset: QuerySet | None = None) -> QuerySet[EnrolmentImport]:
    """The imports ``user`` may see: every one for national staff, her school's for a school's staff."""
    queryset = EnrolmentImport.objects.all() if queryset is None else queryset
    return staff_scope_filter(user=user, queryset=queryset, lookups=IMPORT_SCOPE)


def visible_invitations(*, user: AbstractBaseUser, queryset: QuerySet | None = None) -> QuerySet[ImportInvitation]:
    """The invitations ``user`` may see and resend: those of the imports she may see (an invitation whose import
    was removed is national)."""
    queryset = ImportInvitation.objects.all() if queryset is None else queryset
    return staff_scope_filter(user=user, queryset=queryset, lookups=INVITATION_SCOPE)


def pending_invitations(
    *,
    enrolment_import: EnrolmentImport | None = None,
    course: CoursePage | None = None,
    cohort: Cohort | None = None,
    user: AbstractBaseUser | None = None,
) -> QuerySet[ImportInvitation]:
    """Invitations whose account is still waiting to be claimed (``learners.accounts.states``: unconfirmed, so
    never an activated, deactivated or blocked one), oldest sending first, with what the list shows (one query).
    With ``user``, only those she may see (``visible_invitations``)."""
    invitations = ImportInvitation.objects.filter(unconfirmed_q("user__"))
    if user is not None:
        invitations = visible_invitations(user=user, queryset=invitations)
    if enrolment_import is not None:
        invitations = invitations.filter(enrolment_import=enrolment_import)
    if course is not None:
        invitations = invitations.filter(enrolment_import__course=course)
    if cohort is not None:
        invitations = invitations.filter(enrolment_import__cohort=cohort)
    return invitations.select_related(
        "user__learner_profile", "enrolment_import__course", "enrolment_import__cohort"
    ).order_by("last_sent_at", "pk")


def import_school(*, course: CoursePage, cohort: Cohort | None) -> School | None:
    """The school of an import into ``course`` (``cohort``): its invitations carry that school's name and host
    (``courses.schools.selectors.school_for_course``); None for the academy's."""
    return school_for_course(course=course, comuna_id=cohort.municipality_id if cohort is not None else None)
