"""The weekly digests (issue 14, item 6): what the instructor's and the academy's digests report, to whom, when it is
time, their deduplication keys, escaping and query counts. Time is frozen by passing ``now``."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Workflow, WorkflowState

from cms import roles
from courses.models import CourseInstructor, LessonPage
from courses.public_address import public_url
from learners.attendance.models import AttendanceRecord
from learners.enrolment.models import Enrolment, Session
from learners.gradebook.selectors import cohort_gradebook
from learners.h5p.models import H5PAttempt
from learners.notifications.digests import (
    ACADEMY_KIND,
    INSTRUCTOR_KIND,
    academy_weekly_digests,
    digest_week,
    instructor_weekly_digests,
)
from learners.notifications.messages import Outgoing
from learners.privacy.models import DataRequest
from learners.progress.models import LessonProgress
from learners.staff.models import StaffProfile
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.h5p_activities import make_activity
from tests.factories.learners import cohort, ensure_comuna, learner, make_user, session

SANTIAGO = ZoneInfo("America/Santiago")
MONDAY = datetime(2026, 3, 23, 9, 0, tzinfo=SANTIAGO)  # ISO week 2026-W13


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SANTIAGO)


def enrol(user, group, *, days_ago=20, status=Enrolment.Status.ACTIVE):
    return Enrolment.objects.create(
        user=user, course=group.course, cohort=group, status=status, enrolled_at=MONDAY - timedelta(days=days_ago)
    )


def by_recipient(messages: list[Outgoing]) -> dict[int, Outgoing]:
    return {message.recipient_id: message for message in messages}


class DigestTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, title="Presupuestos participativos", modules=1, lessons=2)
        cls.other_course = build_course(catalogue=catalogue, title="Juntas de vecinos", modules=1, lessons=1)
        cls.teacher = make_user(email="docente@example.cl", first_name="Carmen")
        cls.colleague = make_user(email="colega@example.cl", first_name="Rosa")
        cls.mine = cohort(course=cls.course, name="Grupo Ñuñoa", starts_on=date(2026, 3, 2))
        cls.mine.instructors.set([cls.teacher])
        cls.theirs = cohort(course=cls.other_course, name="Grupo Maipú", starts_on=date(2026, 3, 2))
        cls.theirs.instructors.set([cls.colleague])
        cls.lesson = LessonPage.objects.descendant_of(cls.course).first()

    def instructor_messages(self, now=MONDAY) -> dict[int, Outgoing]:
        return by_recipient(list(instructor_weekly_digests(now)))


class WhenItIsTimeTests(DigestTestCase):
    def setUp(self):
        enrol(learner(given_names="Luisa"), self.mine)

    def test_only_on_monday_from_seven_santiago_time(self):
        monday = MONDAY.date()
        self.assertEqual(list(instructor_weekly_digests(at(monday, 6, 59))), [])
        self.assertEqual(len(list(instructor_weekly_digests(at(monday, 7, 0)))), 1)
        self.assertEqual(len(list(instructor_weekly_digests(at(monday, 23, 59)))), 1)
        self.assertEqual(list(instructor_weekly_digests(at(monday + timedelta(days=1), 9))), [])
        self.assertEqual(list(instructor_weekly_digests(at(monday - timedelta(days=1), 9))), [])

    def test_the_day_is_santiagos_not_utcs(self):
        sunday_night = at(date(2026, 3, 22), 23, 30)  # already Monday 02:30 in UTC
        self.assertEqual(sunday_night.astimezone(ZoneInfo("UTC")).weekday(), 0)
        self.assertIsNone(digest_week(sunday_night))
        self.assertEqual(list(instructor_weekly_digests(sunday_night)), [])
        self.assertEqual(list(academy_weekly_digests(sunday_night)), [])

    @override_settings(LEARNERS_DIGEST_WEEKDAY=4, LEARNERS_DIGEST_HOUR=16)
    def test_day_and_hour_are_settings(self):
        friday = date(2026, 3, 27)
        self.assertEqual(list(instructor_weekly_digests(MONDAY)), [])
        self.assertEqual(list(instructor_weekly_digests(at(friday, 15, 59))), [])
        self.assertEqual(len(list(instructor_weekly_digests(at(friday, 16)))), 1)

    def test_same_keys_twice_in_a_week_and_new_keys_the_next(self):
        first = list(instructor_weekly_digests(at(MONDAY.date(), 8)))
        again = list(instructor_weekly_digests(at(MONDAY.date(), 21, 45)))
        self.assertEqual([m.dedup_key for m in first], [m.dedup_key for m in again])
        self.assertEqual(first[0].dedup_key, f"resumen-docente:{self.teacher.pk}:2026-W13")
        next_week = list(instructor_weekly_digests(MONDAY + timedelta(days=7)))
        self.assertEqual(next_week[0].dedup_key, f"resumen-docente:{self.teacher.pk}:2026-W14")

    def test_iso_week_of_the_new_year(self):
        self.assertEqual(digest_week(at(date(2026, 12, 28), 7)), (2026, 53))
        self.assertEqual(digest_week(at(date(2027, 1, 4), 7)), (2027, 1))


class SessionsToMarkTests(DigestTestCase):
    def setUp(self):
        self.ana = enrol(learner(given_names="Ana"), self.mine, days_ago=1)  # recently enrolled: not "not started"
        enrol(learner(given_names="Beto"), self.theirs, days_ago=1)

    def test_a_past_session_without_attendance_is_listed_with_its_link(self):
        past = session(cohort=self.mine, on=date(2026, 3, 19))
        message = self.instructor_messages()[self.teacher.pk]
        self.assertEqual(message.kind, INSTRUCTOR_KIND)
        url = public_url(reverse("learners_staff:attendance", args=[past.pk]))
        self.assertTrue(url.startswith("http://testserver/"))
        self.assertIn(url, message.text)
        self.assertIn(f'href="{url}"', message.html)
        self.assertIn("jueves 19/03/2026, 18:30–20:30", message.text)
        self.assertIn("Sesiones para tomar asistencia", message.html)

    def test_sessions_that_need_no_attendance_are_left_out(self):
        taken = session(cohort=self.mine, on=date(2026, 3, 18))
        AttendanceRecord.objects.create(session=taken, enrolment=self.ana, status=AttendanceRecord.Status.ABSENT)
        session(cohort=self.mine, on=date(2026, 3, 24))  # tomorrow
        session(cohort=self.mine, on=MONDAY.date())  # tonight at 18:30: not over at 09:00
        suspended = session(cohort=self.mine, on=date(2026, 3, 17))
        Session.objects.filter(pk=suspended.pk).update(status=Session.Status.SUSPENDED)
        session(cohort=self.mine, on=date(2026, 2, 10))  # older than LEARNERS_DIGEST_ATTENDANCE_DAYS
        session(cohort=self.theirs, on=date(2026, 3, 19))  # another instructor's cohort
        self.assertNotIn(self.teacher.pk, self.instructor_messages())

    def test_a_session_of_today_appears_once_it_has_ended(self):
        today = session(cohort=self.mine, on=MONDAY.date())
        self.assertNotIn(self.teacher.pk, self.instructor_messages(at(MONDAY.date(), 20, 29)))
        message = self.instructor_messages(at(MONDAY.date(), 20, 30))[self.teacher.pk]
        self.assertIn(reverse("learners_staff:attendance", args=[today.pk]), message.text)

    def test_the_other_instructor_gets_her_own_session_only(self):
        mine = session(cohort=self.mine, on=date(2026, 3, 19))
        theirs = session(cohort=self.theirs, on=date(2026, 3, 20))
        messages = self.instructor_messages()
        self.assertIn(reverse("learners_staff:attendance", args=[theirs.pk]), messages[self.colleague.pk].text)
        self.assertNotIn(reverse("learners_staff:attendance", args=[mine.pk]), messages[self.colleague.pk].text)
        self.assertNotIn(reverse("learners_staff:attendance", args=[theirs.pk]), messages[self.teacher.pk].text)


class NotStartedTests(DigestTestCase):
    def test_learners_who_have_not_started_are_named_to_their_instructor_only(self):
        enrol(learner(given_names="Luisa", family_names="Rojas"), self.mine)
        started = enrol(learner(given_names="Marta", family_names="Vera"), self.mine)
        LessonProgress.objects.create(enrolment=started, lesson=self.lesson, course=self.course)
        visited = enrol(learner(given_names="Nora", family_names="Díaz"), self.mine)
        Enrolment.objects.filter(pk=visited.pk).update(last_visited_at=MONDAY - timedelta(days=3))
        attempted = enrol(learner(given_names="Olga", family_names="Paz"), self.mine)
        H5PAttempt.objects.create(
            user=attempted.user, enrolment=attempted, lesson=self.lesson, activity=make_activity(), number=1
        )
        enrol(learner(given_names="Pía", family_names="Soto"), self.mine, days_ago=3)  # enrolled 3 days ago
        enrol(learner(given_names="Rita", family_names="Lagos"), self.mine, status=Enrolment.Status.WITHDRAWN)
        enrol(learner(given_names="Sara", family_names="Muñoz"), self.theirs)

        messages = self.instructor_messages()
        text = messages[self.teacher.pk].text
        self.assertIn("- Luisa Rojas\n", text)
        for name in ("Marta Vera", "Nora Díaz", "Olga Paz", "Pía Soto", "Rita Lagos", "Sara Muñoz"):
            self.assertNotIn(name, text)
        self.assertIn("Sara Muñoz", messages[self.colleague.pk].text)
        self.assertNotIn("Luisa Rojas", messages[self.colleague.pk].text)
        group_url = public_url(reverse("learners_staff:group", args=[self.mine.pk])) + "?filtro=sin-empezar"
        self.assertIn(group_url, text)
        self.assertIn("PARTICIPANTES QUE NO HAN EMPEZADO", text)
        self.assertIn("Participantes que no han empezado", messages[self.teacher.pk].html)
        self.assertIn("Grupo Ñuñoa (1)", text)

    def test_the_same_learners_as_the_gradebook_flag(self):
        enrol(learner(given_names="Luisa", family_names="Rojas"), self.mine)
        started = enrol(learner(given_names="Marta", family_names="Vera"), self.mine)
        LessonProgress.objects.create(enrolment=started, lesson=self.lesson, course=self.course)
        book = cohort_gradebook(cohort=self.mine, now=MONDAY)
        flagged = sorted(row.name for row in book.rows if row.not_started)
        text = self.instructor_messages()[self.teacher.pk].text
        self.assertEqual(flagged, ["Luisa Rojas"])
        self.assertIn("- Luisa Rojas", text)

    def test_a_cohort_that_has_not_run_long_enough_or_is_over_is_left_out(self):
        starting = cohort(course=self.course, name="Grupo nuevo", starts_on=date(2026, 3, 20))
        starting.instructors.set([self.teacher])
        enrol(learner(given_names="Luisa", family_names="Rojas"), starting)
        over = cohort(course=self.course, name="Grupo 2025", starts_on=date(2025, 3, 3), ends_on=date(2025, 12, 1))
        over.instructors.set([self.teacher])
        enrol(learner(given_names="Marta", family_names="Vera"), over, days_ago=300)
        self.assertNotIn(self.teacher.pk, self.instructor_messages())

    def test_an_instructor_named_on_the_course_sees_its_cohorts(self):
        named = make_user(email="titular@example.cl")
        CourseInstructor.objects.create(page=self.course, user=named, name="Titular")
        enrol(learner(given_names="Luisa", family_names="Rojas"), self.mine)
        self.assertIn("Luisa Rojas", self.instructor_messages()[named.pk].text)

    def test_names_are_escaped_in_html_and_plain_in_text(self):
        enrol(learner(given_names='<b>Ana</b> & "Eva"', family_names="<script>x</script>"), self.mine)
        message = self.instructor_messages()[self.teacher.pk]
        self.assertNotIn("<script>", message.html)
        self.assertNotIn("<b>Ana", message.html)
        self.assertIn("&lt;b&gt;Ana&lt;/b&gt; &amp; &quot;Eva&quot; &lt;script&gt;x&lt;/script&gt;", message.html)
        self.assertIn('<b>Ana</b> & "Eva" <script>x</script>', message.text)


class WhoGetsAnInstructorDigestTests(DigestTestCase):
    def setUp(self):
        enrol(learner(given_names="Luisa", family_names="Rojas"), self.mine)

    def test_a_deactivated_instructor_gets_nothing(self):
        self.teacher.is_active = False
        self.teacher.save()
        self.assertEqual(self.instructor_messages(), {})

    def test_the_municipal_coordinator_gets_no_instructor_digest(self):
        StaffProfile.objects.create(user=self.teacher, municipality=ensure_comuna())
        self.assertNotIn(self.teacher.pk, self.instructor_messages())

    def test_academy_staff_who_teach_get_the_academy_digest_instead(self):
        self.teacher.groups.add(Group.objects.get(name=roles.ACADEMY))
        self.assertNotIn(self.teacher.pk, self.instructor_messages())

    def test_nothing_to_report_yields_nothing(self):
        Enrolment.objects.all().delete()
        session(cohort=self.mine, on=date(2026, 3, 19))  # no learners: no attendance to take
        self.assertEqual(self.instructor_messages(), {})
        self.assertEqual(list(academy_weekly_digests(MONDAY)), [])


class ReviewTests(DigestTestCase):
    def submit(self, page, user):
        page.save_revision(user=user)
        return Workflow.objects.get(name=roles.WORKFLOW_NAME).start(page, user)

    def test_changes_awaiting_review_reach_the_instructor_and_the_academy(self):
        CourseInstructor.objects.create(page=self.course, user=self.teacher, name="Carmen")
        academy = make_user(email="academia@example.cl", first_name="Inés")
        academy.groups.add(Group.objects.get(name=roles.ACADEMY))
        self.lesson.title = "Lección <revisada>"
        self.lesson.save()
        state = self.submit(self.lesson, self.teacher)
        WorkflowState.objects.filter(pk=state.pk).update(created_at=MONDAY - timedelta(days=2))
        edit_url = public_url(reverse("wagtailadmin_pages:edit", args=[self.lesson.pk]))

        instructor = self.instructor_messages()[self.teacher.pk]
        self.assertIn(edit_url, instructor.text)
        self.assertIn("Lección <revisada> · enviada el 21/03/2026", instructor.text)
        self.assertIn("Lección &lt;revisada&gt;", instructor.html)
        self.assertNotIn(self.colleague.pk, self.instructor_messages())

        academy_message = by_recipient(list(academy_weekly_digests(MONDAY)))[academy.pk]
        self.assertIn(edit_url, academy_message.text)
        self.assertIn("Cambios que esperan tu revisión", academy_message.html)


@override_settings(LEARNERS_EXTRA_HOLIDAYS=())
class AcademyDigestTests(DigestTestCase):
    def setUp(self):
        self.academy = make_user(email="academia@example.cl", first_name="Inés")
        self.academy.groups.add(Group.objects.get(name=roles.ACADEMY))
        self.requester = learner(given_names="Fernanda", family_names="Iturra")

    def request(self, *, due_on, kind=DataRequest.Kind.ACCESS, status=DataRequest.Status.OPEN):
        return DataRequest.objects.create(
            user=self.requester,
            kind=kind,
            details="Quiero saber qué datos tienen de mi hija",
            due_on=due_on,
            status=status,
            created_at=MONDAY - timedelta(days=20),
        )

    def test_pending_requests_by_reference_number_and_deadline(self):
        overdue = self.request(due_on=date(2026, 3, 20), kind=DataRequest.Kind.BLOCKING)
        this_week = self.request(due_on=date(2026, 3, 29))
        later = self.request(due_on=date(2026, 4, 10), kind=DataRequest.Kind.DELETION)
        done = self.request(due_on=date(2026, 3, 25), status=DataRequest.Status.DONE)

        messages = by_recipient(list(academy_weekly_digests(MONDAY)))
        message = messages[self.academy.pk]
        self.assertEqual(message.kind, ACADEMY_KIND)
        self.assertEqual(message.dedup_key, f"resumen-academia:{self.academy.pk}:2026-W13")
        self.assertIn("vencido", message.subject)
        text = message.text
        self.assertIn(f"N.º {overdue.pk} · Bloqueo de mis datos · plazo 20/03/2026 · VENCIDA", text)
        self.assertIn(f"N.º {this_week.pk} · Acceso a mis datos · plazo 29/03/2026 · VENCE ESTA SEMANA", text)
        self.assertIn(f"N.º {later.pk} · Eliminación de mis datos · plazo 10/04/2026\n", text)
        self.assertNotIn(f"N.º {done.pk} ", text)
        self.assertLess(text.index(f"N.º {overdue.pk} "), text.index(f"N.º {this_week.pk} "))
        self.assertIn(public_url(reverse("learners_data_request_answer", args=[overdue.pk])), text)
        self.assertIn(public_url(reverse("learners_data_request:index")), message.html)
        for private in ("Fernanda", "Iturra", "hija", self.requester.email):
            self.assertNotIn(private, text)
            self.assertNotIn(private, message.html)

    def test_who_gets_the_academy_digest(self):
        self.request(due_on=date(2026, 3, 29))
        administrator = make_user(email="admin@example.cl")
        administrator.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
        retired = make_user(email="retirada@example.cl", is_active=False)
        retired.groups.add(Group.objects.get(name=roles.ACADEMY))
        coordinator = make_user(email="coordinacion@example.cl")
        coordinator.groups.add(Group.objects.get(name=roles.COORDINATOR))
        instructor = make_user(email="instructora@example.cl")
        instructor.groups.add(Group.objects.get(name=roles.INSTRUCTOR))
        recipients = set(by_recipient(list(academy_weekly_digests(MONDAY))))
        self.assertEqual(recipients, {self.academy.pk, administrator.pk})

    def test_no_open_request_and_no_review_yields_nothing(self):
        self.request(due_on=date(2026, 3, 25), status=DataRequest.Status.DONE)
        self.assertEqual(list(academy_weekly_digests(MONDAY)), [])

    def test_same_keys_twice_in_a_week(self):
        self.request(due_on=date(2026, 3, 29))
        first = [m.dedup_key for m in academy_weekly_digests(at(MONDAY.date(), 7))]
        again = [m.dedup_key for m in academy_weekly_digests(at(MONDAY.date(), 18))]
        later = [m.dedup_key for m in academy_weekly_digests(MONDAY + timedelta(days=7))]
        self.assertEqual(first, again)
        self.assertEqual(later, [f"resumen-academia:{self.academy.pk}:2026-W14"])


class QueryCountTests(DigestTestCase):
    """The instructor's digest costs the same with 2 cohorts as with 20 (and as many learners and sessions)."""

    def add_cohorts(self, count: int):
        for number in range(count):
            group = cohort(course=self.course, name=f"Grupo {number}", starts_on=date(2026, 3, 2))
            group.instructors.set([self.teacher])
            for _ in range(3):
                enrol(learner(), group)
            session(cohort=group, on=date(2026, 3, 19))

    def queries(self) -> int:
        with CaptureQueriesContext(connection) as captured:
            messages = self.instructor_messages()
        self.assertIn(self.teacher.pk, messages)
        return len(captured)

    def test_query_count_does_not_grow_with_cohorts_or_learners(self):
        self.theirs.instructors.clear()
        self.add_cohorts(2)
        self.queries()  # warm the content type cache
        with self.assertNumQueries(9):
            messages = self.instructor_messages()
        self.assertEqual(messages[self.teacher.pk].text.count("/asistencia/"), 2)
        self.add_cohorts(18)
        with self.assertNumQueries(9):
            messages = self.instructor_messages()
        self.assertEqual(messages[self.teacher.pk].text.count("/asistencia/"), 20)
        self.assertEqual(messages[self.teacher.pk].text.count("/equipo/grupos/"), 21)

    def test_academy_digest_query_count_does_not_grow_with_requests(self):
        academy = make_user(email="academia@example.cl")
        academy.groups.add(Group.objects.get(name=roles.ACADEMY))
        requester = learner()
        DataRequest.objects.create(user=requester, kind="access", due_on=date(2026, 3, 29))
        list(academy_weekly_digests(MONDAY))
        with CaptureQueriesContext(connection) as few:
            list(academy_weekly_digests(MONDAY))
        for _ in range(20):
            DataRequest.objects.create(user=requester, kind="access", due_on=date(2026, 3, 29))
        with self.assertNumQueries(len(few)):
            messages = list(academy_weekly_digests(MONDAY))
        self.assertEqual(messages[0].text.count("N.º"), 21)
