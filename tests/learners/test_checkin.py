"""QR check-in (issue 14, item 3): the signed rotating code, who may show it, what a scan does and what it refuses,
the log-in round trip, how each mark records its method and author, which mark wins, and the rate limit."""

import re
from datetime import timedelta
from decimal import Decimal

from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from courses.models import Comuna
from learners.attendance import checkin
from learners.attendance.services import CheckinRefused, attendance_checkin
from learners.enrolment import services as enrolment_services
from learners.models import AttendanceRecord, Enrolment
from learners.staff.models import StaffProfile
from tests.csv_files import csv_rows
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, site_root
from tests.factories.learners import ensure_comuna, learner, make_cohort, make_session, make_user
from tests.learners.test_admin import grant

PRESENT, ABSENT, EXCUSED = (
    AttendanceRecord.Status.PRESENT,
    AttendanceRecord.Status.ABSENT,
    AttendanceRecord.Status.EXCUSED,
)
QR, INSTRUCTOR = AttendanceRecord.Method.QR, AttendanceRecord.Method.INSTRUCTOR


def running_session(cohort, **fields):
    """A two-hour session running now (Santiago time): it started 30 minutes ago, moved inside today's date where
    that would cross midnight (a session has one date, and ends after it starts)."""
    now = timezone.localtime().replace(microsecond=0)
    midnight = now.replace(hour=0, minute=0, second=0)
    start = min(max(now - timedelta(minutes=30), midnight), midnight + timedelta(hours=21, minutes=59, seconds=59))
    return make_session(cohort=cohort, date=start.date(), start_time=start.time(), **fields)


def token_for(session, *, steps_ago=0):
    return checkin.token_make(session_id=session.pk, step=checkin.current_step() - steps_ago)


def checkin_url(session, *, steps_ago=0):
    return reverse("learners:checkin", args=[token_for(session, steps_ago=steps_ago)])


class CheckinTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = CoursePageFactory(parent=catalogue, title="Juntas de vecinos")
        other_course = CoursePageFactory(parent=catalogue)
        cls.teacher = make_user(email="rosa@example.cl", first_name="Rosa", last_name="Díaz")
        cls.other_teacher = make_user(email="pablo@example.cl")
        cls.cohort = make_cohort(course=cls.course, name="Grupo Ñuñoa", instructors=[cls.teacher])
        cls.other_cohort = make_cohort(course=other_course, name="Grupo Maipú", instructors=[cls.other_teacher])
        cls.session = running_session(cls.cohort)
        cls.yesterday = make_session(cohort=cls.cohort, date=timezone.localdate() - timedelta(days=1))
        cls.next_week = make_session(cohort=cls.cohort, date=timezone.localdate() + timedelta(days=7))
        cls.other_session = running_session(cls.other_cohort)
        cls.ana = learner(email="ana@example.cl", given_names="Ana", family_names="Pérez")
        cls.ana_enrolment = enrolment_services.enrolment_create(user=cls.ana, course=cls.course, cohort=cls.cohort)
        cls.carla = learner(email="carla@example.cl", given_names="Carla")
        enrolment_services.enrolment_create(user=cls.carla, course=other_course, cohort=cls.other_cohort)

    def record(self, session=None):
        return AttendanceRecord.objects.filter(session=session or self.session, enrolment=self.ana_enrolment).first()


# The signed code -------------------------------------------------------------------------------------------------


class SigningTests(CheckinTestCase):
    def test_token_names_its_session_and_step_and_nothing_personal(self):
        token = token_for(self.session)
        parsed = checkin.token_read(token)
        self.assertEqual((parsed.session_id, parsed.step), (self.session.pk, checkin.current_step()))
        self.assertRegex(token, rf"^{self.session.pk}\.\d+\.[A-Za-z0-9_-]+$")
        self.assertNotIn("ana", token.lower())

    def test_window_is_the_current_step_and_the_previous_one(self):
        now = timezone.now()
        step = checkin.current_step(now)
        for age, fresh in [(0, True), (1, True), (2, False), (10, False), (-1, False)]:
            parsed = checkin.token_read(checkin.token_make(session_id=self.session.pk, step=step - age))
            self.assertEqual(checkin.token_fresh(parsed, now=now), fresh, age)

    @override_settings(LEARNERS_CHECKIN_STEP_SECONDS=20)
    def test_step_length_is_a_setting(self):
        now = timezone.now()
        self.assertEqual(checkin.current_step(now), int(now.timestamp()) // 20)
        self.assertTrue(1 <= checkin.seconds_to_next_step(now) <= 21)

    def test_tampered_tokens_are_not_read(self):
        token = token_for(self.session)
        session_id, step, signature = token.split(".")
        forged = [
            f"{self.other_session.pk}.{step}.{signature}",  # another session's id with this signature
            f"{session_id}.{int(step) + 100}.{signature}",  # a later step
            f"{session_id}.{step}.{signature[:-2]}",
            f"{session_id}.{step}",
            "",
            "x.y.z",
        ]
        for value in forged:
            self.assertIsNone(checkin.token_read(value), value)

    def test_another_salt_or_key_does_not_verify(self):
        from django.core import signing

        other = signing.Signer(salt="otra-cosa", sep=".", algorithm="sha256").sign(f"{self.session.pk}.1")
        self.assertIsNone(checkin.token_read(other))
        with self.settings(SECRET_KEY="otra-clave-secreta-de-prueba-con-largo-suficiente-1234567890"):
            foreign = token_for(self.session)
        self.assertIsNone(checkin.token_read(foreign))

    def test_session_window_uses_santiago_time_and_grace_settings(self):
        opens, closes = checkin.session_window(self.next_week)
        local_open = timezone.localtime(opens)
        self.assertEqual((local_open.hour, local_open.minute), (18, 0))  # 18:30 minus 30 minutes
        self.assertEqual(closes - opens, timedelta(hours=3))  # 2 h + 30 min before + 30 min after
        self.assertEqual(str(local_open.tzinfo), "America/Santiago")
        with self.settings(LEARNERS_CHECKIN_EARLY_MINUTES=10, LEARNERS_CHECKIN_LATE_MINUTES=0):
            opens, closes = checkin.session_window(self.next_week)
            self.assertEqual(closes - opens, timedelta(hours=2, minutes=10))
        self.assertTrue(checkin.session_running(self.session))
        self.assertFalse(checkin.session_running(self.yesterday))
        self.assertFalse(checkin.session_running(self.next_week))

    def test_the_picture_is_an_svg_qr_code(self):
        svg = checkin.qr_svg("https://escuela.example.cl/asistencia/1.2.abc/")
        self.assertTrue(svg.startswith("<svg") and svg.endswith("</svg>"))
        size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg)[1])
        self.assertEqual((size - 8 - 17) % 4, 0)  # 4·version + 17 modules and the quiet zone


# Who may show the code -----------------------------------------------------------------------------------------


class DisplayPermissionTests(CheckinTestCase):
    def urls(self, session=None):
        session = session or self.session
        return [
            reverse("learners_staff:checkin_display", args=[session.pk]),
            reverse("learners_staff:checkin_code", args=[session.pk]),
        ]

    def test_instructor_of_the_cohort_sees_the_code(self):
        self.client.force_login(self.teacher)
        page_url, code_url = self.urls()
        response = self.client.get(page_url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<svg")
        self.assertContains(response, 'http-equiv="refresh"')  # without JavaScript the page reloads itself
        self.assertContains(response, "learners/checkin.js")
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertNotContains(response, "Ana")  # no learner data on a projected page
        data = self.client.get(code_url).json()
        self.assertTrue(data["svg"].startswith("<svg"))
        self.assertTrue(1 <= data["refresh_in"] <= 31)
        self.assertEqual(data["present"], 0)
        # the attendance page links to it
        response = self.client.get(reverse("learners_staff:attendance", args=[self.session.pk]))
        self.assertContains(response, page_url)

    def test_page_warns_when_the_session_is_not_running(self):
        self.client.force_login(self.teacher)
        response = self.client.get(self.urls(self.next_week)[0])
        self.assertContains(response, "data-checkin-closed")
        response = self.client.get(self.urls(self.session)[0])
        self.assertNotContains(response, "data-checkin-closed")

    def test_the_code_is_the_check_in_address_of_this_session_now(self):
        self.client.force_login(self.teacher)
        shown = checkin.shown_code(session=self.session)
        self.assertTrue(shown.url.startswith("http://testserver/asistencia/"))
        token = shown.url.rstrip("/").rsplit("/", 1)[1]
        parsed = checkin.token_read(token)
        self.assertEqual((parsed.session_id, parsed.step), (self.session.pk, checkin.current_step()))

    def test_others_are_refused(self):
        coordinator = grant(make_user(email="coordinadora@example.cl"), "learners.change_attendancerecord")
        StaffProfile.objects.create(user=coordinator, municipality=Comuna.objects.first() or ensure_comuna())
        academy = grant(make_user(email="academia@example.cl"), "learners.change_attendancerecord")
        for user in [self.other_teacher, self.ana, coordinator, academy]:
            self.client.force_login(user)
            for url in self.urls():
                self.assertEqual(self.client.get(url).status_code, 404, (user, url))
        inactive = make_user(email="ex@example.cl", is_active=False)
        self.cohort.instructors.add(inactive)
        self.client.force_login(inactive)
        for url in self.urls():
            self.assertEqual(self.client.get(url).status_code, 302, url)

    def test_superuser_may_show_any_code(self):
        self.client.force_login(make_user(email="root@example.cl", is_superuser=True))
        self.assertEqual(self.client.get(self.urls(self.other_session)[0]).status_code, 200)

    def test_anonymous_goes_to_login(self):
        for url in self.urls():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith(reverse("accounts:login")))


# Scanning ------------------------------------------------------------------------------------------------------


class CheckinTests(CheckinTestCase):
    def scan(self, url, user=None):
        self.client.force_login(user or self.ana)
        return self.client.get(url)

    def assertRefused(self, response, reason, text, status):
        self.assertEqual(response.status_code, status)
        self.assertEqual(response.context["reason"], reason)
        self.assertContains(response, text, status_code=status)
        self.assertContains(response, "No se registró tu asistencia", status_code=status)

    def test_enrolled_learner_is_marked_present_with_method_and_author(self):
        response = self.scan(checkin_url(self.session))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "¡Listo! Quedaste presente")
        self.assertContains(response, "Juntas de vecinos")
        record = self.record()
        self.assertEqual((record.status, record.method, record.recorded_by), (PRESENT, QR, self.ana))
        # scanning again (or the previous step's code) changes nothing
        response = self.scan(checkin_url(self.session, steps_ago=1))
        self.assertContains(response, "Tu asistencia ya estaba registrada")
        self.assertEqual(AttendanceRecord.objects.count(), 1)

    def test_forwarded_photo_after_its_window_is_refused(self):
        for steps_ago in (2, 30, 2000):
            response = self.scan(checkin_url(self.session, steps_ago=steps_ago))
            self.assertRefused(response, "expired", "Este código ya venció", 400)
        self.assertIsNone(self.record())

    def test_tampered_code_is_refused(self):
        token = token_for(self.session)
        session_id, step, signature = token.split(".")
        for value in [f"{self.other_session.pk}.{step}.{signature}", f"{token}x", "1.2.3"]:
            response = self.scan(reverse("learners:checkin", args=[value]))
            self.assertRefused(response, "invalid", "Este código no es válido", 400)
        self.assertFalse(AttendanceRecord.objects.exists())

    def test_code_of_another_cohorts_session_is_refused(self):
        response = self.scan(checkin_url(self.other_session))
        self.assertRefused(response, "not_enrolled", "no tienes una inscripción vigente", 403)
        self.assertFalse(AttendanceRecord.objects.exists())

    def test_learner_not_enrolled_is_refused(self):
        response = self.scan(checkin_url(self.session), user=self.carla)
        self.assertRefused(response, "not_enrolled", "no tienes una inscripción vigente", 403)
        withdrawn = learner(email="retirada@example.cl")
        enrolment = enrolment_services.enrolment_create(user=withdrawn, course=self.course, cohort=self.cohort)
        Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.WITHDRAWN)
        response = self.scan(checkin_url(self.session), user=withdrawn)
        self.assertRefused(response, "not_enrolled", "no tienes una inscripción vigente", 403)
        self.assertFalse(AttendanceRecord.objects.exists())

    def test_a_suspended_session_is_refused_and_its_page_says_so(self):
        from learners.enrolment.services import session_suspend

        session_suspend(session=self.session)
        response = self.scan(checkin_url(self.session))
        self.assertRefused(response, "suspended", "Esta sesión se suspendió", 403)
        self.assertIsNone(self.record())
        self.client.force_login(self.teacher)
        response = self.client.get(reverse("learners_staff:checkin_display", args=[self.session.pk]))
        self.assertContains(response, "data-checkin-closed")

    def test_sessions_not_running_now_are_refused(self):
        response = self.scan(checkin_url(self.next_week))
        self.assertRefused(response, "not_started", "Esta sesión todavía no empieza", 403)
        self.assertContains(response, "desde las 18:00 del", status_code=403)
        response = self.scan(checkin_url(self.yesterday))
        self.assertRefused(response, "over", "Esta sesión ya terminó", 403)
        self.assertFalse(AttendanceRecord.objects.exists())

    def test_deactivated_and_blocked_accounts_are_refused(self):
        token = token_for(self.session)
        self.ana.is_active = False
        self.ana.save(update_fields=["is_active"])
        response = self.scan(reverse("learners:checkin", args=[token]))  # her old session no longer logs her in
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("accounts:login")))
        with self.assertRaises(CheckinRefused) as refused:
            attendance_checkin(user=self.ana, token=token)
        self.assertEqual(refused.exception.reason, "inactive")
        self.assertIn("Tu cuenta no está activa", refused.exception.message)
        self.ana.is_active = True
        self.ana.save(update_fields=["is_active"])
        self.ana.learner_profile.blocked_at = timezone.now()
        self.ana.learner_profile.save(update_fields=["blocked_at"])
        response = self.scan(reverse("learners:checkin", args=[token]))
        self.assertRefused(response, "inactive", "Tu cuenta no está activa", 403)
        self.assertFalse(AttendanceRecord.objects.exists())

    @override_settings(LEARNERS_CHECKIN_RATE_LIMIT=3)
    def test_attempts_are_rate_limited_per_user(self):
        bad = reverse("learners:checkin", args=["1.2.3"])
        for _ in range(3):
            self.assertEqual(self.scan(bad).status_code, 400)
        response = self.scan(checkin_url(self.session))
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Demasiados intentos", status_code=429)
        self.assertIsNone(self.record())
        # another learner is not slowed down
        response = self.scan(checkin_url(self.session), user=self.carla)
        self.assertEqual(response.status_code, 403)

    def test_qr_mark_counts_for_completion_like_an_instructor_mark(self):
        self.course.min_attendance_percent = 50
        self.course.save()
        AttendanceRecord.objects.create(
            session=self.yesterday, enrolment=self.ana_enrolment, status=ABSENT, recorded_by=self.teacher
        )
        self.scan(checkin_url(self.session))
        self.ana_enrolment.refresh_from_db()
        self.assertEqual(self.ana_enrolment.status, Enrolment.Status.COMPLETED)  # 1 of 2 held, no lessons required


class LoginRoundTripTests(CheckinTestCase):
    def test_logged_out_scan_goes_through_login_and_back(self):
        url = checkin_url(self.session)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 302)
        login_url = response["Location"]
        self.assertTrue(login_url.startswith(reverse("accounts:login") + "?next="))
        self.assertIsNone(self.record())
        response = self.client.post(login_url, {"username": "ana@example.cl", "password": "clave-segura-123"})
        self.assertRedirects(response, url, fetch_redirect_response=False)
        response = self.client.get(url)
        self.assertContains(response, "¡Listo! Quedaste presente")
        self.assertEqual(self.record().method, QR)
        self.assertNotIn("learners_checkin_pending", self.client.session)

    def remember(self, token, seconds_ago):
        session = self.client.session
        session["learners_checkin_pending"] = {"token": token, "seen": timezone.now().timestamp() - seconds_ago}
        session.save()

    def test_code_seen_fresh_before_login_is_accepted_for_a_few_minutes(self):
        token = token_for(self.session, steps_ago=4)  # expired by now, but it was fresh when she scanned it
        self.client.force_login(self.ana)
        self.remember(token, seconds_ago=120)
        response = self.client.get(reverse("learners:checkin", args=[token]))
        self.assertContains(response, "¡Listo! Quedaste presente")

    def test_grace_ends_and_only_covers_the_code_seen(self):
        old = token_for(self.session, steps_ago=40)
        self.client.force_login(self.ana)
        self.remember(old, seconds_ago=601)  # LEARNERS_CHECKIN_LOGIN_GRACE_SECONDS is 600
        response = self.client.get(reverse("learners:checkin", args=[old]))
        self.assertEqual(response.context["reason"], "expired")
        self.remember(token_for(self.session), seconds_ago=10)
        response = self.client.get(reverse("learners:checkin", args=[old]))  # another code than the one seen
        self.assertEqual(response.context["reason"], "expired")
        self.assertIsNone(self.record())

    def test_an_expired_code_scanned_while_logged_out_is_not_remembered(self):
        token = token_for(self.session, steps_ago=5)
        self.client.get(reverse("learners:checkin", args=[token]))
        self.assertNotIn("learners_checkin_pending", self.client.session)


# Which mark wins ---------------------------------------------------------------------------------------------


class PrecedenceTests(CheckinTestCase):
    def mark(self, status):
        self.client.force_login(self.teacher)
        self.client.post(
            reverse("learners_staff:attendance", args=[self.session.pk]), {f"mark-{self.ana_enrolment.pk}": status}
        )

    def scan(self):
        self.client.force_login(self.ana)
        return self.client.get(checkin_url(self.session))

    def test_scan_never_overrides_an_instructor_absent_or_excused(self):
        for status, label in [(ABSENT, "Ausente"), (EXCUSED, "Justificado")]:
            self.mark(status)
            response = self.scan()
            self.assertEqual(response.status_code, 409)
            self.assertContains(response, f"ya te registró como «{label}»", status_code=409)
            record = self.record()
            self.assertEqual((record.status, record.method, record.recorded_by), (status, INSTRUCTOR, self.teacher))

    def test_instructor_present_stays_the_instructors(self):
        self.mark(PRESENT)
        self.assertContains(self.scan(), "Tu asistencia ya estaba registrada")
        self.assertEqual(self.record().method, INSTRUCTOR)

    def test_instructor_corrects_a_scan_and_the_correction_stays(self):
        self.scan()
        self.mark(ABSENT)
        record = self.record()
        self.assertEqual((record.status, record.method, record.recorded_by), (ABSENT, INSTRUCTOR, self.teacher))
        self.assertEqual(self.scan().status_code, 409)
        self.assertEqual(self.record().status, ABSENT)

    def test_saving_the_page_unchanged_keeps_the_learners_qr_mark(self):
        self.scan()
        self.mark(PRESENT)  # the radio button was pre-filled with her scan
        record = self.record()
        self.assertEqual((record.status, record.method, record.recorded_by), (PRESENT, QR, self.ana))

    def test_attendance_page_shows_how_each_mark_was_made(self):
        self.scan()
        self.client.force_login(self.teacher)
        response = self.client.get(reverse("learners_staff:attendance", args=[self.session.pk]))
        self.assertContains(response, 'data-method="qr"')
        self.assertContains(response, "Registró su asistencia con el código QR")
        self.mark(ABSENT)
        response = self.client.get(reverse("learners_staff:attendance", args=[self.session.pk]))
        self.assertContains(response, 'data-method="instructor"')
        self.assertContains(response, "Marcada por Rosa Díaz")

    def test_personal_data_export_includes_method(self):
        from learners.privacy.selectors import learner_data

        self.scan()
        (row,) = learner_data(user=self.ana)["attendance"]
        self.assertEqual((row["status"], row["method"]), (PRESENT, QR))
        self.assertEqual(row["session__date"], self.session.date)


class AttendedHoursTests(CheckinTestCase):
    def test_hours_are_the_sum_of_sessions_marked_present(self):
        from learners.attendance.selectors import attended_hours

        AttendanceRecord.objects.create(session=self.yesterday, enrolment=self.ana_enrolment, status=PRESENT)
        AttendanceRecord.objects.create(session=self.next_week, enrolment=self.ana_enrolment, status=ABSENT)
        self.client.force_login(self.ana)
        self.client.get(checkin_url(self.session))
        self.assertEqual(attended_hours(enrolments=[self.ana_enrolment]), {self.ana_enrolment.pk: Decimal("4.0")})


class AttendanceExportTests(CheckinTestCase):
    def test_export_says_how_and_by_whom_each_mark_was_made(self):
        import io

        import openpyxl

        from learners.privacy.models import AuditEvent

        self.client.force_login(self.ana)
        self.client.get(checkin_url(self.session))
        bea = learner(email="bea@example.cl", given_names="Bea", family_names="Zúñiga")
        bea_enrolment = enrolment_services.enrolment_create(user=bea, course=self.course, cohort=self.cohort)
        self.client.force_login(self.teacher)
        url = reverse("learners_staff:attendance", args=[self.session.pk])
        self.client.post(url, {f"mark-{bea_enrolment.pk}": ABSENT})
        response = self.client.get(url + "?formato=csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = csv_rows(response)
        self.assertEqual(rows[0], ["Nombre", "Asistencia", "Cómo se marcó", "Marcada por", "Fecha y hora de la marca"])
        by_name = {row[0]: row for row in rows[1:]}
        self.assertEqual(by_name["Ana Pérez"][1:4], ["Presente", "Código QR escaneado por la persona", "Ana Pérez"])
        self.assertEqual(by_name["Bea Zúñiga"][1:4], ["Ausente", "Marcada por quien dicta el curso", "Rosa Díaz"])
        local = timezone.localtime(self.record().recorded_at)
        self.assertEqual(by_name["Ana Pérez"][4], local.strftime("%d/%m/%Y %H:%M"))
        response = self.client.get(url + "?formato=csv-programas")
        self.assertRegex(response["Content-Disposition"], r'filename="sesion-\d+-asistencia-\d{8}-programas\.csv"')
        self.assertEqual(csv_rows(response, dialect="programas"), rows)  # same cells, comma-separated
        self.assertContains(self.client.get(url), "?formato=csv-programas")
        response = self.client.get(url + "?formato=xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        self.assertEqual([cell.value for cell in sheet[1]][2], "Cómo se marcó")
        self.assertEqual(AuditEvent.objects.filter(action="attendance.exported").count(), 3)
        # others get no export
        for user in [self.other_teacher, self.ana]:
            self.client.force_login(user)
            self.assertEqual(self.client.get(url + "?formato=csv").status_code, 404)
            self.assertEqual(self.client.get(url + "?formato=csv-programas").status_code, 404)
