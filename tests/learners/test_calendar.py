"""Sessions and calendars (issue 14 items 1-2): the session services (state, SEQUENCE), the .ics files (parsed back
with icalendar and with a small parser written here), who may see what, "Mi calendario", the course page and
"Mis cursos", the private subscription addresses and personal data."""

import io
import json
import zipfile
from datetime import time, timedelta
from decimal import Decimal

import icalendar
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.public_address import public_host
from learners.calendar import services as calendar_services
from learners.calendar.models import CalendarFeed
from learners.enrolment import services
from learners.enrolment.models import Enrolment, Session
from learners.privacy.selectors import learner_data_zip
from learners.privacy.services import learner_block, learner_delete
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, site_root
from tests.factories.learners import learner, make_cohort, make_user

LONG_DIRECTIONS = (
    "Desde el paradero 14 de Av. Grecia camina dos cuadras al oriente por Los Aromos; la sede está frente a la "
    "multicancha, entrada por el portón verde. Acceso sin escalones y baño accesible."
)


def unfold(raw: bytes) -> list[tuple[str, dict[str, str], str]]:
    """An independent reading of RFC 5545 content lines: CRLF line ends, folded lines joined, NAME;PARAMS:VALUE."""
    text = raw.decode("utf-8")
    assert "\n" not in text.replace("\r\n", ""), "a line ends without CR"
    lines = []
    for line in text.split("\r\n"):
        if line.startswith((" ", "\t")):
            lines[-1] += line[1:]
        elif line:
            lines.append(line)
    parsed = []
    for line in lines:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        parsed.append((name.upper(), dict(param.split("=", 1) for param in params), value))
    return parsed


def events(parsed):
    """The VEVENTs of unfolded lines, as dicts of name -> (params, value)."""
    found, current = [], None
    for name, params, value in parsed:
        if (name, value) == ("BEGIN", "VEVENT"):
            current = {}
        elif (name, value) == ("END", "VEVENT"):
            found.append(current)
            current = None
        elif current is not None:
            current[name] = (params, value)
    return found


class CalendarTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = CoursePageFactory(parent=catalogue, title="Presupuesto participativo")
        cls.other_course = CoursePageFactory(parent=catalogue, title="Emprendimiento comunitario")
        cls.teacher = make_user(email="rosa@example.cl", first_name="Rosa", last_name="Díaz")
        cls.cohort = make_cohort(course=cls.course, name="Grupo Ñuñoa", instructors=[cls.teacher])
        cls.other_cohort = make_cohort(course=cls.course, name="Grupo Maipú")
        today = timezone.localdate()
        cls.session = services.session_create(
            cohort=cls.cohort,
            date=today + timedelta(days=3),
            start_time=time(18, 30),
            end_time=time(20, 30),
            place="Sede vecinal Los Aromos",
            address="Los Aromos 1450, Peñalolén",
            directions=LONG_DIRECTIONS,
        )
        cls.past = services.session_create(
            cohort=cls.cohort, date=today - timedelta(days=4), start_time=time(10), end_time=time(12), place="Sede"
        )
        cls.other_session = services.session_create(
            cohort=cls.other_cohort,
            date=today + timedelta(days=1),
            start_time=time(9),
            end_time=time(11),
            place="Centro cultural de Maipú",
        )
        cls.ana = learner(email="ana@example.cl", given_names="Ana", family_names="Pérez")
        cls.luis = learner(email="luis@example.cl", given_names="Luis", family_names="Vera")
        cls.ana_enrolment = services.enrolment_create(user=cls.ana, course=cls.course, cohort=cls.cohort)
        services.enrolment_create(user=cls.luis, course=cls.course, cohort=cls.other_cohort)

    def reload(self, session):
        return Session.objects.get(pk=session.pk)


# Services ----------------------------------------------------------------------------------------------------------


class SessionServiceTests(CalendarTestCase):
    def test_create_derives_the_duration_and_starts_scheduled(self):
        self.assertEqual(self.session.duration_hours, Decimal("2.0"))
        self.assertEqual((self.session.status, self.session.sequence), (Session.Status.SCHEDULED, 0))

    def test_a_session_must_end_after_it_starts(self):
        with self.assertRaises(services.EnrolmentError):
            services.session_create(
                cohort=self.cohort, date=timezone.localdate(), start_time=time(18), end_time=time(17), place="Sede"
            )
        with self.assertRaises(services.EnrolmentError):
            services.session_change(session=self.session, end_time=time(18, 0))
        self.assertEqual(self.reload(self.session).end_time, time(20, 30))

    def test_saving_the_same_values_changes_nothing(self):
        change = services.session_change(
            session=self.session, place=self.session.place, start_time=time(18, 30), status=Session.Status.SCHEDULED
        )
        self.assertEqual(change.changed, frozenset())
        self.assertFalse(change.calendar_changed)
        session = self.reload(self.session)
        self.assertEqual((session.status, session.sequence), (Session.Status.SCHEDULED, 0))

    def test_a_new_time_or_place_marks_it_changed_and_bumps_the_sequence_once(self):
        change = services.session_change(session=self.session, start_time=time(19), end_time=time(21, 15), place="Otra")
        self.assertTrue(change.rescheduled)
        self.assertEqual(change.changed, {"start_time", "end_time", "place", "status"})
        self.assertEqual(change.previous["place"], "Sede vecinal Los Aromos")
        self.assertEqual(change.previous["status"], Session.Status.SCHEDULED)
        session = self.reload(self.session)
        self.assertEqual((session.status, session.sequence), (Session.Status.CHANGED, 1))
        self.assertEqual(session.duration_hours, Decimal("2.3"))
        services.session_change(session=session, date=session.date + timedelta(days=1))
        session = self.reload(self.session)
        self.assertEqual((session.status, session.sequence), (Session.Status.CHANGED, 2))

    def test_new_directions_bump_the_sequence_but_keep_it_scheduled(self):
        change = services.session_change(session=self.session, directions="Por la puerta lateral.")
        self.assertTrue(change.calendar_changed)
        self.assertFalse(change.rescheduled)
        session = self.reload(self.session)
        self.assertEqual((session.status, session.sequence), (Session.Status.SCHEDULED, 1))

    def test_suspending_and_bringing_back(self):
        change = services.session_suspend(session=self.session)
        self.assertTrue(change.suspended)
        session = self.reload(self.session)
        self.assertEqual((session.status, session.sequence), (Session.Status.SUSPENDED, 1))
        again = services.session_suspend(session=session)
        self.assertFalse(again.changed)
        self.assertEqual(self.reload(self.session).sequence, 1)
        back = services.session_change(session=session, status=Session.Status.SCHEDULED)
        self.assertTrue(back.reinstated)
        session = self.reload(self.session)
        self.assertEqual((session.status, session.sequence), (Session.Status.CHANGED, 2))

    def test_marking_it_held_does_not_touch_calendars(self):
        change = services.session_change(session=self.past, status=Session.Status.HELD)
        self.assertEqual(change.changed, {"status"})
        self.assertEqual(self.reload(self.past).sequence, 0)

    def test_unknown_fields_are_refused(self):
        with self.assertRaises(TypeError):
            services.session_change(session=self.session, sequence=9)

    def test_admin_edit_goes_through_the_service(self):
        admin = make_user(email="admin@example.cl", is_superuser=True, is_staff=True)
        self.client.force_login(admin)
        url = reverse("learners_session:edit", args=[self.session.pk])
        form = {
            "cohort": self.cohort.pk,
            "date": self.session.date.isoformat(),
            "start_time": "18:30",
            "end_time": "20:30",
            "place": self.session.place,
            "address": self.session.address,
            "directions": self.session.directions,
            "instructor": "",
            "status": Session.Status.SCHEDULED,
        }
        self.assertEqual(self.client.post(url, form).status_code, 302)
        session = self.reload(self.session)
        self.assertEqual((session.status, session.sequence), (Session.Status.SCHEDULED, 0))
        self.assertEqual(self.client.post(url, {**form, "instructor": self.teacher.pk}).status_code, 302)
        self.assertEqual(self.reload(self.session).sequence, 1)
        response = self.client.post(url, {**form, "instructor": self.teacher.pk, "end_time": "18:00"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "La sesión debe terminar después de empezar.")
        self.assertEqual(
            self.client.post(url, {**form, "instructor": self.teacher.pk, "start_time": "19:00"}).status_code, 302
        )
        session = self.reload(self.session)
        self.assertEqual((session.status, session.sequence, session.duration_hours), ("changed", 2, Decimal("1.5")))


# The .ics files ----------------------------------------------------------------------------------------------------


class SessionFileTests(CalendarTestCase):
    def download(self, session, user=None):
        self.client.force_login(user or self.ana)
        return self.client.get(reverse("learners:session_ics", args=[session.pk]))

    def test_the_file_parses_with_icalendar(self):
        response = self.download(self.session)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        self.assertIn("attachment", response["Content-Disposition"])
        calendar = icalendar.Calendar.from_ical(response.content)
        [event] = calendar.events
        self.assertEqual(str(event["UID"]), f"session-{self.session.pk}@{public_host()}")
        self.assertEqual(event["SEQUENCE"], 0)
        self.assertEqual(str(event["STATUS"]), "CONFIRMED")
        self.assertEqual(event.start.tzinfo.key, "America/Santiago")
        self.assertEqual((event.start.date(), event.start.time()), (self.session.date, time(18, 30)))
        self.assertEqual(event.end.time(), time(20, 30))
        self.assertEqual(str(event["LOCATION"]), "Sede vecinal Los Aromos, Los Aromos 1450, Peñalolén")
        self.assertIn(LONG_DIRECTIONS, str(event["DESCRIPTION"]))
        self.assertIn(f"{public_host()}{self.course.url}", str(event["DESCRIPTION"]))
        self.assertEqual([tz.tz_name for tz in calendar.timezones], ["America/Santiago"])

    def test_the_raw_text_has_crlf_folded_lines_and_reads_the_same_independently(self):
        raw = self.download(self.session).content
        self.assertIn(b"\r\n ", raw)  # long lines are folded
        self.assertTrue(all(len(line) <= 75 for line in raw.split(b"\r\n")))
        parsed = unfold(raw)
        self.assertEqual(parsed[0], ("BEGIN", {}, "VCALENDAR"))
        self.assertIn(("TZID", {}, "America/Santiago"), parsed)
        [event] = events(parsed)
        start_params, start = event["DTSTART"]
        self.assertEqual(start_params, {"TZID": "America/Santiago"})
        self.assertEqual(start, f"{self.session.date:%Y%m%d}T183000")
        self.assertEqual(event["DTEND"], ({"TZID": "America/Santiago"}, f"{self.session.date:%Y%m%d}T203000"))
        self.assertEqual(event["UID"][1], f"session-{self.session.pk}@{public_host()}")
        self.assertEqual(event["LOCATION"][1], "Sede vecinal Los Aromos\\, Los Aromos 1450\\, Peñalolén")
        self.assertIn(
            "Cómo llegar: " + LONG_DIRECTIONS.replace(",", "\\,").replace(";", "\\;"), event["DESCRIPTION"][1]
        )

    def test_a_change_keeps_the_uid_and_raises_the_sequence_and_a_suspension_cancels(self):
        before = events(unfold(self.download(self.session).content))[0]
        services.session_change(session=self.session, place="Gimnasio municipal")
        changed = events(unfold(self.download(self.session).content))[0]
        self.assertEqual(changed["UID"], before["UID"])
        self.assertEqual((before["SEQUENCE"][1], changed["SEQUENCE"][1]), ("0", "1"))
        services.session_suspend(session=self.session)
        cancelled = icalendar.Calendar.from_ical(self.download(self.session).content).events[0]
        self.assertEqual(str(cancelled["STATUS"]), "CANCELLED")
        self.assertEqual(cancelled["SEQUENCE"], 2)
        self.assertEqual(str(cancelled["UID"]), before["UID"][1])


class SessionFilePermissionTests(CalendarTestCase):
    def url(self, session):
        return reverse("learners:session_ics", args=[session.pk])

    def test_anonymous_is_sent_to_log_in(self):
        response = self.client.get(self.url(self.session))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_only_people_who_may_see_the_session(self):
        withdrawn = learner(email="carla@example.cl")
        services.enrolment_withdraw(
            enrolment=services.enrolment_create(user=withdrawn, course=self.course, cohort=self.cohort)
        )
        waiting = learner(email="eva@example.cl")  # after the withdrawal, which lets the waitlist in
        Enrolment.objects.create(
            user=waiting, course=self.course, cohort=self.cohort, status="waitlisted", waitlisted_at=timezone.now()
        )
        scoped = make_user(email="coordina@example.cl")
        scoped.user_permissions.add(Permission.objects.get(codename="view_session", content_type__app_label="learners"))
        superuser = make_user(email="root@example.cl", is_superuser=True, is_staff=True)
        cases = [
            (self.ana, self.session, 200),
            (self.ana, self.past, 200),
            (self.ana, self.other_session, 404),  # another cohort of the same course
            (self.luis, self.session, 404),
            (self.luis, self.other_session, 200),
            (waiting, self.session, 404),
            (withdrawn, self.session, 404),
            (self.teacher, self.session, 200),  # instructor of the cohort
            (self.teacher, self.other_session, 404),
            (scoped, self.session, 404),  # a staff permission without the cohort in her scope
            (superuser, self.other_session, 200),
        ]
        for user, session, status in cases:
            with self.subTest(user=user.email, session=session.pk):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.url(session)).status_code, status)
        self.client.force_login(self.ana)
        self.assertEqual(self.client.get(reverse("learners:session_ics", args=[999999])).status_code, 404)

    def test_the_session_instructor_sees_it(self):
        guest = make_user(email="invitada@example.cl", is_staff=True)
        services.session_change(session=self.other_session, instructor=guest)
        self.client.force_login(guest)
        self.assertEqual(self.client.get(self.url(self.other_session)).status_code, 200)
        self.assertEqual(self.client.get(self.url(self.session)).status_code, 404)


# Subscriptions ------------------------------------------------------------------------------------------------------


class SubscriptionTests(CalendarTestCase):
    def feed(self, token):
        return self.client.get(reverse("learners:calendar_feed", args=[token]))

    def test_the_address_works_without_logging_in_and_holds_only_her_sessions(self):
        feed = calendar_services.calendar_feed_regenerate(user=self.ana, kind=CalendarFeed.Kind.LEARNER)
        response = self.feed(feed.token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        uids = {str(event["UID"]) for event in icalendar.Calendar.from_ical(response.content).events}
        host = public_host()
        self.assertEqual(uids, {f"session-{self.session.pk}@{host}", f"session-{self.past.pk}@{host}"})

    def test_regenerating_stops_the_old_address_at_once(self):
        old = calendar_services.calendar_feed_regenerate(user=self.ana, kind=CalendarFeed.Kind.LEARNER).token
        self.client.force_login(self.ana)
        response = self.client.post(reverse("learners:calendar_feed_regenerate", args=["learner"]))
        self.assertRedirects(response, reverse("learners:my_calendar"))
        new = CalendarFeed.objects.get(user=self.ana).token
        self.assertNotEqual(new, old)
        self.client.logout()
        self.assertEqual(self.feed(old).status_code, 404)
        self.assertEqual(self.feed(new).status_code, 200)

    def test_wrong_or_unknown_tokens_get_the_same_404(self):
        token = calendar_services.calendar_feed_regenerate(user=self.ana, kind=CalendarFeed.Kind.LEARNER).token
        wrong_secret = token[:12] + ("A" if token[12] != "A" else "B") + token[13:]
        for candidate in [wrong_secret, token[:12], token[:-1], "x" * 44, token + "x"]:
            with self.subTest(candidate=candidate):
                response = self.feed(candidate)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(b"BEGIN:VCALENDAR", response.content)

    def test_deactivated_and_blocked_accounts_lose_the_feed(self):
        token = calendar_services.calendar_feed_regenerate(user=self.ana, kind=CalendarFeed.Kind.LEARNER).token
        learner_block(user=self.ana, by=None)
        self.assertEqual(self.feed(token).status_code, 404)
        luis = calendar_services.calendar_feed_regenerate(user=self.luis, kind=CalendarFeed.Kind.LEARNER).token
        self.luis.is_active = False
        self.luis.save(update_fields=["is_active"])
        self.assertEqual(self.feed(luis).status_code, 404)

    def test_instructor_feed_holds_the_sessions_she_teaches(self):
        self.client.force_login(self.teacher)
        self.client.post(reverse("learners:calendar_feed_regenerate", args=["instructor"]))
        feed = CalendarFeed.objects.get(user=self.teacher, kind=CalendarFeed.Kind.INSTRUCTOR)
        self.client.logout()
        calendar = icalendar.Calendar.from_ical(self.feed(feed.token).content)
        self.assertEqual(len(calendar.events), 2)
        self.assertEqual(str(calendar["X-WR-CALNAME"]), "Sesiones que enseño")

    def test_regenerating_needs_a_post_a_login_and_a_reason(self):
        url = reverse("learners:calendar_feed_regenerate", args=["learner"])
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertFalse(CalendarFeed.objects.exists())
        self.client.force_login(self.ana)
        self.assertEqual(self.client.get(url).status_code, 405)
        self.assertEqual(
            self.client.post(reverse("learners:calendar_feed_regenerate", args=["instructor"])).status_code, 404
        )
        self.assertEqual(self.client.post(reverse("learners:calendar_feed_regenerate", args=["otro"])).status_code, 404)
        self.assertFalse(CalendarFeed.objects.exists())

    def test_the_export_says_a_subscription_exists_without_its_address(self):
        feed = calendar_services.calendar_feed_regenerate(user=self.ana, kind=CalendarFeed.Kind.LEARNER)
        archive = zipfile.ZipFile(io.BytesIO(learner_data_zip(user=self.ana)))
        data = json.loads(archive.read("datos.json"))
        self.assertEqual([row["tipo"] for row in data["suscripciones_calendario"]], ["mis_sesiones"])
        self.assertIn("suscripciones_calendario.csv", archive.namelist())
        everything = b"".join(archive.read(name) for name in archive.namelist())
        self.assertNotIn(feed.secret.encode(), everything)
        self.assertNotIn(feed.key.encode(), everything)

    def test_deleting_the_account_deletes_the_subscription(self):
        token = calendar_services.calendar_feed_regenerate(user=self.ana, kind=CalendarFeed.Kind.LEARNER).token
        erasure = learner_delete(user=self.ana, by=None)
        self.assertEqual(erasure.counts["calendar_subscriptions"], 1)
        self.assertFalse(CalendarFeed.objects.exists())
        self.assertEqual(self.feed(token).status_code, 404)


# Pages -------------------------------------------------------------------------------------------------------------


class LearnerPagesTests(CalendarTestCase):
    def test_my_calendar_needs_a_login(self):
        response = self.client.get(reverse("learners:my_calendar"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_my_calendar_lists_her_sessions_next_first_and_folds_past_ones(self):
        later = services.session_create(
            cohort=self.cohort,
            date=self.session.date + timedelta(days=7),
            start_time=time(18, 30),
            end_time=time(20, 30),
            place="Sede",
        )
        services.session_suspend(session=later)
        self.client.force_login(self.ana)
        response = self.client.get(reverse("learners:my_calendar"))
        self.assertEqual(response.status_code, 200)
        calendar = response.context["calendar"]
        self.assertEqual([s.pk for s in calendar.upcoming], [self.session.pk, later.pk])
        self.assertEqual([s.pk for s in calendar.past], [self.past.pk])
        self.assertNotContains(response, "Centro cultural de Maipú")
        html = response.content.decode()
        self.assertIn('<details class="cal-past">', html)
        self.assertIn("Suspendida", html)
        self.assertIn("<s>", html)
        self.assertIn(f"{self.session.date:%d/%m/%Y}", html)
        self.assertIn("18:30 a 20:30 h", html)
        self.assertIn("Crear mi dirección de calendario", html)
        self.assertNotIn("<script", html.split("<main", 1)[-1])

    def test_my_calendar_shows_the_address_once_created(self):
        feed = calendar_services.calendar_feed_regenerate(user=self.ana, kind=CalendarFeed.Kind.LEARNER)
        self.client.force_login(self.ana)
        response = self.client.get(reverse("learners:my_calendar"))
        self.assertContains(response, feed.token)
        self.assertContains(response, "webcal://")
        self.assertNotContains(response, "Sesiones que enseñas")

    def test_my_calendar_queries_do_not_grow_with_sessions(self):
        self.client.force_login(self.ana)
        calendar_services.calendar_feed_regenerate(user=self.ana, kind=CalendarFeed.Kind.LEARNER)
        Session.objects.exclude(pk=self.session.pk).delete()
        self.client.get(reverse("learners:my_calendar"))  # warm caches (site root paths, notice)
        with CaptureQueriesContext(connection) as one:
            self.assertEqual(self.client.get(reverse("learners:my_calendar")).status_code, 200)
        for day in range(19):
            services.session_create(
                cohort=self.cohort,
                date=timezone.localdate() + timedelta(days=day - 5),
                start_time=time(9),
                end_time=time(11),
                place=f"Sede {day}",
                instructor=self.teacher,
            )
        self.assertEqual(Session.objects.filter(cohort=self.cohort).count(), 20)
        with CaptureQueriesContext(connection) as twenty:
            response = self.client.get(reverse("learners:my_calendar"))
        self.assertEqual(len(response.context["calendar"].upcoming) + len(response.context["calendar"].past), 20)
        self.assertEqual(len(twenty), len(one), [query["sql"] for query in twenty.captured_queries])

    def test_course_page_shows_her_cohort_sessions_only_to_her(self):
        services.session_suspend(session=self.past)
        self.client.force_login(self.ana)
        response = self.client.get(self.course.url)
        self.assertContains(response, "Sesiones presenciales de tu grupo")
        self.assertContains(response, "Sede vecinal Los Aromos")
        self.assertContains(response, "Los Aromos 1450, Peñalolén")
        self.assertNotContains(response, "Centro cultural de Maipú")
        self.assertContains(response, reverse("learners:session_ics", args=[self.session.pk]))
        self.client.logout()
        response = self.client.get(self.course.url)
        self.assertNotContains(response, "Sede vecinal Los Aromos")
        self.client.force_login(learner(email="visita@example.cl"))
        self.assertNotContains(self.client.get(self.course.url), "Sede vecinal Los Aromos")

    def test_my_courses_shows_the_next_session_first(self):
        services.session_create(
            cohort=self.cohort,
            date=self.session.date + timedelta(days=1),
            start_time=time(9),
            end_time=time(10),
            place="Biblioteca municipal",
        )
        self.client.force_login(self.ana)
        response = self.client.get(reverse("learners:dashboard"))
        dashboard = response.context["dashboard"]
        self.assertEqual([s.pk for s in dashboard.upcoming_sessions][:1], [self.session.pk])
        self.assertEqual(dashboard.in_progress[0].next_session.pk, self.session.pk)
        html = response.content.decode()
        self.assertIn(f"Próxima sesión: {self.session.date:%d/%m/%Y}, 18:30 h, Sede vecinal Los Aromos", html)
        self.assertLess(html.index("Sede vecinal Los Aromos"), html.index("Biblioteca municipal"))
        self.assertContains(response, reverse("learners:my_calendar"))

    def test_my_courses_with_in_person_sessions_in_a_fixed_number_of_queries(self):
        from tests.learners.test_query_budgets import DASHBOARD_QUERIES

        for day in range(2, 6):  # more upcoming sessions, each with its instructor
            services.session_create(
                cohort=self.cohort,
                date=self.session.date + timedelta(days=day),
                start_time=time(9),
                end_time=time(10),
                place=f"Sala {day}",
                instructor=self.teacher,
            )
        self.client.force_login(self.ana)
        for _ in range(2):  # the page cache (the course and its lessons) and the site's settings
            self.client.get(reverse("learners:dashboard"))
        # … plus the sessions held and her attendance (attendance_summaries) and the upcoming sessions
        with self.assertNumQueries(DASHBOARD_QUERIES + 3):
            response = self.client.get(reverse("learners:dashboard"))
        self.assertContains(response, "Con Rosa Díaz")
        self.assertContains(response, "<strong>Presupuesto participativo</strong>", html=False)

    def test_a_suspended_next_session_is_labelled_and_not_called_next(self):
        services.session_suspend(session=self.session)
        self.client.force_login(self.ana)
        response = self.client.get(reverse("learners:dashboard"))
        self.assertIsNone(response.context["dashboard"].in_progress[0].next_session)
        self.assertContains(response, "Suspendida")


class EndTimeMigrationTests(TestCase):
    """The data step of 0012: existing sessions get start + duration as their end (the end of the day at most)."""

    def test_end_times_come_from_the_duration(self):
        from importlib import import_module

        migration = import_module("learners.migrations.0014_session_calendar")

        class Row:
            def __init__(self, start, hours):
                self.start_time, self.duration_hours, self.end_time, self.saved = start, Decimal(hours), None, False

            def save(self, update_fields):
                self.saved = update_fields == ["end_time"]

        rows = [Row(time(18, 30), "2.0"), Row(time(9, 15), "1.5"), Row(time(23), "3"), Row(time(10), "0")]

        class Rows:
            def filter(self, **kwargs):
                assert kwargs == {"end_time__isnull": True}
                return self

            def iterator(self):
                return iter(rows)

        class Apps:
            def get_model(self, app_label, name):
                assert (app_label, name) == ("learners", "Session")
                return type("Session", (), {"objects": Rows()})

        migration.fill_end_times(Apps(), None)
        self.assertEqual(
            [row.end_time for row in rows], [time(20, 30), time(10, 45), time(23, 59, 59), time(23, 59, 59)]
        )
        self.assertTrue(all(row.saved for row in rows))


class SuspendedSessionAttendanceTests(CalendarTestCase):
    def test_a_suspended_session_is_not_counted_as_held(self):
        from learners.attendance.selectors import attendance_summaries, attendance_summary

        self.assertEqual(attendance_summary(enrolment=self.ana_enrolment).held, 1)
        services.session_suspend(session=self.past)
        self.assertIsNone(attendance_summary(enrolment=self.ana_enrolment).percent)
        self.assertEqual(attendance_summary(enrolment=self.ana_enrolment).held, 0)
        self.assertEqual(attendance_summaries(enrolments=[self.ana_enrolment]), {})
        self.client.force_login(self.ana)
        response = self.client.get(reverse("learners:my_grades", args=[self.course.pk]))
        self.assertContains(response, "Suspendida")


class FeedMethodTests(CalendarTestCase):
    def test_head_is_answered_and_post_refused(self):
        token = calendar_services.calendar_feed_regenerate(user=self.ana, kind=CalendarFeed.Kind.LEARNER).token
        url = reverse("learners:calendar_feed", args=[token])
        self.assertEqual(self.client.head(url).status_code, 200)
        self.assertEqual(self.client.post(url).status_code, 405)
