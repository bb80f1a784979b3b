"""Every time a person reads is Chilean local time, summer time included (issue 12, item 9): fixed UTC instants in
summer (UTC-3) and winter (UTC-4) in the admin listings and inspect views, the exports, the learner's download and
the certificate PDF."""

import datetime
import io
import json
import zipfile

import openpyxl
from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from wagtail.admin.localization import get_available_admin_time_zones
from wagtail.log_actions import log
from wagtail.users.models import UserProfile

from certificates.codes import generate_code
from certificates.models import IssuedCertificate
from certificates.services import rendering
from certificates.services.snapshot import build_snapshot
from learners.models import AuditEvent, Enrolment
from learners.privacy.audit import audit_record
from tests.certificates.test_admin import AdminTestCase
from tests.certificates.test_pdf import extract_text, squash
from tests.csv_files import csv_dicts, csv_rows
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import learner

SUMMER = datetime.datetime(2026, 1, 15, 18, 56, tzinfo=datetime.UTC)  # 15:56 in Santiago, summer time (UTC-3)
WINTER = datetime.datetime(2026, 7, 6, 18, 56, tzinfo=datetime.UTC)  # 14:56 in Santiago (UTC-4)
LATE = datetime.datetime(2026, 1, 16, 2, 30, tzinfo=datetime.UTC)  # still 15 January in Santiago: 23:30
LATE_WINTER = datetime.datetime(2026, 7, 7, 3, 30, tzinfo=datetime.UTC)  # still 6 July in Santiago: 23:30


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8-sig")


def xlsx_sheet(response):
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(data)).active


class AdminTimeZoneTests(AdminTestCase):
    """The certificate, its enrolment and an audit entry at fixed instants, seen by an administrator."""

    def setUp(self):
        super().setUp()
        self.enrolment = self.certificate.enrolment

    def test_the_admin_offers_only_chilean_time(self):
        self.assertEqual(settings.TIME_ZONE, "America/Santiago")
        self.assertEqual(list(get_available_admin_time_zones()), ["America/Santiago"])
        self.assertEqual(UserProfile.get_for_user(self.admin).get_current_time_zone(), "America/Santiago")
        self.assertNotContains(self.client.get(reverse("wagtailadmin_account")), "current_time_zone")

    def test_certificate_inspect_shows_santiago_time_in_summer_and_in_winter(self):
        url = reverse("certificates_issued:inspect", args=[self.certificate.pk])
        IssuedCertificate.objects.filter(pk=self.certificate.pk).update(issued_at=SUMMER)
        response = self.client.get(url)
        self.assertContains(response, "15 de enero de 2026, 15:56")
        self.assertNotContains(response, "enero de 2026, 18:56")
        IssuedCertificate.objects.filter(pk=self.certificate.pk).update(issued_at=WINTER)
        self.assertContains(self.client.get(url), "6 de julio de 2026, 14:56")

    def test_enrolment_inspect_shows_santiago_time(self):
        Enrolment.objects.filter(pk=self.enrolment.pk).update(completed_at=SUMMER)
        response = self.client.get(reverse("learners_enrolment:inspect", args=[self.enrolment.pk]))
        self.assertContains(response, "15 de enero de 2026, 15:56")
        self.assertNotContains(response, "enero de 2026, 18:56")

    def test_listings_date_a_late_evening_by_its_chilean_day(self):
        IssuedCertificate.objects.filter(pk=self.certificate.pk).update(issued_at=LATE)
        Enrolment.objects.filter(pk=self.enrolment.pk).update(enrolled_at=LATE_WINTER)
        certificates = self.client.get(reverse("certificates_issued:index"))
        self.assertContains(certificates, "15/01/2026")
        self.assertNotContains(certificates, "16/01/2026")
        enrolments = self.client.get(reverse("learners_enrolment:index"))
        self.assertContains(enrolments, "06/07/2026")
        self.assertNotContains(enrolments, "07/07/2026")

    def test_audit_log_listing_and_exports_show_santiago_time(self):
        AuditEvent.objects.all().delete()
        entry = audit_record(actor=self.admin, action="learner.viewed", subject=self.ana.learner_profile)
        AuditEvent.objects.filter(pk=entry.pk).update(at=SUMMER)
        url = reverse("learners_audit:index")
        listing = self.client.get(url)
        self.assertContains(listing, "15/01/2026 15:56")
        self.assertNotContains(listing, "15/01/2026 18:56")  # nor in the entry's name (the row's menu label)
        AuditEvent.objects.filter(pk=entry.pk).update(at=WINTER)
        rows = csv_rows(self.client.get(url + "?export=csv"))
        self.assertEqual([row[0] for row in rows[1:]], ["06/07/2026 14:56"])
        cell = xlsx_sheet(self.client.get(url + "?export=xlsx"))["A2"]
        self.assertEqual((cell.value, cell.number_format), (datetime.datetime(2026, 7, 6, 14, 56), "dd/mm/yyyy hh:mm"))

    def test_enrolment_exports_write_santiago_time_as_text_and_as_date_cells(self):
        Enrolment.objects.filter(pk=self.enrolment.pk).update(enrolled_at=WINTER, completed_at=SUMMER)
        url = reverse("learners_enrolment:index")
        text = body(self.client.get(url + "?export=csv"))
        self.assertIn(";06/07/2026 14:56;15/01/2026 15:56;", text)
        self.assertNotIn("+00:00", text)
        sheet = xlsx_sheet(self.client.get(url + "?export=xlsx"))
        enrolled, completed = sheet["H2"], sheet["I2"]
        self.assertEqual(enrolled.value, datetime.datetime(2026, 7, 6, 14, 56))
        self.assertEqual(completed.value, datetime.datetime(2026, 1, 15, 15, 56))
        self.assertEqual((completed.data_type, completed.number_format), ("d", "dd/mm/yyyy hh:mm"))

    def test_site_history_export_writes_santiago_time(self):
        entry = log(instance=self.course, action="wagtail.edit", user=self.admin)
        type(entry).objects.filter(pk=entry.pk).update(timestamp=SUMMER)
        text = body(self.client.get(reverse("wagtailadmin_reports:site_history") + "?export=csv"))
        self.assertIn("15/01/2026 15:56", text)
        self.assertNotIn("15/01/2026 18:56", text)

    def test_learner_report_dates_a_late_evening_by_its_chilean_day(self):
        Enrolment.objects.filter(pk=self.enrolment.pk).update(enrolled_at=LATE, completed_at=LATE)
        url = reverse("cms_reports_learner", args=[self.ana.learner_profile.pk])
        rows = csv_rows(self.client.get(url + "?export=csv"))
        self.assertEqual(rows[1][3:5], ["15/01/2026", "15/01/2026"])
        cell = xlsx_sheet(self.client.get(url + "?export=xlsx"))["D2"]
        self.assertEqual((cell.value, cell.number_format), (datetime.datetime(2026, 1, 15), "dd/mm/yyyy"))

    def test_the_learners_download_writes_santiago_time(self):
        Enrolment.objects.filter(pk=self.enrolment.pk).update(enrolled_at=WINTER, completed_at=SUMMER)
        self.client.force_login(self.ana)
        archive = zipfile.ZipFile(io.BytesIO(self.client.get("/cuenta/mis-datos/descargar/").content))
        enrolment = csv_dicts(archive.read("inscripciones.csv"))[0]
        times = (enrolment["inscrita_el"], enrolment["completado_el"])
        self.assertEqual(times, ("06/07/2026 14:56", "15/01/2026 15:56"))
        data = json.loads(archive.read("datos.json"))
        self.assertEqual(data["inscripciones"][0]["inscrita_el"], "2026-07-06T14:56:00-04:00")
        self.assertEqual(data["inscripciones"][0]["completado_el"], "2026-01-15T15:56:00-03:00")


class CertificatePdfDateTests(TestCase):
    """The real renderer (the admin tests above replace it with a stub)."""

    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Presupuestos participativos")
        cls.template = make_template(issuer=make_issuer(short_code="AMUCH", city="Temuco"), is_default=True)

    def test_a_certificate_issued_late_in_the_evening_prints_its_chilean_day(self):
        enrolment = completed_enrolment(course=self.course, user=learner(), final_grade="6.5")
        Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=LATE_WINTER, completed_at=LATE)
        enrolment.refresh_from_db()
        snapshot = build_snapshot(
            enrolment=enrolment,
            template=self.template,
            folio="AMUCH-2026-000099",
            code=generate_code(),
            issued_at=LATE,
            attendance=None,
        )
        self.assertEqual(snapshot["issued_on"], "2026-01-15")
        text = squash(extract_text(rendering.render_pdf(snapshot)))
        self.assertIn("15 de enero de 2026", text)
        self.assertIn("06/07/2026", text)
        self.assertNotIn("16 de enero", text)
