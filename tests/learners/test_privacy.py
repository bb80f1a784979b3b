"""The privacy notice and consents, the "Mis datos" page and its download, requests and their deadlines, and the
retention purge."""

import io
import json
import zipfile
from datetime import date, timedelta
from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session as DjangoSession
from django.core.cache import cache
from django.core.management import call_command
from django.test import SimpleTestCase, override_settings
from django.utils import timezone

from learners.models import (
    AuditEvent,
    Consent,
    DataRequest,
    Enrolment,
    H5PAttempt,
    H5PStatement,
    H5PUserState,
    LearnerProfile,
    LessonProgress,
    PrivacyNotice,
)
from learners.privacy import deadlines, selectors, services
from tests.factories.learners import learner
from tests.learners.privacy_setup import EMAIL, RUN, PrivacyTestCase


def publish_notice(version: str, *, at=None) -> PrivacyNotice:
    current = PrivacyNotice.objects.order_by("-published_at").first()
    current.pk, current.version, current.published_at = None, version, at or timezone.now()
    current.save()
    return current


class DeadlineTests(SimpleTestCase):
    def test_thirty_calendar_days(self):
        self.assertEqual(deadlines.due_on(kind="deletion", received=date(2026, 12, 1)), date(2026, 12, 31))
        self.assertEqual(deadlines.due_on(kind="access", received=date(2026, 12, 20)), date(2027, 1, 19))

    def test_blocking_within_two_business_days_skipping_weekends_and_holidays(self):
        self.assertEqual(deadlines.due_on(kind="blocking", received=date(2026, 11, 23)), date(2026, 11, 25))  # Mon
        self.assertEqual(deadlines.due_on(kind="blocking", received=date(2026, 11, 27)), date(2026, 12, 1))  # Fri
        # Mon 7 Dec 2026 → Tue 8 Dec is a holiday (Inmaculada Concepción)
        self.assertEqual(deadlines.due_on(kind="blocking", received=date(2026, 12, 7)), date(2026, 12, 10))
        # Thu 24 Dec → Fri 25 holiday, weekend → Mon 28, Tue 29
        self.assertEqual(deadlines.due_on(kind="blocking", received=date(2026, 12, 24)), date(2026, 12, 29))

    @override_settings(LEARNERS_EXTRA_HOLIDAYS=["2026-11-24"])
    def test_extra_holidays_from_settings(self):
        self.assertEqual(deadlines.due_on(kind="blocking", received=date(2026, 11, 23)), date(2026, 11, 26))


class NoticeAndConsentTests(PrivacyTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()

    def test_the_first_notice_comes_from_the_setting_and_covers_every_section(self):
        notice = selectors.current_notice()
        self.assertEqual(notice.version, "2026-11")
        for name in PrivacyNotice.SECTIONS:
            self.assertTrue(getattr(notice, name).strip(), name)
        self.assertIn("RUN enmascarado", notice.certificates_after_deletion)
        response = self.client.get("/cuenta/privacidad/")
        self.assertContains(response, 'data-notice-version="2026-11"')
        self.assertContains(response, notice.recipients)

    def test_a_future_notice_is_not_in_force_yet(self):
        publish_notice("2027-01", at=timezone.now() + timedelta(days=3))
        self.assertEqual(selectors.current_notice().version, "2026-11")

    def test_signup_records_a_consent_with_the_text_fingerprint(self):
        from tests.factories.learners import ensure_comuna
        from tests.learners.test_accounts import signup_data

        ensure_comuna("13101")
        self.assertEqual(self.client.post("/cuenta/registro/", signup_data()).status_code, 302)
        consent = Consent.objects.get()
        notice = selectors.current_notice()
        self.assertEqual((consent.version, consent.channel, consent.notice), (notice.version, "signup", notice))
        self.assertEqual(consent.text_sha256, notice.text_sha256)
        self.assertEqual(LearnerProfile.objects.get().privacy_notice_version, notice.version)

    def test_a_newer_notice_is_accepted_at_the_next_log_in(self):
        user = learner(email="ana@example.cl")
        self.client.force_login(user)
        self.assertEqual(self.client.get("/mis-cursos/").status_code, 200)
        publish_notice("2027-01")
        self.assertEqual(self.client.get("/mis-cursos/").status_code, 200, "not in the middle of a session")
        self.client.logout()
        self.assertTrue(self.client.login(username="ana@example.cl", password="clave-segura-123"))
        response = self.client.get("/mis-cursos/")
        self.assertRedirects(response, "/cuenta/privacidad/aceptar/?next=%2Fmis-cursos%2F", target_status_code=200)
        for free in ("/cuenta/privacidad/", "/cuenta/privacidad/aceptar/", "/cuenta/privacidad/retirar/"):
            self.assertEqual(self.client.get(free).status_code, 200, free)
        self.assertEqual(self.client.post("/cuenta/privacidad/aceptar/", {}).status_code, 200)  # box not ticked
        response = self.client.post("/cuenta/privacidad/aceptar/", {"accept": "on", "next": "/mis-cursos/"})
        self.assertRedirects(response, "/mis-cursos/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/mis-cursos/").status_code, 200)
        consent = Consent.objects.filter(user=user).latest("accepted_at")
        self.assertEqual((consent.version, consent.channel), ("2027-01", "login"))
        self.assertTrue(AuditEvent.objects.filter(action="consent.accepted", actor=user).exists())
        self.client.logout()
        self.client.login(username="ana@example.cl", password="clave-segura-123")
        self.assertEqual(self.client.get("/mis-cursos/").status_code, 200, "accepted once is enough")

    def test_a_next_that_is_not_a_path_goes_to_the_dashboard(self):
        """``next=-1`` (or a URL name) made ``redirect`` raise after the consent was written: a 500 with a write."""
        user = learner(email="bea@example.cl")
        publish_notice("2027-01")
        self.client.force_login(user)
        for hostile in ("-1", "learners:dashboard", "//evil.example/"):
            response = self.client.post("/cuenta/privacidad/aceptar/", {"accept": "on", "next": hostile})
            self.assertRedirects(response, "/mis-cursos/", fetch_redirect_response=False)

    def test_staff_without_a_profile_are_never_asked(self):
        publish_notice("2027-01")
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get("/cuenta/mis-datos/").status_code, 200)

    def test_withdrawing_blocks_the_account_and_opens_a_deletion_request(self):
        user = learner(email="ana@example.cl")
        services.consent_record(user=user, channel="signup")
        self.client.force_login(user)
        self.assertEqual(self.client.post("/cuenta/privacidad/retirar/", {}).status_code, 200)  # not confirmed
        response = self.client.post("/cuenta/privacidad/retirar/", {"confirm": "on"})
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        user.refresh_from_db()
        self.assertFalse(user.is_active)
        self.assertIsNotNone(user.learner_profile.blocked_at)
        self.assertFalse(Consent.objects.filter(user=user, withdrawn_at__isnull=True).exists())
        request = DataRequest.objects.get(user=user)
        self.assertEqual((request.kind, request.status), (DataRequest.Kind.DELETION, DataRequest.Status.OPEN))
        self.assertEqual(request.due_on, timezone.localdate() + timedelta(days=30))
        self.assertFalse(self.client.login(username="ana@example.cl", password="clave-segura-123"))
        self.assertEqual(self.client.get("/cuenta/mis-datos/").status_code, 302)
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        self.assertLessEqual({"consent.withdrawn", "data_request.created", "learner.blocked"}, actions)


class MyDataTests(PrivacyTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()

    def test_the_page_needs_a_log_in(self):
        self.assertEqual(self.client.get("/cuenta/mis-datos/").status_code, 302)
        self.assertEqual(self.client.get("/cuenta/mis-datos/descargar/").status_code, 302)

    def test_download_has_every_category_and_nothing_of_other_learners(self):
        user, enrolment, certificate = self.make_full_learner()
        other = learner(email="otra@example.cl", given_names="Otra", family_names="Persona")
        Enrolment.objects.create(user=other, course=self.course)
        self.client.force_login(user)
        response = self.client.get("/cuenta/mis-datos/descargar/")
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertIn("attachment", response["Content-Disposition"])
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        data = json.loads(archive.read("datos.json"))
        categories = {
            "cuenta",
            "perfil",
            "consentimientos",
            "inscripciones",
            "avance",
            "intentos_h5p",
            "registros_h5p",
            "estado_guardado_h5p",
            "asistencia",
            "certificados",
            "solicitudes_de_datos",
        }
        self.assertLessEqual(categories, set(data))
        for category in categories:
            self.assertTrue(data[category], category)
            self.assertIn(f"{category}.csv", archive.namelist())
        self.assertEqual(data["perfil"][0]["run"], RUN)
        self.assertEqual(data["cuenta"][0]["correo"], EMAIL)
        self.assertEqual(data["certificados"][0]["folio"], certificate.folio)
        self.assertEqual([row["id"] for row in data["inscripciones"]], [enrolment.pk])
        everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8")
        self.assertNotIn("otra@example.cl", everything)
        self.assertNotIn("Otra", everything)
        self.assertIn("Quintanilla", archive.read("perfil.csv").decode("utf-8-sig"))
        self.assertTrue(AuditEvent.objects.filter(action="data.downloaded", actor=user).exists())

    def test_requests_are_recorded_with_their_deadline_and_shown(self):
        user = learner(email="ana@example.cl")
        self.client.force_login(user)
        self.assertEqual(self.client.post("/cuenta/mis-datos/", {}).status_code, 200)
        response = self.client.post("/cuenta/mis-datos/", {"kind": "blocking", "details": "Por un tiempo"})
        self.assertRedirects(response, "/cuenta/mis-datos/", fetch_redirect_response=False)
        request = DataRequest.objects.get(user=user)
        self.assertEqual(request.due_on, deadlines.due_on(kind="blocking", received=timezone.localdate()))
        self.client.post("/cuenta/mis-datos/", {"kind": "blocking"})
        self.assertEqual(DataRequest.objects.filter(user=user).count(), 1, "one open request per kind")
        page = self.client.get("/cuenta/mis-datos/")
        self.assertContains(page, 'data-request="blocking"')
        entry = AuditEvent.objects.get(action="data_request.created")
        self.assertEqual((entry.actor, entry.subject_id), (user, str(request.pk)))

    def test_answering_a_blocking_request_blocks_the_account(self):
        user = learner(email="ana@example.cl")
        request = services.data_request_create(user=user, kind=DataRequest.Kind.BLOCKING)
        self.client.force_login(user)
        services.data_request_answer(request=request, by=self.staff, status="done", response="Listo", execute=True)
        user.refresh_from_db()
        self.assertFalse(user.is_active)
        self.assertEqual(self.client.get("/cuenta/mis-datos/").status_code, 302, "her sessions ended")
        with self.assertRaises(services.PrivacyError):
            services.data_request_answer(request=request, by=self.staff, status="done", response="")

    def test_a_rejection_needs_reasons(self):
        request = services.data_request_create(user=learner(), kind=DataRequest.Kind.ACCESS)
        with self.assertRaises(services.PrivacyError):
            services.data_request_answer(request=request, by=self.staff, status="rejected", response=" ")


class PurgeTests(PrivacyTestCase):
    def test_old_statements_and_state_go_and_aggregates_stay(self):
        user, enrolment, _certificate = self.make_full_learner()
        old = timezone.now() - timedelta(days=400)
        H5PStatement.objects.update(received_at=old)
        H5PUserState.objects.update(updated_at=timezone.now() - timedelta(days=800))
        before = (
            list(H5PAttempt.objects.values_list("raw_score", "scaled", "success")),
            list(LessonProgress.objects.values_list("completed_at", "score")),
            list(Enrolment.objects.values_list("status", "final_grade", "completed_at")),
        )
        out = StringIO()
        call_command("purge_expired_data", "--dry-run", stdout=out)
        self.assertIn("Would delete 1 h5p_statements", out.getvalue())
        self.assertEqual(H5PStatement.objects.count(), 1)
        out = StringIO()
        call_command("purge_expired_data", stdout=out)
        self.assertIn("Deleted 1 h5p_statements", out.getvalue())
        self.assertIn("Deleted 1 h5p_saved_state", out.getvalue())
        self.assertEqual((H5PStatement.objects.count(), H5PUserState.objects.count()), (0, 0))
        after = (
            list(H5PAttempt.objects.values_list("raw_score", "scaled", "success")),
            list(LessonProgress.objects.values_list("completed_at", "score")),
            list(Enrolment.objects.values_list("status", "final_grade", "completed_at")),
        )
        self.assertEqual(before, after)
        self.assertEqual(AuditEvent.objects.filter(action="retention.purged").count(), 1)
        out = StringIO()
        call_command("purge_expired_data", stdout=out)
        self.assertIn("Deleted 0 h5p_statements", out.getvalue())
        self.assertEqual(AuditEvent.objects.filter(action="retention.purged").count(), 1, "idempotent")

    def test_recent_statements_and_open_attempts_stay(self):
        user, enrolment, _certificate = self.make_full_learner()
        H5PAttempt.objects.update(completed_at=None)
        H5PStatement.objects.update(received_at=timezone.now() - timedelta(days=400))
        self.assertEqual(services.expired_data_purge().counts["h5p_statements"], 0, "its attempt is still open")
        H5PAttempt.objects.update(completed_at=timezone.now())
        H5PStatement.objects.update(received_at=timezone.now() - timedelta(days=10))
        self.assertEqual(services.expired_data_purge().counts["h5p_statements"], 0)

    @override_settings(LEARNERS_RETENTION_STATEMENTS_DAYS=5)
    def test_the_period_comes_from_settings(self):
        self.make_full_learner()
        H5PStatement.objects.update(received_at=timezone.now() - timedelta(days=10))
        self.assertEqual(services.expired_data_purge().counts["h5p_statements"], 1)

    def test_expired_sessions_go(self):
        DjangoSession.objects.create(session_key="x" * 32, session_data="e30", expire_date=self.yesterday())
        self.assertEqual(services.expired_data_purge().counts["expired_sessions"], 1)
        self.assertFalse(get_user_model().objects.filter(is_active=False).exists())


class DataMigrationTests(PrivacyTestCase):
    def test_the_setting_version_becomes_a_notice_and_profiles_get_consents(self):
        import importlib

        from django.apps import apps

        migration = importlib.import_module("learners.migrations.0006_first_privacy_notice_and_consents")
        accepted = learner(email="ana@example.cl")
        imported = learner(email="rosa@example.cl")
        LearnerProfile.objects.filter(user=imported).update(privacy_notice_version="csv-import")
        LearnerProfile.objects.filter(user=accepted).update(privacy_notice_version="2026-11")
        PrivacyNotice.objects.all().delete()
        with override_settings(LEARNERS_PRIVACY_NOTICE_VERSION="2026-11"):
            migration.forwards(apps, None)
        notice = PrivacyNotice.objects.get()
        self.assertEqual(notice.version, "2026-11")
        self.assertLessEqual(notice.published_at, timezone.now())
        consents = {consent.user_id: consent for consent in Consent.objects.all()}
        self.assertEqual((consents[accepted.pk].channel, consents[accepted.pk].notice), ("migrated", notice))
        self.assertEqual((consents[imported.pk].channel, consents[imported.pk].notice), ("import", None))
        migration.backwards(apps, None)
        self.assertFalse(PrivacyNotice.objects.exists())


class QueryBudgetTests(PrivacyTestCase):
    def test_my_data_the_download_and_the_notice(self):
        user, _enrolment, _certificate = self.make_full_learner()
        self.client.force_login(user)
        self.client.get("/cuenta/mis-datos/")
        with self.assertNumQueries(4):  # the user, her consent, her profile, her requests (the frame is cached)
            self.client.get("/cuenta/mis-datos/")
        with self.assertNumQueries(16):  # the user, one per category (certificates included), the audit entry
            self.client.get("/cuenta/mis-datos/descargar/")
        with self.assertNumQueries(2):  # the user and the notice in force (the frame is cached)
            self.client.get("/cuenta/privacidad/")
