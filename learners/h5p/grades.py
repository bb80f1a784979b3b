"""An activity's grade from a learner's completed attempts, and a lesson's score and pass from its activities' grades
(no database)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from courses.models import H5PActivity
from courses.selectors import LessonActivity

FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class ActivityGrade:
    """A learner's standing in one activity of one lesson, from her completed attempts."""

    attempts: int = 0
    grade: Decimal | None = None  # scaled 0–1, by the activity's grading method; None for unscored activities
    best: Decimal | None = None
    passed: bool = False


def activity_grade(*, method: str, scaled: list[Decimal | None], pass_percentage: int, scored: bool) -> ActivityGrade:
    """Grade completed attempts (``scaled``, oldest first) by ``method`` (highest, last, first or average)."""
    if not scaled:
        return ActivityGrade()
    if not scored:
        return ActivityGrade(attempts=len(scaled), passed=True)
    values = [value if value is not None else Decimal(0) for value in scaled]
    if method == H5PActivity.GradingMethod.LAST:
        grade = values[-1]
    elif method == H5PActivity.GradingMethod.FIRST:
        grade = values[0]
    elif method == H5PActivity.GradingMethod.AVERAGE:
        grade = (sum(values, Decimal(0)) / len(values)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    else:
        grade = max(values)
    return ActivityGrade(
        attempts=len(values), grade=grade, best=max(values), passed=grade * 100 >= Decimal(pass_percentage)
    )


def lesson_score(*, placements: list[LessonActivity], grades: dict[int, ActivityGrade]) -> Decimal | None:
    """Mean grade of the lesson's scored activities that have one (what LessonProgress.score records)."""
    values = []
    seen = set()
    for placement in placements:
        grade = grades.get(placement.activity.pk)
        if placement.activity.pk in seen or grade is None or grade.grade is None:
            continue
        seen.add(placement.activity.pk)
        values.append(grade.grade)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def lesson_activities_passed(*, placements: list[LessonActivity], grades: dict[int, ActivityGrade]) -> bool | None:
    """True when every required activity is passed; None when the lesson has no required activity."""
    required = [placement for placement in placements if placement.required]
    if not required:
        return None
    return all(grades.get(placement.activity.pk, ActivityGrade()).passed for placement in required)
