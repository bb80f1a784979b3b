"""Reads for the gradebook: which cohorts a staff account may open, a cohort's learners × lessons matrix with its
flags, and one learner's whole course (the staff's learner page and the learner's own "Mis notas").

Fixed query counts: the matrix costs the same with 5 learners or 200 (``tests/learners/test_gradebook.py``), and a
learner's course report the same with 3 lessons or 60. The completion rule is never re-implemented here: the
matrix feeds its figures to ``learners.progress.selectors.completion_evaluate`` and the learner's report calls
``completion_check``, the same functions that decide certification.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Max, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.models import Page

from courses.models import CoursePage, H5PActivity, LessonPage, ModulePage
from courses.selectors import LESSON_DEPTH_BELOW_COURSE, course_lessons
from learners.attendance.models import AttendanceRecord
from learners.attendance.selectors import AttendanceSummary, attendance_summaries, attendance_summary
from learners.enrolment.models import Cohort, Enrolment, Session
from learners.enrolment.selectors import SEAT_HOLDING
from learners.h5p.grades import ActivityGrade, activity_grade
from learners.h5p.models import H5PAttempt
from learners.progress.grading import PASS_THRESHOLD, final_grade, grade_from_score
from learners.progress.models import LessonProgress
from learners.progress.selectors import CompletionCheck, completion_check, completion_evaluate
from learners.reflections.selectors import pending_feedback_by_learner  # the "respuesta por comentar" flag
from learners.staff.selectors import ScopeLookups, StaffScope, staff_scope, staff_scope_q

INACTIVE_DAYS = 14

COHORT_SCOPE = ScopeLookups(course="course_id", cohort="pk", municipality="municipality_id")


# Who may open which cohort ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradebookAccess:
    """The cohorts a staff account may open in "Mis grupos", and whether she only reads them (a municipal
    coordinator: no attendance taking, and no feedback once reflection answers arrive)."""

    cohorts: QuerySet
    read_only: bool


def gradebook_access(*, user: AbstractBaseUser, scope: StaffScope | None = None) -> GradebookAccess:
    """Cohorts by ``staff_scope`` (two queries at most, none when the caller passes the user's ``scope``; the
    queryset is lazy): superusers and the academy every cohort; a coordinator her municipality's, read-only; an
    instructor the cohorts she teaches and the cohorts of the courses she is named on; anyone else none."""
    scope = scope if scope is not None else staff_scope(user=user)
    cohorts = Cohort.objects.select_related("course", "municipality")
    condition = staff_scope_q(scope=scope, lookups=COHORT_SCOPE)
    if condition is not None:
        cohorts = cohorts.filter(condition)
    return GradebookAccess(cohorts=cohorts, read_only=scope.municipality_id is not None)


def cohort_list(*, access: GradebookAccess) -> list[Cohort]:
    """The cohorts of "Mis grupos", newest first, each with ``learner_count`` (one query)."""
    return list(
        access.cohorts.annotate(
            learner_count=Count("enrolments", filter=Q(enrolments__status__in=SEAT_HOLDING))
        ).order_by("-starts_on", "name", "pk")
    )


# The hook for reflection answers (issue 17, items 4-5) ---------------------------------------------------------


# The matrix --------------------------------------------------------------------------------------------------


FLAG_NOT_STARTED = "sin-empezar"
FLAG_INACTIVE = "inactivas"
FLAG_FAILING = "reprobando"
FLAG_FEEDBACK = "por-revisar"
FLAGS = {
    FLAG_NOT_STARTED: gettext_lazy("Not started"),
    FLAG_INACTIVE: gettext_lazy("Inactive for 14 days"),
    FLAG_FAILING: gettext_lazy("Failing the pass rule"),
    FLAG_FEEDBACK: gettext_lazy("Answer waiting for feedback"),
}
SORTS = {
    "nombre": gettext_lazy("Name"),
    "avance": gettext_lazy("Progress"),
    "nota": gettext_lazy("Final grade"),
    "asistencia": gettext_lazy("Attendance"),
    "actividad": gettext_lazy("Last activity"),
}


@dataclass(frozen=True)
class GradebookFilters:
    """What the query string asks for: one flag (``filtro``), a sort key (``orden``) and its direction (``dir``).
    Unknown values are dropped, so a hand-edited address shows the whole cohort instead of an error."""

    flag: str = ""
    sort: str = "nombre"
    descending: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "GradebookFilters":
        flag = params.get("filtro", "")
        sort = params.get("orden", "")
        return cls(
            flag=flag if flag in FLAGS else "",
            sort=sort if sort in SORTS else "nombre",
            descending=params.get("dir", "") == "desc",
        )

    def querystring(self, **changes: str) -> str:
        values = {"filtro": self.flag, "orden": self.sort, "dir": "desc" if self.descending else ""}
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value and value != "nombre"})

    @property
    def sort_query(self) -> str:
        """The query string of the current sort, without the flag (the "everyone" link)."""
        return self.querystring(filtro="")


class Cell(NamedTuple):
    """One learner in one lesson: done or not, the lesson's score (0–100), completed attempts, day of the last
    activity (Chilean time). A tuple: there are 12,000 of them in a 200 × 60 matrix."""

    done: bool
    score: int | None
    attempts: int
    last_activity: date | None


@dataclass
class LearnerRow:
    enrolment: Enrolment
    name: str
    cells: list[Cell | None]
    done: int
    total: int
    attendance: AttendanceSummary | None
    check: CompletionCheck
    grade: Decimal | None
    last_activity: date | None  # the day, Chilean time
    not_started: bool
    inactive: bool
    failing: bool
    pending_feedback: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def attendance_percent(self) -> Decimal | None:
        return self.attendance.percent if self.attendance is not None else None

    @property
    def flags(self) -> list[str]:
        present = {
            FLAG_NOT_STARTED: self.not_started,
            FLAG_INACTIVE: self.inactive,
            FLAG_FAILING: self.failing,
            FLAG_FEEDBACK: bool(self.pending_feedback),
        }
        return [flag for flag, on in present.items() if on]

    @property
    def flag_labels(self) -> list[str]:
        return [str(FLAGS[flag]) for flag in self.flags]


@dataclass
class Gradebook:
    cohort: Cohort
    course: CoursePage
    lessons: list[LessonPage]
    filters: GradebookFilters
    rows: list[LearnerRow] = field(default_factory=list)
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def flag_choices(self) -> list[tuple[str, str, int]]:
        return [(flag, str(label), self.counts.get(flag, 0)) for flag, label in FLAGS.items()]

    sort_choices = SORTS


def learner_name(enrolment: Enrolment) -> str:
    profile = getattr(enrolment.user, "learner_profile", None)
    if profile is not None and profile.full_name:
        return profile.full_name
    return enrolment.user.get_full_name() or enrolment.user.get_username()


def _percent(score: Decimal | None) -> int | None:
    return None if score is None else round(score * 100)


def _latest(*values):
    present = [value for value in values if value is not None]
    return max(present) if present else None


def cohort_gradebook(
    *, cohort: Cohort, params: Mapping[str, str] | None = None, now: datetime | None = None
) -> Gradebook:
    """The matrix of a cohort's learners (holding a seat) × the course's live lessons, in six queries whatever
    their numbers: lessons, enrolments with profiles, progress, attempts grouped by lesson, and attendance (two).

    Flags: *not started* (no lesson visited, completed or attempted); *inactive* (enrolled, not completed, and
    nothing done for ``INACTIVE_DAYS`` days, counted from the enrolment when she never started); *failing* (not
    completed, and the completion rule is already broken on a figure she has: a final grade below the course's
    pass grade, or attendance below its minimum); *answer waiting for feedback* (``pending_feedback_by_learner``).
    """
    filters = GradebookFilters.from_params(params or {})
    course = cohort.course
    now = now or timezone.now()
    lessons = list(course_lessons(course=course))
    book = Gradebook(cohort=cohort, course=course, lessons=lessons, filters=filters)
    enrolments = list(
        Enrolment.objects.filter(cohort=cohort, status__in=SEAT_HOLDING).select_related("user__learner_profile")
    )
    if not enrolments:
        return book
    position = {lesson.pk: index for index, lesson in enumerate(lessons)}
    required_ids = {lesson.pk for lesson in lessons if lesson.required}
    in_cohort = Q(enrolment__cohort=cohort, enrolment__status__in=SEAT_HOLDING)

    # Days, not times: the matrix shows the day, and a date column (Chilean day, cut by the database) reads
    # several times faster than a timestamp one at 12,000 cells (``make bench-gradebook``).
    local = timezone.get_current_timezone()
    progress: dict[int, list] = {}
    for enrolment_id, lesson_id, is_done, score, day in (
        LessonProgress.objects.filter(in_cohort)
        .annotate(
            is_done=ExpressionWrapper(Q(completed_at__isnull=False), output_field=BooleanField()),
            day=TruncDate("updated_at", tzinfo=local),
        )
        .values_list("enrolment_id", "lesson_id", "is_done", "score", "day")
    ):
        progress.setdefault(enrolment_id, []).append((lesson_id, is_done, score, day))
    attempts: dict[int, dict[int, tuple[int, date | None]]] = {}
    for enrolment_id, lesson_id, count, attempted in (
        H5PAttempt.objects.filter(in_cohort)
        .values("enrolment_id", "lesson_id")
        .annotate(
            count=Count("pk", filter=Q(completed_at__isnull=False)),
            last=Max(TruncDate("started_at", tzinfo=local)),
        )
        .values_list("enrolment_id", "lesson_id", "count", "last")
    ):
        attempts.setdefault(enrolment_id, {})[lesson_id] = (count, attempted)
    summaries = attendance_summaries(enrolments=enrolments)
    feedback = pending_feedback_by_learner(cohort=cohort)
    inactive_before = timezone.localdate(now) - timedelta(days=INACTIVE_DAYS)

    rows = []
    for enrolment in enrolments:
        cells: list[Cell | None] = [None] * len(lessons)
        done = required_done = 0
        scores = []
        visited = enrolment.last_visited_at
        last = timezone.localdate(visited) if visited is not None else None
        touched = visited is not None
        tried = attempts.get(enrolment.pk, {})
        for lesson_id, is_done, score, day in progress.get(enrolment.pk, ()):
            touched = True
            index = position.get(lesson_id)
            count, attempted = tried.pop(lesson_id, (0, None))
            cell_last = attempted if day is None or (attempted is not None and attempted > day) else day
            if cell_last is not None and (last is None or cell_last > last):
                last = cell_last
            if index is None:  # a lesson unpublished since
                continue
            if is_done:
                done += 1
                required_done += lesson_id in required_ids
                if score is not None:
                    scores.append(score)
            cells[index] = Cell(done=is_done, score=_percent(score), attempts=count, last_activity=cell_last)
        for lesson_id, (count, attempted) in tried.items():  # attempted, with no progress row yet
            touched = True
            last = _latest(last, attempted)
            index = position.get(lesson_id)
            if index is not None:
                cells[index] = Cell(done=False, score=None, attempts=count, last_activity=attempted)
        summary = summaries.get(enrolment.pk)
        check = completion_evaluate(
            course=course,
            required=len(required_ids),
            done=required_done,
            scores=scores,
            attendance=summary if course.min_attendance_percent is not None else None,
        )
        completed = enrolment.status == Enrolment.Status.COMPLETED
        failing = not completed and (
            (course.grade_required and check.grade is not None and not check.grade_ok)
            or (check.attendance is not None and not check.attendance_ok)
        )
        rows.append(
            LearnerRow(
                enrolment=enrolment,
                name=learner_name(enrolment),
                cells=cells,
                done=done,
                total=len(lessons),
                attendance=summary,
                check=check,
                grade=check.grade,
                last_activity=last,
                not_started=not touched,
                inactive=not completed and (last or timezone.localdate(enrolment.enrolled_at)) < inactive_before,
                failing=failing,
                pending_feedback=feedback.get(enrolment.user_id, 0),
            )
        )
    book.total = len(rows)
    book.counts = {flag: sum(1 for row in rows if flag in row.flags) for flag in FLAGS}
    if filters.flag:
        rows = [row for row in rows if filters.flag in row.flags]
    book.rows = _sorted(rows, filters)
    return book


def not_started_enrolments(*, cohorts: QuerySet[Cohort], now: datetime, days: int) -> list[Enrolment]:
    """Learners of ``cohorts`` who have not started (the matrix's *not started* flag: no lesson visited, completed
    or attempted), enrolled for at least ``days`` days in a cohort running for at least ``days`` days and not over
    yet; by cohort, then family name, with profile, cohort and course (one query, however many cohorts).

    Pass the cohorts a staff account may see (``gradebook_access(user=...).cohorts``): names go only to them."""
    today = timezone.localdate(now)
    since = today - timedelta(days=days)
    return list(
        Enrolment.objects.filter(
            cohort__in=cohorts.order_by().values("pk"),
            status=Enrolment.Status.ACTIVE,
            enrolled_at__lte=now - timedelta(days=days),
            cohort__starts_on__lte=since,
            cohort__ends_on__gte=today,
            last_visited_at__isnull=True,
        )
        .exclude(Exists(LessonProgress.objects.filter(enrolment_id=OuterRef("pk"))))
        .exclude(Exists(H5PAttempt.objects.filter(enrolment_id=OuterRef("pk"))))
        .select_related("user__learner_profile", "cohort__course")
        .order_by(
            "cohort__starts_on",
            "cohort_id",
            "user__learner_profile__family_names",
            "user__learner_profile__given_names",
            "user__last_name",
            "pk",
        )
    )


def _sorted(rows: list[LearnerRow], filters: GradebookFilters) -> list[LearnerRow]:
    """Sorted by the chosen column; learners without a value (no grade, no attendance) always go last, and ties
    keep alphabetical order."""
    rows = sorted(rows, key=lambda row: (row.name.casefold(), row.enrolment.pk))
    if filters.sort == "nombre":
        return list(reversed(rows)) if filters.descending else rows
    value = {
        "avance": lambda row: row.percent,
        "nota": lambda row: row.grade,
        "asistencia": lambda row: row.attendance_percent,
        "actividad": lambda row: row.last_activity,
    }[filters.sort]
    known = [row for row in rows if value(row) is not None]
    unknown = [row for row in rows if value(row) is None]
    return sorted(known, key=value, reverse=filters.descending) + unknown


def gradebook_table(*, book: Gradebook) -> tuple[list[str], list[list]]:
    """The matrix as spreadsheet headings and rows (numbers stay numbers; the shared writer in
    ``courses.spreadsheets`` neutralises text and writes times in Chilean time)."""
    headings = [
        _("Name"),
        _("Status"),
        _("Progress (%)"),
        _("Lessons completed"),
        _("Attendance (%)"),
        _("Final grade"),
        _("Last activity"),
        *[str(label) for label in FLAGS.values()],
    ]
    for number, lesson in enumerate(book.lessons, start=1):
        headings += [
            _("L%(number)s %(title)s: completed") % {"number": number, "title": lesson.title},
            _("L%(number)s: score (%%)") % {"number": number},
            _("L%(number)s: attempts") % {"number": number},
        ]
    yes, no = _("yes"), _("no")
    rows = []
    for row in book.rows:
        line = [
            row.name,
            row.enrolment.get_status_display(),
            row.percent,
            row.done,
            row.attendance_percent,
            row.grade,
            row.last_activity,
            *[yes if flag in row.flags else no for flag in FLAGS],
        ]
        for cell in row.cells:
            if cell is None:
                line += [no, None, 0]
            else:
                line += [yes if cell.done else no, cell.score, cell.attempts]
        rows.append(line)
    return headings, rows


# One learner's course: the staff's learner page and "Mis notas" ------------------------------------------------


GRADING_RULES = {
    H5PActivity.GradingMethod.HIGHEST: gettext_lazy("Your best attempt counts."),
    H5PActivity.GradingMethod.LAST: gettext_lazy("Your last attempt counts."),
    H5PActivity.GradingMethod.FIRST: gettext_lazy("Your first attempt counts."),
    H5PActivity.GradingMethod.AVERAGE: gettext_lazy("The average of your attempts counts."),
}


@dataclass(frozen=True)
class ActivityReport:
    title: str
    scored: bool
    required: bool
    pass_percentage: int
    method: str
    grade: ActivityGrade

    @property
    def rule(self) -> str:
        """The grading rule in plain words."""
        if not self.scored:
            return _("This activity has no score: finishing it is enough.")
        text = str(GRADING_RULES.get(self.method, GRADING_RULES[H5PActivity.GradingMethod.HIGHEST]))
        return text + " " + _("You pass it with %(percent)s%% or more.") % {"percent": self.pass_percentage}

    @property
    def percent(self) -> int | None:
        return _percent(self.grade.grade)


@dataclass(frozen=True)
class LessonReport:
    lesson: LessonPage
    number: int
    module_title: str
    done: bool
    completed_at: datetime | None
    score: Decimal | None
    attempts: int
    last_activity: datetime | None
    activities: list[ActivityReport]

    @property
    def percent(self) -> int | None:
        return _percent(self.score)

    @property
    def grade(self) -> Decimal | None:
        return None if self.score is None else grade_from_score(self.score)


@dataclass(frozen=True)
class SessionReport:
    session: Session
    status: str  # an AttendanceRecord.Status value, or "" when not marked
    status_label: str
    held: bool


@dataclass
class CourseReport:
    enrolment: Enrolment
    course: CoursePage
    lessons: list[LessonReport]
    check: CompletionCheck
    sessions: list[SessionReport]
    attendance: AttendanceSummary | None
    missing: list[str]
    last_activity: datetime | None

    @property
    def completed(self) -> bool:
        return self.enrolment.status == Enrolment.Status.COMPLETED

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.done)

    @property
    def grade(self) -> Decimal | None:
        """The final grade so far: the rule's own when it computed one (a course that requires a grade, or every
        required lesson done), else the same formula on the graded lessons done until now (what the matrix shows)."""
        if self.check.grade is not None:
            return self.check.grade
        return final_grade([lesson.score for lesson in self.lessons if lesson.done and lesson.score is not None])

    @property
    def percent(self) -> int:
        return round(100 * self.done / len(self.lessons)) if self.lessons else 0

    @property
    def graded_activities(self) -> list[tuple[LessonReport, ActivityReport]]:
        return [(lesson, activity) for lesson in self.lessons for activity in lesson.activities]

    @property
    def missing_sentence(self) -> str:
        """ "Te falta: completar la lección 4 y asistir a una sesión más." ("" when nothing is missing)."""
        if not self.missing:
            return ""
        return _("Still missing: %(items)s.") % {"items": join_spanish(self.missing)}

    @property
    def missing_sentence_staff(self) -> str:
        """The same, about the learner ("Le falta: …")."""
        if not self.missing:
            return ""
        return _("Still missing for this learner: %(items)s.") % {"items": join_spanish(self.missing)}

    @property
    def pass_threshold_percent(self) -> int:
        return round(PASS_THRESHOLD * 100)


def join_spanish(items: list[str]) -> str:
    """ "a, b y c" (the conjunction is translated)."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def course_report(*, enrolment: Enrolment) -> CourseReport:
    """One learner's whole course: every lesson (done, score, attempts, last activity) with its graded activities
    and their rule, her attendance per session, her final grade, and what she still needs to pass and get the
    certificate. What is missing comes from ``completion_check``, the rule that certifies, so it cannot disagree.
    At most twelve queries, whatever the number of lessons or attempts.
    """
    course = enrolment.course
    lessons = list(
        LessonPage.objects.live()
        .filter(path__startswith=course.path, depth=course.depth + LESSON_DEPTH_BELOW_COURSE)
        .order_by("path")
        .only("id", "title", "path", "depth", "url_path", "required", "body")
    )
    modules = dict(ModulePage.objects.child_of(course).values_list("path", "title"))
    placements = {lesson.pk: [b for b in lesson.body.raw_data if b.get("type") == "h5p"] for lesson in lessons}
    activity_ids = {b["value"].get("activity") for blocks in placements.values() for b in blocks}
    activities = H5PActivity.objects.in_bulk([pk for pk in activity_ids if pk]) if activity_ids else {}
    scaled: dict[tuple[int, int], list] = {}
    attempt_counts: dict[int, int] = {}
    attempt_last: dict[int, datetime] = {}
    for lesson_id, activity_id, value, completed_at, started_at in (
        H5PAttempt.objects.filter(enrolment=enrolment)
        .order_by("number")
        .values_list("lesson_id", "activity_id", "scaled", "completed_at", "started_at")
    ):
        attempt_last[lesson_id] = _latest(attempt_last.get(lesson_id), started_at)
        if completed_at is not None:
            scaled.setdefault((lesson_id, activity_id), []).append(value)
            attempt_counts[lesson_id] = attempt_counts.get(lesson_id, 0) + 1
    progress = {
        row[0]: row[1:]
        for row in LessonProgress.objects.filter(enrolment=enrolment).values_list(
            "lesson_id", "completed_at", "score", "updated_at"
        )
    }

    reports = []
    for number, lesson in enumerate(lessons, start=1):
        activity_reports, seen = [], set()
        for block in placements[lesson.pk]:
            value = block["value"]
            activity = activities.get(value.get("activity"))
            if activity is None or activity.pk in seen:
                continue
            seen.add(activity.pk)
            pass_percentage = int(value.get("pass_percentage", 60))
            activity_reports.append(
                ActivityReport(
                    title=activity.title,
                    scored=activity.is_scored,
                    required=bool(value.get("required", True)),
                    pass_percentage=pass_percentage,
                    method=activity.grading_method,
                    grade=activity_grade(
                        method=activity.grading_method,
                        scaled=scaled.get((lesson.pk, activity.pk), []),
                        pass_percentage=pass_percentage,
                        scored=activity.is_scored,
                    ),
                )
            )
        completed_at, score, updated_at = progress.get(lesson.pk, (None, None, None))
        reports.append(
            LessonReport(
                lesson=lesson,
                number=number,
                module_title=modules.get(lesson.path[: -Page.steplen], ""),
                done=completed_at is not None,
                completed_at=completed_at,
                score=score if completed_at is not None else None,
                attempts=attempt_counts.get(lesson.pk, 0),
                last_activity=_latest(updated_at, attempt_last.get(lesson.pk)),
                activities=activity_reports,
            )
        )

    check = completion_check(enrolment=enrolment, course=course)
    sessions, summary = _sessions(enrolment=enrolment)
    report = CourseReport(
        enrolment=enrolment,
        course=course,
        lessons=reports,
        check=check,
        sessions=sessions,
        attendance=summary,
        missing=[],
        last_activity=_latest(enrolment.last_visited_at, *[lesson.last_activity for lesson in reports]),
    )
    if not report.completed:
        report.missing = _missing(report=report, summary=summary)
    return report


def _sessions(*, enrolment: Enrolment) -> tuple[list[SessionReport], AttendanceSummary | None]:
    if enrolment.cohort_id is None:
        return [], None
    today = timezone.localdate()
    marks = dict(AttendanceRecord.objects.filter(enrolment=enrolment).values_list("session_id", "status"))
    labels = dict(AttendanceRecord.Status.choices)
    sessions = [
        SessionReport(
            session=session,
            status=marks.get(session.pk, ""),
            status_label=str(labels.get(marks.get(session.pk), "")),
            held=session.date <= today,
        )
        for session in Session.objects.filter(cohort_id=enrolment.cohort_id).order_by("date", "start_time")
    ]
    return sessions, attendance_summary(enrolment=enrolment, today=today)


def _missing(*, report: CourseReport, summary: AttendanceSummary | None) -> list[str]:
    """What the learner still has to do, phrased as "te falta: …" items, read off the CompletionCheck."""
    check, course = report.check, report.course
    items = []
    if not check.lessons_ok:
        numbers = [str(lesson.number) for lesson in report.lessons if lesson.lesson.required and not lesson.done]
        items.append(
            ngettext("complete lesson %(numbers)s", "complete lessons %(numbers)s", len(numbers))
            % {"numbers": join_spanish(numbers)}
        )
    if not check.grade_ok:
        pass_grade = _grade_text(course.pass_grade)
        if check.grade is None:
            items.append(_("get a final grade of at least %(pass)s in the graded activities") % {"pass": pass_grade})
        else:
            items.append(
                _("raise the final grade from %(grade)s to at least %(pass)s")
                % {"grade": _grade_text(check.grade), "pass": pass_grade}
            )
    if not check.attendance_ok and summary is not None:
        needed = sessions_needed(summary=summary, minimum=course.min_attendance_percent)
        upcoming = sum(1 for item in report.sessions if not item.held and not item.session.is_suspended)
        if needed is None or needed > upcoming:
            items.append(
                _("reach %(minimum)s%% attendance (now %(percent)s%%), which the remaining sessions no longer allow")
                % {"minimum": course.min_attendance_percent, "percent": _number_text(summary.percent or Decimal(0))}
            )
        else:
            items.append(
                ngettext("attend one more session", "attend %(count)s more sessions", needed) % {"count": needed}
            )
    return items


def sessions_needed(*, summary: AttendanceSummary, minimum: int) -> int | None:
    """How many more sessions she must attend (present at every one) to reach ``minimum`` percent, by the same
    AttendanceSummary arithmetic that certification uses; None when no number of sessions is enough."""
    for extra in range(0, 500):
        future = AttendanceSummary(held=summary.held + extra, present=summary.present + extra, excused=summary.excused)
        if future.percent is not None and future.percent >= minimum:
            return extra
    return None


def _number_text(value: Decimal) -> str:
    return number_format(value, decimal_pos=1 if value != value.to_integral_value() else 0)


def _grade_text(value: Decimal) -> str:
    return number_format(value, decimal_pos=1)
