import codecs
from datetime import timedelta
from io import StringIO
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone, translation

from learners.accounts.run import check_digit
from learners.enrolment.services import EnrolmentError
from learners.imports.parsing import Code, parse_enrolment_csv
from learners.imports.services import BulkImportError, import_enrolments
from learners.models import Enrolment, LearnerProfile
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, site_root
from tests.factories.learners import make_cohort, make_learner, make_user

User = get_user_model()
HEADER = "run;nombres;apellidos;email;comuna;año_nacimiento"


def run_for(body: int, dots: bool = True) -> str:
    text = f"{body:,}".replace(",", ".") if dots else str(body)
    return f"{text}-{check_digit(body)}"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *lines]).encode(encoding)


GOOD = csv_bytes(
    f"{run_for(12345678)};Ana María;Pérez Soto;ana@example.cl;13101;1985",
    f"{run_for(15111222, dots=False)};José;Muñoz;JOSE@Example.cl;5101;1990",
    f"{run_for(20333444)};Carla;Rojas;carla@example.cl;01101;2001",
)


class BulkTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_reference_data", stdout=StringIO())
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = CoursePageFactory(parent=catalogue)
        cls.staff = make_user(email="academia@example.cl", is_superuser=True)

    def import_file(self, data: bytes, cohort=None):
        return import_enrolments(parsed=parse_enrolment_csv(data), course=self.course, cohort=cohort, by=self.staff)

    def assertRowCodes(self, data: bytes, expected: dict[int, set[str]]):
        parsed = parse_enrolment_csv(data)
        self.assertEqual({row.line: {p.code for p in row.problems} for row in parsed.rows if row.problems}, expected)
        return parsed


class ParseGoodFileTests(BulkTestCase):
    def test_good_file_is_clean(self):
        parsed = parse_enrolment_csv(GOOD)
        self.assertTrue(parsed.is_clean, parsed.codes)
        self.assertEqual(len(parsed.rows), 3)
        self.assertEqual(parsed.delimiter, ";")
        first, second, third = parsed.rows
        self.assertEqual((first.line, first.run, first.comuna_name), (2, "12345678-5", "Santiago"))
        self.assertEqual(second.email, "jose@example.cl")
        self.assertEqual(second.comuna_code, "05101")  # Excel dropped the leading zero
        self.assertEqual(third.comuna_code, "01101")
        self.assertEqual(parsed.new_people, 3)

    def test_bom_comma_separators_and_accented_headers(self):
        data = codecs.BOM_UTF8 + csv_bytes(
            f'"{run_for(12345678)}","Ana María","Pérez Soto",ana@example.cl,13101,1985',
            header="RUT,Nombres,APELLIDOS,Correo Electrónico,Código Comuna,Año de nacimiento",
        )
        parsed = parse_enrolment_csv(data)
        self.assertTrue(parsed.is_clean, parsed.codes)
        self.assertEqual(parsed.delimiter, ",")
        self.assertEqual(parsed.rows[0].given_names, "Ana María")

    def test_excel_windows_1252_file(self):
        parsed = parse_enrolment_csv(
            csv_bytes(f"{run_for(12345678)};Ñuñoa;Pérez;ana@example.cl;13120;1985", encoding="cp1252")
        )
        self.assertTrue(parsed.is_clean, parsed.codes)
        self.assertEqual(parsed.encoding, "Windows-1252")
        self.assertEqual(parsed.rows[0].given_names, "Ñuñoa")

    def test_utf16_excel_unicode_text(self):
        data = "\r\n".join(
            [
                "run\tnombres\tapellidos\temail\tcomuna\taño_nacimiento",
                f"{run_for(12345678)}\tAna\tPérez\ta@b.cl\t13101\t1980",
            ]
        ).encode("utf-16")
        parsed = parse_enrolment_csv(data)
        self.assertTrue(parsed.is_clean, parsed.codes)

    def test_blank_lines_are_skipped_and_lines_numbered_as_in_the_file(self):
        parsed = parse_enrolment_csv(csv_bytes("", f"{run_for(12345678)};Ana;Pérez;ana@example.cl;13101;1985", ";;;;;"))
        self.assertEqual([row.line for row in parsed.rows], [3])

    def test_passport_rule(self):
        parsed = parse_enrolment_csv(
            csv_bytes(
                "AB123456;Yusleidy;Rodríguez;y@example.cl;13101;1990",
                "123456789;Pedro;Silva;p@example.cl;13101;1990",
                "123456789;Pedro;Silva;p@example.cl;13101;1990;pasaporte",
                header=HEADER,
            )
        )
        passport, digits_as_run, declared = parsed.rows
        self.assertEqual(
            (passport.document_type, passport.document_number, passport.run), ("passport", "AB123456", None)
        )
        self.assertEqual({p.code for p in digits_as_run.problems}, {Code.RUN_CHECK_DIGIT})
        # the third row has a 7th cell but no tipo_documento header: still treated as a RUN
        self.assertIn(Code.RUN_CHECK_DIGIT, {p.code for p in declared.problems})

        parsed = parse_enrolment_csv(
            csv_bytes("123456789;Pedro;Silva;p@example.cl;13101;1990;Pasaporte", header=HEADER + ";tipo_documento")
        )
        self.assertTrue(parsed.is_clean, parsed.codes)
        self.assertEqual((parsed.rows[0].document_type, parsed.rows[0].document_number), ("passport", "123456789"))


class ParseBadRowsTests(BulkTestCase):
    def test_each_kind_of_bad_row(self):
        taken_by = make_learner(run=run_for(9876543), email="ocupado@example.cl")
        self.assertTrue(taken_by.pk)
        this_year = timezone.localdate().year
        data = csv_bytes(
            f"{run_for(12345678)};;Pérez;a1@example.cl;13101;1985",  # 2 missing nombres
            "12.345.678-9;Ana;Pérez;a2@example.cl;13101;1985",  # 3 bad check digit
            "12.3A5.678-5;Ana;Pérez;a3@example.cl;13101;1985",  # 4 has a letter: taken as a passport, fine
            "99-9;Ana;Pérez;a4@example.cl;13101;1985",  # 5 RUN out of range
            f"{run_for(11222333)};Ana;Pérez;a5@example.cl;99999;1985",  # 6 unknown comuna
            f"{run_for(11222334)};Ana;Pérez;a6@example.cl;Santiago;1985",  # 7 comuna not a code
            f"{run_for(11222335)};Ana;Pérez;no-es-correo;13101;1985",  # 8 bad email
            f"{run_for(12345678)};Ana;Pérez;a9@example.cl;13101;1985",  # 9 repeats line 2's RUN
            f"{run_for(11222336)};Ana;Pérez;a1@example.cl;13101;1985",  # 10 repeats line 2's email
            f"{run_for(11222337)};Ana;Pérez;OCUPADO@example.cl;13101;1985",  # 11 email of another person
            f"{run_for(11222338)};Ana;Pérez;a11@example.cl;13101;",  # 12 new person without birth year: fine
            f"{run_for(11222339)};Niña;Pérez;a12@example.cl;13101;{this_year - 10}",  # 13 under 14
            f"{run_for(11222340)};Ana;Pérez;a13@example.cl;13101;85",  # 14 not a year
        )
        parsed = self.assertRowCodes(
            data,
            {
                2: {Code.REQUIRED},
                3: {Code.RUN_CHECK_DIGIT},
                5: {Code.RUN_INVALID},
                6: {Code.COMUNA_UNKNOWN},
                7: {Code.COMUNA_FORMAT},
                8: {Code.EMAIL_INVALID},
                9: {Code.DUPLICATE_DOCUMENT},
                10: {Code.DUPLICATE_EMAIL},
                11: {Code.EMAIL_TAKEN},
                13: {Code.UNDER_MIN_AGE},
                14: {Code.BIRTH_YEAR_INVALID},
            },
        )
        self.assertFalse(parsed.is_clean)
        self.assertEqual(parsed.problem_rows, 11)
        users_before = User.objects.count()
        with self.assertRaises(BulkImportError):
            import_enrolments(parsed=parsed, course=self.course, cohort=None, by=self.staff)
        self.assertEqual(User.objects.count(), users_before)
        self.assertFalse(Enrolment.objects.exists())

    def test_problem_messages_name_the_column_and_value(self):
        data = csv_bytes("12.345.678-9;Ana;Pérez;ana@example.cl;13101;1985", header=HEADER.replace("run", "Documento"))
        with translation.override("en"):
            problem = parse_enrolment_csv(data).rows[0].problems[0]
        self.assertEqual((problem.column, problem.value), ("Documento", "12.345.678-9"))
        self.assertIn("Documento", problem.message)
        self.assertIn("12.345.678-9", problem.message)

    def test_one_bad_row_blocks_the_whole_file(self):
        data = GOOD + b"\n" + f"{run_for(11222333)};Ana;Pérez;mal@;13101;1985".encode()
        parsed = parse_enrolment_csv(data)
        self.assertEqual(parsed.ok_rows, 3)
        self.assertFalse(parsed.is_clean)
        with self.assertRaises(BulkImportError):
            import_enrolments(parsed=parsed, course=self.course, cohort=None, by=self.staff)
        self.assertFalse(LearnerProfile.objects.exists())

    def test_unknown_document_type(self):
        data = csv_bytes("AB1;Ana;Pérez;a@example.cl;13101;1985;cedula", header=HEADER + ";tipo_documento")
        self.assertRowCodes(data, {2: {Code.DOCUMENT_TYPE_UNKNOWN}})


class ParseBadFileTests(BulkTestCase):
    def file_codes(self, data: bytes) -> set[str]:
        parsed = parse_enrolment_csv(data)
        self.assertFalse(parsed.is_clean)
        return {problem.code for problem in parsed.problems}

    def test_too_large(self):
        with mock.patch("learners.imports.parsing.MAX_BYTES", 100):
            self.assertEqual(self.file_codes(GOOD), {Code.TOO_LARGE})

    def test_too_many_rows(self):
        with mock.patch("learners.imports.parsing.MAX_ROWS", 2):
            self.assertEqual(self.file_codes(GOOD), {Code.TOO_MANY_ROWS})

    def test_spreadsheet_instead_of_csv(self):
        self.assertEqual(self.file_codes(b"PK\x03\x04\x14\x00\x06\x00binary-xlsx"), {Code.NOT_CSV})
        self.assertEqual(self.file_codes(b"run,nombres\x00\x00\x01"), {Code.NOT_CSV})

    def test_undecodable(self):
        self.assertEqual(self.file_codes(b"run;nombres\n\x81\x8d\x8f;x"), {Code.UNDECODABLE})

    def test_empty_and_header_only(self):
        self.assertEqual(self.file_codes(b""), {Code.EMPTY})
        self.assertEqual(self.file_codes(HEADER.encode()), {Code.EMPTY})

    def test_missing_columns(self):
        self.assertEqual(self.file_codes(b"nombre;apellido\nAna;Perez"), {Code.MISSING_COLUMNS})


class ImportTests(BulkTestCase):
    def test_good_file_creates_users_profiles_and_enrolments(self):
        report = self.import_file(GOOD)
        self.assertEqual((report.created, report.matched, report.enrolled, report.waitlisted), (3, 0, 3, 0))
        user = User.objects.get(email="jose@example.cl")
        self.assertEqual(user.username, "jose@example.cl")
        self.assertFalse(user.is_active)
        self.assertFalse(user.has_usable_password())
        profile = user.learner_profile
        self.assertEqual(
            (profile.run, profile.comuna_id, profile.birth_year), (run_for(15111222, dots=False), "05101", 1990)
        )
        self.assertEqual(profile.privacy_notice_version, "csv-import")
        self.assertEqual(profile.learner_type, LearnerProfile.LearnerType.CITIZEN)
        self.assertEqual(Enrolment.objects.filter(course=self.course, status=Enrolment.Status.ACTIVE).count(), 3)

    def test_reimport_changes_nothing(self):
        self.import_file(GOOD)
        counts = (User.objects.count(), LearnerProfile.objects.count(), Enrolment.objects.count())
        report = self.import_file(GOOD)
        self.assertEqual((report.created, report.matched, report.enrolled, report.already_enrolled), (0, 3, 0, 3))
        self.assertEqual((User.objects.count(), LearnerProfile.objects.count(), Enrolment.objects.count()), counts)

    def test_existing_learner_matched_by_run_in_another_format(self):
        ana = make_learner(run="12345678-5", email="ana.antigua@example.cl", given_names="Ana", family_names="Pérez")
        data = csv_bytes("123456785;Ana María;Pérez Soto;ana.nueva@example.cl;13101;")  # no birth year needed
        parsed = parse_enrolment_csv(data)
        self.assertTrue(parsed.is_clean, parsed.codes)
        self.assertEqual(parsed.rows[0].user_id, ana.pk)
        report = import_enrolments(parsed=parsed, course=self.course, cohort=None, by=self.staff)
        self.assertEqual((report.created, report.matched, report.enrolled), (0, 1, 1))
        self.assertEqual(LearnerProfile.objects.filter(run="12345678-5").count(), 1)
        ana.refresh_from_db()
        self.assertEqual(ana.email, "ana.antigua@example.cl")  # her own data is not overwritten
        self.assertTrue(Enrolment.objects.filter(user=ana, course=self.course).exists())

    def test_existing_account_without_profile_matched_by_email(self):
        account = make_user(email="Luis@Example.cl")
        report = self.import_file(csv_bytes(f"{run_for(14555666)};Luis;Vera;luis@example.cl;13101;1970"))
        self.assertEqual((report.created, report.matched), (0, 1))
        self.assertEqual(account.learner_profile.run, run_for(14555666, dots=False))
        self.assertTrue(account.enrolments.filter(course=self.course).exists())

    def test_passport_learner_matched_on_reimport(self):
        data = csv_bytes("ab 123456;Yusleidy;Rodríguez;y@example.cl;13101;1990")
        self.import_file(data)
        profile = LearnerProfile.objects.get()
        self.assertEqual((profile.document_type, profile.document_number, profile.run), ("passport", "AB123456", None))
        report = self.import_file(data)
        self.assertEqual((report.created, report.matched, report.already_enrolled), (0, 1, 1))

    def test_capacity_puts_extra_rows_on_the_waitlist(self):
        cohort = make_cohort(course=self.course, capacity=2)
        report = self.import_file(GOOD, cohort=cohort)
        self.assertEqual((report.enrolled, report.waitlisted), (2, 1))
        statuses = list(Enrolment.objects.filter(cohort=cohort).order_by("pk").values_list("status", flat=True))
        self.assertEqual(statuses, [Enrolment.Status.ACTIVE, Enrolment.Status.ACTIVE, Enrolment.Status.WAITLISTED])
        report = self.import_file(GOOD, cohort=cohort)
        self.assertEqual((report.enrolled, report.waitlisted, report.already_enrolled), (0, 0, 3))

    def test_closed_cohort_imports_nothing(self):
        cohort = make_cohort(course=self.course, enrolment_closes_at=timezone.now() - timedelta(days=1))
        with self.assertRaises(EnrolmentError):
            self.import_file(GOOD, cohort=cohort)
        self.assertFalse(User.objects.filter(email="ana@example.cl").exists())
