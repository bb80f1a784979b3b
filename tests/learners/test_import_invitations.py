"""CSV import, item 7 of issue 13: import the valid rows and skip the bad ones (with a report of the skipped rows),
idempotent imports, invitations in Spanish with a single-use expiring link, and the list of people who have not
activated their account, with a rate-limited "Reenviar invitación". Emails go through Django's locmem backend
(the test settings' outbox)."""

import codecs
import re
from datetime import timedelta
from unittest import mock

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from learners.accounts.states import AccountState, account_state
from learners.imports.invitations import (
    InvitationTokenGenerator,
    ResendResult,
    invitation_path,
    invitation_resend,
    invitation_send,
)
from learners.imports.models import EnrolmentImport, ImportInvitation
from learners.imports.parsing import Code, parse_enrolment_csv
from learners.imports.selectors import pending_invitations
from learners.imports.services import BulkImportError, import_enrolments
from learners.models import Enrolment, LearnerProfile
from tests.cms.roles_setup import RolesTestCase
from tests.csv_files import csv_dicts, csv_rows
from tests.learners.test_bulk import GOOD, BulkTestCase, csv_bytes, run_for

BASE = "https://escuela.example.cl"
MIXED = csv_bytes(
    f"{run_for(16222333)};Marta;Soto;marta@example.cl;13101;1985",
    f"{run_for(15111222)};José;Muñoz;no-es-correo;13101;1990",
    f'{run_for(20333444)};=HYPERLINK("http://x");Rojas;carla@example.cl;13101;2001',
    f"{run_for(17444555)};Berta;Lagos;berta@example.cl;13101;1979",
)

CLEAN = csv_bytes(
    f"{run_for(16222333)};Marta;Soto;marta@example.cl;13101;1985",
    f"{run_for(17444555)};Berta;Lagos;berta@example.cl;13101;1979",
    f"{run_for(18555666)};Inés;Vidal;ines@example.cl;13101;1990",
)


def link_from(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitacion/\S+/)", message.body).group(1)


class SkipInvalidRowsTests(BulkTestCase):
    def test_all_or_nothing_refuses_a_file_with_bad_rows(self):
        with self.assertRaises(BulkImportError):
            self.import_file(MIXED)
        self.assertFalse(Enrolment.objects.exists())
        self.assertFalse(EnrolmentImport.objects.exists())

    def test_skip_invalid_imports_the_good_rows_and_records_the_bad_ones(self):
        report = import_enrolments(
            parsed=parse_enrolment_csv(MIXED), course=self.course, cohort=None, by=self.staff, skip_invalid=True
        )
        self.assertEqual((report.created, report.enrolled, report.skipped), (2, 2, 2))
        self.assertEqual(
            set(Enrolment.objects.values_list("user__email", flat=True)), {"marta@example.cl", "berta@example.cl"}
        )
        self.assertEqual([item["line"] for item in report.record.skipped_rows], [3, 4])
        self.assertEqual(ImportInvitation.objects.filter(enrolment_import=report.record).count(), 2)

    def test_a_file_without_any_good_row_is_refused_even_when_skipping(self):
        with self.assertRaises(BulkImportError):
            import_enrolments(
                parsed=parse_enrolment_csv(csv_bytes(f"{run_for(15111222)};José;Muñoz;malo;13101;1990")),
                course=self.course,
                cohort=None,
                by=self.staff,
                skip_invalid=True,
            )

    def test_same_token_imports_once_and_same_file_again_duplicates_nobody(self):
        first = import_enrolments(parsed=parse_enrolment_csv(GOOD), course=self.course, cohort=None, by=self.staff)
        again = import_enrolments(
            parsed=parse_enrolment_csv(GOOD), course=self.course, cohort=None, by=self.staff, token=first.record.token
        )
        self.assertTrue(again.repeated)
        self.assertEqual(again.record, first.record)
        second_file = import_enrolments(
            parsed=parse_enrolment_csv(GOOD), course=self.course, cohort=None, by=self.staff
        )
        self.assertEqual((second_file.created, second_file.matched, second_file.already_enrolled), (0, 3, 3))
        self.assertEqual(LearnerProfile.objects.count(), 3)
        self.assertEqual(Enrolment.objects.count(), 3)
        self.assertEqual(ImportInvitation.objects.count(), 3)  # re-importing invites nobody again

    def test_hostile_files(self):
        with self.subTest("NUL byte after the first 8 KB"):
            data = GOOD + b"\n" + b"x" * 9000 + b"\x00;a;b;c@d.cl;13101;1980"
            self.assertEqual(parse_enrolment_csv(data).codes, {Code.NOT_CSV})
        with self.subTest("Latin-1 with ; separators"):
            parsed = parse_enrolment_csv(
                csv_bytes(f"{run_for(12345678)};Íñigo;Núñez;i@example.cl;13101;1985", encoding="latin-1")
            )
            self.assertTrue(parsed.is_clean, parsed.codes)
            self.assertEqual(parsed.rows[0].given_names, "Íñigo")
        with self.subTest("UTF-8 with a byte order mark"):
            parsed = parse_enrolment_csv(codecs.BOM_UTF8 + GOOD)
            self.assertTrue(parsed.is_clean, parsed.codes)
        with self.subTest("a formula instead of a name"):
            parsed = parse_enrolment_csv(MIXED)
            self.assertIn(Code.FORMULA, {problem.code for problem in parsed.rows[2].problems})


@override_settings(LEARNERS_INVITATION_DAYS=7, LEARNERS_INVITATION_RESEND_MINUTES=10)
class ImportAdminFlowTests(RolesTestCase):
    def upload(self, data: bytes, user=None):
        self.client.force_login(user or self.academy)
        payload = {"course": self.mine.pk, "file": SimpleUploadedFile("inscritos.csv", data, "text/csv")}
        return self.client.post(reverse("learners_bulk_enrol"), payload)

    def confirm(self, token, mode="skip"):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("learners_bulk_enrol_confirm"), {"token": token, "mode": mode})

    def import_mixed(self):
        response = self.upload(MIXED)
        self.assertContains(response, 'name="mode" value="skip"')
        return self.confirm(response.context["token"])

    def test_skip_choice_result_page_report_and_spanish_invitations(self):
        response = self.import_mixed()
        record = EnrolmentImport.objects.get()
        self.assertRedirects(response, reverse("learners_bulk_enrol_result", args=[record.pk]))
        self.assertEqual((record.mode, record.created, record.skipped), ("skip", 2, 2))
        page = self.client.get(reverse("learners_bulk_enrol_result", args=[record.pk]))
        self.assertContains(page, "Filas omitidas")
        self.assertContains(page, "no es un correo electrónico válido")

        report = self.client.get(reverse("learners_bulk_enrol_result", args=[record.pk]) + "?formato=csv")
        self.assertIn("filas-omitidas", report["Content-Disposition"])
        rows = csv_dicts(report)
        self.assertEqual([row["Línea"] for row in rows], ["3", "4"])
        self.assertEqual(rows[0]["email"], "no-es-correo")
        self.assertIn("correo", rows[0]["Motivo"])
        self.assertEqual(rows[1]["nombres"], '\'=HYPERLINK("http://x")')  # neutralised by the one writer
        self.assertEqual(csv_rows(report)[0][0], "Línea")
        xlsx = self.client.get(reverse("learners_bulk_enrol_result", args=[record.pk]) + "?formato=xlsx")
        self.assertTrue(xlsx.content.startswith(b"PK"))

        self.assertEqual(len(mail.outbox), 2)
        message = mail.outbox[0]
        self.assertIn("activa tu cuenta", message.subject)
        self.assertIn("Tu escuela te inscribió", message.body)
        self.assertIn("/invitacion/", message.alternatives[0][0])
        invitation = ImportInvitation.objects.get(user__email=message.to[0])
        self.assertEqual(invitation.sent_count, 1)
        self.assertIsNotNone(invitation.first_sent_at)

    def test_double_submit_imports_once(self):
        response = self.upload(CLEAN)
        token = response.context["token"]
        first = self.confirm(token, mode="all")
        self.assertEqual(first.status_code, 302, first.content[-3000:])
        second = self.confirm(token, mode="all")
        record = EnrolmentImport.objects.get()
        self.assertRedirects(second, reverse("learners_bulk_enrol_result", args=[record.pk]))
        self.assertEqual(first["Location"], second["Location"])
        self.assertEqual(Enrolment.objects.filter(course=self.mine).count(), 4)  # Ana already was, plus three
        self.assertEqual(len(mail.outbox), 3)

    def test_the_link_activates_once_and_logs_her_in(self):
        self.import_mixed()
        self.client.logout()
        message = next(m for m in mail.outbox if m.to == ["berta@example.cl"])
        path = link_from(message)
        response = self.client.get(path, follow=True)
        self.assertContains(response, "Activa tu cuenta")
        form_url = response.redirect_chain[-1][0]
        response = self.client.post(
            form_url, {"new_password1": "una-clave-larga-2026", "new_password2": "una-clave-larga-2026"}
        )
        self.assertRedirects(response, reverse("learners:dashboard"), fetch_redirect_response=False)
        berta = LearnerProfile.objects.get(user__email="berta@example.cl").user
        berta.refresh_from_db()
        self.assertEqual(account_state(berta), AccountState.ACTIVE)
        self.assertFalse(pending_invitations().filter(user=berta).exists())
        self.client.logout()
        response = self.client.get(path, follow=True)
        self.assertEqual(response.status_code, 400)  # used
        self.assertContains(response, "Este enlace no funciona", status_code=400)

    def test_refused_links(self):
        self.import_mixed()
        self.client.logout()
        ana_user = LearnerProfile.objects.get(user__email="marta@example.cl").user
        path = link_from(next(m for m in mail.outbox if m.to == ["marta@example.cl"]))
        uidb64 = path.split("/")[2]
        with self.subTest("forged"):
            response = self.client.get(f"/invitacion/{uidb64}/abc-0123456789abcdef/", follow=True)
            self.assertEqual(response.status_code, 400)
        with self.subTest("malformed id and NUL"):
            self.assertEqual(self.client.get("/invitacion/%00/x-y/", follow=True).status_code, 400)
        with self.subTest("expired"):
            later = InvitationTokenGenerator._now(InvitationTokenGenerator()) + timedelta(days=8)
            with mock.patch.object(InvitationTokenGenerator, "_now", return_value=later):
                self.assertEqual(self.client.get(path, follow=True).status_code, 400)
            with mock.patch.object(InvitationTokenGenerator, "_now", return_value=later - timedelta(days=2)):
                self.assertEqual(self.client.get(path, follow=True).status_code, 200)
        with self.subTest("logged-in other person"):
            self.client.force_login(self.luis)
            response = self.client.get(path)
            self.assertContains(response, "Cierra tu sesión", status_code=403)
            self.client.logout()
        with self.subTest("deactivated account"):
            ana_user.last_login = timezone.now() - timedelta(days=1)  # she had used it: staff then unticked it
            ana_user.save(update_fields=["last_login"])
            self.assertEqual(account_state(ana_user), AccountState.DEACTIVATED)
            fresh = invitation_path(ana_user)
            self.assertEqual(self.client.get(fresh, follow=True).status_code, 400)
            self.assertEqual(
                ResendResult.NOT_PENDING, invitation_resend(invitation=ana_user.import_invitation, base_url=BASE)
            )
        with self.subTest("blocked account"):
            carla = LearnerProfile.objects.get(user__email="berta@example.cl")
            LearnerProfile.objects.filter(pk=carla.pk).update(blocked_at=timezone.now())
            fresh = invitation_path(carla.user)
            self.assertEqual(self.client.get(fresh, follow=True).status_code, 400)
            response = self.client.get(fresh, follow=True)
            self.assertEqual(response.status_code, 400)
            # posting a password through the session URL does not activate it either
            self.client.post(
                response.request["PATH_INFO"],
                {"new_password1": "otra-clave-larga-1", "new_password2": "otra-clave-larga-1"},
            )
            carla.user.refresh_from_db()
            self.assertFalse(carla.user.is_active)
            self.assertEqual(account_state(carla.user), AccountState.BLOCKED)

    def test_invitations_list_filters_and_resend_rate_limit(self):
        self.import_mixed()
        record = EnrolmentImport.objects.get()
        self.client.force_login(self.academy)
        url = reverse("learners_invitations")
        response = self.client.get(url, {"importacion": record.pk, "curso": self.mine.pk})
        self.assertEqual(len(response.context["invitations"]), 2)
        self.assertContains(response, "Reenviar invitación")
        self.assertEqual(len(self.client.get(url, {"grupo": self.other_cohort.pk}).context["invitations"]), 0)
        self.assertEqual(self.client.get(url, {"curso": "1", "importacion": "abc", "grupo": "-3"}).status_code, 200)
        self.assertEqual(self.client.get(url, {"curso": "1\x00"}).status_code, 400)  # the project's NUL guard

        invitation = ImportInvitation.objects.get(user__email="marta@example.cl")
        mail.outbox.clear()
        response = self.client.post(url, {"one": invitation.pk}, follow=True)
        self.assertContains(response, "menos de 10 minutos")  # sent by the import a moment ago
        self.assertEqual(len(mail.outbox), 0)
        ImportInvitation.objects.update(last_sent_at=timezone.now() - timedelta(minutes=11))
        response = self.client.post(
            url, {"bulk": "1", "invitation": [str(i.pk) for i in ImportInvitation.objects.all()]}, follow=True
        )
        self.assertContains(response, "Invitación reenviada a 2 personas")
        self.assertEqual(len(mail.outbox), 2)
        response = self.client.post(url, {"one": invitation.pk}, follow=True)  # the double click
        self.assertContains(response, "menos de 10 minutos")
        self.assertEqual(len(mail.outbox), 2)
        invitation.refresh_from_db()
        self.assertEqual(invitation.sent_count, 2)
        self.assertEqual(self.client.post(url, {"one": "x\x00"}).status_code, 400)  # the project's NUL guard
        self.assertContains(self.client.post(url, {"one": "abc"}, follow=True), "Elige al menos una persona")

    def test_coordinators_and_instructors_cannot_import_nor_resend(self):
        self.import_mixed()
        invitation = ImportInvitation.objects.first()
        mail.outbox.clear()
        for user in (self.coordinator, self.instructor):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                response = self.client.post(reverse("learners_invitations"), {"one": invitation.pk})
                self.assertNotEqual(response.status_code, 200)
                self.assertNotEqual(
                    response.status_code, 302 and response.get("Location", "").startswith("/admin/learners/")
                )
                record = EnrolmentImport.objects.get()
                self.assertIn(
                    self.client.get(reverse("learners_bulk_enrol_result", args=[record.pk])).status_code, (302, 403)
                )
                self.assertIn(self.upload(CLEAN, user=user).status_code, (302, 403))
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(EnrolmentImport.objects.count(), 1)
        self.client.logout()
        response = self.client.post(reverse("learners_invitations"), {"one": invitation.pk})
        self.assertTrue(response["Location"].startswith(reverse("wagtailadmin_login")))


class InvitationSendTests(BulkTestCase):
    def test_one_function_sends_a_spanish_email_with_text_and_html(self):
        report = self.import_file(GOOD)
        user = ImportInvitation.objects.filter(enrolment_import=report.record).first().user
        with translation.override("en"):
            self.assertTrue(invitation_send(user=user, base_url=BASE + "/"))
        message = mail.outbox[-1]
        self.assertIn("Hola", message.body)
        self.assertIn("7 días", message.body)
        self.assertIn(BASE + "/invitacion/", message.body)
        self.assertEqual(message.alternatives[0][1], "text/html")
