from django.test import SimpleTestCase

from cms.reports.publication import BREAKDOWN, COMUNA_BREAKDOWN, COURSE_COHORT, SUPPRESSED, suppress


def comuna(name, region, learners, completers=10, certified=10):
    return {
        "name": name,
        "region_id": region,
        "learners": learners,
        "enrolments": learners * 2,
        "completions": completers,
        "completers": completers,
        "certificates": certified,
        "certified": certified,
    }


class SuppressionTests(SimpleTestCase):
    def test_cells_under_five_learners_are_suppressed_zero_included(self):
        rows = suppress([comuna("A", "13", 12, completers=0), comuna("B", "13", 40, completers=4)], BREAKDOWN)
        self.assertEqual(rows[0]["completions"], SUPPRESSED)
        self.assertEqual(rows[1]["completions"], SUPPRESSED)
        self.assertEqual((rows[0]["learners"], rows[0]["enrolments"]), (12, 24))

    def test_a_lone_small_cell_gets_a_complement_in_its_group(self):
        rows = suppress(
            [comuna("A", "13", 3), comuna("B", "13", 8), comuna("C", "13", 30), comuna("D", "05", 9)],
            COMUNA_BREAKDOWN,
        )
        learners = {row["name"]: row["learners"] for row in rows}
        # A is small; B, the smallest other comuna of its region, hides with it; region 05 is untouched
        self.assertEqual(learners, {"A": SUPPRESSED, "B": SUPPRESSED, "C": 30, "D": 9})
        self.assertEqual(rows[1]["enrolments"], SUPPRESSED)

    def test_two_small_cells_need_no_complement(self):
        rows = suppress([comuna("A", "13", 3), comuna("B", "13", 2), comuna("C", "13", 30)], COMUNA_BREAKDOWN)
        self.assertEqual([row["learners"] for row in rows], [SUPPRESSED, SUPPRESSED, 30])

    def test_rates_and_averages_follow_their_counts(self):
        row = {
            "course_id": 1,
            "enrolled": 20,
            "active_30d": 9,
            "completed": 4,
            "completion_rate": 20,
            "graded": 4,
            "average_grade": 6.1,
            "attendance_learners": 12,
            "attendance": 80,
        }
        other = {**row, "completed": 10, "graded": 10, "completion_rate": 50}
        rows = suppress([row, other], COURSE_COHORT)
        self.assertEqual(
            [rows[0][name] for name in ("enrolled", "completed", "completion_rate", "average_grade", "attendance")],
            [20, SUPPRESSED, SUPPRESSED, SUPPRESSED, 80],
        )
        # the complement: the other cohort's completions (and the rate that reveals them) hide too
        self.assertEqual((rows[1]["completed"], rows[1]["completion_rate"]), (SUPPRESSED, SUPPRESSED))
        self.assertEqual(rows[1]["average_grade"], 6.1)  # its own ten grades are enough
