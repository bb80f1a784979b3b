"""Issue 12 item 4: a RUN written with non-ASCII digits is either the same RUN in ASCII (fullwidth and superscript
digits, after NFKC) or a format error (Arabic-Indic and other digits), at every door a RUN comes in by: sign-up,
profile, CSV import, model validation and admin search. Stored RUNs that are not canonical are reported."""

import contextlib
import importlib
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from learners.accounts.run import InvalidRun, normalise_run
from learners.imports.parsing import Code, parse_enrolment_csv
from learners.models import LearnerProfile
from tests.learners.test_accounts import SIGNUP, AccountTestCase, make_account, signup_data

User = get_user_model()

EXISTING = "16000005-8"
FULLWIDTH = "１６０００００５-8"
FULLWIDTH_DOTTED = "１６．０００．００５－８"
ARABIC_INDIC = "١٦٠٠٠٠٠٥-8"
EXTENDED_ARABIC = "۱۶۰۰۰۰۰۵-۸"
SUPERSCRIPT = "1⁶000005-8"
EN_DASH = "16.000.005–8"


class NormaliseNonAsciiDigitsTests(SimpleTestCase):
    def test_fullwidth_superscript_and_unicode_dashes_become_the_ascii_run(self):
        for raw in [FULLWIDTH, FULLWIDTH_DOTTED, SUPERSCRIPT, EN_DASH, "16\u00a0000\u00a0005-8"]:
            with self.subTest(raw=raw):
                self.assertEqual(normalise_run(raw), EXISTING)

    def test_other_scripts_digits_are_a_format_error(self):
        for raw in [ARABIC_INDIC, EXTENDED_ARABIC, "16000005-٨", "१६०००००५-8"]:
            with self.subTest(raw=raw), self.assertRaises(InvalidRun) as caught:
                normalise_run(raw)
            self.assertEqual(caught.exception.args[0], "format")

    def test_huge_numbers_are_out_of_range_not_a_crash(self):
        with self.assertRaises(InvalidRun) as caught:
            normalise_run("1" * 6000 + "-5")
        self.assertEqual(caught.exception.args[0], "range")

    def test_the_result_is_always_ascii(self):
        for raw in [FULLWIDTH, SUPERSCRIPT, "１０．０００．０１３－ｋ"]:
            with self.subTest(raw=raw):
                self.assertTrue(normalise_run(raw).isascii())


class SignupAndProfileTests(AccountTestCase):
    def test_fullwidth_run_of_an_existing_account_creates_no_second_account(self):
        make_account(email="duena@example.cl", run=EXISTING)
        self.client.post(SIGNUP, signup_data(email="otra@example.cl", run=FULLWIDTH))
        self.assertEqual(User.objects.count(), 1)
        self.assertEqual(list(LearnerProfile.objects.values_list("run", flat=True)), [EXISTING])

    def test_fullwidth_run_is_stored_in_ascii(self):
        response = self.client.post(SIGNUP, signup_data(run=FULLWIDTH_DOTTED))
        self.assertRedirects(response, reverse("accounts:signup_done"))
        self.assertEqual(LearnerProfile.objects.get().run, EXISTING)

    def test_superscript_digit_is_not_a_server_error(self):
        response = self.client.post(SIGNUP, signup_data(run=SUPERSCRIPT))
        self.assertRedirects(response, reverse("accounts:signup_done"))
        self.assertEqual(LearnerProfile.objects.get().run, EXISTING)

    def test_arabic_indic_digits_are_refused_with_a_spanish_message(self):
        for raw in [ARABIC_INDIC, EXTENDED_ARABIC]:
            with self.subTest(raw=raw):
                response = self.client.post(SIGNUP, signup_data(run=raw))
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].has_error("run", "run_format"))
                self.assertContains(response, "Escribe el RUN con su dígito verificador")
        self.assertFalse(User.objects.exists())

    def test_profile_completion_shares_the_rule(self):
        make_account(email="duena@example.cl", run=EXISTING)
        staff_made = User.objects.create_user(username="sinperfil@example.cl", email="sinperfil@example.cl")
        self.client.force_login(staff_made)
        data = {
            "given_names": "Rosa",
            "family_names": "Muñoz",
            "document_type": "run",
            "birth_year": "1958",
            "comuna": "13101",
            "learner_type": "citizen",
            "accept_privacy": "on",
        }
        response = self.client.post("/cuenta/perfil/", {**data, "run": FULLWIDTH})
        self.assertTrue(response.context["form"].has_error("run", "taken"))
        response = self.client.post("/cuenta/perfil/", {**data, "run": ARABIC_INDIC})
        self.assertTrue(response.context["form"].has_error("run", "run_format"))
        response = self.client.post("/cuenta/perfil/", {**data, "run": SUPERSCRIPT.replace("1⁶", "1⁷")})
        self.assertNotEqual(response.status_code, 500)
        self.assertEqual(LearnerProfile.objects.count(), 1)

    def test_model_validation_refuses_a_stored_spelling(self):
        user = make_account(email="duena@example.cl", run=EXISTING)
        profile = user.learner_profile
        for raw in [FULLWIDTH, ARABIC_INDIC, "16.000.005-8", "16000005-k"]:
            profile.run = raw
            with self.subTest(raw=raw), self.assertRaises(ValidationError) as caught:
                profile.full_clean(validate_unique=False, validate_constraints=False)
            self.assertIn("run", caught.exception.message_dict)


class CsvImportTests(AccountTestCase):
    def parse(self, document):
        text = f"run,nombres,apellidos,email,comuna\n{document},Rosa,Muñoz,rosa@example.cl,13101\n"
        return parse_enrolment_csv(text.encode())

    def test_fullwidth_run_matches_the_existing_learner(self):
        existing = make_account(email="rosa@example.cl", run=EXISTING)
        parsed = self.parse(FULLWIDTH)
        self.assertTrue(parsed.is_clean, parsed.codes)
        row = parsed.rows[0]
        self.assertEqual((row.run, row.user_id), (EXISTING, existing.pk))

    def test_arabic_indic_digits_are_a_row_problem(self):
        for raw in [ARABIC_INDIC, EXTENDED_ARABIC]:
            with self.subTest(raw=raw):
                self.assertEqual(self.parse(raw).codes, {Code.RUN_INVALID})

    def test_superscript_and_en_dash_are_the_ascii_run(self):
        for raw in [SUPERSCRIPT, EN_DASH]:
            with self.subTest(raw=raw):
                parsed = self.parse(raw)
                self.assertTrue(parsed.is_clean, parsed.codes)
                self.assertEqual(parsed.rows[0].run, EXISTING)


class AdminSearchTests(AccountTestCase):
    def setUp(self):
        super().setUp()
        self.learner = make_account(email="rosa@example.cl", run=EXISTING)
        staff = User.objects.create_superuser(username="admin@example.cl", email="admin@example.cl", password="x")
        self.client.force_login(staff)

    def search(self, query):
        return self.client.get("/admin/learners/profiles/", {"q": query})

    def test_fullwidth_run_finds_the_learner(self):
        for query in [FULLWIDTH, FULLWIDTH_DOTTED, "１６０００", "1⁶"]:
            with self.subTest(query=query):
                response = self.search(query)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "rosa@example.cl")

    def test_other_digits_find_nobody_and_never_fail(self):
        for query in [ARABIC_INDIC, "١٦٠٠٠", "²"]:
            with self.subTest(query=query):
                response = self.search(query)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "rosa@example.cl", msg_prefix=query)


class ReportMigrationTests(TestCase):
    """The data migration rewrites the unambiguous spellings and reports (ids only) the ones it cannot fix."""

    @classmethod
    def setUpTestData(cls):
        from tests.learners.test_accounts import make_territory

        make_territory()

    def test_fixes_the_unambiguous_and_reports_the_rest(self):
        from django.apps import apps

        owner = make_account(email="duena@example.cl", run=EXISTING).learner_profile
        twin = make_account(email="gemela@example.cl", run="12345678-5").learner_profile
        lonely = make_account(email="sola@example.cl", run="10000013-K").learner_profile
        broken = make_account(email="rota@example.cl", run="10000004-0").learner_profile
        fine = make_account(email="bien@example.cl", run="10000021-0").learner_profile
        LearnerProfile.objects.filter(pk=twin.pk).update(run=FULLWIDTH)  # another spelling of the owner's RUN
        LearnerProfile.objects.filter(pk=lonely.pk).update(run="１０００００１３-K")
        LearnerProfile.objects.filter(pk=broken.pk).update(run=ARABIC_INDIC)
        out = StringIO()
        migration = importlib.import_module("learners.migrations.0007_report_non_canonical_runs")
        with self.assertLogs("learners.migrations", level="WARNING") as logs, contextlib.redirect_stdout(out):
            migration.report_non_canonical_runs(apps, None)
        runs = dict(LearnerProfile.objects.values_list("pk", "run"))
        self.assertEqual(runs[lonely.pk], "10000013-K")
        self.assertEqual(runs[twin.pk], FULLWIDTH)
        self.assertEqual(runs[broken.pk], ARABIC_INDIC)
        self.assertEqual(runs[owner.pk], EXISTING)
        self.assertEqual(runs[fine.pk], "10000021-0")
        text = "\n".join(logs.output) + out.getvalue()
        self.assertIn(f"rewritten in canonical form, learner profile ids: {lonely.pk}", text)
        review = ", ".join(map(str, sorted([twin.pk, broken.pk])))
        self.assertIn(f"left for review, learner profile ids: {review}", text)
        self.assertNotIn(FULLWIDTH, text)
