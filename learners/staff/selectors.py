"""Reads about staff accounts: the municipality a coordinator is limited to, and the part of the school (its
learners, enrolments, cohorts) a staff account may see in the admin, reports and exports."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from courses.models import Comuna, CourseInstructor, CoursePage, School, SchoolGroup
from courses.schools.selectors import other_schools_pages_q, staff_school_id
from learners.enrolment.models import Cohort, Enrolment
from learners.staff.models import StaffProfile


def staff_municipality(*, user: AbstractBaseUser) -> Comuna | None:
    """The municipality a staff account is limited to (its StaffProfile), or None when it sees every municipality.

    Superusers are never limited. Reports, learner lists and exports filter by this.
    """
    if not user.is_authenticated or user.is_superuser:
        return None
    profile = StaffProfile.objects.filter(user=user).select_related("municipality").first()
    return profile.municipality if profile is not None else None


# What part of the school a staff account sees in the admin's learner lists -------------------------------------

# Staff who manage cohorts (the academy, administrators) see every learner; everyone else sees a part of them.
ALL_LEARNERS_PERMISSION = "learners.change_cohort"


@dataclass(frozen=True)
class StaffScope:
    """The learners a staff account may see: all of them, those of one municipality (a municipal coordinator),
    those of one municipal school (its administration: ``school_admin``), or those of the courses she is named on
    and the cohorts she teaches (an instructor; a school's instructor only inside her school).

    ``school_id`` is set for the staff of a municipal school (``courses.SchoolGroup``): ``school_path`` is the
    path of its home page (its pages are those below it) and ``school_comuna_id`` its comuna (cohorts of national
    courses opened for that comuna are the school's too)."""

    everything: bool = False
    municipality_id: int | None = None
    course_ids: frozenset[int] = frozenset()
    cohort_ids: frozenset[int] = frozenset()
    school_id: int | None = None
    school_path: str = ""
    school_comuna_id: int | None = None
    school_admin: bool = False
    # In the groups of several schools (SchoolMembership.conflicting): sees nothing, the admin refuses her
    school_conflict: bool = False

    @property
    def teaching(self) -> bool:
        """An instructor's scope: her courses and cohorts, not the whole school nor a municipality."""
        return (
            not self.everything
            and not self.school_admin
            and self.municipality_id is None
            and bool(self.course_ids or self.cohort_ids)
        )

    @property
    def national(self) -> bool:
        """Staff of no municipal school (the academy, administrators, coordinators, the academy's instructors)."""
        return self.school_id is None


@dataclass(frozen=True)
class ScopeLookups:
    """Where a model keeps what a scope filters on, as lookups from that model ("" = not applicable)."""

    course: str = ""
    cohort: str = ""
    municipality: str = ""
    learner_comuna: str = ""
    learner: str = ""  # a user lookup: the row is visible when that learner has an enrolment in scope


@dataclass(frozen=True)
class SchoolMembership:
    """The municipal school a staff account belongs to, through its ``courses.SchoolGroup`` links.

    ``other_school_ids`` is not empty for an account in the groups of several schools: a mistake (the staff of a
    school belong to one, and saving such groups is refused: ``courses.schools.guards``) that data from before
    the refusal may still hold. Such an account is not given one of the schools by guess: ``staff_scope`` sees
    nothing and the admin refuses her (``cms.schools.isolation``) until the academy fixes her groups."""

    school_id: int
    path: str
    comuna_id: int
    admin: bool
    other_school_ids: tuple[int, ...] = ()

    @property
    def conflicting(self) -> bool:
        return bool(self.other_school_ids)


def _memberships(user: AbstractBaseUser) -> tuple[int | None, SchoolMembership | None]:
    """(StaffProfile municipality, school membership) in one query. An account in the groups of several schools
    comes back with the first school by id and the others in ``other_school_ids`` (``conflicting``). The answer
    kept by ``school_membership(remember=True)`` on this user object, if any, is given without a query."""
    remembered = getattr(user, "_school_memberships", None)
    if remembered is not None:
        return remembered
    rows = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(
            "staff_profile__municipality_id",
            "groups__school_link__school_id",
            "groups__school_link__school__site__root_page__path",
            "groups__school_link__school__comuna_id",
            "groups__school_link__kind",
        )
    )
    municipality_id, memberships = None, []
    for municipality, school_id, path, comuna_id, kind in rows:
        municipality_id = municipality
        if school_id is not None:
            memberships.append(
                SchoolMembership(school_id, path, comuna_id, admin=kind == SchoolGroup.Kind.ADMINISTRATION)
            )
    memberships.sort(key=lambda m: (m.school_id, not m.admin))
    if memberships:
        first = memberships[0]
        admin = any(m.admin for m in memberships if m.school_id == first.school_id)
        others = tuple(sorted({m.school_id for m in memberships} - {first.school_id}))
        return municipality_id, SchoolMembership(first.school_id, first.path, first.comuna_id, admin, others)
    return municipality_id, None


def school_membership(*, user: AbstractBaseUser, remember: bool = False) -> SchoolMembership | None:
    """The municipal school whose staff ``user`` is (None for national staff, learners and superusers).
    ``remember``: keep the answer on this user object, so that ``staff_scope`` later in the same request asks no
    second time (for the request's own user, loaded for that request: her groups do not change while it is served)."""
    if not user.is_authenticated or user.is_superuser:
        return None
    memberships = _memberships(user)
    if remember:
        user._school_memberships = memberships
    return memberships[1]


def staff_scope(*, user: AbstractBaseUser) -> StaffScope:
    """The scope of a staff account (three queries at most). A
    StaffProfile municipality limits anyone but superusers; then membership of a municipal school's groups
    (``courses.SchoolGroup``) limits the account to that school, whatever its other groups: its administration
    sees the school's courses and cohorts, its instructors their courses and cohorts inside the school; without
    either, ``ALL_LEARNERS_PERMISSION`` opens everything; otherwise the account sees its courses
    (``CourseInstructor.user``) and cohorts (``Cohort.instructors``). An account in the groups of several schools
    sees nothing (``school_conflict``): which school she works for is not guessed."""
    if not user.is_authenticated:
        return StaffScope()
    if user.is_superuser:
        return StaffScope(everything=True)
    return _staff_scope(user)


def _staff_scope(user: AbstractBaseUser) -> StaffScope:
    municipality_id, school = _memberships(user)
    if municipality_id is not None:
        return StaffScope(municipality_id=municipality_id)
    if school is not None and school.conflicting:
        return StaffScope(school_id=school.school_id, school_conflict=True)  # nothing: no school is guessed
    if school is not None:
        where = {"school_id": school.school_id, "school_path": school.path, "school_comuna_id": school.comuna_id}
        if school.admin:
            return StaffScope(school_admin=True, **where)
        in_school = Q(course__path__startswith=school.path) | Q(municipality_id=school.comuna_id)
        return StaffScope(
            course_ids=frozenset(
                CourseInstructor.objects.filter(user=user, page__path__startswith=school.path).values_list(
                    "page_id", flat=True
                )
            ),
            cohort_ids=frozenset(Cohort.objects.filter(in_school, instructors=user).values_list("pk", flat=True)),
            **where,
        )
    if user.has_perm(ALL_LEARNERS_PERMISSION):
        return StaffScope(everything=True)
    return StaffScope(
        course_ids=frozenset(CourseInstructor.objects.filter(user=user).values_list("page_id", flat=True)),
        cohort_ids=frozenset(Cohort.objects.filter(instructors=user).values_list("pk", flat=True)),
    )


def path_lookup(lookup: str) -> str:
    """``course_id`` → ``course__path__startswith``: the page path behind a page foreign key lookup."""
    return f"{lookup.removesuffix('_id')}__path__startswith"


ENROLMENT_SCOPE = ScopeLookups(
    course="course_id",
    cohort="cohort_id",
    municipality="cohort__municipality_id",
    learner_comuna="user__learner_profile__comuna_id",
)


def staff_scope_q(*, scope: StaffScope, lookups: ScopeLookups) -> Q | None:
    """The condition that keeps a model's rows inside ``scope`` (None: no condition, everything is visible).
    A coordinator sees her municipality's cohorts and the learners who live there; a school's administration its
    school's courses and cohorts; an instructor her courses and cohorts. An empty scope matches nothing."""
    if scope.everything:
        return None
    condition = Q(pk__in=[])
    if scope.school_admin:
        # A school's administration: the rows of its courses (its page tree) and of the cohorts opened for its
        # comuna (national courses given in the school); never its residents' other enrolments.
        if lookups.course:
            condition |= Q(**{path_lookup(lookups.course): scope.school_path})
        if lookups.municipality:
            condition |= Q(**{lookups.municipality: scope.school_comuna_id})
    elif scope.municipality_id is not None:
        if lookups.municipality:
            condition |= Q(**{lookups.municipality: scope.municipality_id})
        if lookups.learner_comuna:
            condition |= Q(**{lookups.learner_comuna: scope.municipality_id})
    else:
        if lookups.course and scope.course_ids:
            condition |= Q(**{f"{lookups.course}__in": scope.course_ids})
        if lookups.cohort and scope.cohort_ids:
            condition |= Q(**{f"{lookups.cohort}__in": scope.cohort_ids})
    if lookups.learner:
        enrolment_q = staff_scope_q(scope=scope, lookups=ENROLMENT_SCOPE)
        condition |= Q(**{f"{lookups.learner}__in": Enrolment.objects.filter(enrolment_q).values("user_id")})
    return condition


def staff_scope_filter(*, user: AbstractBaseUser, queryset, lookups: ScopeLookups):
    """``queryset`` narrowed to what ``user`` may see."""
    condition = staff_scope_q(scope=staff_scope(user=user), lookups=lookups)
    return queryset if condition is None else queryset.filter(condition)


# What a school's staff may pick in forms and filters -------------------------------------------------------------


def staff_courses(*, user: AbstractBaseUser, queryset=None):
    """Courses offered in admin forms and filters: every course, but never another municipal school's to a
    school's staff (the academy's national courses stay)."""
    queryset = CoursePage.objects.order_by("title") if queryset is None else queryset
    school_id = staff_school_id(user=user)
    return queryset if school_id is None else queryset.exclude(other_schools_pages_q(school_id=school_id))


def staff_accounts_for(*, user: AbstractBaseUser, queryset):
    """Staff accounts offered in admin forms (a cohort's or session's instructors, a course's instructor
    accounts): every one, but only her own school's staff to a school's staff (accounts are national, their
    names and emails are not shared between schools)."""
    school_id = staff_school_id(user=user)
    if school_id is None:
        return queryset
    members = get_user_model().objects.filter(groups__school_link__school_id=school_id).values("pk")
    return queryset.filter(pk__in=members)


COHORT_LOOKUPS = ScopeLookups(course="course_id", cohort="pk", municipality="municipality_id")


def staff_cohorts(*, user: AbstractBaseUser, queryset):
    """Cohorts offered in admin forms: a school's staff only her school's (``staff_scope``); others as given."""
    if staff_school_id(user=user) is None:
        return queryset
    return staff_scope_filter(user=user, queryset=queryset, lookups=COHORT_LOOKUPS)


def staff_may_enrol_in(*, user: AbstractBaseUser, course: CoursePage, cohort: Cohort | None) -> bool:
    """Whether enrolments that ``user`` makes in ``course`` (in ``cohort``, or without one: the course's open
    cohort with the earliest start) stay inside her part of the school (one or two queries).

    National staff: always (their permissions decide). A school's staff: the rule of her cohorts and enrolments
    (``staff_scope_q``): a cohort she may see (of her school's courses, or opened for her school's comuna in a
    national course), or, without a cohort, a course she may see whole (one of her school's own). A national
    course without a cohort is refused to her: its learners would join whichever comuna's cohort opens first."""
    scope = staff_scope(user=user)
    if scope.national:
        return True
    if cohort is not None:
        condition = staff_scope_q(scope=scope, lookups=COHORT_LOOKUPS)
        return cohort.course_id == course.pk and Cohort.objects.filter(condition, pk=cohort.pk).exists()
    condition = staff_scope_q(scope=scope, lookups=ScopeLookups(course="page_ptr_id"))
    return CoursePage.objects.filter(condition, pk=course.pk).exists()


# Who receives what ---------------------------------------------------------------------------------------------


def teaching_accounts() -> QuerySet:
    """Active accounts that teach a cohort (``Cohort.instructors``) or are named on a course
    (``CourseInstructor.user``), by id (one query). Their ``staff_scope`` says what each may see."""
    named = CourseInstructor.objects.filter(user__isnull=False).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(instructed_cohorts__isnull=False) | Q(pk__in=named))
        .distinct()
        .order_by("pk")
    )


def accounts_with_permission(*, permission: str) -> QuerySet:
    """Active accounts granted ``permission`` (``app_label.codename``) through one of their groups or directly,
    by id (one query). Being a superuser alone does not count: this finds the people of a role."""
    app_label, codename = permission.split(".", 1)
    granted = Q(groups__permissions__content_type__app_label=app_label, groups__permissions__codename=codename) | Q(
        user_permissions__content_type__app_label=app_label, user_permissions__codename=codename
    )
    return get_user_model().objects.filter(granted, is_active=True).distinct().order_by("pk")


def learner_schools(*, user_id: int) -> QuerySet:
    """The municipal schools whose administration sees one of the learner's enrolments: in a course of the school's
    tree or in a cohort opened for its comuna (the rule of ``staff_scope_q`` for ``school_admin``)."""
    in_school = Enrolment.objects.filter(user_id=user_id).filter(
        Q(course__path__startswith=OuterRef("site__root_page__path")) | Q(cohort__municipality_id=OuterRef("comuna_id"))
    )
    return School.objects.filter(Exists(in_school))


def school_administration_accounts(*, schools: QuerySet) -> QuerySet:
    """Active accounts in the administration group (``courses.SchoolGroup``) of any of ``schools``, by id; never an
    account in the groups of several schools (``SchoolMembership.conflicting``: no school is guessed for it)."""
    several = (
        get_user_model()
        .objects.annotate(school_count=Count("groups__school_link__school", distinct=True))
        .filter(school_count__gt=1)
        .values("pk")
    )
    return (
        get_user_model()
        .objects.filter(
            groups__school_link__school__in=schools,
            groups__school_link__kind=SchoolGroup.Kind.ADMINISTRATION,
            is_active=True,
        )
        .exclude(pk__in=several)
        .distinct()
        .order_by("pk")
    )
