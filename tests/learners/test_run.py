"""RUN validation (módulo 11) and how the sign-up form reports each kind of mistake."""

from django.test import SimpleTestCase, TestCase
from django.utils import translation

from courses.models import Comuna, Province, Region
from learners.accounts.forms import ProfileCompleteForm
from learners.accounts.run import InvalidRun, check_digit, format_run, mask_run, normalise_run


class NormaliseRunTests(SimpleTestCase):
    def test_valid_runs_in_every_usual_format(self):
        for raw in ["12.345.678-5", "12345678-5", "123456785", " 12.345.678 - 5 ", "12 345 678 5"]:
            with self.subTest(raw=raw):
                self.assertEqual(normalise_run(raw), "12345678-5")

    def test_check_digit_k_upper_and_lower_case(self):
        self.assertEqual(normalise_run("10.000.013-K"), "10000013-K")
        self.assertEqual(normalise_run("10000013-k"), "10000013-K")
        self.assertEqual(normalise_run("69.170.100-K"), "69170100-K")

    def test_check_digit_zero(self):
        self.assertEqual(normalise_run("10.000.004-0"), "10000004-0")

    def test_wrong_check_digit(self):
        for raw in ["12.345.678-9", "12.345.678-K", "12.531.909-3"]:
            with self.subTest(raw=raw), self.assertRaises(InvalidRun) as caught:
                normalise_run(raw)
            self.assertEqual(caught.exception.args[0], "check_digit")

    def test_bad_format(self):
        for raw in ["", "5", "76086A28-5", "12.345.678-X", "abc"]:
            with self.subTest(raw=raw), self.assertRaises(InvalidRun) as caught:
                normalise_run(raw)
            self.assertEqual(caught.exception.args[0], "format")

    def test_too_short_is_out_of_range(self):
        for raw in ["1-9", "9999-3"]:
            with self.subTest(raw=raw), self.assertRaises(InvalidRun) as caught:
                normalise_run(raw)
            self.assertEqual(caught.exception.args[0], "range")

    def test_check_digit_function(self):
        self.assertEqual(check_digit(12345678), "5")
        self.assertEqual(check_digit("10000013"), "K")
        self.assertEqual(check_digit(10000004), "0")

    def test_display_and_mask(self):
        self.assertEqual(format_run("12345678-5"), "12.345.678-5")
        self.assertEqual(format_run("1234567-4"), "1.234.567-4")
        self.assertEqual(mask_run("12345678-5"), "12.XXX.678-5")


class RunFieldMessagesTests(TestCase):
    """The form tells a wrong check digit apart from a badly written RUN, and stores the canonical form."""

    @classmethod
    def setUpTestData(cls):
        region = Region.objects.create(code="13", name="Metropolitana de Santiago")
        province = Province.objects.create(code="131", name="Santiago", region=region)
        cls.comuna = Comuna.objects.create(code="13101", name="Santiago", province=province, region=region)

    def form(self, run):
        return ProfileCompleteForm(
            data={
                "given_names": "Rosa",
                "family_names": "Muñoz",
                "document_type": "run",
                "run": run,
                "birth_year": "1958",
                "comuna": self.comuna.pk,
                "learner_type": "citizen",
                "accept_privacy": "on",
            }
        )

    def test_canonical_form_is_kept(self):
        form = self.form("12.345.678-5")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["run"], "12345678-5")

    def test_lower_case_k(self):
        form = self.form("10.000.013-k")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["run"], "10000013-K")

    def test_wrong_check_digit_message(self):
        form = self.form("12.345.678-9")
        self.assertTrue(form.has_error("run", "run_check_digit"))
        with translation.override("en"):
            self.assertIn("check digit", form.errors["run"][0])

    def test_bad_format_message(self):
        form = self.form("12.34A.678-5")
        self.assertTrue(form.has_error("run", "run_format"))
        with translation.override("en"):
            self.assertIn("for example 12.345.678-5", form.errors["run"][0])

    def test_too_short(self):
        self.assertTrue(self.form("1-9").has_error("run", "run_range"))

    def test_missing_run(self):
        self.assertTrue(self.form("").has_error("run", "required"))
