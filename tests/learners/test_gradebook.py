"""The gradebook (issue 17, items 1-3): "Mis grupos" for staff, its matrix against a hand-counted cohort, its
filters and exports, who may open what, query counts, and the learner's "Mis notas"."""

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import H5PActivity
from courses.selectors import course_lessons
from learners.attendance.models import AttendanceRecord
from learners.enrolment.models import Enrolment
from learners.gradebook import selectors
from learners.h5p.models import H5PAttempt
from learners.privacy.models import AuditEvent
from learners.progress.models import LessonProgress
from learners.progress.selectors import completion_check
from learners.reflections.models import ReflectionAnswer
from learners.staff.models import StaffProfile
from tests.csv_files import csv_rows
from tests.factories.courses import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    build_course,
    site_root,
)
from tests.factories.h5p_activities import h5p_lesson, make_activity
from tests.factories.learners import cohort, ensure_comuna, learner, make_user, session
from tests.learners.test_admin import grant

PRESENT, ABSENT, EXCUSED = (
    AttendanceRecord.Status.PRESENT,
    AttendanceRecord.Status.ABSENT,
    AttendanceRecord.Status.EXCUSED,
)


def progress(enrolment, lesson, *, score=None, days_ago=0, done=True):
    when = timezone.now() - timedelta(days=days_ago)
    row = LessonProgress.objects.create(
        enrolment=enrolment,
        lesson=lesson,
        course_id=enrolment.course_id,
        completed_at=when if done else None,
        score=score,
    )
    LessonProgress.objects.filter(pk=row.pk).update(updated_at=when)
    return row


def attempt(enrolment, lesson, activity, number, scaled, *, days_ago=0, completed=True):
    when = timezone.now() - timedelta(days=days_ago)
    return H5PAttempt.objects.create(
        user=enrolment.user,
        enrolment=enrolment,
        lesson=lesson,
        activity=activity,
        number=number,
        started_at=when,
        completed_at=when if completed else None,
        scaled=Decimal(scaled) if scaled is not None else None,
    )


def enrol(user, course, group, *, days_ago=1, status=Enrolment.Status.ACTIVE, **fields):
    return Enrolment.objects.create(
        user=user,
        course=course,
        cohort=group,
        status=status,
        enrolled_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


class GradebookTestCase(TestCase):
    """A hand-counted cohort. Course: L1 reading, L2 H5P "best attempt", L3 optional reading (module 1); L4 H5P
    "average" (module 2). Grade required (4.0), attendance 75 %. Four sessions held, one upcoming.

    | learner | done        | scores      | attendance        | grade | flags                               |
    | Ana     | L1 L2       | L2 0.9      | 3/4 = 75 %        | 6.3   | none                                |
    | Luis    | L1 L2       | L2 0.3      | 1/(4−1) = 33.3 %  | 2.5   | failing                             |
    | Eva     | –           | –           | 0/4 = 0 %         | –     | not started, inactive (20 d), failing |
    | Carla   | –           | –           | 4/4 = 100 %       | –     | not started                         |
    | Marta   | L1 L2 L4 (30 days ago), completed | 1.0, 1.0 | 100 % | 7.0 | none (completed)            |
    Waitlisted and withdrawn learners are not in the matrix.
    """

    @classmethod
    def setUpTestData(cls):
        cls.nunoa, cls.maipu = ensure_comuna("13120", "Ñuñoa"), ensure_comuna("13119", "Maipú")
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.course = CoursePageFactory(
            parent=catalogue, title="Participación", grade_required=True, min_attendance_percent=75
        )
        cls.best = make_activity(title="Quiz de participación", grading_method=H5PActivity.GradingMethod.HIGHEST)
        cls.average = make_activity(title="Quiz final", grading_method=H5PActivity.GradingMethod.AVERAGE)
        module1, module2 = ModulePageFactory(parent=cls.course), ModulePageFactory(parent=cls.course)
        cls.l1 = LessonPageFactory(parent=module1, title="Qué es un municipio")
        cls.l2 = h5p_lesson(parent=module1, blocks=[(cls.best, True, 60)], title="El concejo")
        cls.l3 = LessonPageFactory(parent=module1, title="Lectura opcional", required=False)
        cls.l4 = h5p_lesson(parent=module2, blocks=[(cls.average, True, 60)], title="Presupuesto participativo")
        other_course = CoursePageFactory(parent=catalogue, title="Otro curso")

        cls.rosa = make_user(email="rosa@example.cl", first_name="Rosa", last_name="Díaz")
        cls.pablo = make_user(email="pablo@example.cl")
        cls.group = cohort(course=cls.course, name="Grupo Ñuñoa", municipality=cls.nunoa)
        cls.group.instructors.set([cls.rosa])
        cls.other_group = cohort(course=other_course, name="Grupo Maipú", municipality=cls.maipu)
        cls.other_group.instructors.set([cls.pablo])
        today = timezone.localdate()
        held = [session(cohort=cls.group, on=today - timedelta(days=7 * n)) for n in (4, 3, 2, 1)]
        session(cohort=cls.group, on=today + timedelta(days=7))

        def person(given, family):
            return learner(given_names=given, family_names=family, comuna=cls.nunoa)

        cls.ana, cls.luis, cls.eva = person("Ana", "Pérez"), person("Luis", "Vera"), person("Eva", "Soto")
        cls.carla, cls.marta = person("Carla", "Rojas"), person("Marta", "Lagos")
        cls.diego, cls.wanda = person("Diego", "Paz"), person("Wanda", "Ruiz")
        cls.ana_e = enrol(cls.ana, cls.course, cls.group, last_visited_at=timezone.now() - timedelta(days=1))
        cls.luis_e = enrol(cls.luis, cls.course, cls.group)
        cls.eva_e = enrol(cls.eva, cls.course, cls.group, days_ago=20)
        cls.carla_e = enrol(cls.carla, cls.course, cls.group, days_ago=2)
        cls.marta_e = enrol(
            cls.marta,
            cls.course,
            cls.group,
            days_ago=60,
            status=Enrolment.Status.COMPLETED,
            completed_at=timezone.now() - timedelta(days=30),
            final_grade=Decimal("7.0"),
        )
        enrol(cls.diego, cls.course, cls.group, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now())
        enrol(cls.wanda, cls.course, cls.group, status=Enrolment.Status.WITHDRAWN)
        cls.carla_other = enrol(make_user(email="otra@example.cl"), other_course, cls.other_group)

        progress(cls.ana_e, cls.l1, days_ago=3)
        attempt(cls.ana_e, cls.l2, cls.best, 1, "0.5", days_ago=2)
        attempt(cls.ana_e, cls.l2, cls.best, 2, "0.9", days_ago=2)
        progress(cls.ana_e, cls.l2, score=Decimal("0.9"), days_ago=2)
        progress(cls.luis_e, cls.l1, days_ago=1)
        attempt(cls.luis_e, cls.l2, cls.best, 1, "0.3", days_ago=1)
        progress(cls.luis_e, cls.l2, score=Decimal("0.3"), days_ago=1)
        attempt(cls.luis_e, cls.l4, cls.average, 1, None, days_ago=0, completed=False)  # started, not finished
        for lesson, score in ((cls.l1, None), (cls.l2, Decimal("1")), (cls.l4, Decimal("1"))):
            progress(cls.marta_e, lesson, score=score, days_ago=30)
        attempt(cls.marta_e, cls.l2, cls.best, 1, "1", days_ago=30)
        attempt(cls.marta_e, cls.l4, cls.average, 1, "1", days_ago=30)
        marks = {
            cls.ana_e: [PRESENT, PRESENT, ABSENT, PRESENT],
            cls.luis_e: [PRESENT, ABSENT, EXCUSED, ABSENT],
            cls.eva_e: [ABSENT, ABSENT, ABSENT, ABSENT],
            cls.carla_e: [PRESENT] * 4,
            cls.marta_e: [PRESENT] * 4,
        }
        for enrolment, statuses in marks.items():
            for held_session, status in zip(held, statuses, strict=True):
                AttendanceRecord.objects.create(session=held_session, enrolment=enrolment, status=status)

        cls.academy = grant(make_user(email="academia@example.cl"), "learners.change_cohort")
        cls.coordinator = make_user(email="coordinacion@example.cl")
        StaffProfile.objects.create(user=cls.coordinator, municipality=cls.nunoa)
        cls.other_coordinator = make_user(email="coordinacion-maipu@example.cl")
        StaffProfile.objects.create(user=cls.other_coordinator, municipality=cls.maipu)

    def matrix_url(self, group=None, query=""):
        return reverse("learners_staff:group", args=[(group or self.group).pk]) + (f"?{query}" if query else "")

    def learner_url(self, enrolment, group=None):
        return reverse("learners_staff:group_learner", args=[(group or self.group).pk, enrolment.pk])

    def grades_url(self, course=None):
        return reverse("learners:my_grades", args=[(course or self.course).pk])

    def book(self, query=""):
        self.client.force_login(self.rosa)
        response = self.client.get(self.matrix_url(query=query))
        self.assertEqual(response.status_code, 200)
        return response.context["book"]


class MatrixNumbersTests(GradebookTestCase):
    def test_rows_against_the_hand_count(self):
        book = self.book()
        rows = {row.name: row for row in book.rows}
        self.assertEqual(
            [row.name for row in book.rows],
            ["Ana Pérez", "Carla Rojas", "Eva Soto", "Luis Vera", "Marta Lagos"],
        )
        expected = {
            # name: (done, percent, attendance, grade, flags)
            "Ana Pérez": (2, 50, Decimal("75.0"), Decimal("6.3"), []),
            "Luis Vera": (2, 50, Decimal("33.3"), Decimal("2.5"), ["reprobando"]),
            "Eva Soto": (0, 0, Decimal("0.0"), None, ["sin-empezar", "inactivas", "reprobando"]),
            "Carla Rojas": (0, 0, Decimal("100.0"), None, ["sin-empezar"]),
            "Marta Lagos": (3, 75, Decimal("100.0"), Decimal("7.0"), []),
        }
        for name, (done, percent, attendance, grade, flags) in expected.items():
            row = rows[name]
            with self.subTest(name=name):
                self.assertEqual(
                    (row.done, row.percent, row.attendance_percent, row.grade, row.flags),
                    (done, percent, attendance, grade, flags),
                )
        self.assertEqual(book.total, 5)
        self.assertEqual(book.counts, {"sin-empezar": 2, "inactivas": 1, "reprobando": 2, "por-revisar": 0})

    def test_cells_against_the_hand_count(self):
        rows = {row.name: row for row in self.book().rows}
        ana, luis, eva = rows["Ana Pérez"].cells, rows["Luis Vera"].cells, rows["Eva Soto"].cells
        self.assertEqual(
            [(c.done, c.score, c.attempts) if c else None for c in ana], [(True, None, 0), (True, 90, 2), None, None]
        )
        self.assertEqual(
            [(c.done, c.score, c.attempts) if c else None for c in luis],
            [(True, None, 0), (True, 30, 1), None, (False, None, 0)],
        )
        self.assertEqual(eva, [None] * 4)
        self.assertEqual(ana[1].last_activity, timezone.localdate(timezone.now() - timedelta(days=2)))

    def test_the_grade_agrees_with_the_completion_rule(self):
        rows = {row.enrolment.pk: row for row in self.book().rows}
        for enrolment in (self.ana_e, self.luis_e, self.eva_e, self.carla_e):
            check = completion_check(enrolment=enrolment, course=self.course)
            with self.subTest(enrolment=enrolment.pk):
                self.assertEqual(rows[enrolment.pk].check, check)

    def test_answers_waiting_for_feedback_raise_the_flag(self):
        self.assertEqual(selectors.pending_feedback_by_learner(cohort=self.group), {})
        lesson = course_lessons(course=self.course)[0]
        ReflectionAnswer.objects.create(enrolment=self.luis_e, lesson=lesson, block_id="a", prompt="¿?", text="Mi idea")
        ReflectionAnswer.objects.create(enrolment=self.luis_e, lesson=lesson, block_id="b", prompt="¿?", text="Otra")
        ReflectionAnswer.objects.create(enrolment=self.ana_e, lesson=lesson, block_id="a", prompt="¿?", text="")
        ReflectionAnswer.objects.create(
            enrolment=self.eva_e,
            lesson=lesson,
            block_id="a",
            prompt="¿?",
            text="Hecho",
            feedback="Bien",
            feedback_at=timezone.now(),
        )
        self.assertEqual(selectors.pending_feedback_by_learner(cohort=self.group), {self.luis.pk: 2})
        rows = {row.enrolment.pk: row for row in self.book().rows}
        self.assertEqual(rows[self.luis_e.pk].pending_feedback, 2)
        self.assertEqual(rows[self.ana_e.pk].pending_feedback, 0)
        self.assertEqual(rows[self.eva_e.pk].pending_feedback, 0)

    def test_page_shows_the_matrix_with_sticky_names_and_links(self):
        self.client.force_login(self.rosa)
        response = self.client.get(self.matrix_url())
        self.assertContains(response, 'class="gradebook-scroll"')
        self.assertContains(response, 'class="gb-name"', count=6)  # heading + five learners
        self.assertContains(response, self.learner_url(self.ana_e))
        self.assertContains(response, "?filtro=sin-empezar")
        self.assertNotContains(response, "Diego")
        self.assertNotContains(response, "Wanda")

    def test_names_are_escaped(self):
        profile = self.luis.learner_profile
        profile.given_names = '<img src=x onerror="alert(1)">'
        profile.save()
        self.client.force_login(self.rosa)
        response = self.client.get(self.matrix_url())
        self.assertNotContains(response, '<img src=x onerror="alert(1)">')
        self.assertContains(response, "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")
        self.assertContains(response, "<td>6,3</td>")  # Ana's grade, in Chilean notation
        self.assertContains(response, "<td>33,3 %</td>")  # Luis's attendance


class MatrixFilterTests(GradebookTestCase):
    def names(self, query):
        return [row.name for row in self.book(query).rows]

    def test_each_flag_filters(self):
        self.assertEqual(self.names("filtro=sin-empezar"), ["Carla Rojas", "Eva Soto"])
        self.assertEqual(self.names("filtro=inactivas"), ["Eva Soto"])
        self.assertEqual(self.names("filtro=reprobando"), ["Eva Soto", "Luis Vera"])
        self.assertEqual(self.names("filtro=por-revisar"), [])

    def test_sorting_puts_missing_values_last(self):
        self.assertEqual(
            self.names("orden=nota&dir=desc"), ["Marta Lagos", "Ana Pérez", "Luis Vera", "Carla Rojas", "Eva Soto"]
        )
        self.assertEqual(self.names("orden=nota"), ["Luis Vera", "Ana Pérez", "Marta Lagos", "Carla Rojas", "Eva Soto"])
        self.assertEqual(self.names("orden=asistencia")[:2], ["Eva Soto", "Luis Vera"])
        self.assertEqual(self.names("orden=avance&dir=desc")[0], "Marta Lagos")
        self.assertEqual(self.names("orden=nombre&dir=desc")[0], "Marta Lagos")
        self.assertEqual(self.names("filtro=reprobando&orden=nota"), ["Luis Vera", "Eva Soto"])

    def test_bad_values_show_everyone_by_name(self):
        for query in ("filtro=%3Cscript%3E", "orden=password&dir=x", "filtro=&orden=", "filtro[]=1"):
            with self.subTest(query=query):
                self.assertEqual(len(self.names(query)), 5)

    def test_empty_filter_result_says_so(self):
        self.client.force_login(self.rosa)
        response = self.client.get(self.matrix_url(query="filtro=por-revisar"))
        self.assertContains(response, "Ninguna persona del grupo")


class ExportTests(GradebookTestCase):
    def test_csv_has_the_matrix_numbers_and_is_audited(self):
        self.client.force_login(self.rosa)
        response = self.client.get(self.matrix_url(query="filtro=reprobando&formato=csv"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response["Content-Disposition"])
        rows = csv_rows(response)
        self.assertEqual(
            rows[0][:7],
            [
                "Nombre",
                "Estado",
                "Avance (%)",
                "Lecciones completadas",
                "Asistencia (%)",
                "Nota final",
                "Última actividad",
            ],
        )
        self.assertEqual(len(rows[0]), 11 + 3 * 4)
        self.assertEqual([row[0] for row in rows[1:]], ["Eva Soto", "Luis Vera"])
        luis = rows[2]
        self.assertEqual(luis[2:6], ["50", "2", "33,3", "2,5"])  # decimal comma: Excel in Chilean Spanish
        self.assertEqual(luis[11 + 3 : 11 + 6], ["sí", "30", "1"])  # L2: completed, 30 %, one attempt
        event = AuditEvent.objects.get(action="gradebook.exported")
        self.assertEqual((event.actor, event.data["rows"], event.data["format"]), (self.rosa, 2, "csv"))

    def test_csv_for_programs_is_offered_with_commas_and_decimal_points(self):
        self.client.force_login(self.rosa)
        page = self.client.get(self.matrix_url(query="filtro=reprobando"))
        self.assertContains(page, "formato=csv-programas")
        self.assertContains(page, "CSV para programas (separado por comas)")
        self.assertContains(page, "CSV para Excel")
        response = self.client.get(self.matrix_url(query="filtro=reprobando&formato=csv-programas"))
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertRegex(response["Content-Disposition"], r'filename="grupo-\d+-notas-\d{8}-programas\.csv"')
        rows = csv_rows(response, dialect="programas")
        self.assertEqual([row[0] for row in rows[1:]], ["Eva Soto", "Luis Vera"])
        self.assertEqual(rows[2][2:6], ["50", "2", "33.3", "2.5"])
        event = AuditEvent.objects.get(action="gradebook.exported")
        self.assertEqual(event.data["format"], "csv-programas")

    def test_formula_like_names_are_written_as_text(self):
        profile = self.ana.learner_profile
        profile.given_names, profile.family_names = '=HYPERLINK("http://x")', "+1"
        profile.save()
        self.client.force_login(self.rosa)
        response = self.client.get(self.matrix_url(query="formato=csv"))
        names = [row[0] for row in csv_rows(response)]
        self.assertIn('\'=HYPERLINK("http://x") +1', names)
        response = self.client.get(self.matrix_url(query="formato=xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        self.assertIn('\'=HYPERLINK("http://x") +1', [row[0] for row in values])
        ana = next(row for row in values if row[0].startswith("'="))
        self.assertEqual(ana[2:6], [50, 2, 75, 6.3])  # numbers stay numbers

    def test_unknown_format_shows_the_page(self):
        self.client.force_login(self.rosa)
        response = self.client.get(self.matrix_url(query="formato=pdf"))
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "learners/gradebook/matrix.html")


class PermissionTests(GradebookTestCase):
    def status(self, user, url):
        self.client.logout()
        if user is not None:
            self.client.force_login(user)
        return self.client.get(url).status_code

    def test_who_opens_the_matrix_and_the_learner_page(self):
        cases = [
            (self.rosa, self.group, self.ana_e, 200),
            (self.academy, self.group, self.ana_e, 200),
            (self.academy, self.other_group, self.carla_other, 200),
            (self.coordinator, self.group, self.ana_e, 200),
            (self.rosa, self.other_group, self.carla_other, 404),  # not her cohort
            (self.pablo, self.group, self.ana_e, 404),
            (self.coordinator, self.other_group, self.carla_other, 404),  # another municipality
            (self.other_coordinator, self.group, self.ana_e, 404),
            (self.ana, self.group, self.ana_e, 404),  # a learner, even about herself
        ]
        for user, group, enrolment, expected in cases:
            with self.subTest(user=user.email, group=group.name):
                self.assertEqual(self.status(user, self.matrix_url(group)), expected)
                for kind in ("csv", "csv-programas", "xlsx"):  # every download is refused like the page
                    self.assertEqual(self.status(user, f"{self.matrix_url(group)}?formato={kind}"), expected, kind)
                self.assertEqual(self.status(user, self.learner_url(enrolment, group)), expected)
        # an enrolment of another cohort, asked for under her own cohort's address
        self.assertEqual(self.status(self.rosa, self.learner_url(self.carla_other, self.group)), 404)

    def test_waitlisted_learner_page_is_not_found(self):
        waiting = Enrolment.objects.get(user=self.diego)
        self.assertEqual(self.status(self.rosa, self.learner_url(waiting)), 404)

    def test_group_list_shows_only_what_each_one_may_open(self):
        for user, expected in [
            (self.rosa, [self.group]),
            (self.coordinator, [self.group]),
            (self.pablo, [self.other_group]),
            (self.ana, []),
        ]:
            with self.subTest(user=user.email):
                self.client.force_login(user)
                response = self.client.get(reverse("learners_staff:groups"))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["cohorts"], expected)
        self.client.force_login(self.academy)
        response = self.client.get(reverse("learners_staff:groups"))
        self.assertEqual(set(response.context["cohorts"]), {self.group, self.other_group})

    def test_coordinator_is_read_only(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.matrix_url())
        self.assertTrue(response.context["read_only"])
        self.assertNotContains(response, reverse("learners_staff:sessions"))
        self.client.force_login(self.rosa)
        response = self.client.get(self.matrix_url())
        self.assertFalse(response.context["read_only"])
        self.assertContains(response, reverse("learners_staff:sessions"))

    @override_settings(LOGIN_URL="/cuenta/ingresar/")
    def test_anonymous_goes_to_login(self):
        for url in [
            reverse("learners_staff:groups"),
            self.matrix_url(),
            self.matrix_url(query="formato=csv"),
            self.matrix_url(query="formato=csv-programas"),
            self.learner_url(self.ana_e),
            self.grades_url(),
        ]:
            with self.subTest(url=url):
                self.client.logout()
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith("/cuenta/ingresar/"))

    @override_settings(LOGIN_URL="/cuenta/ingresar/")
    def test_inactive_accounts_are_refused(self):
        for user, url in [(self.rosa, self.matrix_url()), (self.ana, self.grades_url())]:
            with self.subTest(user=user.email):
                self.client.force_login(user)
                get_user_model().objects.filter(pk=user.pk).update(is_active=False)
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith("/cuenta/ingresar/"))

    def test_learner_sees_only_her_own_grades(self):
        self.client.force_login(self.ana)
        response = self.client.get(self.grades_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["report"].enrolment, self.ana_e)
        self.assertNotContains(response, "Luis")
        other = self.other_group.course
        self.assertEqual(self.client.get(self.grades_url(other)).status_code, 404)  # not enrolled there
        self.assertEqual(self.client.get("/cursos/999999/mis-notas/").status_code, 404)
        self.client.force_login(self.diego)  # waitlisted: no grades yet
        self.assertEqual(self.client.get(self.grades_url()).status_code, 404)
        self.client.force_login(self.wanda)  # withdrawn
        self.assertEqual(self.client.get(self.grades_url()).status_code, 404)

    def test_learner_page_view_is_audited(self):
        self.client.force_login(self.coordinator)
        self.client.get(self.learner_url(self.luis_e))
        event = AuditEvent.objects.get(action="gradebook.learner_viewed")
        self.assertEqual((event.actor, event.subject_id), (self.coordinator, str(self.luis_e.pk)))


class MyGradesTests(GradebookTestCase):
    def report(self, user):
        self.client.force_login(user)
        response = self.client.get(self.grades_url())
        self.assertEqual(response.status_code, 200)
        return response, response.context["report"]

    def test_ana_misses_lesson_4(self):
        response, report = self.report(self.ana)
        self.assertEqual(report.missing_sentence, "Te falta: completar la lección 4.")
        self.assertContains(response, "Te falta: completar la lección 4.")
        self.assertContains(response, "Se considera tu mejor intento.")
        self.assertContains(response, "Se considera el promedio de tus intentos.")
        activities = {
            activity.title: (activity.grade.attempts, activity.percent) for _, activity in report.graded_activities
        }
        self.assertEqual(activities, {"Quiz de participación": (2, 90), "Quiz final": (0, None)})
        self.assertEqual(report.check.grade, Decimal("6.3"))
        self.assertEqual(report.attendance.percent, Decimal("75.0"))

    def test_reflection_feedback_is_shown_escaped(self):
        lesson = course_lessons(course=self.course)[0]
        ReflectionAnswer.objects.create(
            enrolment=self.ana_e,
            lesson=lesson,
            block_id="p1",
            prompt="¿Qué harías en tu junta?",
            text="Convocar a una asamblea",
            feedback="Muy bien, <b>Ana</b>",
            feedback_at=timezone.now(),
        )
        response, _ = self.report(self.ana)
        self.assertContains(response, "Comentario del equipo docente")
        self.assertContains(response, "Muy bien, &lt;b&gt;Ana&lt;/b&gt;")
        response, _ = self.report(self.luis)
        self.assertNotContains(response, "Muy bien")

    def test_luis_misses_a_lesson_the_grade_and_attendance_he_can_no_longer_reach(self):
        _, report = self.report(self.luis)
        self.assertEqual(
            report.missing_sentence,
            "Te falta: completar la lección 4, subir la nota final de 2,5 a 4,0 como mínimo y llegar a 75 % de "
            "asistencia (hoy 33,3 %), algo que las sesiones que quedan ya no permiten.",
        )

    def test_missing_sessions_are_counted_with_the_certification_arithmetic(self):
        from learners.attendance.selectors import AttendanceSummary

        self.assertEqual(
            selectors.sessions_needed(summary=AttendanceSummary(held=4, present=2, excused=0), minimum=75), 4
        )
        self.assertEqual(
            selectors.sessions_needed(summary=AttendanceSummary(held=4, present=3, excused=0), minimum=75), 0
        )
        self.assertEqual(
            selectors.sessions_needed(summary=AttendanceSummary(held=3, present=2, excused=0), minimum=75), 1
        )
        self.assertIsNone(
            selectors.sessions_needed(summary=AttendanceSummary(held=3, present=2, excused=0), minimum=100)
        )

    def test_one_more_session(self):
        record = AttendanceRecord.objects.filter(enrolment=self.ana_e, status=PRESENT).order_by("session__date")[0]
        record.status = EXCUSED
        record.save()
        progress(self.ana_e, self.l4, score=Decimal("0.6"))
        _, report = self.report(self.ana)  # 2 present of 3 counted: 66.7 %; the upcoming session → 3/4 = 75 %
        self.assertEqual(report.missing, ["asistir a una sesión más"])
        self.assertEqual(report.missing_sentence, "Te falta: asistir a una sesión más.")
        self.assertTrue(report.check.lessons_ok)

    def test_text_never_disagrees_with_certification(self):
        for user, enrolment in [(self.ana, self.ana_e), (self.luis, self.luis_e), (self.eva, self.eva_e)]:
            _, report = self.report(user)
            check = completion_check(enrolment=enrolment, course=self.course)
            with self.subTest(user=user.email):
                self.assertEqual(report.check, check)
                self.assertEqual(bool(report.missing), not check.met)

    def test_grade_so_far_when_the_course_does_not_require_one(self):
        self.course.grade_required = False
        self.course.save()
        response, report = self.report(self.ana)
        self.assertIsNone(report.check.grade)  # the rule computes it only when every required lesson is done
        self.assertEqual(report.grade, Decimal("6.3"))  # what the matrix shows too
        self.assertContains(response, '<strong class="grade">6,3</strong>')
        self.assertEqual({row.name: row.grade for row in self.book().rows}["Ana Pérez"], Decimal("6.3"))

    def test_completed_course(self):
        response, report = self.report(self.marta)
        self.assertTrue(report.completed)
        self.assertEqual(report.missing, [])
        self.assertContains(response, "Tu certificado está en Mis cursos")

    def test_links_from_the_course_page_and_my_courses(self):
        self.client.force_login(self.ana)
        self.assertContains(self.client.get(self.course.url), self.grades_url())
        self.assertContains(self.client.get(reverse("learners:dashboard")), self.grades_url())
        self.client.force_login(self.marta)
        self.assertContains(self.client.get(reverse("learners:dashboard")), self.grades_url())

    def test_staff_learner_page_speaks_about_her(self):
        self.client.force_login(self.rosa)
        response = self.client.get(self.learner_url(self.luis_e))
        self.assertContains(response, "Le falta: completar la lección 4")
        self.assertContains(response, "Luis Vera")


class AdminHomePanelTests(GradebookTestCase):
    def test_instructor_sees_her_groups_on_the_admin_home(self):
        grant(self.rosa, "wagtailadmin.access_admin")
        self.client.force_login(self.rosa)
        response = self.client.get(reverse("wagtailadmin_home"))
        self.assertContains(response, "Mis grupos")
        self.assertContains(response, self.matrix_url())
        self.assertNotContains(response, self.matrix_url(self.other_group))

    def test_staff_without_groups_get_no_panel(self):
        editor = grant(make_user(email="editora@example.cl"), "wagtailadmin.access_admin")
        self.client.force_login(editor)
        response = self.client.get(reverse("wagtailadmin_home"))
        self.assertNotContains(response, "my-groups-panel")

    def test_staff_pages_link_to_my_groups(self):
        self.client.force_login(self.rosa)
        self.assertContains(self.client.get(reverse("learners_staff:sessions")), reverse("learners_staff:groups"))
        self.assertContains(self.client.get(reverse("learners:dashboard")), reverse("learners_staff:groups"))


# Query counts ---------------------------------------------------------------------------------------------------


MATRIX_QUERIES = (
    14  # session user, scope (5), cohort, lessons, enrolments, progress, attempts, attendance (2), answers waiting
    # for feedback (the site, its settings and menu come from the page cache: courses.page_cache)
)
# user, enrolment, lessons, modules, attempts, progress, completion rule (3), sessions (4), reflection answers and
# their feedback (the site, its settings and menu from the page cache)
MY_GRADES_QUERIES = 16


class QueryCountTests(TestCase):
    """The matrix costs the same with 5 learners as with 200; "Mis notas" the same with 3 lessons as with 60."""

    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.course = build_course(catalogue=catalogue, modules=2, lessons=3, min_attendance_percent=75)
        cls.lessons = list(course_lessons(course=cls.course))
        cls.teacher = make_user(email="profe@example.cl")
        cls.group = cohort(course=cls.course)
        cls.group.instructors.set([cls.teacher])
        session(cohort=cls.group, on=timezone.localdate() - timedelta(days=1))
        cls.add_learners(5)

    @classmethod
    def add_learners(cls, count):
        start = Enrolment.objects.count()
        users = get_user_model().objects.bulk_create(
            [
                get_user_model()(username=f"p{start + n}@example.cl", email=f"p{start + n}@example.cl")
                for n in range(count)
            ]
        )
        enrolments = Enrolment.objects.bulk_create(
            [Enrolment(user=user, course=cls.course, cohort=cls.group) for user in users]
        )
        now = timezone.now()
        LessonProgress.objects.bulk_create(
            [
                LessonProgress(enrolment=e, lesson=lesson, course=cls.course, completed_at=now, score=Decimal("0.7"))
                for e in enrolments
                for lesson in cls.lessons[:2]
            ]
        )

    def count(self, url):
        self.client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(captured), response

    def test_matrix_with_5_and_200_learners(self):
        self.client.force_login(self.teacher)
        url = reverse("learners_staff:group", args=[self.group.pk])
        small, response = self.count(url)
        self.assertEqual(response.context["book"].total, 5)
        self.add_learners(195)
        with self.assertNumQueries(small):
            response = self.client.get(url)
        self.assertEqual(response.context["book"].total, 200)
        self.assertEqual(small, MATRIX_QUERIES)

    def test_export_with_5_and_200_learners(self):
        self.client.force_login(self.teacher)
        url = reverse("learners_staff:group", args=[self.group.pk]) + "?formato=xlsx"
        small, _ = self.count(url)
        self.add_learners(195)
        with self.assertNumQueries(small):  # the same reads, and the audit entry
            self.client.get(url)

    def test_my_grades_with_3_and_60_lessons(self):
        user = learner()
        small_course = self.course
        big = build_course(catalogue=small_course.get_parent(), modules=6, lessons=10, min_attendance_percent=75)
        Enrolment.objects.create(user=user, course=small_course, cohort=self.group)
        big_group = cohort(course=big)
        session(cohort=big_group, on=timezone.localdate())
        Enrolment.objects.create(user=user, course=big, cohort=big_group)
        self.client.force_login(user)
        small, _ = self.count(reverse("learners:my_grades", args=[small_course.pk]))
        large, response = self.count(reverse("learners:my_grades", args=[big.pk]))
        self.assertEqual(len(response.context["report"].lessons), 60)
        self.assertEqual(large, small)
        self.assertEqual(small, MY_GRADES_QUERIES)
