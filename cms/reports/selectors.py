"""Reads for the reports and the admin dashboard.

Every figure is aggregated by the database (grouped and conditional counts, subqueries) in a fixed number of
queries, whatever the number of learners; Python only joins a few grouped results and computes rates.

Scope: a staff account limited to a municipality (``learners.staff.selectors.staff_municipality``) sees the
enrolments of that municipality's cohorts and of the learners who live there, and only those learners (``scope_q``).
Publication: ``publication=True`` leaves out minors and learners of unknown age (``adult_q``).

Schools: ``ReportFilters.school`` limits a report to one municipal school (``school_q``): the enrolments in the
courses of its tree and in cohorts of its comuna (a national course studied in the school's cohort). The academy's
national reports group the same enrolments by school (``breakdown_rows(by="school")``), comuna and region. Who may
see which school is decided by the caller (the staff scope), which passes the school.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Avg,
    CharField,
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as CaseExpression
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext
from wagtail.models import Page

from certificates.models import IssuedCertificate
from courses.models import Comuna, CoursePage, Region, School
from courses.models.territory import alphabetical_key, region_position
from learners.admin_helpers import learner_search_q
from learners.attendance.selectors import attendance_summaries
from learners.h5p.selectors import attempts_with_answers
from learners.models import AttendanceRecord, Cohort, Enrolment, H5PAttempt, LearnerProfile, LessonProgress
from learners.privacy.selectors import publishable_learner_q
from learners.staff.selectors import staff_scope

ACTIVE_DAYS = 30
PROFILE = "user__learner_profile__"


@dataclass(frozen=True)
class ReportFilters:
    """What a report is limited to (ids, so that the filters can be written to the audit log as they are)."""

    course_id: int | None = None
    cohort_id: int | None = None
    region_id: str | None = None
    comuna_id: str | None = None
    learner_type: str = ""
    date_from: date | None = None
    date_to: date | None = None
    school: School | None = None  # one municipal school (its courses and its comuna's cohorts); None: all

    def as_audit(self) -> dict:
        values = {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in self.__dict__.items()
            if value not in (None, "") and name != "school"
        }
        if self.school is not None:
            values["school_id"] = self.school.pk
        return values

    @property
    def limits_enrolments(self) -> bool:
        return any(v is not None for v in (self.course_id, self.cohort_id, self.date_from, self.date_to))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def adult_q(*, prefix: str = "") -> Q:
    """Learners whose data may be published: adults of known age whose data are not blocked
    (``learners.privacy.selectors.publishable_learners``). ``prefix`` leads from the filtered model to
    LearnerProfile."""
    return publishable_learner_q(prefix=prefix)


def report_scope(*, user) -> Comuna | School | None:
    """What a staff account's reports cover: everything (None), her municipality (a coordinator's StaffProfile)
    or her school (a municipal school's administration; ``scope_q`` then keeps the school's courses and cohorts)."""
    scope = staff_scope(user=user)
    if scope.municipality_id is not None:
        return Comuna.objects.filter(pk=scope.municipality_id).first()
    if scope.school_id is not None:
        return School.objects.select_related("site__root_page").get(pk=scope.school_id)
    return None


def scope_q(*, municipality: Comuna | School | None, prefix: str = "") -> Q:
    """Enrolments a municipality-limited account may see: its cohorts' and its residents'; for a municipal school's
    administration (``municipality`` is then her School), those of the school's courses and of the cohorts opened
    for its comuna, never its residents' enrolments elsewhere. ``prefix`` leads from the filtered model to
    Enrolment."""
    if municipality is None:
        return Q()
    if isinstance(municipality, School):
        return Q(**{f"{prefix}course__path__startswith": municipality.site.root_page.path}) | Q(
            **{f"{prefix}cohort__municipality_id": municipality.comuna_id}
        )
    return Q(**{f"{prefix}cohort__municipality_id": municipality.pk}) | Q(
        **{f"{prefix}{PROFILE}comuna_id": municipality.pk}
    )


def school_q(*, school: School | None, prefix: str = "") -> Q:
    """Enrolments of one school: in a course of its tree, or in a cohort of its comuna (a national course studied
    in the school's cohort: the same rule that decides who co-signs its certificate). ``prefix`` leads to
    Enrolment. No query: the school's course ids are a subquery."""
    if school is None:
        return Q()
    courses = CoursePage.objects.filter(path__startswith=school.site.root_page.path).values("pk")
    return Q(**{f"{prefix}course_id__in": courses}) | Q(**{f"{prefix}cohort__municipality_id": school.comuna_id})


def enrolment_q(*, filters: ReportFilters, municipality: Comuna | None, publication: bool = False, prefix: str = ""):
    """The enrolments a report counts (waitlisted ones are not enrolled yet), as a Q from ``prefix``."""
    p, profile = prefix, f"{prefix}{PROFILE}"
    q = ~Q(**{f"{p}status": Enrolment.Status.WAITLISTED}) & scope_q(municipality=municipality, prefix=p)
    if filters.school is not None:
        q &= school_q(school=filters.school, prefix=p)
    if filters.course_id:
        q &= Q(**{f"{p}course_id": filters.course_id})
    if filters.cohort_id:
        q &= Q(**{f"{p}cohort_id": filters.cohort_id})
    if filters.region_id:
        q &= Q(**{f"{profile}comuna__region_id": filters.region_id})
    if filters.comuna_id:
        q &= Q(**{f"{profile}comuna_id": filters.comuna_id})
    if filters.learner_type:
        q &= Q(**{f"{profile}learner_type": filters.learner_type})
    if filters.date_from:
        q &= Q(**{f"{p}enrolled_at__gte": _start_of(filters.date_from)})
    if filters.date_to:
        q &= Q(**{f"{p}enrolled_at__lt": _start_of(filters.date_to + timedelta(days=1))})
    if publication:
        q &= adult_q(prefix=profile)
    return q


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _one_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Per course and cohort -----------------------------------------------------------------------------------------


def course_cohort_rows(*, filters: ReportFilters, municipality: Comuna | None, publication: bool = False) -> list:
    """One row per course and cohort (enrolments without a cohort make a row of their own): enrolled, active in
    the last 30 days, completed, completion rate, average final grade and attendance. Four queries."""
    since = timezone.now() - timedelta(days=ACTIVE_DAYS)
    q = enrolment_q(filters=filters, municipality=municipality, publication=publication)
    completed = Q(status=Enrolment.Status.COMPLETED)
    grouped = list(
        Enrolment.objects.filter(q)
        .values("course_id", "cohort_id")
        .annotate(
            enrolled=Count("pk"),
            active_30d=Count("pk", filter=Q(last_visited_at__gte=since) & ~Q(status=Enrolment.Status.WITHDRAWN)),
            completed=Count("pk", filter=completed),
            graded=Count("final_grade", filter=completed),
            average_grade=Avg("final_grade", filter=completed),
        )
        .order_by()
    )
    attendance = {
        (row["enrolment__course_id"], row["enrolment__cohort_id"]): row
        for row in AttendanceRecord.objects.filter(
            enrolment_q(filters=filters, municipality=municipality, publication=publication, prefix="enrolment__"),
            session__date__lte=timezone.localdate(),
        )
        .values("enrolment__course_id", "enrolment__cohort_id")
        .annotate(
            present=Count("pk", filter=Q(status=AttendanceRecord.Status.PRESENT)),
            counted=Count("pk", filter=~Q(status=AttendanceRecord.Status.EXCUSED)),
        )
        .order_by()
    }
    courses = dict(CoursePage.objects.filter(pk__in={row["course_id"] for row in grouped}).values_list("pk", "title"))
    cohorts = {
        cohort.pk: cohort
        for cohort in Cohort.objects.filter(pk__in={row["cohort_id"] for row in grouped if row["cohort_id"]})
        .select_related("municipality")
        .only("name", "municipality__name")
    }
    rows = []
    for row in grouped:
        marks = attendance.get((row["course_id"], row["cohort_id"]), {})
        cohort = cohorts.get(row["cohort_id"])
        rows.append(
            {
                "course_id": row["course_id"],
                "course": courses.get(row["course_id"], ""),
                "cohort_id": row["cohort_id"],
                "cohort": cohort.name if cohort else "",
                "municipality": cohort.municipality.name if cohort and cohort.municipality else "",
                "enrolled": row["enrolled"],
                "active_30d": row["active_30d"],
                "completed": row["completed"],
                "completion_rate": _percent(row["completed"], row["enrolled"]),
                "graded": row["graded"],
                "average_grade": _one_decimal(row["average_grade"]),
                # attendance is taken for the whole cohort: its figure stands for the cohort's enrolled learners
                "attendance_learners": row["enrolled"] if marks else 0,
                "attendance": _percent(marks.get("present", 0), marks.get("counted", 0)),
            }
        )
    rows.sort(key=lambda row: (str(row["course"]), row["course_id"], row["cohort"], row["cohort_id"] or 0))
    return rows


# Per comuna, region and learner type ----------------------------------------------------------------------------

BREAKDOWNS = {
    "comuna": f"{PROFILE}comuna_id",
    "region": f"{PROFILE}comuna__region_id",
    "learner_type": f"{PROFILE}learner_type",
    "school": None,  # the enrolment's school (``school_key``), not a field of the learner
}
ACADEMY_KEY = "-"  # the school key of the academy's own enrolments (national courses outside a school's cohort)


@dataclass(frozen=True)
class SchoolLayout:
    """Which comuna each school has, and the ids of the courses of each school's tree (by the school's comuna)."""

    comunas: tuple[str, ...]
    courses_of: dict[str, list[int]]


def school_layout() -> SchoolLayout:
    """Two queries (the schools with their home paths, the courses' paths), whatever the number of enrolments."""
    schools = {
        school.site.root_page.path: school.comuna_id
        for school in School.objects.select_related("site__root_page").only("comuna_id", "site__root_page__path")
    }
    courses_of: dict[str, list[int]] = {}
    for pk, path in CoursePage.objects.values_list("pk", "path").order_by():
        comuna = schools.get(path[: Page.steplen * 2])
        if comuna is not None:
            courses_of.setdefault(comuna, []).append(pk)
    return SchoolLayout(comunas=tuple(sorted(schools.values())), courses_of=courses_of)


def school_key(*, layout: SchoolLayout, prefix: str = ""):
    """An expression giving each enrolment its school, as the school's comuna code (one school per comuna): the
    school whose tree holds the course, else the school of the cohort's comuna, else ``ACADEMY_KEY``. The CASE has
    one branch per school with courses of its own (their ids listed) and one for the cohorts of schools' comunas."""
    branches = [
        When(**{f"{prefix}course_id__in": ids}, then=Value(comuna)) for comuna, ids in sorted(layout.courses_of.items())
    ]
    if layout.comunas:
        branches.append(
            When(
                **{f"{prefix}cohort__municipality_id__in": list(layout.comunas)},
                then=f"{prefix}cohort__municipality_id",
            )
        )
    if not branches:
        return Value(ACADEMY_KEY, output_field=CharField())
    return CaseExpression(*branches, default=Value(ACADEMY_KEY), output_field=CharField())


def breakdown_rows(
    *, by: str, filters: ReportFilters, municipality: Comuna | None, publication: bool = False
) -> list[dict]:
    """Learners (people with at least one matching enrolment), enrolments, completions and valid certificates,
    grouped by the learner's comuna, region or learner type, or by the enrolment's school (``by``). Three queries,
    each aggregating per learner and then per group (five by school: ``school_key``). By school, a learner who
    studies in two schools counts as a learner in each."""
    key = BREAKDOWNS[by]
    q = enrolment_q(filters=filters, municipality=municipality, publication=publication)
    completed = Q(status=Enrolment.Status.COMPLETED)
    layout = school_layout() if by == "school" else None
    if by == "school":
        per_learner = (
            Enrolment.objects.filter(q)
            .annotate(key=school_key(layout=layout))
            .values("user_id", "key")
            .annotate(n=Count("pk"), done=Count("pk", filter=completed))
            .order_by()
        )
    else:
        per_learner = (
            Enrolment.objects.filter(q)
            .values("user_id")
            .annotate(key=Min(key), n=Count("pk"), done=Count("pk", filter=completed))
            .order_by()
        )
    counts = {
        key_value: {"learners": learners, "enrolments": enrolments, "completions": completions, "completers": people}
        for key_value, learners, enrolments, completions, people in _per_key(
            per_learner, "COUNT(*), SUM(n), SUM(done), SUM(CASE WHEN done > 0 THEN 1 ELSE 0 END)"
        )
    }
    valid = IssuedCertificate.objects.filter(
        enrolment_q(filters=filters, municipality=municipality, publication=publication, prefix="enrolment__"),
        status=IssuedCertificate.Status.VALID,
    )
    if by == "school":
        certified = (
            valid.annotate(key=school_key(layout=layout, prefix="enrolment__"))
            .values("user_id", "key")
            .annotate(n=Count("pk"))
        ).order_by()
    else:
        certified = valid.values("user_id").annotate(key=Min(f"enrolment__{key}"), n=Count("pk")).order_by()
    certificates = {
        key_value: {"certificates": number, "certified": people}
        for key_value, number, people in _per_key(certified, "SUM(n), COUNT(*)")
    }
    labels = _breakdown_labels(by=by, keys=list(counts))
    rows = []
    for key_value, row in counts.items():
        label, region, region_id = labels.get(key_value, ("", "", None))
        rows.append(
            {
                "key": key_value,
                "name": label,
                "region": region,
                "region_id": region_id,
                **{name: int(value or 0) for name, value in row.items()},
                "certificates": int(certificates.get(key_value, {}).get("certificates") or 0),
                "certified": int(certificates.get(key_value, {}).get("certified") or 0),
            }
        )
    rows.sort(key=lambda row: (region_position(row["region_id"]), alphabetical_key(str(row["name"]))))
    return rows


def _per_key(per_learner: QuerySet, aggregates: str) -> list[tuple]:
    """Second level of a two-level aggregation: ``per_learner`` has one row per learner with her ``key``; this
    groups those rows by key (no COUNT(DISTINCT …), which is several times slower on national figures)."""
    sql, params = per_learner.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT per_learner.key, {aggregates} FROM ({sql}) per_learner GROUP BY 1", params)
        return cursor.fetchall()


def _breakdown_labels(*, by: str, keys: list) -> dict:
    """key → (label, region name, region code) in one query at most."""
    unknown = ("—", "", "99")
    if by == "school":
        labels = {
            school.comuna_id: (school.name, school.comuna.region.name, school.comuna.region_id)
            for school in School.objects.filter(comuna_id__in=keys).select_related("comuna__region")
        }
        labels[ACADEMY_KEY] = (gettext("The academy (no school)"), "", "99")
    elif by == "comuna":
        labels = {
            comuna.pk: (comuna.name, comuna.region.name, comuna.region_id)
            for comuna in Comuna.objects.filter(pk__in=[k for k in keys if k]).select_related("region")
        }
    elif by == "region":
        labels = {region.pk: (region.name, region.name, region.pk) for region in Region.objects.filter(pk__in=keys)}
    else:
        labels = {value: (label, "", "") for value, label in LearnerProfile.LearnerType.choices}
    labels[None] = unknown
    return labels


# Learners: a listing to pick one, and one learner's detail ----------------------------------------------------


def _count_subquery(queryset: QuerySet, *, outer: str) -> Coalesce:
    counted = queryset.order_by().values(outer).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def learner_rows(*, filters: ReportFilters, municipality: Comuna | None, search: str = "") -> QuerySet:
    """Learner profiles in scope with their numbers of enrolments, completions and valid certificates (counted by
    correlated subqueries, which PostgreSQL evaluates only for the page shown when the listing is paginated)."""
    profiles = LearnerProfile.objects.select_related("user", "comuna__region")
    if isinstance(municipality, School):
        # a school sees the learners of its own courses and cohorts, and counts only those enrolments
        own = scope_q(municipality=municipality)
        profiles = profiles.filter(Exists(Enrolment.objects.filter(own, user_id=OuterRef("user_id"))))
    elif municipality is not None:
        profiles = profiles.filter(
            Q(comuna_id=municipality.pk)
            | Exists(Enrolment.objects.filter(user_id=OuterRef("user_id"), cohort__municipality_id=municipality.pk))
        )
    if filters.region_id:
        profiles = profiles.filter(comuna__region_id=filters.region_id)
    if filters.comuna_id:
        profiles = profiles.filter(comuna_id=filters.comuna_id)
    if filters.learner_type:
        profiles = profiles.filter(learner_type=filters.learner_type)
    if filters.school is not None:  # her enrolments in the school's courses or cohorts
        in_school = Enrolment.objects.filter(school_q(school=filters.school), user_id=OuterRef("user_id"))
        profiles = profiles.filter(Exists(in_school))
    if filters.limits_enrolments:
        limits = ReportFilters(course_id=filters.course_id, cohort_id=filters.cohort_id)
        limits = replace(limits, date_from=filters.date_from, date_to=filters.date_to)
        matching = Enrolment.objects.filter(enrolment_q(filters=limits, municipality=None))
        profiles = profiles.filter(Exists(matching.filter(user_id=OuterRef("user_id"))))
    if search:
        profiles = profiles.filter(learner_search_q(search, profile="", user="user__"))
    enrolments = Enrolment.objects.filter(user_id=OuterRef("user_id"))
    certificates = IssuedCertificate.objects.filter(user_id=OuterRef("user_id"), status=IssuedCertificate.Status.VALID)
    if isinstance(municipality, School):
        enrolments = enrolments.filter(scope_q(municipality=municipality))
        certificates = certificates.filter(scope_q(municipality=municipality, prefix="enrolment__"))
    return profiles.annotate(
        enrolment_count=_count_subquery(enrolments, outer="user_id"),
        completion_count=_count_subquery(enrolments.filter(status=Enrolment.Status.COMPLETED), outer="user_id"),
        certificate_count=_count_subquery(
            certificates,
            outer="user_id",
        ),
    ).order_by("family_names", "given_names", "pk")


def learner_in_scope(
    *, profile_id: int, municipality: Comuna | None, school: School | None = None
) -> LearnerProfile | None:
    """The learner profile, or None when it does not exist or the municipality-limited (or school-limited) account
    may not see it."""
    filters = ReportFilters(school=school)
    return learner_rows(filters=filters, municipality=municipality).filter(pk=profile_id).first()


def learner_enrolment_rows(*, profile: LearnerProfile, municipality: Comuna | School | None = None) -> list[dict]:
    """A learner's enrolments with progress (lessons done), grade, attendance and valid certificate. Five queries.
    For a school (``municipality`` is a School) only her enrolments in that school's courses and cohorts."""
    done = LessonProgress.objects.filter(enrolment_id=OuterRef("pk"), completed_at__isnull=False)
    valid = IssuedCertificate.objects.filter(enrolment_id=OuterRef("pk"), status=IssuedCertificate.Status.VALID)
    own = scope_q(municipality=municipality) if isinstance(municipality, School) else Q()
    enrolments = list(
        Enrolment.objects.filter(own, user_id=profile.user_id)
        .select_related("cohort")
        .annotate(
            lessons_done=_count_subquery(done, outer="enrolment_id"),
            certificate_folio=Subquery(valid.values("folio")[:1]),
            course_title=Subquery(CoursePage.objects.filter(pk=OuterRef("course_id")).values("title")[:1]),
        )
        .order_by("-enrolled_at")
    )
    attendance = attendance_summaries(enrolments=[e for e in enrolments if e.cohort_id])
    rows = []
    for enrolment in enrolments:
        summary = attendance.get(enrolment.pk)
        rows.append(
            {
                "course": enrolment.course_title,
                "cohort": enrolment.cohort.name if enrolment.cohort else "",
                "status": enrolment.get_status_display(),
                "enrolled_at": timezone.localtime(enrolment.enrolled_at).date(),
                "completed_at": timezone.localtime(enrolment.completed_at).date() if enrolment.completed_at else None,
                "last_visited_at": (
                    timezone.localtime(enrolment.last_visited_at).date() if enrolment.last_visited_at else None
                ),
                "lessons_done": enrolment.lessons_done,
                "final_grade": enrolment.final_grade,
                "attendance": summary.percent if summary else None,
                "certificate": enrolment.certificate_folio or "",
            }
        )
    return rows


def learner_attempts(
    *, profile: LearnerProfile, limit: int = 200, municipality: Comuna | School | None = None
) -> list[H5PAttempt]:
    """Her H5P attempts, newest first; an attempt without answers yet is not one to report. For a school, only
    those of her enrolments in the school's courses and cohorts."""
    own = scope_q(municipality=municipality, prefix="enrolment__") if isinstance(municipality, School) else Q()
    return list(
        attempts_with_answers(H5PAttempt.objects.filter(own, user_id=profile.user_id))
        .select_related("activity", "lesson")
        .order_by("-started_at")[:limit]
    )


def learner_certificates(
    *, profile: LearnerProfile, municipality: Comuna | School | None = None
) -> list[IssuedCertificate]:
    own = scope_q(municipality=municipality, prefix="enrolment__") if isinstance(municipality, School) else Q()
    return list(
        IssuedCertificate.objects.filter(own, user_id=profile.user_id)
        .select_related("course")
        .only("folio", "status", "issued_at", "course__title", "snapshot")
        .order_by("-issued_at")
    )


# Dashboard ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekFigures:
    since: date
    new_enrolments: int
    completions: int
    certificates: int
    active_learners: int


@dataclass(frozen=True)
class DashboardData:
    week: WeekFigures
    completions_by_month: list[tuple[date, int]]
    learners_by_region: list[tuple[str, int]]
    certificates_by_course: list[tuple[str, int]]


def _month_starts(today: date, count: int) -> list[date]:
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def dashboard_data(
    *, municipality: Comuna | None, today: date | None = None, school: School | None = None
) -> DashboardData:
    """The week's figures (since Monday) and the three charts' series, in five queries; ``school``: one school's."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    since = _start_of(monday)
    scope = scope_q(municipality=municipality) & school_q(school=school)
    week = Enrolment.objects.filter(scope).aggregate(
        new_enrolments=Count("pk", filter=Q(enrolled_at__gte=since) & ~Q(status=Enrolment.Status.WAITLISTED)),
        completions=Count("pk", filter=Q(completed_at__gte=since, status=Enrolment.Status.COMPLETED)),
        active_learners=Count("user_id", filter=Q(last_visited_at__gte=since), distinct=True),
    )
    certificates = IssuedCertificate.objects.filter(
        scope_q(municipality=municipality, prefix="enrolment__") & school_q(school=school, prefix="enrolment__")
    )
    week_certificates = certificates.filter(issued_at__gte=since).count()

    months = _month_starts(today, 12)
    by_month = dict(
        Enrolment.objects.filter(scope, status=Enrolment.Status.COMPLETED, completed_at__gte=_start_of(months[0]))
        .annotate(month=TruncMonth("completed_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    by_month = {(m.date() if isinstance(m, datetime) else m): n for m, n in by_month.items()}

    learners = LearnerProfile.objects.all()
    if school is not None:
        learners = learners.filter(
            Exists(Enrolment.objects.filter(school_q(school=school), user_id=OuterRef("user_id")))
        )
    if isinstance(municipality, School):
        learners = learners.filter(Exists(Enrolment.objects.filter(scope, user_id=OuterRef("user_id"))))
    elif municipality is not None:
        learners = learners.filter(
            Q(comuna_id=municipality.pk)
            | Exists(Enrolment.objects.filter(user_id=OuterRef("user_id"), cohort__municipality_id=municipality.pk))
        )
    per_region = dict(
        learners.values("comuna__region_id").annotate(n=Count("pk")).values_list("comuna__region_id", "n").order_by()
    )
    regions = [(region.name, per_region.get(region.pk, 0)) for region in Region.objects.all()]  # north to south

    per_course = list(
        certificates.filter(status=IssuedCertificate.Status.VALID)
        .values("course__title")
        .annotate(n=Count("pk"))
        .order_by("-n", "course__title")
        .values_list("course__title", "n")[:15]
    )
    return DashboardData(
        week=WeekFigures(since=monday, certificates=week_certificates, **week),
        completions_by_month=[(month, by_month.get(month, 0)) for month in months],
        learners_by_region=regions,
        certificates_by_course=per_course,
    )


def cohorts_in_scope(*, municipality: Comuna | School | None, school: School | None = None) -> QuerySet:
    cohorts = Cohort.objects.select_related("course").order_by("course__title", "name")
    if school is not None:  # the cohorts of its courses and of its comuna
        courses = CoursePage.objects.filter(path__startswith=school.site.root_page.path).values("pk")
        cohorts = cohorts.filter(Q(course_id__in=courses) | Q(municipality_id=school.comuna_id))
    if isinstance(municipality, School):
        return cohorts.filter(
            Q(course__path__startswith=municipality.site.root_page.path) | Q(municipality_id=municipality.comuna_id)
        )
    return cohorts if municipality is None else cohorts.filter(municipality_id=municipality.pk)
