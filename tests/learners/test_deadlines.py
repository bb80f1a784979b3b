"""Business-day deadlines on Chile's maintained holiday calendar (issue 13, item 16): the ``holidays`` package
covers every year, not a hand list that ended in 2027; ``LEARNERS_EXTRA_HOLIDAYS`` still adds decreed days."""

from datetime import date

from django.test import SimpleTestCase, override_settings

from learners.privacy import deadlines


class ChileHolidayCalendarTests(SimpleTestCase):
    def blocking_due(self, received: date) -> date:
        return deadlines.due_on(kind="blocking", received=received)

    def test_2028_holy_week(self):
        # Thu 13 Apr 2028 → Fri 14 Good Friday, Sat 15 Holy Saturday, Sun → Mon 17, Tue 18
        self.assertEqual(self.blocking_due(date(2028, 4, 13)), date(2028, 4, 18))

    def test_2028_indigenous_peoples_day(self):
        # Mon 19 Jun 2028 → Tue 20 Día de los Pueblos Indígenas → Wed 21, Thu 22
        self.assertEqual(self.blocking_due(date(2028, 6, 19)), date(2028, 6, 22))

    def test_2027_bridge_before_independence_day(self):
        # Fri 17 Sep 2027 is a holiday the old hand list missed: Thu 16 → Mon 20, Tue 21
        self.assertTrue(deadlines.is_holiday(date(2027, 9, 17)))
        self.assertEqual(self.blocking_due(date(2027, 9, 16)), date(2027, 9, 21))

    def test_fiestas_patrias_2030(self):
        # Tue 17 Sep 2030 → Wed 18, Thu 19 and the Fri 20 bridge are holidays → Mon 23, Tue 24
        self.assertTrue(deadlines.is_holiday(date(2030, 9, 20)))
        self.assertEqual(self.blocking_due(date(2030, 9, 17)), date(2030, 9, 24))

    def test_a_working_week_without_holidays(self):
        self.assertFalse(deadlines.is_holiday(date(2028, 3, 7)))
        self.assertEqual(self.blocking_due(date(2028, 3, 6)), date(2028, 3, 8))  # Mon → Wed

    def test_any_year_is_covered(self):
        for year in (2026, 2031, 2040):
            with self.subTest(year=year):
                days = deadlines.chile_holidays(year)
                self.assertIn(date(year, 9, 18), days)
                self.assertIn(date(year, 5, 21), days)
                self.assertGreaterEqual(len(days), 15)

    @override_settings(LEARNERS_EXTRA_HOLIDAYS=["2028-03-07"])
    def test_decreed_extra_days_still_count(self):
        self.assertTrue(deadlines.is_holiday(date(2028, 3, 7)))
        self.assertEqual(self.blocking_due(date(2028, 3, 6)), date(2028, 3, 9))  # Tue decreed → Wed, Thu

    def test_calendar_days_are_unaffected(self):
        self.assertEqual(deadlines.due_on(kind="access", received=date(2028, 4, 13)), date(2028, 5, 13))
