"""Small-cell suppression for exports meant for publication (no ORM here: rows in, rows out).

A cell is suppressed (shown as ``<5``) when fewer than ``THRESHOLD`` learners stand behind it, zero included. So
that a suppressed count cannot be worked out by subtraction from a total published elsewhere (a region's figure
is the sum of its comunas; the sum of any table is the national figure), a second, complementary cell is
suppressed in every group that has exactly one: the smallest remaining one. Publication tables carry no totals,
and figures derived from a suppressed count (a rate, an average) are suppressed with it.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

THRESHOLD = 5
SUPPRESSED = "<5"


@dataclass(frozen=True)
class Suppression:
    """``cells``: shown field → the field counting the learners behind it; ``derived``: shown field → the fields it
    is computed from; ``group``: the rows whose cells add up to a published figure (default: the whole table)."""

    cells: dict[str, str]
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    group: Callable[[dict], object] = staticmethod(lambda row: None)
    # Bases of averages: checked against the threshold, but not complemented (averages do not add up).
    averaged: tuple[str, ...] = ()


def suppress(rows: Iterable[dict], rule: Suppression) -> list[dict]:
    """Copies of ``rows`` with the small cells (and their complements and derived figures) replaced by ``<5``."""
    rows = [dict(row) for row in rows]
    hidden: list[set[str]] = [set() for _ in rows]
    bases = sorted(set(rule.cells.values()))
    for index, row in enumerate(rows):
        for basis in (*bases, *rule.averaged):
            if (row.get(basis) or 0) < THRESHOLD:
                hidden[index].add(basis)
    groups = defaultdict(list)
    for index, row in enumerate(rows):
        groups[rule.group(row)].append(index)
    for members in groups.values():
        for basis in bases:
            small = [i for i in members if basis in hidden[i]]
            shown = [i for i in members if basis not in hidden[i]]
            if len(small) == 1 and shown:
                complement = min(shown, key=lambda i: rows[i].get(basis) or 0)
                hidden[complement].add(basis)
    for index, row in enumerate(rows):
        hidden_cells = {name for name, basis in rule.cells.items() if basis in hidden[index]}
        hidden_cells |= {name for name, inputs in rule.derived.items() if set(inputs) & (hidden_cells | hidden[index])}
        for name in hidden_cells:
            row[name] = SUPPRESSED
    return rows


COURSE_COHORT = Suppression(
    cells={"enrolled": "enrolled", "active_30d": "active_30d", "completed": "completed"},
    derived={
        "completion_rate": ("enrolled", "completed"),
        "average_grade": ("graded",),
        "attendance": ("attendance_learners",),
    },
    group=lambda row: row["course_id"],
    averaged=("graded", "attendance_learners"),
)
BREAKDOWN = Suppression(
    cells={"learners": "learners", "enrolments": "learners", "completions": "completers", "certificates": "certified"}
)
COMUNA_BREAKDOWN = Suppression(cells=BREAKDOWN.cells, group=lambda row: row["region_id"])
