"""Chilean grades (1.0 to 7.0) from scaled scores.

Conversion (the usual Chilean scale with a 60 % pass threshold, "exigencia 60 %"):

- score s between 0 and 1 (points obtained / maximum points);
- s < 0.6:  grade = 1.0 + 3.0 × s / 0.6       (0 → 1.0, 0.3 → 2.5)
- s ≥ 0.6:  grade = 4.0 + 3.0 × (s − 0.6) / 0.4 (0.6 → 4.0, 0.8 → 5.5, 1 → 7.0)
- rounded to one decimal, halves up (4.05 → 4.1).

The final grade of a course is the grade of the mean scaled score of its graded lessons.
"""

from decimal import ROUND_HALF_UP, Decimal

PASS_THRESHOLD = Decimal("0.6")
ONE_DECIMAL = Decimal("0.1")


def grade_from_score(score: Decimal | float | str) -> Decimal:
    value = Decimal(str(score))
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueError("score must be between 0 and 1")
    if value < PASS_THRESHOLD:
        grade = Decimal(1) + Decimal(3) * value / PASS_THRESHOLD
    else:
        grade = Decimal(4) + Decimal(3) * (value - PASS_THRESHOLD) / (Decimal(1) - PASS_THRESHOLD)
    return grade.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def final_grade(scores: list[Decimal]) -> Decimal | None:
    """The course grade from the graded lessons' scaled scores, or None when nothing is graded yet."""
    if not scores:
        return None
    return grade_from_score(sum(scores, Decimal(0)) / len(scores))
