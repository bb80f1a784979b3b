"""Every CSV and XLSX file the platform serves neutralises formulas and writes Chilean local time (issue 12, items 9
and 10). The addresses are found by walking the URL configuration, so a new exporting listing is checked without
being named here."""

import datetime
import io
import re
import zipfile

import openpyxl
import openpyxl.utils
from django.apps import apps
from django.test import SimpleTestCase, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from openpyxl.utils.escape import unescape
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.viewsets import viewsets as viewset_registry
from wagtail.contrib.redirects.models import Redirect
from wagtail.log_actions import log
from wagtail.models import Page

from courses.spreadsheets import FORMULA_STARTS, MAX_WIDTH, XLSX_CONTENT_TYPE
from courses.viewset_utils import LocalTimeInspectMixin, PlatformViewSetMixin, SafeSpreadsheetExportMixin
from learners.models import Enrolment, LearnerProfile
from learners.privacy.audit import audit_record
from tests.courses.test_spreadsheets import HOSTILE, NEUTRALISED
from tests.csv_files import csv_dicts, csv_rows
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import cohort, learner, make_user, session

SUMMER = datetime.datetime(2026, 12, 6, 18, 56, tzinfo=datetime.UTC)  # 15:56 in Santiago, summer time (UTC-3)
WINTER = datetime.datetime(2026, 7, 6, 18, 56, tzinfo=datetime.UTC)  # 14:56 in Santiago (UTC-4)
LATE = datetime.datetime(2026, 12, 7, 2, 30, tzinfo=datetime.UTC)  # 6 December, 23:30 in Santiago
PROJECT_APPS = ("courses", "learners", "certificates", "cms")
SAMPLE_ARGUMENTS = {
    "int": "1",
    "id": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _concrete(route: str, arguments: dict[str, str]) -> str | None:
    """``route`` with every ``<converter:name>`` filled in; None for regular-expression routes."""
    if "^" in route or "(?" in route:
        return None
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda match: arguments[match.group(1) or "str"], route)


def served_view_classes(base, arguments=SAMPLE_ARGUMENTS):
    """(address, class) of every view class that is a subclass of ``base``, as the URL resolver serves it: a pattern
    shadowed by an earlier one (Wagtail's own listings, see cms/admin_exports.py) counts as what is served."""
    found = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not issubclass(view_class, base):
            continue
        address = _concrete(route, arguments)
        assert address is not None, f"{route}: a {base.__name__} on a regular expression route"
        found[address] = resolve(address).func.view_class
    return found


def exporting_addresses(arguments=SAMPLE_ARGUMENTS) -> dict[str, type]:
    return {
        address: view_class
        for address, view_class in served_view_classes(SpreadsheetExportMixin, arguments).items()
        if view_class.list_export or getattr(resolve(address).func, "view_initkwargs", {}).get("list_export")
    }


class EveryExportUsesTheSharedWriterTests(SimpleTestCase):
    def test_every_exporting_listing_is_served_with_the_platform_writer(self):
        addresses = exporting_addresses()
        self.assertIn("/admin/learners/enrolments/", addresses)
        self.assertIn("/admin/reports/site-history/", addresses)
        unsafe = sorted(a for a, view in addresses.items() if not issubclass(view, SafeSpreadsheetExportMixin))
        self.assertEqual(unsafe, [])

    def test_every_inspect_view_shows_local_time(self):
        views = served_view_classes(InspectView)
        self.assertIn("/admin/certificates/issued/inspect/1/", views)
        # Wagtail's image URL generator is an InspectView that shows no field (and no time).
        allowed = {"/admin/images/1/generate_url/", "/admin/images/1/generate_url/output/"}
        unsafe = sorted(a for a, view in views.items() if not issubclass(view, LocalTimeInspectMixin))
        self.assertEqual(sorted(set(unsafe) - allowed), [])

    def test_every_viewset_of_the_project_is_a_platform_viewset(self):
        ours = [vs for vs in viewset_registry.viewsets if type(vs).__module__.split(".")[0] in PROJECT_APPS]
        self.assertGreater(len(ours), 10)
        self.assertEqual([type(vs).__name__ for vs in ours if not isinstance(vs, PlatformViewSetMixin)], [])

    def test_no_form_page_exports_submissions_with_wagtail_writer(self):
        """wagtail.contrib.forms is installed; a form page type would add a submissions export of its own."""
        for model in apps.get_models():
            if issubclass(model, Page) and hasattr(model, "get_submissions_list_view_class"):
                view = model().get_submissions_list_view_class()
                self.assertTrue(issubclass(view, SafeSpreadsheetExportMixin), model)


def csv_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return csv_rows(body)


def xlsx_of(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(body)).active


def is_number(text: str) -> bool:
    """A number as either CSV dialect writes it (``-1,5`` for Excel-Chile, ``-1.5`` for programs)."""
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


class HostileData:
    """Learners named like formulas, a course titled like one, a redirect to one, a cohort with a session."""

    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=1, title=HOSTILE[0])
        group = cls.group = cohort(course=cls.course)
        cls.session = session(cohort=group, on=datetime.date(2026, 12, 6))
        cls.admin = make_user(email="admin@example.cl", is_superuser=True, is_staff=True)
        cls.learners = []
        for number, text in enumerate(HOSTILE):
            user = learner(email=f"p{number}@example.cl", given_names=text, family_names=text)
            Enrolment.objects.create(user=user, course=cls.course, cohort=group, final_grade="6.5")
            audit_record(actor=cls.admin, action="learner.viewed", subject=user.learner_profile)
            cls.learners.append(user)
        log(instance=cls.course, action="wagtail.edit", user=cls.admin)
        Page.objects.filter(pk=cls.course.pk).update(
            locked=True, locked_by=cls.admin, locked_at=SUMMER, last_published_at=SUMMER
        )
        Redirect.objects.create(old_path="/viejo", redirect_link=HOSTILE[0])

    def setUp(self):
        self.client.force_login(self.admin)


class HostileNamesTests(HostileData, TestCase):
    """Every export writes the hostile names of ``HostileData`` as text."""

    def exports(self):
        profile = LearnerProfile.objects.get(user=self.learners[0])
        arguments = {**SAMPLE_ARGUMENTS, "int": str(profile.pk), "id": str(profile.pk)}
        for address in exporting_addresses(arguments):
            for export_format in ("csv", "csv-programas", "xlsx"):
                response = self.client.get(f"{address}?export={export_format}")
                self.assertEqual(response.status_code, 200, (address, export_format))
                yield address, export_format, response

    def test_no_listing_export_holds_a_live_formula(self):
        seen = {}
        for address, export_format, response in self.exports():
            if export_format.startswith("csv"):
                dialect = "programas" if export_format == "csv-programas" else "excel-cl"
                cells = [cell for row in csv_rows(response, dialect=dialect) for cell in row]
                live = [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not is_number(cell)]
            else:
                sheet = xlsx_of(response)
                cells = [cell.value for row in sheet.iter_rows() for cell in row if cell.data_type == "s"]
                live = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
            self.assertEqual(live, [], (address, export_format))
            seen[(address, export_format)] = set(cells)
        for address in (
            "/admin/learners/enrolments/",
            "/admin/learners/audit-log/",
            "/admin/school-reports/learners/",
            "/admin/reports/site-history/",
            "/admin/reports/locked/",
            "/admin/reports/aging-pages/",
            "/admin/redirects/",
        ):
            for export_format in ("csv", "csv-programas", "xlsx"):
                self.assertIn(NEUTRALISED[0], " ".join(seen[(address, export_format)]), (address, export_format))

    def test_enrolment_export_names_every_hostile_learner_as_text_and_keeps_the_grade_a_number(self):
        response = self.client.get("/admin/learners/enrolments/?export=csv")
        rows = csv_of(response)
        names = {row[0] for row in rows[1:]}
        full_names = [f"{text} {text}".strip() for text in HOSTILE]  # the profile's full name drops the tab and CR
        self.assertEqual(names, {"'" + name if name[0] in "=+-@" else name for name in full_names})
        self.assertIn('\'=HYPERLINK("http://x","click") =HYPERLINK("http://x","click")', names)
        sheet = xlsx_of(self.client.get("/admin/learners/enrolments/?export=xlsx"))
        self.assertEqual({sheet.cell(row=row, column=1).value for row in range(2, 8)}, names)
        grade = sheet.cell(row=2, column=10)
        self.assertEqual((grade.value, grade.data_type), (6.5, "n"))

    def test_every_listing_offers_both_csv_choices_by_name(self):
        """Issue 13, item 3: "CSV para Excel" (the default, ``?export=csv``) and "CSV para programas" next to it."""
        for address in (
            "/admin/learners/enrolments/",
            "/admin/reports/site-history/",
            "/admin/school-reports/learners/",
        ):
            page = self.client.get(address).content.decode()
            for text in ("Descargar CSV para Excel", "Descargar CSV para programas (separado por comas)"):
                self.assertTrue(text in page, (address, text))
            self.assertTrue("export=csv-programas" in page, address)
        response = self.client.get("/admin/learners/enrolments/?export=csv-programas")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertRegex(response["Content-Disposition"], r'-programas\.csv"$')
        grades = {row[9] for row in csv_rows(response, dialect="programas")[1:]}
        self.assertEqual(grades, {"6.5"})
        self.assertEqual(
            {row[9] for row in csv_of(self.client.get("/admin/learners/enrolments/?export=csv"))[1:]}, {"6,5"}
        )

    def test_report_exports_write_the_names_as_text(self):
        for address in ("/admin/school-reports/learners/", "/admin/school-reports/courses/"):
            rows = csv_of(self.client.get(f"{address}?export=csv"))
            self.assertIn(NEUTRALISED[0], [cell for row in rows for cell in row], address)
            sheet = xlsx_of(self.client.get(f"{address}?export=xlsx"))
            self.assertIn(NEUTRALISED[0], [cell for row in sheet.iter_rows(values_only=True) for cell in row], address)
        rows = csv_of(self.client.get("/admin/school-reports/learners/?export=csv"))
        self.assertEqual(sorted(row[0] for row in rows[1:]), sorted(NEUTRALISED))

    def test_the_learners_data_download_has_no_live_formula(self):
        self.client.force_login(self.learners[0])
        archive = zipfile.ZipFile(io.BytesIO(self.client.get("/cuenta/mis-datos/descargar/").content))
        for name in archive.namelist():
            if name.endswith(".csv"):
                text = archive.read(name)
                cells = [cell for row in csv_rows(text) for cell in row]
                live = [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not is_number(cell)]
                self.assertEqual(live, [], name)
        profile = csv_dicts(archive.read("perfil.csv"))
        self.assertEqual((profile[0]["nombres"], profile[0]["apellidos"]), (NEUTRALISED[0], NEUTRALISED[0]))
        enrolments = csv_dicts(archive.read("inscripciones.csv"))
        self.assertEqual(enrolments[0]["curso"], NEUTRALISED[0])
        self.assertEqual(enrolments[0]["nota_final"], "6,5")  # decimal comma, for Excel in Chilean Spanish
        self.assertIn(b'"nombres": "=HYPERLINK', archive.read("datos.json"))  # JSON is data, not a spreadsheet


class XlsxDownloadTests(HostileData, TestCase):
    """Issue 13, item 3 (XLSX): every export offers "Excel (.xlsx)" next to its CSV choices and serves a typed
    workbook with a Spanish sheet name, a frozen and filtered heading row and fitted columns (read back with
    openpyxl)."""

    def download_pages(self) -> dict[str, str]:
        """Every page that offers a download, mapped to the query parameter it takes the format in."""
        profile = LearnerProfile.objects.get(user=self.learners[0])
        arguments = {**SAMPLE_ARGUMENTS, "int": str(profile.pk), "id": str(profile.pk)}
        pages = {address: "export" for address in exporting_addresses(arguments)}
        pages[reverse("learners_staff:attendance", args=[self.session.pk])] = "formato"
        pages[reverse("learners_staff:group", args=[self.group.pk])] = "formato"
        return pages

    def test_every_export_offers_and_serves_xlsx(self):
        pages = self.download_pages()
        self.assertGreaterEqual(len(pages), 12)
        for address, parameter in pages.items():
            with self.subTest(address=address):
                page = self.client.get(address)
                self.assertEqual(page.status_code, 200)
                self.assertIn(f"{parameter}=xlsx", page.content.decode())
                response = self.client.get(f"{address}?{parameter}=xlsx")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], XLSX_CONTENT_TYPE)
                self.assertRegex(response["Content-Disposition"], r'^attachment; filename="[a-z0-9-]+\.xlsx"$')
                workbook = openpyxl.load_workbook(
                    io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
                )
                sheet = workbook.active
                self.assertEqual(len(workbook.sheetnames), 1)
                self.assertRegex(sheet.title, r"^[A-ZÁÉÍÓÚÑ]")
                self.assertEqual(sheet.freeze_panes, "A2")
                self.assertTrue(sheet.auto_filter.ref.startswith("A1:"))

    def test_enrolments_workbook(self):
        Enrolment.objects.filter(user=self.learners[0]).update(enrolled_at=SUMMER)  # 15:56 in Santiago
        Enrolment.objects.filter(user=self.learners[1]).update(enrolled_at=WINTER)  # 14:56 in Santiago
        sheet = xlsx_of(self.client.get("/admin/learners/enrolments/?export=xlsx"))
        self.assertEqual(sheet.title, "Inscripciones")
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet.auto_filter.ref, f"A1:J{1 + len(HOSTILE)}")
        headings = [cell.value for cell in sheet[1]]
        self.assertEqual(headings[0], "Participante")
        self.assertTrue(all(cell.font.b for cell in sheet[1]))
        for column, heading in zip("ABCDEFGHIJ", headings, strict=True):
            self.assertGreaterEqual(sheet.column_dimensions[column].width, len(heading), column)
        longest = max(len(sheet.cell(row=row, column=1).value) for row in range(2, 2 + len(HOSTILE)))
        self.assertGreaterEqual(sheet.column_dimensions["A"].width, min(longest, MAX_WIDTH))
        enrolled = {sheet.cell(row=row, column=8).value for row in range(2, 2 + len(HOSTILE))}
        self.assertIn(datetime.datetime(2026, 12, 6, 15, 56), enrolled)
        self.assertIn(datetime.datetime(2026, 7, 6, 14, 56), enrolled)
        self.assertEqual(sheet.cell(row=2, column=8).number_format, "dd/mm/yyyy hh:mm")
        grade = sheet.cell(row=2, column=10)
        self.assertEqual((grade.value, grade.data_type, grade.number_format), (6.5, "n", "0.0#"))
        names = [sheet.cell(row=row, column=1) for row in range(2, 2 + len(HOSTILE))]
        self.assertEqual({cell.data_type for cell in names}, {"s"})
        self.assertIn('\'=HYPERLINK("http://x","click") =HYPERLINK("http://x","click")', [cell.value for cell in names])

    def test_report_workbooks(self):
        sheet = xlsx_of(self.client.get("/admin/school-reports/learners/?export=xlsx"))
        self.assertEqual(sheet.title, "Participantes")
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet.auto_filter.ref, f"A1:K{1 + len(HOSTILE)}")
        names = sorted(unescape(sheet.cell(row=row, column=1).value) for row in range(2, 2 + len(HOSTILE)))
        self.assertEqual(names, sorted(NEUTRALISED))
        counts = [sheet.cell(row=2, column=column) for column in (9, 10, 11)]
        self.assertEqual({cell.data_type for cell in counts}, {"n"})
        courses = xlsx_of(self.client.get("/admin/school-reports/courses/?export=xlsx"))
        self.assertEqual(courses.title, "Cursos y grupos")
        self.assertEqual(courses.freeze_panes, "A2")
        headings = [cell.value for cell in courses[1]]
        for index, heading in enumerate(headings, start=1):
            letter = openpyxl.utils.get_column_letter(index)
            self.assertGreaterEqual(courses.column_dimensions[letter].width, len(heading), heading)
        self.assertIn(NEUTRALISED[0], [cell for row in courses.iter_rows(values_only=True) for cell in row])
